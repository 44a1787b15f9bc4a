import { createClient } from 'redis';
import type { Delivery, DeliveryAttempt, DeliveryStatus, NewDelivery, OutboxStore, Webhook, WebhookEvent } from '../../ports/OutboxStore.js';
import { ADD_WEBHOOK, DUE, ENQUEUE, NEXT_DUE, RECORD_ATTEMPT, REMOVE_WEBHOOK, RETRY } from './outboxScripts.js';

/**
 * The webhook outbox on Redis, for a cluster: every server process shares it, and any
 * of them may send a delivery, but only one at a time. `due(now, limit, claimMs)` claims
 * what it hands out in the same Lua script that picks it, so two dispatchers asking at
 * once get disjoint deliveries; `recordAttempt` releases the claim, and one that runs
 * out (its sender died) makes the delivery due again.
 *
 * Durability is Redis's own, as for RedisStore: run it with `appendonly yes` and
 * `appendfsync always`. Strings from callers (session, webhook and idempotency keys)
 * are only ever hash fields, set members, values, or the last part of a key name, so
 * no id, whatever it contains, can reach another's data.
 */
export class RedisOutbox implements OutboxStore {
  private readonly client;
  private connecting: Promise<unknown> | null = null;
  private readonly keys: ReturnType<typeof keySpace>;

  /** `prefix` starts every key: several deployments (or test cases) can share one Redis. */
  constructor(url: string, opts: { prefix?: string } = {}) {
    this.keys = keySpace(opts.prefix ?? 'th');
    this.client = createClient({ url, disableOfflineQueue: true });
    // A dropped connection is reconnected by the client; errors surface on the commands that failed.
    this.client.on('error', () => undefined);
  }

  private async ready(): Promise<void> {
    if (this.client.isReady) return;
    this.connecting ??= this.client.connect().catch((err: unknown) => {
      // Let the next call try again rather than fail forever on the first attempt's error.
      this.connecting = null;
      throw err;
    });
    await this.connecting;
  }

  async addWebhook(w: Omit<Webhook, 'removedAt'>): Promise<void> {
    await this.ready();
    const added = await this.client.eval(ADD_WEBHOOK, {
      keys: [this.keys.webhook(w.id), this.keys.sessionWebhooks(w.sessionId)],
      arguments: [w.id, w.sessionId, w.url, w.secret, String(w.createdAt)],
    });
    if (added !== 1) throw new Error(`A webhook with id ${JSON.stringify(w.id)} already exists.`);
  }

  async removeWebhook(sessionId: string, webhookId: string, at: number): Promise<boolean> {
    await this.ready();
    const removed = await this.client.eval(REMOVE_WEBHOOK, { keys: [this.keys.webhook(webhookId)], arguments: [sessionId, String(at)] });
    return removed === 1;
  }

  async listWebhooks(sessionId: string): Promise<Webhook[]> {
    await this.ready();
    // Ordered by createdAt, then by id as bytes: as SQLite orders them.
    const ids = await this.client.zRange(this.keys.sessionWebhooks(sessionId), 0, -1);
    const hashes = await Promise.all(ids.map((id) => this.client.hGetAll(this.keys.webhook(id))));
    return hashes
      .filter((h) => h.id !== undefined)
      .map((h) => ({
        id: h.id!,
        sessionId: h.sessionId!,
        url: h.url!,
        secret: h.secret!,
        createdAt: Number(h.createdAt),
        removedAt: h.removedAt === undefined ? null : Number(h.removedAt),
      }));
  }

  async enqueue(d: NewDelivery): Promise<boolean> {
    await this.ready();
    // Keys a script touches are passed to it, so the id is drawn first; a duplicate leaves it unused (ids are unique and increasing, not dense).
    const id = await this.client.incr(this.keys.seq);
    const added = await this.client.eval(ENQUEUE, {
      keys: [this.keys.idempotency, this.keys.delivery(id), this.keys.pending, this.keys.sessionDeliveries(d.sessionId)],
      arguments: [
        d.idempotencyKey,
        String(id),
        member(id),
        d.sessionId,
        d.webhookId,
        d.publication === null ? '' : String(d.publication),
        d.body,
        String(d.createdAt),
        d.event,
      ],
    });
    return added === 1;
  }

  async hasDelivery(idempotencyKey: string): Promise<boolean> {
    await this.ready();
    return (await this.client.hExists(this.keys.idempotency, idempotencyKey)) === 1;
  }

  async due(now: number, limit: number, claimMs?: number): Promise<Delivery[]> {
    await this.ready();
    const picked = (await this.client.eval(DUE, {
      keys: [this.keys.pending, this.keys.claims],
      arguments: [String(now), String(Math.max(0, Math.floor(limit))), claimMs === undefined ? '' : String(now + claimMs)],
    })) as string[];
    // What was picked is claimed (or, without a claim, only looked at): its fields are read after the script.
    const hashes = await Promise.all(picked.map((m) => this.client.hGetAll(this.keys.delivery(Number(m)))));
    return hashes.filter((h) => h.id !== undefined).map(deliveryOf);
  }

