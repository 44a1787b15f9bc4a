import type { Appliers, EventsOf } from './applier.js';
import { endFloorsOf } from './floor.js';
import { removeFromQueues } from './queue.js';

/** Participants: joined, removed, their right to speak withdrawn or given back, and their personal data erased. */
export const participantAppliers: Appliers<EventsOf<'participant'> | 'personal-data.erased'> = {
  'participant.joined': (s, e) => {
    const p = e.payload;
    s.participants[p.participantId] = {
      id: p.participantId,
      role: p.role,
      // The name rides beside the event (erasable); older logs carry it in the payload.
      displayName: e.personal?.displayName ?? p.displayName ?? '',
      credentialHash: p.credentialHash,
      roomId: p.roomId,
      joinedAt: e.at,
      removed: false,
      canSpeak: p.role === 'citizen',
      speakingMs: 0,
      turns: 0,
      audioMuted: false,
      interpreting: null,
      interpretedInto: [],
    };
  },
  'participant.removed': (s, e) => {
    const p = s.participants[e.payload.participantId];
    if (!p) return;
    endFloorsOf(s, p.id, e.at, 'removed');
    removeFromQueues(s, p.id);
    p.removed = true;
  },
  'participant.speaking-revoked': (s, e) => {
    const p = s.participants[e.payload.participantId];
    if (!p) return;
    endFloorsOf(s, p.id, e.at, 'speaking-revoked');
    removeFromQueues(s, p.id);
    p.canSpeak = false;
  },
  'participant.speaking-restored': (s, e) => {
    const p = s.participants[e.payload.participantId];
    if (p) p.canSpeak = true;
  },
  'personal-data.erased': (s, e) => {
    for (const id of e.payload.participantIds) {
      const p = s.participants[id];
      if (p) p.displayName = '';
    }
  },
};
