import type { Appliers, EventsOf, S } from './applier.js';

export function removeFromQueues(s: S, participantId: string): void {
  for (const roomId of s.roomOrder) {
    const room = s.rooms[roomId]!;
    const i = room.queue.findIndex((e) => e.participantId === participantId);
    if (i >= 0) room.queue.splice(i, 1);
  }
}

/** The speaking queue of each room. */
export const queueAppliers: Appliers<EventsOf<'queue'>> = {
  'queue.open-set': (s, e) => {
    const room = s.rooms[e.payload.roomId];
    if (room) room.queueOpen = e.payload.open;
  },
  'queue.rule-set': (s, e) => {
    const room = s.rooms[e.payload.roomId];
    if (room) room.queueRule = e.payload.rule;
  },
  'queue.hand-raised': (s, e) => {
    const room = s.rooms[e.payload.roomId];
    if (!room) return;
    // One place per person: a second raise (say, upgrading to a point of order) replaces the first.
    removeFromQueues(s, e.payload.participantId);
    room.queue.push({ participantId: e.payload.participantId, kind: e.payload.kind, raisedAt: e.at, raisedSeq: e.seq, pinned: null });
  },
  'queue.hand-lowered': (s, e) => {
    removeFromQueues(s, e.payload.participantId);
  },
  'queue.moved': (s, e) => {
    const entry = s.rooms[e.payload.roomId]?.queue.find((q) => q.participantId === e.payload.participantId);
    if (entry) entry.pinned = { position: e.payload.position, seq: e.seq };
  },
  'queue.cleared': (s, e) => {
    const room = s.rooms[e.payload.roomId];
    if (room) room.queue = [];
  },
};
