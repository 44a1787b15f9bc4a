import type { Ack, CommandInput, CommandName, MeView, PresenceView } from '../../../../shared/src/index.js';
import { ControlClient, type ViewWithTime } from '../../ControlClient';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'refused';

/** Everything the UI renders from; a new object whenever anything in it changes. */
export interface SessionSnapshot {
  status: ConnectionStatus;
  view: ViewWithTime | null;
  me: MeView | null;
  /** Head counts per room and online. */
  presence: PresenceView | null;
  /** Server clock minus this device's clock, measured when the latest view arrived. */
  offsetMs: number;
  /** Why the server refused the connection (a removed participant, a token that no longer works). */
  refused: { code: string; message: string } | null;
  removed: boolean;
  /** How many times the connection came back after a loss (the UI announces it). */
  reconnects: number;
}

const newRequestId = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;

const MAX_ATTEMPTS = 4;
const WAIT_FOR_CONNECTION_MS = 60_000;

/**
 * One participant's live connection, as an external store for React
 * (useSyncExternalStore). It wraps the typed ControlClient and adds what a browser
 * needs: the clock offset for countdowns, a connection status for the banner, and
 * commands that survive a connection loss without being done twice.
 *
 * Exactly-once commands: each action gets one requestId for all its attempts. If the
 * connection drops before the ack arrives, the same command with the same requestId is
 * sent again once the connection is back; the server recognises the requestId and
 * answers with the original outcome instead of doing it again.
 *
 * Going offline: Chromium (and real networks) can leave a dead WebSocket looking open
 * until the heartbeat gives up, which takes up to 45 s. When the browser says it is
 * offline the socket is closed at once (so the banner appears and buttons pause), and
 * it reconnects as soon as the browser is back online.
 */
export class SessionConnection {
  readonly client: ControlClient;
  private snapshot: SessionSnapshot;
  private readonly listeners = new Set<() => void>();
  private everConnected = false;
  private pausedOffline = false;
  private disposed = false;

  constructor(opts: { url: string; sessionId: string; token: string }) {
    this.snapshot = { status: 'connecting', view: null, me: null, presence: null, offsetMs: 0, refused: null, removed: false, reconnects: 0 };
    this.client = new ControlClient({
      url: opts.url,
      sessionId: opts.sessionId,
      token: opts.token,
      ackTimeoutMs: 8_000,
      socket: { reconnectionDelay: 500, reconnectionDelayMax: 3_000 },
    });
    const socket = this.client.socket;
    // ControlClient registered its own handlers first, so its fields are current when these run.
    socket.on('session.view', (view) => {
      if (this.client.view === view) this.set({ view, offsetMs: this.estimateOffset(view.serverTime - Date.now()) });
    });
    // ControlClient applied the patch (or asked for a whole view if one was lost); take its result.
    socket.on('session.viewPatch', (patch) => {
      const view = this.client.view;
      if (view && view !== this.snapshot.view) this.set({ view, offsetMs: this.estimateOffset(patch.serverTime - Date.now()) });
    });
    socket.on('session.me', () => this.set({ me: this.client.me }));
    socket.on('session.presence', (presence) => this.set({ presence }));
    socket.on('session.notice', (notice) => {
      if (notice.kind === 'removed') this.set({ removed: true });
    });
    socket.on('connect', () => {
      const reconnects = this.everConnected ? this.snapshot.reconnects + 1 : 0;
      this.everConnected = true;
      this.set({ status: 'connected', refused: null, reconnects });
    });
    socket.on('disconnect', () => this.set({ status: this.everConnected ? 'reconnecting' : 'connecting' }));
    socket.on('connect_error', () => {
      // A refusal by the server (bad or revoked token) is final: socket.io does not retry it.
      const refused = !socket.active ? this.client.connectError : null;
      this.set({ status: refused ? 'refused' : this.everConnected ? 'reconnecting' : 'connecting', refused });
    });
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
  }

  private readonly offsetSamples: number[] = [];

  /**
   * Each sample is the true clock offset minus that view's delay in transit, so the
   * largest of the recent samples is the best estimate (the view that came fastest).
   * Only recent ones count, so a clock that is adjusted is followed within a few views.
   */
  private estimateOffset(sample: number): number {
    this.offsetSamples.push(sample);
    if (this.offsetSamples.length > 8) this.offsetSamples.shift();
    return Math.max(...this.offsetSamples);
  }

  private readonly onOffline = () => {
    if (this.disposed || this.snapshot.status === 'refused') return;
    this.pausedOffline = true;
    this.client.socket.disconnect();
    this.set({ status: this.everConnected ? 'reconnecting' : 'connecting' });
  };

  private readonly onOnline = () => {
    if (this.disposed || !this.pausedOffline) return;
    this.pausedOffline = false;
    this.client.socket.connect();
  };

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SessionSnapshot => this.snapshot;

  /**
   * Send a command; resolves with the server's ack. Transport failures are retried with
   * the same requestId (see above), so the promise only rejects never: it resolves with
   * an UNAVAILABLE error ack when the server could not be reached in time.
   */
  async command<N extends CommandName>(name: N, payload: CommandInput<N>): Promise<Ack> {
    const requestId = newRequestId();
    for (let attempt = 0; attempt < MAX_ATTEMPTS && !this.disposed; attempt++) {
      if (!(await this.connected())) break;
      try {
        const ack = await this.client.send(name, payload, requestId);
        // ControlClient took the private view the ack carried, if any.
        if (this.client.me && this.client.me !== this.snapshot.me) this.set({ me: this.client.me });
        return ack;
      } catch {
        // Disconnected before the ack, or no ack in time: the outcome is unknown, so ask again under the same requestId.
      }
    }
    return { ok: false, error: { code: 'UNAVAILABLE', message: 'The server could not be reached.' } };
  }

  /** Resolves true once connected (at once if already), false if that does not happen in time. */
  private connected(): Promise<boolean> {
    const socket = this.client.socket;
    if (socket.connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        socket.off('connect', onConnect);
        this.listeners.delete(onChange);
        resolve(ok);
      };
      const onConnect = () => done(true);
      const onChange = () => {
        if (this.disposed || this.snapshot.status === 'refused') done(false);
      };
      const timer = setTimeout(() => done(false), WAIT_FOR_CONNECTION_MS);
      socket.on('connect', onConnect);
      this.listeners.add(onChange);
    });
  }

  dispose(): void {
    this.disposed = true;
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
    this.client.close();
    this.set({});
    this.listeners.clear();
  }

  private set(patch: Partial<SessionSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of [...this.listeners]) l();
  }
}
