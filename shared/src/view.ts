import type { HandKind, PanelVerdict, QuestionStatus, QueueRule, ResponseStatus, Role, Settings } from './domain.js';
import { provisionalResults, shownResults } from './agreement.js';
import type { AgreementLevel, AgreementRule, RecommendationText } from './drafting.js';
import { rankQueue, type QueueReason } from './queue.js';
import { panelSummary, type PanelSummary } from './panel.js';
import { hasUpvoted } from './upvoters.js';
import type { InterpreterPost } from './interpretation.js';
import type { AgendaItem, CaptionSegment, Participant, ResponseAnswer, RoundResult, SessionState } from './state.js';
import { CAPTIONS_IN_VIEW } from './captions.js';

/**
 * What a client is shown. The server projects state into views instead of sending
 * raw events because events carry what some viewers must not see: the author of an
 * anonymous question, questions still awaiting moderation, other rooms' business.
 */
export type Audience =
  | { kind: 'staff' }
  | { kind: 'room'; roomId: string }
  /** Officials see their room as citizens do, and also the panel's reasons on the answers: they answer to them. */
  | { kind: 'officials'; roomId: string };

/** Who is online: anything that answers `has` (the server passes its live presence map, not a copy). */
export interface OnlineSet {
  has(participantId: string): boolean;
}

/** A member of a small breakout room, as the citizens in it see them. */
export interface MemberView {
  participantId: string;
  displayName: string;
  online: boolean;
}

/** Breakout rooms up to this size show their members by name to the citizens in them; larger rooms, and the plenary, show counts. */
export const ROOM_MEMBERS_SHOWN_UP_TO = 60;

/**
 * How many people are in each room and online. Sent apart from the view, at most once
 * a second and only when it changed: it changes with every connect, and in a plenary
 * of thousands a view sent to everyone on every connect is what made joining collapse.
 */
export interface PresenceView {
  seq: number;
  members: number;
  online: number;
  rooms: { id: string; members: number; online: number }[];
}

export interface QueueEntryView {
  participantId: string;
  displayName: string;
  kind: HandKind;
  position: number;
  raisedAt: number;
  reason: QueueReason;
}

export interface QuestionView {
  id: string;
  text: string;
  /** null when the author asked anonymously. */
  authorName: string | null;
  anonymous: boolean;
  status: QuestionStatus;
  upvotes: number;
  askedAt: number;
}

/** A committed caption line as the room sees it. */
export interface CaptionView {
  id: string;
  /** null: the floor's own language. */
  language: string | null;
  speakerId: string | null;
  /** '' for a former participant (or nobody when speakerId is null). */
  speakerName: string;
  /** The latest text: the last correction, or the line as committed. */
  text: string;
  automatic: boolean;
  startedAt: number;
  endedAt: number;
  /** The line as first committed, when it was corrected since; null otherwise. */
  original: string | null;
}

/** Someone who renders the room's words in captions, shown to everyone in the room. */
export interface CaptionerView {
  participantId: string;
  displayName: string;
  language: string | null;
}

export interface RoomView {
  id: string;
  name: string;
  kind: 'plenary' | 'breakout';
  open: boolean;
  rule: QueueRule;
  queue: QueueEntryView[];
  floor: {
    participantId: string;
    displayName: string;
    startedAt: number;
    endsAt: number;
    warnAt: number;
    warned: boolean;
    overran: boolean;
  } | null;
  questions: QuestionView[];
  drafting: { open: boolean; locked: boolean };
  /** Citizens of a breakout room of at most ROOM_MEMBERS_SHOWN_UP_TO people see who is in it; otherwise null. */
  members: MemberView[] | null;
  /** Audio: everyone in the room may speak at once. */
  openMic: boolean;
  /** Who renders this room's floor into which language (the language choices: each one a channel), by language then name. */
  interpreters: { participantId: string; displayName: string; language: string }[];
  /** The list of speakers is open; closed, only a point of order can be raised. */
  queueOpen: boolean;
  /** Agreed recommendations of this room, locked with the hash of their text. */
  locks: { recommendationId: string; roundId: string; textHash: string; lockedAt: number }[];
  /** Decided amendments, from the log: the authority on their status (the document only mirrors it). */
  amendments: { amendmentId: string; recommendationId: string; field: string; decision: 'accepted' | 'rejected'; decidedAt: number }[];
  rounds: RoundView[];
  /** Who captions this room, and in which language. */
  captioners: CaptionerView[];
  /** The room's captioners may write while nobody holds the floor. */
  captionsWithoutFloor: boolean;
  /** The last CAPTIONS_IN_VIEW committed caption lines, oldest first; the whole transcript is in the export. */
  captions: CaptionView[];
  /** Recommendations in this room's document copied from a breakout room: where each came from. */
  origins: { recommendationId: string; fromRoomId: string; fromRoomName: string; sourceId: string; at: number }[];
}

