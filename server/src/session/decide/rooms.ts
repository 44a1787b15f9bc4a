import type { EventDraft, SessionState } from '../../../../shared/src/index.js';
import type { CommandsOf, Deciders } from './context.js';
import { fail, participantOf, roomOf } from './lookup.js';
import { releaseSpeaker } from './releaseSpeaker.js';

const MAX_ROOMS = 200;

function moveAll(state: SessionState, assignments: Record<string, string>, now: number, shuffled: boolean): EventDraft[] {
  const changing = Object.fromEntries(Object.entries(assignments).filter(([pid, rid]) => state.participants[pid]!.roomId !== rid));
  if (Object.keys(changing).length === 0) fail('CONFLICT', 'Everyone is already in those rooms.');
  return [...Object.keys(changing).flatMap((pid) => releaseSpeaker(state, pid, now, 'moved')), { type: 'rooms.assigned', payload: { assignments: changing, shuffled } }];
}

/** Breakout rooms: created, filled by hand or by shuffle, and recalled to the plenary. */
export const roomDeciders: Deciders<CommandsOf<'rooms'>> = {
  'rooms.create': ({ state }, { count, names }) => {
    const existing = state.roomOrder.length - 1;
    if (existing + count > MAX_ROOMS) fail('CONFLICT', `A session can have at most ${MAX_ROOMS} breakout rooms.`);
    if (names && names.length > count) fail('CONFLICT', 'More names than rooms were given.');
    const rooms = Array.from({ length: count }, (_, i) => ({
      roomId: `room-${existing + i + 1}`,
      name: names?.[i] ?? `Room ${existing + i + 1}`,
    }));
    return { events: [{ type: 'rooms.created', payload: { rooms } }], result: { roomIds: rooms.map((r) => r.roomId) } };
  },
  'rooms.assign': ({ state, now }, { assignments }) => {
    const map: Record<string, string> = {};
    for (const { participantId, roomId } of assignments) {
      const p = participantOf(state, participantId);
      if (p.role !== 'citizen') fail('CONFLICT', 'Only citizens are assigned to rooms.');
      if (!roomOf(state, roomId).open) fail('CONFLICT', 'That room has been closed.');
      map[participantId] = roomId;
    }
    return { events: moveAll(state, map, now, false) };
  },
  'rooms.shuffle': ({ state, now, shuffle }) => {
    const rooms = state.roomOrder.filter((id) => state.rooms[id]!.kind === 'breakout' && state.rooms[id]!.open);
    if (rooms.length === 0) fail('CONFLICT', 'Create breakout rooms first.');
    const citizens = shuffle(
      Object.values(state.participants)
        .filter((p) => p.role === 'citizen' && !p.removed)
        .map((p) => p.id),
    );
    if (citizens.length === 0) fail('CONFLICT', 'There are no citizens to assign.');
    const map = Object.fromEntries(citizens.map((pid, i) => [pid, rooms[i % rooms.length]!]));
    return { events: moveAll(state, map, now, true) };
  },
  'rooms.recall': ({ state, now }) => {
    const open = state.roomOrder.filter((id) => state.rooms[id]!.kind === 'breakout' && state.rooms[id]!.open);
    if (open.length === 0) fail('CONFLICT', 'No breakout rooms are open.');
    const ended: EventDraft[] = open.flatMap((roomId) => {
      const floor = state.rooms[roomId]!.floor;
      return floor ? [{ type: 'floor.ended' as const, payload: { roomId, participantId: floor.participantId, endedAt: now, reason: 'recalled' as const } }] : [];
    });
    return { events: [...ended, { type: 'rooms.recalled', payload: { roomIds: open } }] };
  },
};
