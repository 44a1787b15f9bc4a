import { roundResults } from '../agreement.js';
import { roomScoped } from '../drafting.js';
import type { Round } from '../state.js';
import type { Appliers, EventsOf } from './applier.js';

/** Agreement rounds, and the texts they agree and lock. */
export const roundAppliers: Appliers<EventsOf<'round'> | EventsOf<'recommendation'>> = {
  'round.opened': (s, e) => {
    const p = e.payload;
    s.rounds[p.roundId] = {
      id: p.roundId,
      roomId: p.roomId,
      rule: p.rule,
      openedAt: e.at,
      closesAt: p.closesAt ?? null,
      closedAt: null,
      cancelled: false,
      items: p.items,
      withdrawn: [],
      statement: null,
      ratings: {},
      results: null,
    };
    s.roundOrder.push(p.roundId);
  },
  'round.withdrawn': (s, e) => {
    const round = s.rounds[e.payload.roundId];
    if (!round || round.closedAt !== null || round.withdrawn.includes(e.payload.recommendationId)) return;
    round.withdrawn.push(e.payload.recommendationId);
  },
  'round.statement-set': (s, e) => {
    const round = s.rounds[e.payload.roundId];
    if (!round || round.closedAt === null) return;
    round.statement = { text: e.payload.text, at: e.at };
  },
  'round.cancelled': (s, e) => {
    const round = s.rounds[e.payload.roundId];
    if (!round || round.closedAt !== null) return;
    round.closedAt = e.at;
    round.cancelled = true;
    round.results = [];
  },
  'round.rated': (s, e) => {
    const round = s.rounds[e.payload.roundId];
    if (!round || round.closedAt !== null || round.withdrawn.includes(e.payload.recommendationId)) return;
    const byRec = (round.ratings[e.payload.recommendationId] ??= {});
    byRec[e.payload.participantId] = { level: e.payload.level, reason: e.payload.reason, at: e.at };
  },
  'round.closed': (s, e) => {
    const round = s.rounds[e.payload.roundId];
    if (!round || round.closedAt !== null) return;
    round.closedAt = e.at;
    round.results = roundResults(round as Round, e.payload.currentHashes);
  },
  'recommendation.locked': (s, e) => {
    const p = e.payload;
    s.locks[roomScoped(p.roomId, p.recommendationId)] = {
      recommendationId: p.recommendationId,
      roomId: p.roomId,
      roundId: p.roundId,
      textHash: p.textHash,
      text: p.text,
      lockedAt: e.at,
    };
  },
};