export interface RoundView {
  id: string;
  openedAt: number;
  /** When the server closes it by itself; null: when the facilitator does. */
  closesAt: number | null;
  closedAt: number | null;
  /** Called off: it decided nothing. */
  cancelled: boolean;
  rule: AgreementRule;
  /** The exact texts put to the vote, withdrawn ones included. */
  items: { recommendationId: string; text: RecommendationText; textHash: string }[];
  /** Texts taken out of the round while it was open: back in drafting, not judged. */
  withdrawn: string[];
  /** What the room decided, in the facilitator's words (after the round ended). */
  statement: { text: string; at: number } | null;
  /** How many citizens have rated each recommendation so far. */
  ratingCounts: Record<string, number>;
  /** Facilitators: always (live while open). Others: once closed, or live if the session says so. */
  results: RoundResult[] | null;
}

export interface ParticipantStatsView {
  participantId: string;
  displayName: string;
  role: Role;
  roomId: string;
  online: boolean;
  canSpeak: boolean;
  speakingMs: number;
  turns: number;
  /** The room this person captions, and in which language; null: not a captioner. */
  captioning: { roomId: string; language: string | null } | null;
  /** Interpreter of a room into a language, or null. */
  interpreting: InterpreterPost | null;
}

export interface ResponseAnswerView {
  status: ResponseStatus;
  reason: string | null;
  dueDate: string | null;
  at: number;
  /** Officials answer in a public capacity, so their names are shown. */
  byName: string;
  /** What the panel says of this answer. */
  panel: PanelView;
}

/** The panel's verdicts on one answer: counts for everyone; the reasons, nameless, for facilitators and officials (null for others). */
export interface PanelView {
  counts: PanelSummary['counts'];
  total: number;
  reasons: PanelSummary['reasons'] | null;
}

/** An agreed recommendation and what the decision-makers did with it: shown to everyone who took part. */
export interface AgreedView {
  roomId: string;
  roomName: string;
  recommendationId: string;
  title: string;
  textHash: string;
  lockedAt: number;
  response:
    | (ResponseAnswerView & {
        history: ResponseAnswerView[];
        progress: { text: string; at: number; byName: string }[];
        /** The current answer's due date passed without progress (since: when the server's clock said so). */
        overdue: { dueDate: string; since: number } | null;
      })
    | null;
}

export interface OutcomeView {
  agreed: AgreedView[];
  publications: { number: number; at: number; headSeq: number }[];
  /** Whether the public page /p/<sessionId> is shown, and since when. */
  publicPage: { published: boolean; since: number | null };
}

export interface SessionView {
  sessionId: string;
  /** The log position this view reflects. */
  seq: number;
  /** This audience's view stream revision: a patch applies to the view at its baseRev (docs/PROTOCOL.md §5). */
  rev: number;
  title: string;
  question: string;
  closed: boolean;
  settings: Settings;
  agenda: AgendaItem[];
  /** Every open room by name, so people know where others are; details only for rooms shown below. Counts are in the presence message. */
  roomDirectory: { id: string; name: string; kind: 'plenary' | 'breakout' }[];
  rooms: RoomView[];
  /** Facilitators only: everyone, with speaking-time accounting and whether they are online (the roster). */
  participants: ParticipantStatsView[] | null;
  outcome: OutcomeView;
}

