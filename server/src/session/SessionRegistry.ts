import type { CreateSessionInput, Role } from '../../../shared/src/index.js';
import { SessionHost, type SessionHostOptions } from './SessionHost.js';

/** Every session this node serves, rebuilt from the store on start. */
export class SessionRegistry {
  private readonly hosts = new Map<string, SessionHost>();
  private readonly created = new Set<(host: SessionHost) => void>();

  constructor(private readonly opts: SessionHostOptions) {}

  /** Load every session; one that cannot be loaded is logged and left out, so it cannot take the others down. */
  async loadAll(): Promise<{ loaded: number; failed: string[] }> {
    const failed: string[] = [];
    for (const id of await this.opts.store.listSessionIds()) {
      try {
        this.add(await SessionHost.load(id, this.opts));
      } catch (err) {
        this.opts.logger.error({ err, sessionId: id }, 'session could not be loaded; it will not be served');
        failed.push(id);
      }
    }
    return { loaded: this.hosts.size, failed };
  }

  async create(input: CreateSessionInput): Promise<{ host: SessionHost; invites: Record<Role, string> }> {
    const made = await SessionHost.create(input, this.opts);
    this.add(made.host);
    return made;
  }

  get(sessionId: string): SessionHost | undefined {
    return this.hosts.get(sessionId);
  }

  /** Called for every host, loaded or new, so adapters can attach to it. */
  onHost(listener: (host: SessionHost) => void): void {
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

  private add(host: SessionHost): void {
    this.hosts.set(host.id, host);
    for (const listener of this.created) listener(host);
  }
}