  async nextDueAt(): Promise<number | null> {
    await this.ready();
    const at = await this.client.eval(NEXT_DUE, { keys: [this.keys.pending, this.keys.claims] });
    return at === null ? null : Number(at);
  }

  async recordAttempt(deliveryId: number, a: DeliveryAttempt & { status: DeliveryStatus; nextAttemptAt: number }): Promise<void> {
    if (!isId(deliveryId)) return;
    await this.ready();
    const attempt: DeliveryAttempt = { at: a.at, statusCode: a.statusCode, error: a.error };
    await this.client.eval(RECORD_ATTEMPT, {
      keys: [this.keys.delivery(deliveryId), this.keys.log(deliveryId), this.keys.pending, this.keys.claims],
      arguments: [member(deliveryId), a.status, String(a.nextAttemptAt), String(a.at), a.error ?? '', a.error === null ? '0' : '1', JSON.stringify(attempt)],
    });
  }

  async listDeliveries(sessionId: string): Promise<(Omit<Delivery, 'body'> & { log: DeliveryAttempt[] })[]> {
    await this.ready();
    const ids = (await this.client.zRange(this.keys.sessionDeliveries(sessionId), 0, -1)).map(Number);
    const rows = await Promise.all(
      ids.map(async (id) => {
        const [hash, log] = await Promise.all([this.client.hGetAll(this.keys.delivery(id)), this.client.lRange(this.keys.log(id), 0, -1)]);
        return { hash, log };
      }),
    );
    return rows
      .filter((r) => r.hash.id !== undefined)
      .map(({ hash, log }) => {
        const { body: _body, ...d } = deliveryOf(hash);
        // Oldest first; a stable sort keeps attempts logged at the same time in the order they were logged.
        const attempts = log.map((entry) => JSON.parse(entry) as DeliveryAttempt).sort((x, y) => x.at - y.at);
        return { ...d, log: attempts };
      });
  }

  async retry(sessionId: string, deliveryId: number, now: number): Promise<boolean> {
    if (!isId(deliveryId)) return false;
    await this.ready();
    const retried = await this.client.eval(RETRY, {
      keys: [this.keys.delivery(deliveryId), this.keys.pending, this.keys.claims],
      arguments: [sessionId, String(now), member(deliveryId)],
    });
    return retried === 1;
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.close();
  }
}

const isId = (id: number) => Number.isSafeInteger(id) && id > 0;

/** A delivery's name in the pending queue and the claims: its id zero-padded, so that equal times sort by id. */
const member = (id: number) => String(id).padStart(16, '0');

function deliveryOf(h: Record<string, string>): Delivery {
  return {
    id: Number(h.id),
    sessionId: h.sessionId!,
    webhookId: h.webhookId!,
    // Deliveries enqueued before there was more than one event carry none: they were all publications.
    event: (h.event ?? 'outcome.published') as WebhookEvent,
    publication: h.publication === undefined ? null : Number(h.publication),
    idempotencyKey: h.idempotencyKey!,
    body: h.body!,
    status: h.status as DeliveryStatus,
    attempts: Number(h.attempts),
    nextAttemptAt: Number(h.nextAttemptAt),
    createdAt: Number(h.createdAt),
    deliveredAt: h.deliveredAt === undefined ? null : Number(h.deliveredAt),
    lastError: h.lastError ?? null,
  };
}

/**
 * Every key the outbox uses. They share one hash tag, so that in a Redis Cluster they
 * live on one shard and a script may touch any of them: the queue is global (a sender
 * takes due deliveries of every session), and small. The `outbox:` before the tag keeps
 * them apart from RedisStore's keys under the same prefix (those are `{sessionId}:…`).
 * Ids from callers come last in a key name, after a part no other kind of key shares.
 */
function keySpace(prefix: string) {
  const base = `${prefix}:outbox:{outbox}`;
  return {
    /** Counter for delivery ids. */
    seq: `${base}:seq`,
    /** Hash: idempotency key → delivery id. */
    idempotency: `${base}:idempotency`,
    /** Sorted set of pending deliveries (padded ids), scored by their next attempt. */
    pending: `${base}:pending`,
    /** Hash: padded id → the time its sender's claim runs out. */
    claims: `${base}:claims`,
    /** Hash of one delivery's fields. */
    delivery: (id: number) => `${base}:delivery:${id}`,
    /** List of one delivery's attempts, as JSON. */
    log: (id: number) => `${base}:delivery:${id}:log`,
    /** Sorted set of a session's delivery ids. */
    sessionDeliveries: (sessionId: string) => `${base}:deliveries:${sessionId}`,
    /** Hash of one webhook's fields. */
    webhook: (webhookId: string) => `${base}:webhook:${webhookId}`,
    /** Sorted set of a session's webhook ids, scored by createdAt. */
    sessionWebhooks: (sessionId: string) => `${base}:webhooks:${sessionId}`,
  };
}
