import type { Logger } from 'pino';
import type { Delivery, OutboxStore } from '../ports/OutboxStore.js';
import { postToTarget, TargetRefusedError, type Resolve } from './postToTarget.js';
import type { PrivateTargets } from './webhookTargets.js';
import { EVENT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from './webhookSignature.js';

export interface DispatcherOptions {
  outbox: OutboxStore;
  logger: Logger;
  /** Looks up the secret and URL of a webhook; null when it was removed (its deliveries stop). */
  webhook: (sessionId: string, webhookId: string) => Promise<{ url: string; secret: string } | null>;
  baseDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  timeoutMs: number;
  /** Which non-public addresses may be sent to (TOWNHALL_WEBHOOK_ALLOW_PRIVATE); default none. */
  privateTargets?: PrivateTargets;
  /** How host names are looked up; default dns.lookup. */
  resolve?: Resolve;
  /**
   * How long a delivery handed to this dispatcher stays claimed (no other process sharing
   * the outbox is handed it) before it counts as abandoned and is due again. Must outlast
   * an attempt: the lookup, a request of up to `timeoutMs`, and recording the result.
   * Default: `timeoutMs` plus 10 s.
   */
  claimMs?: number;
  /**
   * Look at the outbox at least this often, even when nothing here changed it: in a
   * cluster, other nodes enqueue and record attempts without telling this one, and a
   * node that dies holding a claim tells nobody. Absent: only when due or kicked.
   */
  pollMs?: number;
  concurrency?: number;
  now?: () => number;
}

/** What a claim adds to the request timeout: time to look the webhook up and record the attempt. */
const CLAIM_MARGIN_MS = 10_000;

/**
 * Sends what the outbox holds, with exponential back-off. It keeps no state of its own
 * beyond a timer: everything it needs to resume after a restart is in the outbox.
 * Several dispatchers (one per server process) can share an outbox: each delivery it
 * takes is claimed in the outbox for longer than an attempt can last, so no other
 * dispatcher sends it meanwhile, and recording the attempt releases the claim.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private readonly inFlight = new Set<number>();
  private readonly now: () => number;

  constructor(private readonly opts: DispatcherOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Something was enqueued or retried: look at the outbox now. */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.pass()
      .catch((err: unknown) => this.opts.logger.error({ err }, 'webhook dispatch failed'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        } else void this.scheduleNext();
      });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Delay before attempt n+1 after n failures: base·2^(n−1), capped, with jitter so receivers coming back are not stampeded. */
  backoff(attempts: number): number {
    const raw = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(raw * (0.75 + Math.random() * 0.25));
  }

  private async scheduleNext(): Promise<void> {
    if (this.closed) return;
    const at = await this.opts.outbox.nextDueAt().catch(() => this.now() + (this.opts.pollMs ?? 5_000));
    if (this.closed || (at === null && this.opts.pollMs === undefined)) return;
    const delay = at === null ? this.opts.pollMs! : Math.min(Math.max(0, at - this.now()), this.opts.pollMs ?? Infinity);
    // Timers beyond ~24.8 days overflow; wake up daily instead.
    this.timer = setTimeout(() => this.kick(), Math.min(delay, 86_400_000));
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    const limit = this.opts.concurrency ?? 4;
    const claimMs = this.opts.claimMs ?? this.opts.timeoutMs + CLAIM_MARGIN_MS;
    for (;;) {
      if (this.closed) return;
      const due = (await this.opts.outbox.due(this.now(), limit, claimMs)).filter((d) => !this.inFlight.has(d.id));
      if (due.length === 0) return;
      await Promise.all(due.map((d) => this.attempt(d)));
    }
  }

  private async attempt(d: Delivery): Promise<void> {
    this.inFlight.add(d.id);
    try {
      const target = await this.opts.webhook(d.sessionId, d.webhookId);
      const at = this.now();
      if (!target) {
        await this.opts.outbox.recordAttempt(d.id, { at, statusCode: null, error: 'webhook removed', status: 'failed', nextAttemptAt: at });
        return;
      }
      let statusCode: number | null = null;
      let error: string | null = null;
      let refused = false;
      try {
        const timestamp = String(Math.floor(at / 1000));
        statusCode = await postToTarget(target.url, {
          timeoutMs: this.opts.timeoutMs,
          privateTargets: this.opts.privateTargets ?? { kind: 'refuse' },
          resolve: this.opts.resolve,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'townhall-webhook/1',
            [EVENT_HEADER]: d.event,
            [IDEMPOTENCY_HEADER]: d.idempotencyKey,
            [TIMESTAMP_HEADER]: timestamp,
            [SIGNATURE_HEADER]: webhookSignature(target.secret, timestamp, d.body),
          },
          body: d.body,
        });
        // Redirects are not followed (one could point the signed outcome at an internal address): a 3xx fails like a 5xx.
        if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
      } catch (err) {
        refused = err instanceof TargetRefusedError;
        error = refused
          ? (err as Error).message
          : (err as Error).name === 'AbortError'
            ? `no answer within ${this.opts.timeoutMs} ms`
            : `could not connect (${(err as Error).message})`;
      }
      const attempts = d.attempts + 1;
      const done = error === null;
      // A refused target is given up on at once: what a name resolves to rarely changes within the back-off,
      // and each retry would only look it up again. The facilitator's retry checks it afresh.
      const gaveUp = !done && (refused || attempts >= this.opts.maxAttempts);
      await this.opts.outbox.recordAttempt(d.id, {
        at,
        statusCode,
        error,
        status: done ? 'delivered' : gaveUp ? 'failed' : 'pending',
        nextAttemptAt: done || gaveUp ? at : this.now() + this.backoff(attempts),
      });
      const log = { sessionId: d.sessionId, delivery: d.id, attempts, statusCode, error };
      if (done) this.opts.logger.info(log, 'webhook delivered');
      else this.opts.logger.warn(log, gaveUp ? 'webhook delivery gave up' : 'webhook delivery failed; will retry');
    } finally {
      this.inFlight.delete(d.id);
    }
  }
}
