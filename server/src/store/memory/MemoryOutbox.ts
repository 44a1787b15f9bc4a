import type { Delivery, DeliveryAttempt, DeliveryStatus, NewDelivery, OutboxStore, Webhook } from '../../ports/OutboxStore.js';

interface DeliveryRecord extends Delivery {
  log: DeliveryAttempt[];
  /** When its sender's claim runs out; null when unclaimed. */
  claimedUntil: number | null;
}

/**
 * The outbox's data, which several MemoryOutbox handles can share, as the server
 * processes of a cluster share one Redis. Nothing here is ever written to disk.
 */
export class MemoryOutboxData {
  readonly webhooks = new Map<string, Omit<Webhook, 'removedAt'> & { removedAt: number | null }>();
  readonly deliveries = new Map<number, DeliveryRecord>();
  readonly byKey = new Map<string, number>();
  lastId = 0;
}

/**
 * The webhook outbox in memory: for tests and for trying things, never for a server
 * whose deliveries must survive it. Same semantics as RedisOutbox (and the contract in
 * tests/outbox.contract.test.ts): idempotent enqueue by key, due deliveries by next
 * attempt then id, claims taken in the same step that picks them, and released by
 * recordAttempt. Every method runs to completion before it yields, so each is atomic
 * towards every other handle on the same data, as a Lua script is in Redis.
 */
export class MemoryOutbox implements OutboxStore {
  private closed = false;

  constructor(private readonly data: MemoryOutboxData = new MemoryOutboxData()) {}

  /** Another outbox on the same data: a second process sharing the storage. */
  another(): MemoryOutbox {
    return new MemoryOutbox(this.data);
  }

  private open(): MemoryOutboxData {
    if (this.closed) throw new Error('This MemoryOutbox is closed.');
    return this.data;
  }

  async addWebhook(w: Omit<Webhook, 'removedAt'>): Promise<void> {
    const data = this.open();
    if (data.webhooks.has(w.id)) throw new Error(`A webhook with id ${JSON.stringify(w.id)} already exists.`);
    data.webhooks.set(w.id, { id: w.id, sessionId: w.sessionId, url: w.url, secret: w.secret, createdAt: w.createdAt, removedAt: null });
  }

  async removeWebhook(sessionId: string, webhookId: string, at: number): Promise<boolean> {
    const w = this.open().webhooks.get(webhookId);
    if (!w || w.sessionId !== sessionId || w.removedAt !== null) return false;
    w.removedAt = at;
    return true;
  }

  async listWebhooks(sessionId: string): Promise<Webhook[]> {
    // By createdAt, then by id as UTF-8 bytes: as SQLite and Redis order them.
    return [...this.open().webhooks.values()]
      .filter((w) => w.sessionId === sessionId)
      .sort((a, b) => a.createdAt - b.createdAt || Buffer.compare(Buffer.from(a.id), Buffer.from(b.id)))
      .map((w) => ({ ...w }));
  }

  async enqueue(d: NewDelivery): Promise<boolean> {
    const data = this.open();
    if (data.byKey.has(d.idempotencyKey)) return false;
    const id = ++data.lastId;
    data.byKey.set(d.idempotencyKey, id);
    data.deliveries.set(id, {
      id,
      sessionId: d.sessionId,
      webhookId: d.webhookId,
      event: d.event,
      publication: d.publication,
      idempotencyKey: d.idempotencyKey,
      body: d.body,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: d.createdAt,
      createdAt: d.createdAt,
      deliveredAt: null,
      lastError: null,
      log: [],
      claimedUntil: null,
    });
    return true;
  }

  async hasDelivery(idempotencyKey: string): Promise<boolean> {
    return this.open().byKey.has(idempotencyKey);
  }

  async due(now: number, limit: number, claimMs?: number): Promise<Delivery[]> {
    const max = Math.max(0, Math.floor(limit));
    if (!(max > 0)) return [];
    const picked = this.pending()
      .filter((d) => d.nextAttemptAt <= now && (d.claimedUntil === null || d.claimedUntil <= now))
      .slice(0, max);
    if (claimMs !== undefined) for (const d of picked) d.claimedUntil = now + claimMs;
    return picked.map(deliveryOf);
  }

  async nextDueAt(): Promise<number | null> {
    let best: number | null = null;
    for (const d of this.pending()) {
      const at = d.claimedUntil !== null && d.claimedUntil > d.nextAttemptAt ? d.claimedUntil : d.nextAttemptAt;
      if (best === null || at < best) best = at;
    }
    return best;
  }

  async recordAttempt(deliveryId: number, a: DeliveryAttempt & { status: DeliveryStatus; nextAttemptAt: number }): Promise<void> {
    const d = this.open().deliveries.get(deliveryId);
    if (!isId(deliveryId) || !d) return;
    d.log.push({ at: a.at, statusCode: a.statusCode, error: a.error });
    d.attempts += 1;
    d.status = a.status;
    d.nextAttemptAt = a.nextAttemptAt;
    d.lastError = a.error;
    if (a.status === 'delivered') d.deliveredAt = a.at;
    d.claimedUntil = null;
  }

  async listDeliveries(sessionId: string): Promise<(Omit<Delivery, 'body'> & { log: DeliveryAttempt[] })[]> {
    return [...this.open().deliveries.values()]
      .filter((d) => d.sessionId === sessionId)
      .sort((a, b) => a.id - b.id)
      .map((d) => {
        const { body: _body, ...rest } = deliveryOf(d);
        // Oldest first; a stable sort keeps attempts logged at the same time in the order they were logged.
        return { ...rest, log: d.log.map((x) => ({ ...x })).sort((x, y) => x.at - y.at) };
      });
  }

  async retry(sessionId: string, deliveryId: number, now: number): Promise<boolean> {
    const d = this.open().deliveries.get(deliveryId);
    if (!isId(deliveryId) || !d || d.sessionId !== sessionId || d.status !== 'failed') return false;
    d.status = 'pending';
    d.nextAttemptAt = now;
    d.claimedUntil = null;
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Pending deliveries, by next attempt, then id. */
  private pending(): DeliveryRecord[] {
    return [...this.open().deliveries.values()].filter((d) => d.status === 'pending').sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.id - b.id);
  }
}

const isId = (id: number) => Number.isSafeInteger(id) && id > 0;

/** A copy, so that a caller who changes what it was given changes nothing stored. */
function deliveryOf(d: DeliveryRecord): Delivery {
  return {
    id: d.id,
    sessionId: d.sessionId,
    webhookId: d.webhookId,
    event: d.event,
    publication: d.publication,
    idempotencyKey: d.idempotencyKey,
    body: d.body,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt,
    createdAt: d.createdAt,
    deliveredAt: d.deliveredAt,
    lastError: d.lastError,
  };
}
