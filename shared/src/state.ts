import type { HandKind, QuestionStatus, QueueRule, Role, Settings } from './domain.js';
import type { TurnEndReason } from './events.js';

export interface Participant {
  id: string;
  role: Role;
  displayName: string;
  credentialHash: string;
  roomId: string;
  joinedAt: number;
  removed: boolean;
  canSpeak: boolean;
  /** Accounted from the moment a turn is given to its end. */
  speakingMs: number;
  turns: number;
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

export interface SessionState {
  sessionId: string;
  seq: number;
  head: string;
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
}
