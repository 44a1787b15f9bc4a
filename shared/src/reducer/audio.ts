import type { Appliers, EventsOf } from './applier.js';

/** Audio, as far as the log is concerned: each room's open mic. */
export const audioAppliers: Appliers<EventsOf<'audio'>> = {
  'audio.open-mic-set': (s, e) => {
    const room = s.rooms[e.payload.roomId];
    if (room) room.openMic = e.payload.open;
  },
};
