import { AGREEMENT_LEVELS, tally } from './drafting.js';
import type { Round, RoundResult, SessionState } from './state.js';

/**
 * The outcome of a round, from its ratings and the texts in the document at
 * closing. A recommendation whose text changed after the round opened is never
 * agreed: the vote was on other words, and the new words need a new round.
 */
export function roundResults(round: Round, currentHashes: Readonly<Record<string, string | null>>): RoundResult[] {
  return activeItems(round).map((item) => {
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
      minorityNotes: ratings.filter((r) => !supportive.has(r.level) && r.reason).map((r) => ({ level: r.level, reason: r.reason! })),
    };
  });
}

/** The texts a round judges: those put to the vote and not withdrawn. */
export function activeItems(round: Pick<Round, 'items' | 'withdrawn'>): Round['items'] {
  return round.withdrawn.length ? round.items.filter((i) => !round.withdrawn.includes(i.recommendationId)) : round.items;
}

/** Texts frozen in a room right now: those of its open round that were not withdrawn (see lockGuard on the server). */
export function frozenItems(state: Pick<SessionState, 'rounds' | 'roundOrder'>, roomId: string): Round['items'] {
  for (let i = state.roundOrder.length - 1; i >= 0; i--) {
    const round = state.rounds[state.roundOrder[i]!]!;
    if (round.roomId === roomId && round.closedAt === null) return activeItems(round);
  }
  return [];
}

/**
 * Minority notes by level, then text, for showing and exporting. The state keeps them in
 * the order people first rated, which would let anyone who watched the room match a note
 * to a person; the state itself keeps that order so that replaying old logs gives the same state.
 */
export function notesInOrder(notes: readonly RoundResult['minorityNotes'][number][]): RoundResult['minorityNotes'] {
  const rank = (l: RoundResult['minorityNotes'][number]['level']) => AGREEMENT_LEVELS.indexOf(l);
  return [...notes].sort((a, b) => rank(a.level) - rank(b.level) || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
}

/** Results as everyone is shown them: minority notes in an order that tells nothing. */
export function shownResults(results: readonly RoundResult[]): RoundResult[] {
  return results.map((r) => ({ ...structuredClone(r), minorityNotes: notesInOrder(r.minorityNotes) }));
}

/** Live results while a round is open: as if it closed now with the texts unchanged. */
export function provisionalResults(round: Round): RoundResult[] {
  return roundResults(round, Object.fromEntries(round.items.map((i) => [i.recommendationId, i.textHash])));
}
