import type { Appliers, EventsOf } from './applier.js';

/** Live captions: who captions which room, the rooms that allow captions without a floor, and every committed segment. */
export const captionAppliers: Appliers<EventsOf<'captioner'> | EventsOf<'caption'>> = {
  'captioner.assigned': (s, e) => {
    const { participantId, roomId, language } = e.payload;
    s.captions.captioners[participantId] = { participantId, roomId, language, since: e.at };
    if (!s.captions.everCaptioned.includes(participantId)) s.captions.everCaptioned.push(participantId);
  },
  'captioner.revoked': (s, e) => {
    delete s.captions.captioners[e.payload.participantId];
  },
  'caption.without-floor-set': (s, e) => {
    const rooms = s.captions.withoutFloor.filter((id) => id !== e.payload.roomId);
    s.captions.withoutFloor = e.payload.allowed ? [...rooms, e.payload.roomId] : rooms;
  },
  'caption.added': (s, e) => {
    const p = e.payload;
    const floor = s.rooms[p.roomId]?.floor;
    s.captions.segments.push({
      id: p.segmentId,
      roomId: p.roomId,
      language: p.language,
      speakerId: p.speakerId,
      turnStartedAt: floor && floor.participantId === p.speakerId ? floor.startedAt : null,
      text: p.text,
      automatic: p.automatic,
      startedAt: p.startedAt,
      endedAt: p.endedAt,
      by: p.automatic || e.actor.kind !== 'participant' ? null : e.actor.participantId,
      corrections: [],
    });
  },
  'caption.corrected': (s, e) => {
    const segment = s.captions.segments.findLast((x) => x.id === e.payload.segmentId);
    if (!segment) return;
    segment.corrections.push({ text: e.payload.text, at: e.at, by: e.actor.kind === 'participant' ? e.actor.participantId : '' });
  },
};
