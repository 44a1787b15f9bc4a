import type { AudioEvents } from './audio.js';
import type { CommandInput, CommandName } from './commands.js';
import type { ErrorBody } from './errors.js';
import type { MeView, RosterView, SessionView } from './view.js';

export type Ack<R = unknown> = { ok: true; seq: number; result?: R } | { ok: false; error: ErrorBody };

/** What the client sends in the Socket.IO handshake (`io(url, { auth })`). */
export interface HandshakeAuth {
  sessionId: string;
  token: string;
}

export type Notice =
  | { kind: 'removed' }
  | { kind: 'session-closed' };

export interface ServerToClientEvents extends AudioEvents {
  /** The full view for this participant's audience; sent on connect and after every change. */
  'session.view': (view: SessionView & { serverTime: number }) => void;
  /** Who is in the rooms this participant sees, and who is online; sent on connect and when it changes. */
  'session.roster': (roster: RosterView) => void;
  /** What is private to this participant. */
  'session.me': (me: MeView) => void;
  'session.notice': (notice: Notice) => void;
  /** A refusal with no ack to carry it: an unknown event name, or a failed command sent without an ack callback. */
  'command.rejected': (body: { event: string; error: ErrorBody }) => void;
}

export type ClientToServerEvents = {
  [N in CommandName]: (payload: CommandInput<N>, ack: (ack: Ack) => void) => void;
};

export interface InterServerEvents {}
