import type { Appliers, EventsOf } from './applier.js';

/** Audio, as far as the log is concerned: each room's open mic, and who a facilitator muted. */
export const audioAppliers: Appliers<EventsOf<'audio'>> = {
  'audio.open-mic-set': (s, e) => {
    const room = s.rooms[e.payload.roomId];
    if (room) room.openMic = e.payload.open;
  },
  'audio.muted': (s, e) => {
    const p = s.participants[e.payload.participantId];
    if (p) p.audioMuted = true;
  },
};