export interface MeView {
  /** The log position this private view reflects. */
  seq: number;
  participantId: string;
  role: Role;
  displayName: string;
  roomId: string;
  canSpeak: boolean;
  /** The room you caption, and in which language; null: you are not a captioner. */
  captioning: { roomId: string; language: string | null } | null;
  /** Whether, where and into which language you interpret, or null. */
  interpreting: InterpreterPost | null;
  upvoted: string[];
  /** Your own questions, including those still awaiting moderation. */
  myQuestions: { id: string; status: QuestionStatus; text: string }[];
  /** Your ratings: roundId → recommendationId → rating. */
  myRatings: Record<string, Record<string, { level: AgreementLevel; reason: string | null }>>;
  /** Your verdicts on officials' answers, each naming the answer by its time (`at`): the current answer's or a replaced one's. */
  myAssessments: { roomId: string; recommendationId: string; answeredAt: number; verdict: PanelVerdict; reason: string | null }[];
}

function roomView(state: SessionState, roomId: string, audience: Audience, online: OnlineSet): RoomView {
  const room = state.rooms[roomId]!;
  const rule = room.queueRule ?? state.settings.queueRule;
  const name = (id: string) => state.participants[id]?.displayName ?? '';
  const staff = audience.kind === 'staff';
  return {
    id: room.id,
    name: room.name,
    kind: room.kind,
    open: room.open,
    rule,
    queue: rankQueue(room.queue, rule, state.participants).map(({ entry, position, reason }) => ({
      participantId: entry.participantId,
      displayName: name(entry.participantId),
      kind: entry.kind,
      position,
      raisedAt: entry.raisedAt,
      reason,
    })),
    floor: room.floor
      ? {
          participantId: room.floor.participantId,
          displayName: name(room.floor.participantId),
          startedAt: room.floor.startedAt,
          endsAt: room.floor.endsAt,
          warnAt: room.floor.warnAt,
          warned: room.floor.warned,
          overran: room.floor.overran,
        }
      : null,
    questions: state.questionOrder
      .map((id) => state.questions[id]!)
      .filter((q) => q.roomId === roomId && (staff || (q.status !== 'pending' && q.status !== 'hidden')))
      .map((q) => ({
        id: q.id,
        text: q.text,
        authorName: q.anonymous ? null : name(q.authorId),
        anonymous: q.anonymous,
        status: q.status,
        upvotes: q.upvoters.length,
        askedAt: q.askedAt,
      })),
    drafting: { open: room.draftingOpen, locked: room.draftLocked },
    members: staff || room.kind !== 'breakout' ? null : smallRoomMembers(state, roomId, online),
    openMic: room.openMic,
    interpreters: interpretersOf(state, roomId),
    queueOpen: room.queueOpen,
    locks: Object.values(state.locks)
      .filter((l) => l.roomId === roomId)
      .map(({ recommendationId, roundId, textHash, lockedAt }) => ({ recommendationId, roundId, textHash, lockedAt })),
    amendments: Object.values(state.amendments)
      .filter((a) => a.roomId === roomId)
      .map(({ amendmentId, recommendationId, field, decision, decidedAt }) => ({ amendmentId, recommendationId, field, decision, decidedAt })),
    captioners: Object.values(state.captions.captioners)
      .filter((c) => c.roomId === roomId && !state.participants[c.participantId]?.removed)
      .map((c) => ({ participantId: c.participantId, displayName: name(c.participantId), language: c.language })),
    captionsWithoutFloor: state.captions.withoutFloor.includes(roomId),
    captions: recentCaptions(state, roomId).map((c) => captionView(c, name)),
    origins: Object.values(state.broughtBack)
      .filter((b) => b.roomId === roomId)
      .map((b) => ({
        recommendationId: b.recommendationId,
        fromRoomId: b.fromRoomId,
        fromRoomName: state.rooms[b.fromRoomId]?.name ?? b.fromRoomId,
        sourceId: b.sourceId,
        at: b.at,
      })),
    rounds: state.roundOrder
      .map((id) => state.rounds[id]!)
      .filter((r) => r.roomId === roomId)
      .map((r) => ({
        id: r.id,
        openedAt: r.openedAt,
        closesAt: r.closesAt,
        closedAt: r.closedAt,
        cancelled: r.cancelled,
        rule: structuredClone(r.rule),
        items: structuredClone(r.items),
        withdrawn: [...r.withdrawn],
        statement: r.statement ? { ...r.statement } : null,
        ratingCounts: Object.fromEntries(r.items.map((i) => [i.recommendationId, Object.keys(r.ratings[i.recommendationId] ?? {}).length])),
        results: r.results ? shownResults(r.results) : staff || state.settings.resultsLive ? shownResults(provisionalResults(r)) : null,
      })),
  };
}

