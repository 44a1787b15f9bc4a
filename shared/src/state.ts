import type { HandKind, PanelVerdict, QuestionStatus, QueueRule, ResponseStatus, Role, Settings } from './domain.js';
import type { AgreementLevel, AgreementRule, RecommendationText, Tally } from './drafting.js';
import type { TurnEndReason } from './events.js';
import type { InterpreterPost } from './interpretation.js';

export interface Participant {
  id: string;
  role: Role;
  /** Empty once the participant's personal data was erased (or when a replica could not read it): shown as "former participant". */
  displayName: string;
  credentialHash: string;
  roomId: string;
  joinedAt: number;
  removed: boolean;
  canSpeak: boolean;
  /** Accounted from the moment a turn is given to its end. */
  speakingMs: number;
  turns: number;
  /** Muted by a facilitator (audio.mute) until given the floor again. */
  audioMuted: boolean;
  /** Interpreter of a room into a language (interpretation.assign), or null. */
  interpreting: InterpreterPost | null;
  /** Every language this participant was ever made an interpreter into, sorted: the export counts them apart from citizens. */
  interpretedInto: string[];
}

export interface QueueEntry {
  participantId: string;
  kind: HandKind;
  raisedAt: number;
  /** Log position of the raise: the tie-breaker that makes every ordering total. */
  raisedSeq: number;
  /** Set when a facilitator placed this entry by hand. */
  pinned: { position: number; seq: number } | null;
}

export interface Floor {
  participantId: string;
  startedAt: number;
  endsAt: number;
  warnAt: number;
  warned: boolean;
  overran: boolean;
}

export interface Room {
  id: string;
  name: string;
  kind: 'plenary' | 'breakout';
  open: boolean;
  /** null: the session's rule applies. */
  queueRule: QueueRule | null;
  queue: QueueEntry[];
  floor: Floor | null;
  /** Drafting: citizens write while open; nobody writes while locked. */
  draftingOpen: boolean;
  draftLocked: boolean;
  /** Audio: everyone in the room may produce, not only the floor holder. */
  openMic: boolean;
  /** The list of speakers is open: hands may be raised (a closed list still takes a point of order). */
  queueOpen: boolean;
}

export interface Rating {
  level: AgreementLevel;
  reason: string | null;
  at: number;
}

export interface RoundItem {
  recommendationId: string;
  /** The exact text put to the vote, and its SHA-256. */
  text: RecommendationText;
  textHash: string;
}

export interface RoundResult {
  recommendationId: string;
  tally: Tally;
  /** The text in the document when the round closed was not the text voted on. */
  textChanged: boolean;
  agreed: boolean;
  /** Reasons given by those who did not support it: kept with the outcome. */
  minorityNotes: { level: AgreementLevel; reason: string }[];
}

export interface Round {
  id: string;
  roomId: string;
  rule: AgreementRule;
  openedAt: number;
  /** When the server closes it by itself; null: the facilitator closes it. */
  closesAt: number | null;
  /** Set when it ended, by closing or by cancelling. */
  closedAt: number | null;
  /** Cancelled: it decided nothing, and its texts went back to drafting. */
  cancelled: boolean;
  /** Every text put to the vote when it opened, withdrawn or not: the record of what was asked. */
  items: RoundItem[];
  /** Texts the facilitator took out of the round while it was open, in order; they went back to drafting and are not judged. */
  withdrawn: string[];
  /** The facilitator's short statement of what the room decided, once the round has ended; the latest one counts. */
  statement: { text: string; at: number } | null;
  /** recommendationId → participantId → rating; one per citizen per recommendation. */
  ratings: Record<string, Record<string, Rating>>;
  results: RoundResult[] | null;
}

/** Where a recommendation in a room's document came from: the breakout room, its id there, and the exact text copied. */
export interface BroughtBack {
  recommendationId: string;
  roomId: string;
  fromRoomId: string;
  sourceId: string;
  /** The text's hash in the breakout room, under its id there. */
  sourceHash: string;
  /** The copy's hash, under its new id: what a round on it will start from. */
  textHash: string;
  text: RecommendationText;
  at: number;
}

export interface RecommendationLock {
  recommendationId: string;
  roomId: string;
  roundId: string;
  textHash: string;
  text: RecommendationText;
  lockedAt: number;
}

export interface AmendmentDecision {
  amendmentId: string;
  roomId: string;
  recommendationId: string;
  field: 'title' | 'body' | 'rationale';
  decision: 'accepted' | 'rejected';
  text: string;
  previousText: string;
  decidedAt: number;
}

