import { z } from 'zod';
import { activeItems } from './agreement.js';
import { AGREEMENT_LEVELS } from './drafting.js';
import type { SessionState } from './state.js';

/**
 * The ratings that counted, as the signed export carries them, under rater pseudonyms.
 *
 * A row has no time of its own: a rating's timestamp can be matched against who was
 * online, who had just spoken or who was seen at a device, and it says nothing about
 * the decision. Only the round's closing time is given (the rating as it stood then).
 */
export const ratingRowSchema = z.strictObject({
  roundId: z.string(),
  roomId: z.string(),
  recommendationId: z.string(),
  /** "Rater 1"… numbered afresh for every export, in an order only the server can compute. */
  rater: z.string(),
  level: z.enum(AGREEMENT_LEVELS),
  reason: z.string().nullable(),
  /** Null while the round is still open (its ratings may still change). */
  roundClosedAt: z.iso.datetime().nullable(),
});
export type RatingRow = z.infer<typeof ratingRowSchema>;

/** A counted rating before its rater is given a pseudonym. */
export type CountedRating = Omit<RatingRow, 'rater'> & { participantId: string };

/**
 * Sort key per rater: raters are numbered "Rater 1…N" in the order of their keys. The
 * server passes a keyed hash so that the numbering is random per export and nobody
 * without its secret can recompute it (server/src/outcome/raterPseudonyms.ts).
 */
export type RaterKey = (participantId: string) => string;

/** Participant ids are random, so this default reveals no join order; it is the same in every export, though. */
export const byParticipantId: RaterKey = (id) => id;

/**
 * Every rating that counted, in round order, then the order of the texts in the round:
 * those of cancelled rounds and of withdrawn texts decided nothing and are left out.
 */
export function countedRatings(state: SessionState): CountedRating[] {
  return state.roundOrder.flatMap((roundId) => {
    const round = state.rounds[roundId]!;
    if (round.cancelled) return [];
    const roundClosedAt = round.closedAt === null ? null : new Date(round.closedAt).toISOString();
    return activeItems(round).flatMap((item) =>
      Object.entries(round.ratings[item.recommendationId] ?? {}).map(([participantId, rating]) => ({
        roundId,
        roomId: round.roomId,
        recommendationId: item.recommendationId,
        participantId,
        level: rating.level,
        reason: rating.reason,
        roundClosedAt,
      })),
    );
  });
}

export const raterLabel = (n: number) => `Rater ${n}`;

/**
 * The rows under pseudonyms, ordered so that their order says nothing either: by round,
 * by text within the round, then by pseudonym (never by when or in what order people rated).
 */
export function pseudonymisedRatings(counted: readonly CountedRating[], key: RaterKey): RatingRow[] {
  const raters = [...new Set(counted.map((r) => r.participantId))].map((id) => ({ id, key: key(id) })).sort((a, b) => compare(a.key, b.key) || compare(a.id, b.id));
  const number = new Map(raters.map((r, i) => [r.id, i + 1]));
  // Counted ratings come grouped by round and text already; sort each group's raters by number.
  const position = new Map<string, number>();
  for (const r of counted) {
    const group = `${r.roundId}\u0000${r.recommendationId}`;
    if (!position.has(group)) position.set(group, position.size);
  }
  return counted
    .map((r) => ({ r, group: position.get(`${r.roundId}\u0000${r.recommendationId}`)!, n: number.get(r.participantId)! }))
    .sort((a, b) => a.group - b.group || a.n - b.n)
    .map(({ r, n }) => ({
      roundId: r.roundId,
      roomId: r.roomId,
      recommendationId: r.recommendationId,
      rater: raterLabel(n),
      level: r.level,
      reason: r.reason,
      roundClosedAt: r.roundClosedAt,
    }));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