/** The room's last CAPTIONS_IN_VIEW segments, found from the end: a long session's transcript is not walked whole. */
function recentCaptions(state: SessionState, roomId: string): CaptionSegment[] {
  const found: CaptionSegment[] = [];
  const all = state.captions.segments;
  for (let i = all.length - 1; i >= 0 && found.length < CAPTIONS_IN_VIEW; i--) if (all[i]!.roomId === roomId) found.push(all[i]!);
  return found.reverse();
}

function captionView(c: CaptionSegment, name: (id: string) => string): CaptionView {
  const latest = c.corrections.at(-1);
  return {
    id: c.id,
    language: c.language,
    speakerId: c.speakerId,
    speakerName: c.speakerId ? name(c.speakerId) : '',
    text: latest ? latest.text : c.text,
    automatic: c.automatic,
    startedAt: c.startedAt,
    endedAt: c.endedAt,
    original: latest ? c.text : null,
  };
}

// One outcome per log position and kind of reader, shared by every audience's view of it: counting
// the panel's verdicts is work that grows with the panel, and a session has an audience per room.
const outcomeCache = new WeakMap<SessionState, { seq: number; value: OutcomeView }>();
const outcomeWithReasonsCache = new WeakMap<SessionState, { seq: number; value: OutcomeView }>();

function outcomeView(state: SessionState, withReasons: boolean): OutcomeView {
  return perSeq(withReasons ? outcomeWithReasonsCache : outcomeCache, state, () => buildOutcomeView(state, withReasons));
}

function buildOutcomeView(state: SessionState, withReasons: boolean): OutcomeView {
  const name = (id: string) => state.participants[id]?.displayName ?? '';
  const panel = (a: ResponseAnswer): PanelView => {
    const { counts, total, reasons } = panelSummary(a.panel);
    return { counts, total, reasons: withReasons ? reasons : null };
  };
  const answer = (a: ResponseAnswer): ResponseAnswerView => ({
    status: a.status,
    reason: a.reason,
    dueDate: a.dueDate,
    at: a.at,
    byName: name(a.by),
    panel: panel(a),
  });
  return {
    agreed: Object.entries(state.locks)
      .sort(([, a], [, b]) => a.lockedAt - b.lockedAt)
      .map(([key, lock]) => {
        const r = state.responses[key];
        return {
          roomId: lock.roomId,
          roomName: state.rooms[lock.roomId]?.name ?? lock.roomId,
          recommendationId: lock.recommendationId,
          title: lock.text.title,
          textHash: lock.textHash,
          lockedAt: lock.lockedAt,
          response: r
            ? {
                ...answer(r.current),
                history: r.history.map(answer),
                progress: r.progress.map((p) => ({ text: p.text, at: p.at, byName: name(p.by) })),
                overdue: r.overdue && { ...r.overdue },
              }
            : null,
        };
      }),
    publications: state.publications.map(({ number, at, headSeq }) => ({ number, at, headSeq })),
    publicPage: { ...state.publicPage },
  };
}

