import type { AudioEvents } from './audio.js';
import type { LiveCaptionLine } from './captions.js';
import type { CommandInput, CommandName } from './commands.js';
import type { ErrorBody } from './errors.js';
import type { MeView, PresenceView, SessionView } from './view.js';
import type { ViewPatchMessage } from './viewStream.js';

/**
 * A command's answer. `me`: the sender's private view as the command left it, carried
 * here rather than sent after, so it is current as the ack arrives and costs no second
 * message.
 */
export type Ack<R = unknown> = { ok: true; seq: number; result?: R; me?: MeView } | { ok: false; error: ErrorBody };

/** What the client sends in the Socket.IO handshake (`io(url, { auth })`). */
export interface HandshakeAuth {
  sessionId: string;
  token: string;
}

export type Notice = { kind: 'removed' } | { kind: 'session-closed' };

export interface ServerToClientEvents extends AudioEvents {
  /** The full view for this participant's audience: on connect, after a move to another audience, and on request (`state.sync`). */
  'session.view': (view: SessionView & { serverTime: number }) => void;
  /** A change to that view, made from the view at `baseRev`; only when its content changed. */
  'session.viewPatch': (patch: ViewPatchMessage) => void;
  /** Head counts per room and online; on connect, then at most once a second when they changed. */
  'session.presence': (presence: PresenceView) => void;
  /** What is private to this participant; on connect and when it changed. */
  'session.me': (me: MeView) => void;
  'session.notice': (notice: Notice) => void;
  /** A captioner's line in progress in a room you see (never logged); text '' clears it. */
  'captions.live': (line: LiveCaptionLine) => void;
  /** A refusal with no ack to carry it: an unknown event name, or a failed command sent without an ack callback. */
  'command.rejected': (body: { event: string; error: ErrorBody }) => void;
}

export type ClientToServerEvents = {
  [N in CommandName]: (payload: CommandInput<N>, ack: (ack: Ack) => void) => void;
};

// biome-ignore lint/suspicious/noEmptyInterface: socket.io's type parameter for server-to-server events; there are none (the nodes of a cluster talk over their own bus).
export interface InterServerEvents {}
