import { produce, type Draft } from 'immer';
import { roundResults } from './agreement.js';
import { DEFAULT_SETTINGS, PLENARY } from './domain.js';
import { roomScoped } from './drafting.js';
import { hasUpvoted } from './upvoters.js';
import type { SessionEvent, TurnEndReason } from './events.js';
import type { Room, Round, SessionState } from './state.js';

/**
 * Bump when the meaning of an event changes, so stored snapshots made by an older
 * reducer are ignored and the log is replayed instead.
 */
export const REDUCER_VERSION = 5;

type S = Draft<SessionState>;

function removeFromQueues(s: S, participantId: string): void {
  for (const roomId of s.roomOrder) {
    const room = s.rooms[roomId]!;
    const i = room.queue.findIndex((e) => e.participantId === participantId);
    if (i >= 0) room.queue.splice(i, 1);
  }
}

function endFloor(s: S, room: Draft<Room>, endedAt: number, reason: TurnEndReason): void {
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

function endFloorsOf(s: S, participantId: string, at: number, reason: TurnEndReason): void {
  for (const roomId of s.roomOrder) {
    const room = s.rooms[roomId]!;
    if (room.floor?.participantId === participantId) endFloor(s, room, at, reason);
  }
}

function initial(e: Extract<SessionEvent, { type: 'session.created' }>): SessionState {
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
  };
}

function newRoom(id: string, name: string, kind: Room['kind']): Room {
  return { id, name, kind, open: true, queueRule: null, queue: [], floor: null, draftingOpen: true, draftLocked: false, openMic: false };
}