export function projectSession(state: SessionState, audience: Audience, online: OnlineSet): SessionView {
  const roomIds = audience.kind === 'staff' ? state.roomOrder : [audience.roomId];
  return {
    sessionId: state.sessionId,
    seq: state.seq,
    rev: 0,
    title: state.title,
    question: state.question,
    closed: state.closedAt !== null,
    // Copies, never the state's own objects: a live host changes those in place, and a
    // view kept to diff the next one against must not change with them.
    settings: structuredClone(state.settings),
    agenda: structuredClone(state.agenda),
    roomDirectory: state.roomOrder
      .map((id) => state.rooms[id]!)
      .filter((r) => r.open)
      .map((r) => ({ id: r.id, name: r.name, kind: r.kind })),
    rooms: roomIds.filter((id) => state.rooms[id]).map((id) => roomView(state, id, audience, online)),
    participants: audience.kind === 'staff' ? activeParticipants(state).map((p) => statsEntry(state, p, online.has(p.id))) : null,
    outcome: outcomeView(state, audience.kind !== 'room'),
  };
}

// The last roster entry made for each participant of a state. The staff's view lists everyone, and
// an entry that did not change is handed out again as the same object, so diffing the roster of a
// plenary of thousands costs a comparison of references for everyone who did not change.
const statsCache = new WeakMap<SessionState, Map<string, ParticipantStatsView>>();

function statsEntry(state: SessionState, p: Participant, online: boolean): ParticipantStatsView {
  let byId = statsCache.get(state);
  if (!byId) statsCache.set(state, (byId = new Map()));
  const last = byId.get(p.id);
  const assignment = state.captions.captioners[p.id];
  const captioning = assignment ? { roomId: assignment.roomId, language: assignment.language } : null;
  if (
    last &&
    last.displayName === p.displayName &&
    last.role === p.role &&
    last.roomId === p.roomId &&
    last.online === online &&
    last.canSpeak === p.canSpeak &&
    last.speakingMs === p.speakingMs &&
    last.turns === p.turns &&
    last.captioning?.roomId === captioning?.roomId &&
    last.captioning?.language === captioning?.language &&
    last.interpreting === p.interpreting
  ) {
    return last;
  }
  const entry: ParticipantStatsView = {
    participantId: p.id,
    displayName: p.displayName,
    role: p.role,
    roomId: p.roomId,
    online,
    canSpeak: p.canSpeak,
    speakingMs: p.speakingMs,
    turns: p.turns,
    captioning,
    interpreting: p.interpreting,
  };
  byId.set(p.id, entry);
  return entry;
}

/** Head counts per room: everyone who has not been removed, and how many of them are online. */
export function projectPresence(state: SessionState, online: OnlineSet): PresenceView {
  const rooms = new Map(state.roomOrder.map((id) => [id, { id, members: 0, online: 0 }]));
  let members = 0;
  let connected = 0;
  for (const p of activeParticipants(state)) {
    const room = rooms.get(p.roomId);
    const on = online.has(p.id);
    members += 1;
    if (on) connected += 1;
    if (room) {
      room.members += 1;
      if (on) room.online += 1;
    }
  }
  return { seq: state.seq, members, online: connected, rooms: [...rooms.values()] };
}

// Per-state indexes, computed once per log position and shared by every projection of it.
// Keyed by seq too: a live host changes its state in place (SessionHost), so the same object moves on.
function perSeq<T>(cache: WeakMap<SessionState, { seq: number; value: T }>, state: SessionState, build: () => T): T {
  const hit = cache.get(state);
  if (hit?.seq === state.seq) return hit.value;
  const value = build();
  cache.set(state, { seq: state.seq, value });
  return value;
}

/** Everyone not removed, and the interpreters among them by room: one pass over the participants per log position. */
interface ParticipantIndex {
  active: Participant[];
  interpreters: Map<string, RoomView['interpreters']>;
}

const indexCache = new WeakMap<SessionState, { seq: number; value: ParticipantIndex }>();
const byRoomCache = new WeakMap<SessionState, { seq: number; value: Map<string, Participant[]> }>();

