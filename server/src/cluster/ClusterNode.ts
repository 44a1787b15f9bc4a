import { CommandError, type CreateSessionInput, type Role } from '../../../shared/src/index.js';
import { newId } from '../session/credentials.js';
import type { SessionSource } from '../session/LiveSession.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import type { RedisStore } from '../store/redis/RedisStore.js';
import { ClusteredSession, type ClusterContext } from './ClusteredSession.js';
import type { ClusterMedia } from './ClusterMedia.js';
import { NodeLink, type NodeRequest } from './NodeLink.js';

export interface ClusterNodeOptions extends Omit<ClusterContext, 'store' | 'link'> {
  nodeUrl?: string | null;
  store: RedisStore;
  redisUrl: string;
  prefix: string;
  /** How long a forwarded command may wait for the owner's answer. */
  forwardTimeoutMs: number;
}

/**
 * This node's part in a cluster: where its registry gets sessions (each one a
 * ClusteredSession), the upkeep that keeps or takes their leases, the discovery of
 * sessions other nodes created, and the answering of commands forwarded to it.
 */
export class ClusterNode implements SessionSource {
  readonly link: NodeLink;
  private readonly ctx: ClusterContext;
  private readonly sessions = new Map<string, ClusteredSession>();
  /** Sessions being created here, by id. */
  private readonly creating = new Map<string, Promise<ClusteredSession>>();
  private upkeep: NodeJS.Timeout | null = null;
  private registry: SessionRegistry | null = null;
  private ticking = false;
  private address: string | null = null;
  private media: ClusterMedia | null = null;
  private readonly announcementHandlers = new Map<string, (payload: unknown) => void>();

  constructor(private readonly opts: ClusterNodeOptions) {
    this.link = new NodeLink(opts.redisUrl, {
      prefix: opts.prefix,
      nodeId: opts.nodeId,
      timeoutMs: opts.forwardTimeoutMs,
      logger: opts.logger,
      handle: (req) => this.serve(req),
      onPush: (push) => this.media?.deliver(push),
      onAnnouncement: (topic, payload) => this.announcementHandlers.get(topic)?.(payload),
    });
    this.ctx = { ...opts, store: opts.store, link: this.link };
  }

  get nodeId(): string {
    return this.opts.nodeId;
  }

  /** What other nodes announce on this topic (see NodeLink.announce) goes to `handler`; one per topic. */
  onAnnouncement(topic: string, handler: (payload: unknown) => void): void {
    this.announcementHandlers.set(topic, handler);
  }

  async create(input: CreateSessionInput): Promise<{ session: ClusteredSession; invites: Record<Role, string> }> {
    // Between the session's first event and the end of its creation, this node's own discovery may
    // find it in the store: it must get this very session, not open a second one.
    const sessionId = newId('s');
    const making = ClusteredSession.create(input, this.ctx, sessionId);
    this.creating.set(
      sessionId,
      making.then((m) => m.session),
    );
    try {
      const made = await making;
      this.sessions.set(sessionId, made.session);
      return made;
    } finally {
      this.creating.delete(sessionId);
    }
  }

  async load(sessionId: string): Promise<ClusteredSession> {
    const known = this.sessions.get(sessionId) ?? (await this.creating.get(sessionId)?.catch(() => undefined));
    if (known) return known;
    const session = await ClusteredSession.open(sessionId, this.ctx);
    this.sessions.set(sessionId, session);
    // Nobody may own it yet (a cluster starting, an owner gone): take it now rather than at the next upkeep.
    await session.maintain();
    return session;
  }

  listSessionIds(): Promise<string[]> {
    return this.opts.store.listSessionIds();
  }

  has(sessionId: string): Promise<boolean> {
    return this.opts.store.hasSession(sessionId);
  }

  /** Where the node that owns a session can be reached; null while nobody does (a takeover under way). */
  async ownerAddress(sessionId: string): Promise<string | null> {
    const lease = await this.opts.store.holder(sessionId);
    if (!lease || lease.owner === this.opts.nodeId) return null;
    return this.link.addressOf(lease.owner);
  }

  /** Say where this node can be reached, now and at every upkeep. */
  async advertise(url: string): Promise<void> {
    this.address = url;
    await this.link.advertise(url, this.opts.leaseTtlMs * 3);
  }

  /** Sessions this node owns now. */
  owned(): string[] {
    return [...this.sessions.values()].filter((s) => s.isOwner).map((s) => s.id);
  }

  /**
   * Start answering forwarded commands and keeping leases. Upkeep runs a few times per
   * lease time, so an owner renews well before its lease runs out and a dead owner's
   * sessions are taken over within the lease time plus one round.
   */
  async start(registry: SessionRegistry): Promise<void> {
    this.registry = registry;
    await this.link.start();
    this.upkeep = setInterval(() => void this.tick(), Math.max(100, Math.floor(this.opts.leaseTtlMs / 3)));
    this.upkeep.unref();
  }

  /** Stop keeping leases and hand back the ones held, so other nodes take over at once. */
  async close(): Promise<void> {
    if (this.upkeep) clearInterval(this.upkeep);
    this.upkeep = null;
    await Promise.all([...this.sessions.values()].map((s) => s.leave()));
    this.sessions.clear();
    await this.link.close();
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await Promise.all([...this.sessions.values()].map((s) => s.maintain()));
      if (this.address) await this.link.advertise(this.address, this.opts.leaseTtlMs * 3).catch(() => undefined);
      // Sessions created on other nodes since the last look.
      await this.registry?.loadAll().catch(() => undefined);
    } finally {
      this.ticking = false;
    }
  }

  /** The node that owns a session now, if any. */
  async ownerOf(sessionId: string): Promise<string | null> {
    return (await this.opts.store.holder(sessionId))?.owner ?? null;
  }

  /** Audio signalling across nodes, once audio is set up (after the node). */
  useMedia(media: ClusterMedia): void {
    this.media = media;
  }

  private serve(req: NodeRequest): Promise<unknown> {
    if (req.op === 'media') return this.media ? this.media.serve(req.args) : Promise.reject(new CommandError('UNAVAILABLE', 'Audio is off on this server.'));
    const session = this.sessions.get(req.sessionId);
    if (!session) return Promise.reject(new CommandError('UNAVAILABLE', 'This server does not run that session; please retry.'));
    return session.serve(req);
  }
}
