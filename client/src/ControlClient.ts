import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  AudioEvents,
  ClientToServerEvents,
  CommandInput,
  CommandName,
  MeView,
  Notice,
  RosterView,
  ServerToClientEvents,
  SessionView,
} from '../../shared/src/index.js';

export type ViewWithTime = SessionView & { serverTime: number };

const AUDIO_EVENTS = ['audio.producers', 'audio.producer-closed', 'audio.speaking', 'audio.status'] as const satisfies readonly (keyof AudioEvents)[];
export type AudioEventRecord = { [E in keyof AudioEvents]: { event: E; payload: Parameters<AudioEvents[E]>[0] } }[keyof AudioEvents];

export interface ControlClientOptions {
  url: string;
  sessionId: string;
  token: string;
  /** Defaults to 10 s; a command that gets no answer in that time rejects. */
  ackTimeoutMs?: number;
  /** Passed through to socket.io-client (transports, reconnection, ...). */
  socket?: Parameters<typeof io>[1];
}

let counter = 0;
const newRequestId = () => `${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * A typed client for the control channel, used by the browser app and the tests.
 * It keeps the latest view and private view, and tags each command with a
 * requestId so a retry after a reconnect is answered rather than done twice.
 */
export class ControlClient {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  view: ViewWithTime | null = null;
  me: MeView | null = null;
  roster: RosterView | null = null;
  readonly notices: Notice[] = [];
  /** Audio signalling events from the server, oldest first (the audio controller and tests read them). */
  readonly audioEvents: AudioEventRecord[] = [];
  /** Whether the server has audio, as it said on connecting (null until it has). */
  audioStatus: { enabled: boolean; restart: boolean; reason: string | null } | null = null;
  /** Why the server refused the last connection attempt, if it did. */
  connectError: { code: string; message: string } | null = null;
  private readonly waiters = new Set<() => void>();
  private readonly ackTimeoutMs: number;

  constructor(opts: ControlClientOptions) {
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
    this.socket = io(opts.url, {
      auth: { sessionId: opts.sessionId, token: opts.token },
      transports: ['websocket'],
      ...opts.socket,
    });
    this.socket.on('session.view', (view) => {
      // Views can cross in flight; never step back to an older one.
      if (!this.view || view.seq >= this.view.seq) this.view = view;
      this.notify();
    });
    for (const event of AUDIO_EVENTS) {
      // One listener for four event types: socket.io's typings cannot follow the loop variable.
      (this.socket.on as (e: string, f: (payload: unknown) => void) => void).call(this.socket, event, (payload) => {
        this.audioEvents.push({ event, payload } as AudioEventRecord);
        if (this.audioEvents.length > 500) this.audioEvents.shift();
        if (event === 'audio.status') this.audioStatus = payload as ControlClient['audioStatus'];
        this.notify();
      });
    }
    this.socket.on('session.roster', (roster) => {
      this.roster = roster;
      this.notify();
    });
    this.socket.on('session.me', (me) => {
      this.me = me;
      this.notify();
    });
    this.socket.on('session.notice', (n) => {
      this.notices.push(n);
      this.notify();
    });
    this.socket.on('disconnect', () => this.notify());
    this.socket.on('connect', () => {
      this.connectError = null;
    });
    this.socket.on('connect_error', (err: Error & { data?: { code: string; message: string } }) => {
      this.connectError = err.data ?? { code: 'UNAVAILABLE', message: err.message };
      this.notify();
    });
  }

  /** Send a command and resolve with the server's ack (errors are acks too, never throws for them). */
  send<N extends CommandName>(name: N, payload: CommandInput<N>, requestId: string = newRequestId()): Promise<Ack> {
    const body = { ...(payload as object), requestId };
    return (this.socket.timeout(this.ackTimeoutMs) as unknown as Socket).emitWithAck(name, body) as Promise<Ack>;
  }

  /** Resolve once `predicate` holds for the current view and private view. */
  waitFor(predicate: (c: ControlClient) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (predicate(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this)) {
          cleanup();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  /** Wait until the view includes everything up to `seq` (as returned in an ack). */
  caughtUp(seq: number): Promise<void> {
    return this.waitFor((c) => (c.view?.seq ?? 0) >= seq, 10_000, `view at seq ${seq}`);
  }

  /** Members of a room, from the roster. */
  members(roomId?: string) {
    const id = roomId ?? this.me?.roomId;
    return this.roster?.members.filter((m) => m.roomId === id) ?? [];
  }

  room(id?: string) {
    const roomId = id ?? this.me?.roomId;
    return this.view?.rooms.find((r) => r.id === roomId);
  }

  close(): void {
    this.socket.close();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}
