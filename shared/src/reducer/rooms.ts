import { PLENARY } from '../domain.js';
import type { Room } from '../state.js';
import type { Appliers, EventsOf } from './applier.js';
import { endFloor, endFloorsOf } from './floor.js';
import { removeFromQueues } from './queue.js';

export function newRoom(id: string, name: string, kind: Room['kind']): Room {
  return { id, name, kind, open: true, queueRule: null, queue: [], floor: null, draftingOpen: true, draftLocked: false, openMic: false, queueOpen: true };
}

/** Breakout rooms: created, filled, and recalled to the plenary. */
export const roomAppliers: Appliers<EventsOf<'rooms'>> = {
  'rooms.created': (s, e) => {
    for (const { roomId, name } of e.payload.rooms) {
      s.rooms[roomId] = newRoom(roomId, name, 'breakout');
      s.roomOrder.push(roomId);
    }
  },
  'rooms.assigned': (s, e) => {
    for (const [participantId, roomId] of Object.entries(e.payload.assignments)) {
      const p = s.participants[participantId];
      if (!p || !s.rooms[roomId] || p.roomId === roomId) continue;
      endFloorsOf(s, participantId, e.at, 'moved');
      removeFromQueues(s, participantId);
      p.roomId = roomId;
    }
  },
  'rooms.recalled': (s, e) => {
    for (const roomId of e.payload.roomIds) {
      const room = s.rooms[roomId];
      if (room?.kind !== 'breakout') continue;
      endFloor(s, room, e.at, 'recalled');
      room.queue = [];
      room.open = false;
    }
    for (const p of Object.values(s.participants)) {
      if (e.payload.roomIds.includes(p.roomId)) p.roomId = PLENARY;
    }
  },
};
