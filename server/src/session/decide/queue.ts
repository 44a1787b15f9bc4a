import type { CommandsOf, Deciders } from './context.js';
import { fail, queueEntry, roomOf } from './lookup.js';

/** The speaking queue: hands raised and lowered, and the facilitator's hold on the order. */
export const queueDeciders: Deciders<CommandsOf<'queue'>> = {
  'queue.raise': ({ state, actor }, { kind }) => {
    if (!actor.canSpeak) fail('FORBIDDEN', 'Your right to speak has been withdrawn by the facilitator.');
    const room = roomOf(state, actor.roomId);
    if (room.floor?.participantId === actor.id) fail('CONFLICT', 'You already have the floor.');
    if (queueEntry(room, actor.id)?.kind === kind) fail('CONFLICT', 'Your hand is already raised.');
    // A direct reply answers the person speaking: without one it would only be a way to jump the queue.
    if (kind === 'direct-reply' && !room.floor) fail('CONFLICT', 'A direct reply answers whoever has the floor, and nobody has it now; raise your hand instead.');
    if (!room.queueOpen && kind !== 'point-of-order') fail('CONFLICT', 'The list of speakers is closed; only a point of order can be raised.');
    return { events: [{ type: 'queue.hand-raised', payload: { roomId: room.id, participantId: actor.id, kind } }] };
  },
  'queue.lower': ({ state, actor }) => {
    const room = roomOf(state, actor.roomId);
    if (!queueEntry(room, actor.id)) fail('CONFLICT', 'Your hand is not raised.');
    return { events: [{ type: 'queue.hand-lowered', payload: { roomId: room.id, participantId: actor.id, reason: 'self' } }] };
  },
  'queue.remove': ({ state }, { roomId, participantId }) => {
    const room = roomOf(state, roomId);
    if (!queueEntry(room, participantId)) fail('NOT_FOUND', 'That person is not in this queue.');
    return { events: [{ type: 'queue.hand-lowered', payload: { roomId, participantId, reason: 'facilitator' } }] };
  },
  'queue.move': ({ state }, { roomId, participantId, position }) => {
    const room = roomOf(state, roomId);
    if (!queueEntry(room, participantId)) fail('NOT_FOUND', 'That person is not in this queue.');
    const clamped = Math.min(position, room.queue.length);
    return { events: [{ type: 'queue.moved', payload: { roomId, participantId, position: clamped } }] };
  },
  'queue.clear': ({ state }, { roomId }) => {
    const room = roomOf(state, roomId);
    if (room.queue.length === 0) fail('CONFLICT', 'The queue is already empty.');
    return { events: [{ type: 'queue.cleared', payload: { roomId } }] };
  },
  'queue.setOpen': ({ state }, { roomId, open }) => {
    const room = roomOf(state, roomId);
    if (room.queueOpen === open) fail('CONFLICT', open ? 'The list of speakers is already open.' : 'The list of speakers is already closed.');
    return { events: [{ type: 'queue.open-set', payload: { roomId, open } }] };
  },
  'queue.setRule': ({ state }, { roomId, rule }) => {
    const room = roomOf(state, roomId);
    if (room.queueRule === rule) {
      fail('CONFLICT', rule === null ? 'This room already follows the session’s rule.' : 'That rule is already in force in this room.');
    }
    return { events: [{ type: 'queue.rule-set', payload: { roomId, rule } }] };
  },
};
