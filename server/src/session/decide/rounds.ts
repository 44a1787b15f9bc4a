import { activeItems, roomScoped, roundResults, type EventDraft, type Round, type SessionState } from '../../../../shared/src/index.js';
import type { CommandsOf, Decision, Deciders } from './context.js';
import { draftOf, type DraftSnapshot } from './draftSnapshot.js';
import { fail, roomOf } from './lookup.js';

function roundOf(state: SessionState, roundId: string) {
  const round = Object.hasOwn(state.rounds, roundId) ? state.rounds[roundId] : undefined;
  if (!round) fail('NOT_FOUND', 'There is no such agreement round.');
  return round;
}

/**
 * Close a round on the document as it is now: the ratings decide, a text that changed
 * anyway is never agreed, and each agreed text is locked. The facilitator's close and
 * the deadline's (SessionHost's clock) are the same decision.
 */
export function closeRound(round: Round, draft: DraftSnapshot): Decision {
  const current = new Map(draft.recommendations.map((r) => [r.id, r.textHash]));
  const currentHashes = Object.fromEntries(activeItems(round).map((i) => [i.recommendationId, current.get(i.recommendationId) ?? null]));
  const results = roundResults(round, currentHashes);
  const locks: EventDraft[] = results
    .filter((r) => r.agreed)
    .map((r) => {
      const item = round.items.find((i) => i.recommendationId === r.recommendationId)!;
      return {
        type: 'recommendation.locked' as const,
        payload: { roomId: round.roomId, recommendationId: item.recommendationId, roundId: round.id, textHash: item.textHash, text: item.text },
      };
    });
  return {
    events: [{ type: 'round.closed', payload: { roundId: round.id, currentHashes } }, ...locks],
    result: { agreed: results.filter((r) => r.agreed).map((r) => r.recommendationId) },
  };
}

/** Agreement rounds: texts put to the vote, rated, withdrawn, and the round closed or cancelled. */
export const roundDeciders: Deciders<CommandsOf<'round'>> = {
  'round.open': (ctx, { roomId, recommendationIds, closesInMinutes }) => {
    const { state, newId, now } = ctx;
    const room = roomOf(state, roomId);
    if (!room.open) fail('CONFLICT', 'This room has been closed.');
    if (state.roundOrder.some((id) => state.rounds[id]!.roomId === roomId && state.rounds[id]!.closedAt === null)) {
      fail('CONFLICT', 'A round is already open in this room; close it first.');
    }
    const draft = draftOf(ctx, roomId);
    let recs = draft.recommendations;
    if (recommendationIds) {
      const byId = new Map(recs.map((r) => [r.id, r]));
      recs = [...new Set(recommendationIds)].map((id) => byId.get(id) ?? fail('NOT_FOUND', `There is no recommendation ${id} in this room’s document.`));
      const locked = recs.find((r) => Object.hasOwn(state.locks, roomScoped(roomId, r.id)));
      if (locked) fail('CONFLICT', `Recommendation ${locked.id} is already agreed and locked.`);
    } else {
      recs = recs.filter((r) => !Object.hasOwn(state.locks, roomScoped(roomId, r.id)));
    }
    if (recs.length === 0) fail('CONFLICT', 'There is no recommendation to put to the vote.');
    const roundId = newId('round');
    const items = recs.map(({ textHash, ...text }) => ({ recommendationId: text.id, text, textHash }));
    return {
      events: [
        {
          type: 'round.opened',
          payload: { roundId, roomId, rule: state.settings.agreementRule, items, closesAt: closesInMinutes === undefined ? null : now + closesInMinutes * 60_000 },
        },
      ],
      result: { roundId, textHashes: Object.fromEntries(items.map((i) => [i.recommendationId, i.textHash])) },
    };
  },
  'round.rate': ({ state, actor, now }, { roundId, recommendationId, level, reason }) => {
    const round = roundOf(state, roundId);
    // A citizen rates in their own room only; another room's round is as good as absent.
    if (round.roomId !== actor.roomId) fail('NOT_FOUND', 'There is no such agreement round.');
    if (round.closedAt !== null) fail('CONFLICT', 'This round is closed; ratings can no longer change.');
    // The clock closes it a moment later; a rating in between would count after the deadline everyone saw.
    if (round.closesAt !== null && now >= round.closesAt) fail('CONFLICT', 'This round’s time is up; ratings can no longer change.');
    if (!round.items.some((i) => i.recommendationId === recommendationId)) fail('NOT_FOUND', 'That recommendation is not part of this round.');
    if (round.withdrawn.includes(recommendationId)) fail('CONFLICT', 'That recommendation was withdrawn from this round; it is being drafted again.');
    const previous = round.ratings[recommendationId]?.[actor.id];
    const why = reason ?? null;
    if (previous && previous.level === level && previous.reason === why) fail('CONFLICT', 'You have already given this rating.');
    return { events: [{ type: 'round.rated', payload: { roundId, recommendationId, participantId: actor.id, level, reason: why } }] };
  },
  'round.close': (ctx, { roundId }) => {
    const round = roundOf(ctx.state, roundId);
    if (round.closedAt !== null) fail('CONFLICT', round.cancelled ? 'This round was cancelled.' : 'This round is already closed.');
    return closeRound(round, draftOf(ctx, round.roomId));
  },
  'round.withdraw': ({ state }, { roundId, recommendationId }) => {
    const round = roundOf(state, roundId);
    if (round.closedAt !== null) fail('CONFLICT', 'This round has ended; nothing can be withdrawn from it.');
    if (!round.items.some((i) => i.recommendationId === recommendationId)) fail('NOT_FOUND', 'That recommendation is not part of this round.');
    if (round.withdrawn.includes(recommendationId)) fail('CONFLICT', 'That recommendation was already withdrawn.');
    if (activeItems(round).length === 1) fail('CONFLICT', 'This is the last text in the round; cancel the round instead.');
    return { events: [{ type: 'round.withdrawn', payload: { roundId, recommendationId } }] };
  },
  'round.setStatement': ({ state }, { roundId, text }) => {
    const round = roundOf(state, roundId);
    if (round.closedAt === null) fail('CONFLICT', 'This round is still open; say what the room decided once it has ended.');
    if (round.statement?.text === text) fail('CONFLICT', 'This is already the statement of this round.');
    return { events: [{ type: 'round.statement-set', payload: { roundId, text } }] };
  },
  'round.cancel': ({ state }, { roundId }) => {
    const round = roundOf(state, roundId);
    if (round.closedAt !== null) fail('CONFLICT', round.cancelled ? 'This round was already cancelled.' : 'This round has already closed.');
    return { events: [{ type: 'round.cancelled', payload: { roundId } }] };
  },
};
