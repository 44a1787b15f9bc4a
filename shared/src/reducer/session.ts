import { DEFAULT_SETTINGS, PLENARY } from '../domain.js';
import type { SessionEvent } from '../events.js';
import type { SessionState } from '../state.js';
import type { Appliers, EventsOf } from './applier.js';
import { endFloor } from './floor.js';
import { newRoom } from './rooms.js';

/** The state a log starts from: its session.created event. */
export function initial(e: Extract<SessionEvent, { type: 'session.created' }>): SessionState {
  return {
    sessionId: e.sessionId,
    seq: e.seq,
    head: e.hash,
    updatedAt: e.at,
    title: e.payload.title,
    question: e.payload.question,
    createdAt: e.at,
    closedAt: null,
    // Logs outlive code: a session created before a setting existed gets its default.
    settings: { ...DEFAULT_SETTINGS, ...e.payload.settings },
    inviteHashes: e.payload.inviteHashes,
    participants: {},
    rooms: {
      [PLENARY]: newRoom(PLENARY, 'Plenary', 'plenary'),
    },
    roomOrder: [PLENARY],
    agenda: e.payload.agenda.map((item) => ({
      id: item.id,
      title: item.title,
      minutes: item.minutes,
      breakouts: item.breakouts,
      status: 'pending',
      startedAt: null,
      deadline: null,
      endedAt: null,
      extendedMinutes: 0,
      overran: false,
    })),
    questions: {},
    questionOrder: [],
    turns: [],
    rounds: {},
    roundOrder: [],
    locks: {},
    amendments: {},
    broughtBack: {},
    responses: {},
    publications: [],
    publicPage: { published: false, since: null },
    captions: { captioners: {}, everCaptioned: [], withoutFloor: [], segments: [] },
  };
}

/** The session as a whole: its close, its settings and its invites. */
export const sessionAppliers: Appliers<EventsOf<'session'> | EventsOf<'settings'> | EventsOf<'invite'>> = {
  'session.closed': (s, e) => {
    for (const roomId of s.roomOrder) endFloor(s, s.rooms[roomId]!, e.at, 'ended-by-facilitator');
    for (const item of s.agenda) if (item.status === 'active') Object.assign(item, { status: 'done', endedAt: e.at });
    s.closedAt = e.at;
  },
  'settings.updated': (s, e) => {
    Object.assign(s.settings, e.payload.patch);
  },
  'invite.rotated': (s, e) => {
    s.inviteHashes[e.payload.role] = e.payload.inviteHash;
  },
};
