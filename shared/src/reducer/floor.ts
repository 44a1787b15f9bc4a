import type { Draft } from 'immer';
import type { TurnEndReason } from '../events.js';
import type { Room } from '../state.js';
import type { Appliers, EventsOf, S } from './applier.js';
import { removeFromQueues } from './queue.js';

/** Ends a room's turn, if there is one: the speaker's time is counted and the turn goes on record. */
export function endFloor(s: S, room: Draft<Room>, endedAt: number, reason: TurnEndReason): void {
  const floor = room.floor;
  if (!floor) return;
  const end = Math.max(endedAt, floor.startedAt);
  const speaker = s.participants[floor.participantId];
  if (speaker) speaker.speakingMs += end - floor.startedAt;
  s.turns.push({
    roomId: room.id,
    participantId: floor.participantId,
    startedAt: floor.startedAt,
    endedAt: end,
    reason,
    overran: floor.overran,
  });
  room.floor = null;
}

export function endFloorsOf(s: S, participantId: string, at: number, reason: TurnEndReason): void {
  for (const roomId of s.roomOrder) {
    const room = s.rooms[roomId]!;
    if (room.floor?.participantId === participantId) endFloor(s, room, at, reason);
  }
}

/** The floor of each room: turns granted, warned, overrun and ended. */
export const floorAppliers: Appliers<EventsOf<'floor'>> = {
  'floor.granted': (s, e) => {
    const room = s.rooms[e.payload.roomId];
    const p = s.participants[e.payload.participantId];
    if (!room || !p) return;
    endFloor(s, room, e.at, 'ended-by-facilitator');
    endFloorsOf(s, p.id, e.at, 'moved');
    removeFromQueues(s, p.id);
    room.floor = { participantId: p.id, startedAt: e.at, endsAt: e.payload.endsAt, warnAt: e.payload.warnAt, warned: false, overran: false };
    p.turns += 1;
    // Given the floor, a muted participant may be heard again.
    p.audioMuted = false;
  },
  'floor.warned': (s, e) => {
    const floor = s.rooms[e.payload.roomId]?.floor;
    if (floor?.participantId === e.payload.participantId) floor.warned = true;
  },
  'floor.overran': (s, e) => {
    const floor = s.rooms[e.payload.roomId]?.floor;
    if (floor?.participantId === e.payload.participantId) floor.overran = true;
  },
  'floor.ended': (s, e) => {
    const room = s.rooms[e.payload.roomId];
    if (room?.floor?.participantId === e.payload.participantId) endFloor(s, room, e.payload.endedAt, e.payload.reason);
  },
};
