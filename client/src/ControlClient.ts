import { io, type Socket } from 'socket.io-client';
import type {
  LiveCaptionLine,
  Ack,
  AudioEvents,
  ClientToServerEvents,
  CommandInput,
  CommandName,
  MeView,
  Notice,
  PresenceView,
  ServerToClientEvents,
  SessionView,
} from '../../shared/src/index.js';
import { ViewStream } from '../../shared/src/viewStream.js';

export type ViewWithTime = SessionView & { serverTime: number };

/** Someone in a room, as this client can see them: facilitators see everyone, citizens the members of a small breakout room. */
export interface Member {
  participantId: string;
  displayName: string;
  roomId: string;
  online: boolean;
}

const AUDIO_EVENTS = ['audio.producers', 'audio.producer-closed', 'audio.speaking', 'audio.status', 'audio.mics'] as const satisfies readonly (keyof AudioEvents)[];
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
  private readonly stream = new ViewStream<ViewWithTime>();
  me: MeView | null = null;
  presence: PresenceView | null = null;
  /** The log position everything this client was sent reflects, as the last `state.sync` confirmed. */
  private syncedSeq = 0;
  /** The highest seq of a `session.me` received: sent after the same flush's patches, it vouches for the view. */
  private flushedSeq = 0;
  /** Full views re-requested after a lost or out-of-order patch (for tests and diagnostics). */
  resyncs = 0;
  readonly notices: Notice[] = [];
  /** Audio signalling events from the server, oldest first (the audio controller and tests read them). */
  readonly audioEvents: AudioEventRecord[] = [];
  /** Whether the server has audio, as it said on connecting (null until it has). */
  audioStatus: { enabled: boolean; restart: boolean; reason: string | null } | null = null;
  /** Captioners' lines in progress as pushed (captions.live), newest last; the last 200. */
  readonly liveCaptions: LiveCaptionLine[] = [];
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
      this.stream.full(view);
      this.notify();
    });
    this.socket.on('session.viewPatch', (patch) => {
      // A patch that does not follow the view held means one was lost: start again from a whole view.
      if (this.stream.patch(patch) === 'gap') {
        this.resyncs += 1;
        void this.send('state.sync', {}).catch(() => undefined);
      }
      this.notify();
    });
    this.socket.on('session.presence', (presence) => {
      this.presence = presence;
      this.notify();
    });
    for (const event of AUDIO_EVENTS) {
      // One listener for every audio event type: socket.io's typings cannot follow the loop variable.
      (this.socket.on as (e: string, f: (payload: unknown) => void) => void).call(this.socket, event, (payload) => {
        this.audioEvents.push({ event, payload } as AudioEventRecord);
        if (this.audioEvents.length > 500) this.audioEvents.shift();
        if (event === 'audio.status') this.audioStatus = payload as ControlClient['audioStatus'];
        this.notify();
      });
    }
    this.socket.on('session.me', (me) => {
      // The server sends it after the view patches of the same flush, so its seq vouches for the view too.
      this.flushedSeq = Math.max(this.flushedSeq, me.seq);
      this.adoptMe(me);
    });
    this.socket.on('captions.live', (line) => {
      this.liveCaptions.push(line);
      if (this.liveCaptions.length > 200) this.liveCaptions.shift();
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
    return ((this.socket.timeout(this.ackTimeoutMs) as unknown as Socket).emitWithAck(name, body) as Promise<Ack>).then((ack) => {
      // The private view comes with the ack (docs/PROTOCOL.md §6).
      if (ack.ok && ack.me) this.adoptMe(ack.me);
      return ack;
    });
  }

  /** Take a private view unless a newer one is already here (acks and pushes can cross). */
  private adoptMe(me: MeView): void {
    if (this.me && me.seq < this.me.seq) return;
    this.me = me;
    this.notify();
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

  get view(): ViewWithTime | null {
    return this.stream.view;
  }

  /** The log position this client's view and private view are known to reflect. */
  get seq(): number {
    // Not the seq of a private view that came with an ack: it runs ahead of the view's patches.
    return Math.max(this.view?.seq ?? 0, this.flushedSeq, this.syncedSeq);
  }

  /**
   * Wait until what this client shows includes everything up to `seq` (as returned in
   * an ack). Views are sent only when their content changes, so a change that did not
   * touch this client's view never arrives as one; `state.sync` then confirms that
   * nothing is missing (the server sends what is pending before it answers).
   */
  async caughtUp(seq: number): Promise<void> {
    if (this.seq >= seq) return;
    const ack = await this.send('state.sync', this.view ? { rev: this.view.rev } : {});
    if (ack.ok) this.syncedSeq = Math.max(this.syncedSeq, ack.seq);
    return this.waitFor((c) => c.seq >= seq, 10_000, `view at seq ${seq}`);
  }

  /** Everyone this client can see by name in a room (staff: anyone; citizens: a small breakout room's members). */
  members(roomId?: string): Member[] {
    const id = roomId ?? this.me?.roomId;
    const view = this.view;
    if (!view || !id) return [];
    if (view.participants)
      return view.participants.filter((p) => p.roomId === id).map(({ participantId, displayName, roomId, online }) => ({ participantId, displayName, roomId, online }));
    return view.rooms.find((r) => r.id === id)?.members?.map((m) => ({ ...m, roomId: id })) ?? [];
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