function participantIndex(state: SessionState): ParticipantIndex {
  return perSeq(indexCache, state, () => {
    const active: Participant[] = [];
    const interpreters = new Map<string, RoomView['interpreters']>();
    for (const p of Object.values(state.participants)) {
      if (p.removed) continue;
      active.push(p);
      if (!p.interpreting) continue;
      const entry = { participantId: p.id, displayName: p.displayName, language: p.interpreting.language };
      const list = interpreters.get(p.interpreting.roomId);
      if (list) list.push(entry);
      else interpreters.set(p.interpreting.roomId, [entry]);
    }
    // By language and then name, so that the list is stable.
    for (const list of interpreters.values())
      list.sort((a, b) => (a.language === b.language ? a.displayName.localeCompare(b.displayName) : a.language < b.language ? -1 : 1));
    return { active, interpreters };
  });
}

function activeParticipants(state: SessionState): Participant[] {
  return participantIndex(state).active;
}

function smallRoomMembers(state: SessionState, roomId: string, online: OnlineSet): MemberView[] | null {
  const byRoom = perSeq(byRoomCache, state, () => {
    const rooms = new Map<string, Participant[]>();
    for (const p of activeParticipants(state)) {
      const list = rooms.get(p.roomId);
      if (list) list.push(p);
      else rooms.set(p.roomId, [p]);
    }
    return rooms;
  });
  const members = byRoom.get(roomId) ?? [];
  if (members.length > ROOM_MEMBERS_SHOWN_UP_TO) return null;
  return [...members].sort(byNameThenId).map((p) => ({ participantId: p.id, displayName: p.displayName, online: online.has(p.id) }));
}

// A fixed locale, not the host's: every node of a cluster must send the same view.
const names = new Intl.Collator('en', { sensitivity: 'variant', numeric: true });

/**
 * Citizens' rosters by name, ties by participant id (random): join order would tell
 * the room who came when, and with the ratings' old numbering, who rated what.
 */
function byNameThenId(a: Participant, b: Participant): number {
  return names.compare(a.displayName, b.displayName) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function projectMe(state: SessionState, participantId: string): MeView | null {
  const p = state.participants[participantId];
  if (!p || p.removed) return null;
  const mine = state.questionOrder.map((id) => state.questions[id]!).filter((q) => q.authorId === p.id);
  return {
    seq: state.seq,
    participantId: p.id,
    role: p.role,
    displayName: p.displayName,
    roomId: p.roomId,
    canSpeak: p.canSpeak,
    captioning: state.captions.captioners[p.id] ? { roomId: state.captions.captioners[p.id]!.roomId, language: state.captions.captioners[p.id]!.language } : null,
    interpreting: p.interpreting,
    upvoted: state.questionOrder.filter((id) => hasUpvoted(state.questions[id]!.upvoters, p.id)),
    myQuestions: mine.map((q) => ({ id: q.id, status: q.status, text: q.text })),
    myRatings: Object.fromEntries(
      state.roundOrder
        .map((id) => state.rounds[id]!)
        .filter((r) => r.roomId === p.roomId || Object.values(r.ratings).some((byP) => byP[p.id]))
        .map((r) => [
          r.id,
          Object.fromEntries(Object.entries(r.ratings).flatMap(([recId, byP]) => (byP[p.id] ? [[recId, { level: byP[p.id]!.level, reason: byP[p.id]!.reason }]] : []))),
        ]),
    ),
    myAssessments: Object.values(state.responses).flatMap((r) =>
      [...r.history, r.current].flatMap((a) => {
        const mine = a.panel[p.id];
        return mine ? [{ roomId: r.roomId, recommendationId: r.recommendationId, answeredAt: a.at, verdict: mine.verdict, reason: mine.reason }] : [];
      }),
    ),
  };
}

/** Which view a participant gets: facilitators see every room, everyone else their own (officials with the panel's reasons). */
export function audienceOf(role: Role, roomId: string): Audience {
  if (role === 'facilitator') return { kind: 'staff' };
  return role === 'official' ? { kind: 'officials', roomId } : { kind: 'room', roomId };
}

/**
 * A room's interpreters still in the session. A copy: views are handed out and patched, the
 * index is shared. It was a scan of every participant for every room of every audience: 9 % of
 * a 10 000-citizen join storm.
 */
function interpretersOf(state: SessionState, roomId: string): RoomView['interpreters'] {
  return (participantIndex(state).interpreters.get(roomId) ?? []).map((i) => ({ ...i }));
}
