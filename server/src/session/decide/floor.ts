import { rankQueue, type EventDraft } from '../../../../shared/src/index.js';
import type { CommandsOf, Deciders } from './context.js';
import { fail, participantOf, queueEntry, roomOf } from './lookup.js';

/** The floor: who speaks now, and for how long. */
export const floorDeciders: Deciders<CommandsOf<'floor'>> = {
  'floor.give': ({ state, now }, { roomId, participantId, seconds }) => {
    const room = roomOf(state, roomId);
    if (!room.open) fail('CONFLICT', 'This room has been closed.');
    let targetId = participantId;
    if (targetId === undefined) {
      const head = rankQueue(room.queue, room.queueRule ?? state.settings.queueRule, state.participants)[0];
      if (!head) fail('CONFLICT', 'The queue is empty.');
      targetId = head.entry.participantId;
    }
    const target = participantOf(state, targetId);
    if (target.roomId !== roomId) fail('CONFLICT', 'That person is not in this room.');
    if (target.role !== 'citizen') fail('CONFLICT', 'The floor is given to citizens.');
    if (!target.canSpeak) fail('CONFLICT', 'That person’s right to speak has been withdrawn.');
    if (room.floor?.participantId === target.id) fail('CONFLICT', 'That person already has the floor.');
    const events: EventDraft[] = [];
    if (room.floor) {
      events.push({
        type: 'floor.ended',
        payload: { roomId, participantId: room.floor.participantId, endedAt: now, reason: 'ended-by-facilitator' },
      });
    }
    if (queueEntry(room, target.id)) {
      events.push({ type: 'queue.hand-lowered', payload: { roomId, participantId: target.id, reason: 'given-floor' } });
    }
    const endsAt = now + (seconds ?? state.settings.turnSeconds) * 1000;
    const warnAt = Math.max(now, endsAt - state.settings.warnSeconds * 1000);
    events.push({ type: 'floor.granted', payload: { roomId, participantId: target.id, endsAt, warnAt } });
    return { events };
  },
  'floor.end': ({ state, now }, { roomId }) => {
    const room = roomOf(state, roomId);
    if (!room.floor) fail('CONFLICT', 'Nobody has the floor.');
    return {
      events: [
        {
          type: 'floor.ended',
          payload: { roomId, participantId: room.floor.participantId, endedAt: now, reason: 'ended-by-facilitator' },
        },
      ],
    };
  },
  'floor.yield': ({ state, actor, now }) => {
    const room = roomOf(state, actor.roomId);
    if (room.floor?.participantId !== actor.id) fail('CONFLICT', 'You do not have the floor.');
    return { events: [{ type: 'floor.ended', payload: { roomId: room.id, participantId: actor.id, endedAt: now, reason: 'yielded' } }] };
  },
};
