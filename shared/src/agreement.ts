import { AGREEMENT_LEVELS, tally } from './drafting.js';
import type { Round, RoundResult } from './state.js';

/**
 * The outcome of a round, from its ratings and the texts in the document at
 * closing. A recommendation whose text changed after the round opened is never
 * agreed: the vote was on other words, and the new words need a new round.
 */
export function roundResults(round: Round, currentHashes: Readonly<Record<string, string | null>>): RoundResult[] {
  return round.items.map((item) => {
    const ratings = Object.values(round.ratings[item.recommendationId] ?? {});
    const t = tally(
      ratings.map((r) => r.level),
      round.rule,
    );
    const textChanged = currentHashes[item.recommendationId] !== item.textHash;
    const supportive = new Set(AGREEMENT_LEVELS.slice(0, round.rule.topLevels));
    return {
      recommendationId: item.recommendationId,
      tally: t,
      textChanged,
      agreed: t.agreed && !textChanged,
      minorityNotes: ratings
        .filter((r) => !supportive.has(r.level) && r.reason)
        .map((r) => ({ level: r.level, reason: r.reason! })),
    };
  });
}

/** Live results while a round is open: as if it closed now with the texts unchanged. */
export function provisionalResults(round: Round): RoundResult[] {
  return roundResults(round, Object.fromEntries(round.items.map((i) => [i.recommendationId, i.textHash])));
}
