import type { CountedRating, RaterKey, RatingRow } from '../../../shared/src/index.js';

export type RaterMatch = { ok: true; raterKey: RaterKey; raters: number } | { ok: false; reason: string };

const PSEUDONYM = /^Rater ([1-9]\d{0,8})$/;

/** One rating without its rater, as a string: two rows are the same rating exactly when these are equal. */
const fingerprint = (r: Omit<RatingRow, 'rater'>) => JSON.stringify([r.roundId, r.roomId, r.recommendationId, r.level, r.reason, r.roundClosedAt]);

/** Everything one rater rated, order aside. */
function profiles<Row extends Omit<RatingRow, 'rater'>>(rows: readonly Row[], who: (row: Row) => string): Map<string, string> {
  const byRater = new Map<string, string[]>();
  for (const row of rows) {
    const list = byRater.get(who(row));
    if (list) list.push(fingerprint(row));
    else byRater.set(who(row), [fingerprint(row)]);
  }
  return new Map([...byRater].map(([rater, list]) => [rater, JSON.stringify(list.sort())]));
}

/**
 * Whether the export's ratings are the log's up to a renaming of the raters: a
 * one-to-one mapping from the log's raters to the export's pseudonyms under which
 * each rater rated exactly the same things. The pseudonyms come from a secret the
 * verifier does not hold, so this is as much as anyone can check; a changed level or
 * reason, a dropped or added row, or two raters merged into one leave no such mapping.
 *
 * On success, the numbering that mapping implies, so the caller can rebuild the export
 * and compare it byte for byte (which also checks the rows' order and the labels).
 * Raters who rated exactly the same things are interchangeable: either way gives the same bytes.
 */
export function matchRaters(claimed: readonly RatingRow[], logged: readonly CountedRating[]): RaterMatch {
  const theirs = profiles(claimed, (r) => r.rater);
  const ours = profiles(logged, (r) => r.participantId);
  if (theirs.size !== ours.size) return { ok: false, reason: `the export has ${theirs.size} raters, the log ${ours.size}` };
  if (claimed.length !== logged.length) return { ok: false, reason: `the export has ${claimed.length} ratings, the log ${logged.length}` };

  const labelsByProfile = new Map<string, string[]>();
  for (const [label, profile] of theirs) {
    const list = labelsByProfile.get(profile);
    if (list) list.push(label);
    else labelsByProfile.set(profile, [label]);
  }
  const numberOf = new Map<string, number>();
  for (const [participantId, profile] of ours) {
    const label = labelsByProfile.get(profile)?.pop();
    if (label === undefined) return { ok: false, reason: 'a rater in the log rated differently from every rater in the export' };
    const n = PSEUDONYM.exec(label);
    if (!n) return { ok: false, reason: `“${label}” is not a rater pseudonym (Rater 1, Rater 2, …)` };
    numberOf.set(participantId, Number(n[1]));
  }
  return { ok: true, raters: ours.size, raterKey: (id) => String(numberOf.get(id) ?? 0).padStart(10, '0') };
}
