import type { Appliers, EventsOf } from './applier.js';
import { endFloorsOf } from './floor.js';
import { removeFromQueues } from './queue.js';

/** Participants: joined, removed, and their right to speak withdrawn or given back. */
export const participantAppliers: Appliers<EventsOf<'participant'>> = {
  'participant.joined': (s, e) => {
    const p = e.payload;
    s.participants[p.participantId] = {
      id: p.participantId,
      role: p.role,
      displayName: p.displayName,
      credentialHash: p.credentialHash,
      roomId: p.roomId,
      joinedAt: e.at,
      removed: false,
      canSpeak: p.role === 'citizen',
      speakingMs: 0,
      turns: 0,
      audioMuted: false,
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
};