export interface Turn {
  roomId: string;
  participantId: string;
  startedAt: number;
  endedAt: number;
  reason: TurnEndReason;
  overran: boolean;
}

export interface AgendaItem {
  id: string;
  title: string;
  minutes: number;
  breakouts?: number | undefined;
  status: 'pending' | 'active' | 'done';
  startedAt: number | null;
  deadline: number | null;
  endedAt: number | null;
  extendedMinutes: number;
  overran: boolean;
}

export interface Question {
  id: string;
  roomId: string;
  authorId: string;
  anonymous: boolean;
  text: string;
  status: QuestionStatus;
  askedAt: number;
  upvoters: string[];
}

/** One citizen's word on one answer. No time: when someone answered back is nobody's business. */
export interface PanelAssessment {
  verdict: PanelVerdict;
  reason: string | null;
}

export interface ResponseAnswer {
  status: ResponseStatus;
  reason: string | null;
  dueDate: string | null;
  at: number;
  by: string;
  /** The panel's verdicts on this answer, participantId → assessment: one per citizen, the latest counts. */
  panel: Record<string, PanelAssessment>;
}

/** What the decision-makers did with an agreed recommendation. */
export interface OfficialResponse {
  roomId: string;
  recommendationId: string;
  /** The current answer; earlier ones stay in `history`, oldest first. */
  current: ResponseAnswer;
  history: ResponseAnswer[];
  progress: { text: string; at: number; by: string }[];
  /** Progress was reported since the current answer was given: that answer cannot become overdue. */
  progressedSinceAnswer: boolean;
  /** The current answer's due date passed without progress (since: when the clock said so); cleared by progress or a new answer. */
  overdue: { dueDate: string; since: number } | null;
  /** Every response.overdue logged for this recommendation, oldest first: the webhook reminders are reconciled against it. */
  reminders: { dueDate: string; at: number; seq: number }[];
}

export interface Publication {
  number: number;
  at: number;
  by: string;
  headSeq: number;
  headHash: string;
}

/** Whether the public page /p/<sessionId> is shown, and since when (null: never published, or withdrawn). */
export interface PublicPage {
  published: boolean;
  since: number | null;
}

/** Who captions a room, and in which language (null: the floor's own). One assignment per participant. */
export interface Captioner {
  participantId: string;
  roomId: string;
  language: string | null;
  since: number;
}

export interface CaptionCorrection {
  text: string;
  at: number;
  /** Who corrected it (a captioner or a facilitator). */
  by: string;
}

export interface CaptionSegment {
  id: string;
  roomId: string;
  language: string | null;
  /** Who held the floor when the line was committed; null: nobody. */
  speakerId: string | null;
  /** When that turn started (null: no floor): ties the segment to its turn once the turn has ended. */
  turnStartedAt: number | null;
  /** The text as first committed; corrections never replace it. */
  text: string;
  automatic: boolean;
  startedAt: number;
  endedAt: number;
  /** The captioner who committed it; null for automatic segments. */
  by: string | null;
  /** Oldest first; the last one is the text shown. */
  corrections: CaptionCorrection[];
}

export interface CaptionsState {
  /** participantId → their assignment. */
  captioners: Record<string, Captioner>;
  /** Everyone ever assigned, in order: the export counts them apart from the citizens. */
  everCaptioned: string[];
  /** Rooms whose captioners may write while nobody holds the floor. */
  withoutFloor: string[];
  /** Every committed segment, in log order. */
  segments: CaptionSegment[];
}

export interface SessionState {
  sessionId: string;
  seq: number;
  head: string;
  /** Time of the last event: what an export built from this state is dated. */
  updatedAt: number;
  title: string;
  question: string;
  createdAt: number;
  closedAt: number | null;
  settings: Settings;
  inviteHashes: Record<Role, string>;
  participants: Record<string, Participant>;
  rooms: Record<string, Room>;
  roomOrder: string[];
  agenda: AgendaItem[];
  questions: Record<string, Question>;
  questionOrder: string[];
  turns: Turn[];
  rounds: Record<string, Round>;
  roundOrder: string[];
  locks: Record<string, RecommendationLock>;
  amendments: Record<string, AmendmentDecision>;
  /** Recommendations copied from a breakout room into another room's document, keyed by roomScoped(roomId, recommendationId) of the copy. */
  broughtBack: Record<string, BroughtBack>;
  /** Keyed like locks: roomScoped(roomId, recommendationId). */
  responses: Record<string, OfficialResponse>;
  publications: Publication[];
  publicPage: PublicPage;
  captions: CaptionsState;
}