function apply(s: S, e: SessionEvent): void {
  switch (e.type) {
    case 'session.created':
      throw new Error('session.created can only start a log');
    case 'session.closed':
      for (const roomId of s.roomOrder) endFloor(s, s.rooms[roomId]!, e.at, 'ended-by-facilitator');
      for (const item of s.agenda) if (item.status === 'active') Object.assign(item, { status: 'done', endedAt: e.at });
      s.closedAt = e.at;
      return;
    case 'settings.updated':
      Object.assign(s.settings, e.payload.patch);
      return;
    case 'invite.rotated':
      s.inviteHashes[e.payload.role] = e.payload.inviteHash;
      return;
    case 'participant.joined': {
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
      };
      return;
    }
    case 'participant.removed': {
      const p = s.participants[e.payload.participantId];
      if (!p) return;
      endFloorsOf(s, p.id, e.at, 'removed');
      removeFromQueues(s, p.id);
      p.removed = true;
      return;
    }
    case 'participant.speaking-revoked': {
      const p = s.participants[e.payload.participantId];
      if (!p) return;
      endFloorsOf(s, p.id, e.at, 'speaking-revoked');
      removeFromQueues(s, p.id);
      p.canSpeak = false;
      return;
    }
    case 'participant.speaking-restored': {
      const p = s.participants[e.payload.participantId];
      if (p) p.canSpeak = true;
      return;
    }
    case 'agenda.item-started': {
      for (const item of s.agenda) {
        if (item.status === 'active') Object.assign(item, { status: 'done', endedAt: e.at });
      }
      const item = s.agenda.find((i) => i.id === e.payload.itemId);
      if (item) Object.assign(item, { status: 'active', startedAt: e.at, deadline: e.payload.deadline, endedAt: null, overran: false });
      return;
    }
    case 'agenda.item-extended': {
      const item = s.agenda.find((i) => i.id === e.payload.itemId);
      if (!item) return;
      item.extendedMinutes += e.payload.minutes;
      item.deadline = e.payload.deadline;
      item.overran = false;
      return;
    }
    case 'agenda.item-overran': {
      const item = s.agenda.find((i) => i.id === e.payload.itemId);
      if (item) item.overran = true;
      return;
    }
    case 'agenda.item-completed': {
      const item = s.agenda.find((i) => i.id === e.payload.itemId);
      if (item) Object.assign(item, { status: 'done', endedAt: e.at });
      return;
    }
    case 'rooms.created':
      for (const { roomId, name } of e.payload.rooms) {
        s.rooms[roomId] = newRoom(roomId, name, 'breakout');
        s.roomOrder.push(roomId);
      }
      return;
    case 'rooms.assigned':
      for (const [participantId, roomId] of Object.entries(e.payload.assignments)) {
        const p = s.participants[participantId];
        if (!p || !s.rooms[roomId] || p.roomId === roomId) continue;
        endFloorsOf(s, participantId, e.at, 'moved');
        removeFromQueues(s, participantId);
        p.roomId = roomId;
      }
      return;
    case 'rooms.recalled':
      for (const roomId of e.payload.roomIds) {
        const room = s.rooms[roomId];
        if (!room || room.kind !== 'breakout') continue;
        endFloor(s, room, e.at, 'recalled');
        room.queue = [];
        room.open = false;
      }
      for (const p of Object.values(s.participants)) {
        if (e.payload.roomIds.includes(p.roomId)) p.roomId = PLENARY;
      }
      return;
    case 'queue.rule-set': {
      const room = s.rooms[e.payload.roomId];
      if (room) room.queueRule = e.payload.rule;
      return;
    }
    case 'queue.hand-raised': {
      const room = s.rooms[e.payload.roomId];
      if (!room) return;
      // One place per person: a second raise (say, upgrading to a point of order) replaces the first.
      removeFromQueues(s, e.payload.participantId);
      room.queue.push({ participantId: e.payload.participantId, kind: e.payload.kind, raisedAt: e.at, raisedSeq: e.seq, pinned: null });
      return;
    }
    case 'queue.hand-lowered':
      removeFromQueues(s, e.payload.participantId);
      return;
    case 'queue.moved': {
      const entry = s.rooms[e.payload.roomId]?.queue.find((q) => q.participantId === e.payload.participantId);
      if (entry) entry.pinned = { position: e.payload.position, seq: e.seq };
      return;
    }
    case 'queue.cleared': {
      const room = s.rooms[e.payload.roomId];
      if (room) room.queue = [];
      return;
    }
    case 'floor.granted': {
      const room = s.rooms[e.payload.roomId];
      const p = s.participants[e.payload.participantId];
      if (!room || !p) return;
      endFloor(s, room, e.at, 'ended-by-facilitator');
      endFloorsOf(s, p.id, e.at, 'moved');
      removeFromQueues(s, p.id);
      room.floor = { participantId: p.id, startedAt: e.at, endsAt: e.payload.endsAt, warnAt: e.payload.warnAt, warned: false, overran: false };
      p.turns += 1;
      return;
    }
    case 'floor.warned': {
      const floor = s.rooms[e.payload.roomId]?.floor;
      if (floor?.participantId === e.payload.participantId) floor.warned = true;
      return;
    }
    case 'floor.overran': {
      const floor = s.rooms[e.payload.roomId]?.floor;
      if (floor?.participantId === e.payload.participantId) floor.overran = true;
      return;
    }
    case 'floor.ended': {
      const room = s.rooms[e.payload.roomId];
      if (room?.floor?.participantId === e.payload.participantId) endFloor(s, room, e.payload.endedAt, e.payload.reason);
      return;
    }
    case 'qa.asked': {
      const q = e.payload;
      s.questions[q.questionId] = {
        id: q.questionId,
        roomId: q.roomId,
        authorId: q.authorId,
        anonymous: q.anonymous,
        text: q.text,
        status: q.approved ? 'approved' : 'pending',
        askedAt: e.at,
        upvoters: [],
      };
      s.questionOrder.push(q.questionId);
      return;
    }
    case 'qa.upvoted': {
      const q = s.questions[e.payload.questionId];
      if (q && !hasUpvoted(q.upvoters, e.payload.participantId)) q.upvoters.push(e.payload.participantId);
      return;
    }
    case 'qa.unvoted': {
      const q = s.questions[e.payload.questionId];
      if (q) q.upvoters = q.upvoters.filter((id) => id !== e.payload.participantId);
      return;
    }
    case 'qa.status-set': {
      const q = s.questions[e.payload.questionId];
      if (!q) return;
      if (e.payload.status === 'live') {
        // One live question per room: the previous one goes back to the approved list.
        for (const other of Object.values(s.questions)) {
          if (other.roomId === q.roomId && other.status === 'live') other.status = 'approved';
        }
      }
      q.status = e.payload.status;
      return;
    }
    case 'drafting.opened':
    case 'drafting.closed':
    case 'drafting.locked':
    case 'drafting.unlocked': {
      const room = s.rooms[e.payload.roomId];
      if (!room) return;
      if (e.type === 'drafting.opened' || e.type === 'drafting.closed') room.draftingOpen = e.type === 'drafting.opened';
      else room.draftLocked = e.type === 'drafting.locked';
      return;
    }
    case 'round.opened': {
      const p = e.payload;
      s.rounds[p.roundId] = {
        id: p.roundId,
        roomId: p.roomId,
        rule: p.rule,
        openedAt: e.at,
        closesAt: p.closesAt ?? null,
        closedAt: null,
        cancelled: false,
        items: p.items,
        withdrawn: [],
        statement: null,
        ratings: {},
        results: null,
      };
      s.roundOrder.push(p.roundId);
      return;
    }
    case 'round.withdrawn': {
      const round = s.rounds[e.payload.roundId];
      if (!round || round.closedAt !== null || round.withdrawn.includes(e.payload.recommendationId)) return;
      round.withdrawn.push(e.payload.recommendationId);
      return;
    }
    case 'drafting.brought-back': {
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
      return;
    }
    case 'round.statement-set': {
      const round = s.rounds[e.payload.roundId];
      if (!round || round.closedAt === null) return;
      round.statement = { text: e.payload.text, at: e.at };
      return;
    }
    case 'round.cancelled': {
      const round = s.rounds[e.payload.roundId];
      if (!round || round.closedAt !== null) return;
      round.closedAt = e.at;
      round.cancelled = true;
      round.results = [];
      return;
    }
    case 'round.rated': {
      const round = s.rounds[e.payload.roundId];
      if (!round || round.closedAt !== null || round.withdrawn.includes(e.payload.recommendationId)) return;
      const byRec = (round.ratings[e.payload.recommendationId] ??= {});
      byRec[e.payload.participantId] = { level: e.payload.level, reason: e.payload.reason, at: e.at };
      return;
    }
    case 'round.closed': {
      const round = s.rounds[e.payload.roundId];
      if (!round || round.closedAt !== null) return;
      round.closedAt = e.at;
      round.results = roundResults(round as Round, e.payload.currentHashes);
      return;
    }
    case 'recommendation.locked': {
      const p = e.payload;
      s.locks[roomScoped(p.roomId, p.recommendationId)] = { recommendationId: p.recommendationId, roomId: p.roomId, roundId: p.roundId, textHash: p.textHash, text: p.text, lockedAt: e.at };
      return;
    }
    case 'amendment.decided': {
      const { text, previousText, ...p } = e.payload;
      s.amendments[roomScoped(p.roomId, p.amendmentId)] = { ...p, text, previousText, decidedAt: e.at };
      return;
    }
    case 'response.given': {
      const { roomId, recommendationId, ...answer } = e.payload;
      const by = e.actor.kind === 'participant' ? e.actor.participantId : e.actor.kind;
      const key = roomScoped(roomId, recommendationId);
      const existing = s.responses[key];
      const current = { ...answer, at: e.at, by };
      if (existing) {
        existing.history.push(existing.current);
        existing.current = current;
      } else {
        s.responses[key] = { roomId, recommendationId, current, history: [], progress: [] };
      }
      return;
    }
    case 'response.progressed': {
      const r = s.responses[roomScoped(e.payload.roomId, e.payload.recommendationId)];
      const by = e.actor.kind === 'participant' ? e.actor.participantId : e.actor.kind;
      if (r) r.progress.push({ text: e.payload.text, at: e.at, by });
      return;
    }
    case 'audio.open-mic-set': {
      const room = s.rooms[e.payload.roomId];
      if (room) room.openMic = e.payload.open;
      return;
    }
    case 'outcome.published':
      s.publications.push({ ...e.payload, at: e.at, by: e.actor.kind === 'participant' ? e.actor.participantId : e.actor.kind });
      return;
  }
}

