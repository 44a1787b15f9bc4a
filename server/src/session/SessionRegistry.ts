import type { CreateSessionInput, Role } from '../../../shared/src/index.js';
import type { LiveSession, SessionSource } from './LiveSession.js';
import { SessionHost, type SessionHostOptions } from './SessionHost.js';
import type { Logger } from 'pino';

/** One node on its own: it owns every session it serves, and each is a SessionHost. */
export function localSessions(opts: SessionHostOptions): SessionSource {
  return {
    async create(input) {
      const { host, invites } = await SessionHost.create(input, opts);
      return { session: host, invites };
    },
    load: (sessionId) => SessionHost.load(sessionId, opts),
    listSessionIds: () => opts.store.listSessionIds(),
  };
}

/** Every session this node serves, rebuilt from the store on start. */
export class SessionRegistry {
  private readonly hosts = new Map<string, LiveSession>();
  private readonly created = new Set<(host: LiveSession) => void>();
  /** Sessions being loaded on demand, so that two requests for one load it once. */
  private readonly loading = new Map<string, Promise<LiveSession | undefined>>();

  constructor(
    private readonly source: SessionSource,
    private readonly logger: Logger,
  ) {}

  /** Load every session; one that cannot be loaded is logged and left out, so it cannot take the others down. */
  async loadAll(): Promise<{ loaded: number; failed: string[] }> {
    const failed: string[] = [];
    for (const id of await this.source.listSessionIds()) {
      if (this.hosts.has(id)) continue;
      if (!(await this.loadOne(id))) failed.push(id);
    }
    return { loaded: this.hosts.size, failed };
  }

  async create(input: CreateSessionInput): Promise<{ host: LiveSession; invites: Record<Role, string> }> {
    const { session, invites } = await this.source.create(input);
    this.add(session);
    return { host: session, invites };
  }

  get(sessionId: string): LiveSession | undefined {
    return this.hosts.get(sessionId);
  }

  /**
   * The session, loading it if the store has it and this node does not yet: in a
   * cluster, a session another node created a moment ago.
   */
  async find(sessionId: string): Promise<LiveSession | undefined> {
    const known = this.hosts.get(sessionId);
    if (known || !this.source.has || !(await this.source.has(sessionId))) return known;
    return this.loadOne(sessionId);
  }

  all(): LiveSession[] {
    return [...this.hosts.values()];
  }

  /** Called for every host, loaded or new, so adapters can attach to it. */
  onHost(listener: (host: LiveSession) => void): void {
    this.created.add(listener);
    for (const host of this.hosts.values()) listener(host);
  }

  async drain(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((h) => h.drain()));
  }

  dispose(): void {
    for (const host of this.hosts.values()) host.dispose();
    this.hosts.clear();
  }

  private loadOne(sessionId: string): Promise<LiveSession | undefined> {
    let pending = this.loading.get(sessionId);
    if (!pending) {
      pending = this.source.load(sessionId).then(
        (session) => {
          // Loaded twice at once (a poll and a request)? The first one stays.
          const known = this.hosts.get(sessionId);
          if (known) {
            if (known !== session) session.dispose();
            return known;
          }
          this.add(session);
          return session;
        },
        (err: unknown) => {
          this.logger.error({ err, sessionId }, 'session could not be loaded; it will not be served');
          return undefined;
        },
      );
      this.loading.set(sessionId, pending);
      void pending.finally(() => this.loading.delete(sessionId));
    }
    return pending;
  }

  private add(host: LiveSession): void {
    // Created and discovered at once (cluster): the same session, attached once.
    if (this.hosts.get(host.id) === host) return;
    this.hosts.set(host.id, host);
    for (const listener of this.created) listener(host);
  }
}
