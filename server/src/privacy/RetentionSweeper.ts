import type { Logger } from 'pino';
import type { LiveSession } from '../session/LiveSession.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  registry: SessionRegistry;
  /** Days after a session closes until its participants' personal data is erased. */
  days: number;
  /** How often to look. A session is erased at most this long after its time is up. */
  sweepMs: number;
  logger: Logger;
  now?: () => number;
}

/**
 * Erases the personal data of every participant of a session once it has been closed
 * for the retention period. Each erasure is an event in the session's log, decided by
 * the session's owner (in a cluster, each node sweeps the sessions it owns), so it is
 * as durable and as visible as any other decision, and a sweep that dies half-way is
 * simply finished by the next.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: RetentionOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.opts.sweepMs);
    this.timer.unref();
    void this.sweep();
  }

  /** One pass over every session; resolves when it is done (a pass already running is joined). */
  sweep(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async pass(): Promise<void> {
    const cutoff = this.now() - this.opts.days * DAY_MS;
    for (const session of this.opts.registry.all()) {
      const due = dueForErasure(session, cutoff);
      if (due.length === 0) continue;
      try {
        await session.erase(due, 'retention');
        this.opts.logger.info({ sessionId: session.id, participants: due.length }, 'personal data erased at the end of the retention period');
      } catch (err) {
        // The owner may be moving, or the store away: the next pass tries again.
        this.opts.logger.warn({ err, sessionId: session.id }, 'retention erasure failed; will retry');
      }
    }
  }
}

/** The participants whose personal data a session still holds past the retention period; none unless this node decides for it. */
export function dueForErasure(session: LiveSession, cutoff: number): string[] {
  const { closedAt, participants } = session.state;
  if (!session.isOwner || closedAt === null || closedAt > cutoff) return [];
  return Object.values(participants)
    .filter((p) => p.displayName !== '')
    .map((p) => p.id);
}