/** The pure session reducer: no I/O, no clock, no randomness. */
export function reduce(state: SessionState | null, event: SessionEvent): SessionState {
  if (event.type === 'session.created') {
    if (state) throw new Error('session.created must be the first event');
    return initial(event);
  }
  if (!state) throw new Error(`log must start with session.created, got ${event.type}`);
  return produce(state, (s) => {
    apply(s, event);
    s.seq = event.seq;
    s.head = event.hash;
    s.updatedAt = event.at;
  });
}

/**
 * The same step as `reduce`, applied in place to a state the caller owns outright and
 * that is not frozen (`structuredClone` of any state gives one).
 *
 * Why it exists: immer's copy-on-write makes every change copy each object on its path,
 * and the participant map of a plenary is on the path of every join. At 10 000 citizens
 * that copy, and the freeze that follows it, was most of what a join cost, so a join storm
 * grew with the square of the room. A live session host folds into private copies with
 * this instead; everything that shares states (replicas, tests, exports) uses `reduce`.
 * Callers must not pass an event whose objects they keep using: the state may adopt them.
 */
export function reduceInPlace(state: SessionState, event: SessionEvent): void {
  if (event.type === 'session.created') throw new Error('session.created must be the first event');
  apply(state as S, event);
  state.seq = event.seq;
  state.head = event.hash;
  state.updatedAt = event.at;
}

/**
 * Fold many events at once. Same result as reducing them one by one, but in a
 * single immer draft, so a long replay does not copy-and-freeze per event.
 */
export function replay(events: Iterable<SessionEvent>, from: SessionState | null = null): SessionState | null {
  let state = from;
  let batch: SessionEvent[] = [];
  const flush = () => {
    if (batch.length === 0 || !state) return;
    const pending = batch;
    batch = [];
    state = produce(state, (s) => {
      for (const e of pending) {
        apply(s, e);
        s.seq = e.seq;
        s.head = e.hash;
        s.updatedAt = e.at;
      }
    });
  };
  for (const e of events) {
    if (!state) state = reduce(null, e);
    else batch.push(e);
  }
  flush();
  return state;
}
