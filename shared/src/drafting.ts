import { z } from 'zod';
import { AGREEMENT_LEVELS, type AgreementLevel } from './vocabulary.js';

/*
 * Drafting: the Yjs document's layout (draftDoc.ts, which the browser imports without
 * zod) and the agreement rules that decide when a recommendation is agreed.
 */
export * from './draftDoc.js';

export { AGREEMENT_LEVELS, type AgreementLevel } from './vocabulary.js';

export const AGREEMENT_DESCRIPTIONS: Record<AgreementLevel, string> = {
  'full-support': 'I fully support this.',
  'support-with-reservations': 'I support this, with minor reservations.',
  'can-live-with': 'I can live with this.',
  'more-discussion-needed': 'We need more discussion.',
  'serious-concerns': 'I have serious concerns.',
  block: 'I block this: it must not go forward.',
};

const agreementRuleFields = {
  /** Share of ratings that must be at the top `topLevels` levels. */
  minShare: z.number().min(0).max(1).default(0.75),
  topLevels: z.number().int().min(1).max(AGREEMENT_LEVELS.length).default(2),
  /** How many blocks are tolerated (0: any block stops it). */
  maxBlocks: z.number().int().min(0).default(0),
  /** Fewest ratings for a result to count at all. */
  minRatings: z.number().int().min(1).default(1),
};
/** When a recommendation counts as agreed: data, chosen per session. Omitted fields take the defaults. */
export const agreementRuleSchema = z.strictObject(agreementRuleFields);
export type AgreementRule = z.infer<typeof agreementRuleSchema>;
/** A rule given as a settings change: every field, so a change never silently resets the others. */
export const agreementRuleChangeSchema = z.strictObject({
  minShare: agreementRuleFields.minShare.unwrap(),
  topLevels: agreementRuleFields.topLevels.unwrap(),
  maxBlocks: agreementRuleFields.maxBlocks.unwrap(),
  minRatings: agreementRuleFields.minRatings.unwrap(),
});

export interface Tally {
  counts: Record<AgreementLevel, number>;
  total: number;
  supportShare: number;
  blocks: number;
  agreed: boolean;
}

export function tally(levels: readonly AgreementLevel[], rule: AgreementRule): Tally {
  const counts = Object.fromEntries(AGREEMENT_LEVELS.map((l) => [l, 0])) as Record<AgreementLevel, number>;
  for (const l of levels) counts[l] += 1;
  const total = levels.length;
  const top = AGREEMENT_LEVELS.slice(0, rule.topLevels).reduce((n, l) => n + counts[l], 0);
  const supportShare = total === 0 ? 0 : top / total;
  const blocks = counts.block;
  return { counts, total, supportShare, blocks, agreed: total >= rule.minRatings && supportShare >= rule.minShare && blocks <= rule.maxBlocks };
}

export function describeAgreementRule(rule: AgreementRule): string {
  const top = AGREEMENT_LEVELS.slice(0, rule.topLevels)
    .map((l) => `“${AGREEMENT_DESCRIPTIONS[l]}”`)
    .join(' or ');
  const blocks = rule.maxBlocks === 0 ? 'and nobody blocks it' : `and at most ${rule.maxBlocks} block it`;
  return `Agreed when at least ${Math.round(rule.minShare * 100)}% answer ${top}, ${blocks} (at least ${rule.minRatings} rating${rule.minRatings === 1 ? '' : 's'}).`;
}
