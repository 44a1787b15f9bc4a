import { createClient } from 'redis';
import type { Logger } from 'pino';
import type { Presence } from '../realtime/Presence.js';

/** How often nodes that stopped advertising themselves are dropped from the list of nodes. */
const PRUNE_EVERY_MS = 60_000;

export interface ClusterPresenceOptions {
  prefix: string;
  nodeId: string;
  presence: Presence;
  /** How often this node tells its connections and reads the others'. */
  intervalMs: number;
  /** The sessions this node serves. */
  sessions: () => string[];
  /** Someone connected to or left another node, in this session. */
  onChangeElsewhere: (sessionId: string) => void;
  logger: Logger;
}

/**
 * Presence across the nodes of a cluster. Each node writes, per session, who is
 * connected to it (one key per session and node, which expires when the node stops
 * renewing it: a dead node's people go offline within a few intervals), and reads what
 * the others wrote. Presence is a fact about sockets, not a decision, so it is not in
 * the log and a moment's staleness is acceptable; Redis being away only freezes it.
 */
export class ClusterPresence {
  private readonly client;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly lastWritten = new Map<string, number>();
  private lastPruned = 0;

  constructor(
    url: string,
    private readonly opts: ClusterPresenceOptions,
  ) {
    this.client = createClient({ url, disableOfflineQueue: true });
    this.client.on('error', () => undefined);
  }

  private get ttlMs(): number {
    return Math.max(5_000, this.opts.intervalMs * 5);
  }

  private key(sessionId: string, nodeId: string): string {
    return `${this.opts.prefix}:{${sessionId}}:presence:${nodeId}`;
  }

  async start(): Promise<void> {
    await this.client.connect();
    await this.client.sAdd(`${this.opts.prefix}:nodes`, this.opts.nodeId);
    this.timer = setInterval(() => void this.sync(), this.opts.intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Gone now, not when the keys expire.
    const sessions = this.opts.sessions();
    if (this.client.isReady && sessions.length) await this.client.del(sessions.map((s) => this.key(s, this.opts.nodeId))).catch(() => undefined);
    if (this.client.isOpen) await this.client.close().catch(() => undefined);
  }

  /** The other nodes that still say where they are (NodeLink.advertise); the ones that stopped are forgotten now and then. */
  private async otherNodes(now: number): Promise<string[]> {
    // Said again every time: another node may have pruned this one while it was starting (not yet advertised).
    await this.client.sAdd(`${this.opts.prefix}:nodes`, this.opts.nodeId);
    const all = (await this.client.sMembers(`${this.opts.prefix}:nodes`)).filter((n) => n !== this.opts.nodeId);
    if (now - this.lastPruned < PRUNE_EVERY_MS || all.length === 0) return all;
    this.lastPruned = now;
    const addresses = await this.client.mGet(all.map((n) => `${this.opts.prefix}:address:${n}`));
    const gone = all.filter((_, i) => addresses[i] === null);
    if (gone.length) await this.client.sRem(`${this.opts.prefix}:nodes`, gone);
    return all.filter((_, i) => addresses[i] !== null);
  }

  /** Tell what changed here (and renew the rest before it expires), then read the others. */
  async sync(): Promise<void> {
    if (this.running || !this.client.isReady) return;
    this.running = true;
    try {
      const now = Date.now();
      const changed = new Set(this.opts.presence.takeChanged());
      const nodes = await this.otherNodes(now);
      for (const sessionId of this.opts.sessions()) {
        if (changed.has(sessionId) || now - (this.lastWritten.get(sessionId) ?? 0) > this.ttlMs / 2) {
          const here = this.opts.presence.here(sessionId);
          if (here.length) await this.client.set(this.key(sessionId, this.opts.nodeId), here.join(','), { PX: this.ttlMs });
          else await this.client.del(this.key(sessionId, this.opts.nodeId));
          this.lastWritten.set(sessionId, now);
        }
        const there = new Set<string>();
        if (nodes.length) {
          for (const list of await this.client.mGet(nodes.map((n) => this.key(sessionId, n)))) {
            if (list) for (const id of list.split(',')) there.add(id);
          }
        }
        if (this.opts.presence.setElsewhere(sessionId, there)) this.opts.onChangeElsewhere(sessionId);
      }
    } catch (err) {
      // Redis away: presence stays as it was last known, and what changed here is told next time.
      this.opts.logger.debug({ err }, 'presence could not be shared');
      for (const sessionId of this.opts.sessions()) this.lastWritten.delete(sessionId);
    } finally {
      this.running = false;
    }
  }
}
