import { roomScoped } from '../drafting.js';
import type { Appliers, EventsOf } from './applier.js';

/** Drafting: each room's document opened or locked, texts brought to the plenary, amendments decided. */
export const draftingAppliers: Appliers<EventsOf<'drafting'> | EventsOf<'amendment'>> = {
  'drafting.opened': (s, e) => {
    const room = s.rooms[e.payload.roomId];
    if (room) room.draftingOpen = true;
  },
  'drafting.closed': (s, e) => {
    const room = s.rooms[e.payload.roomId];
    if (room) room.draftingOpen = false;
  },
  'drafting.locked': (s, e) => {
    const room = s.rooms[e.payload.roomId];
    if (room) room.draftLocked = true;
  },
  'drafting.unlocked': (s, e) => {
    const room = s.rooms[e.payload.roomId];
    if (room) room.draftLocked = false;
  },
  'drafting.brought-back': (s, e) => {
    const { fromRoomId, toRoomId, items } = e.payload;
    for (const item of items) {
      s.broughtBack[roomScoped(toRoomId, item.recommendationId)] = {
        recommendationId: item.recommendationId,
        roomId: toRoomId,
        fromRoomId,
        sourceId: item.sourceId,
        sourceHash: item.sourceHash,
        textHash: item.textHash,
        text: item.text,
        at: e.at,
      };
    }
  },
  'amendment.decided': (s, e) => {
    const { text, previousText, ...p } = e.payload;
    s.amendments[roomScoped(p.roomId, p.amendmentId)] = { ...p, text, previousText, decidedAt: e.at };
  },
};
