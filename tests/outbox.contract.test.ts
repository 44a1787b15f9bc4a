/**
 * The webhook outbox port's contract (server/src/ports/OutboxStore.ts), one suite run
 * against every adapter: the SQLite outbox of a single server, the Redis outbox that
 * the processes of a cluster share (against a redis-server this file starts on a free
 * port, each case under a key prefix of its own), and the in-memory outbox (for tests
 * and trying things). Time is only ever the `now` passed in: nothing here sleeps or
 * measures.
 *
 * The claim cases are what a cluster needs: a delivery handed to one dispatcher is not
 * handed to another while the first is sending, and a sender that dies only delays it.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { afterEach, describe, expect, test } from 'vitest';
import type { Delivery, OutboxStore } from '../server/src/ports/OutboxStore.js';
import { MemoryOutbox, MemoryOutboxData } from '../server/src/store/memory/MemoryOutbox.js';
import { RedisOutbox } from '../server/src/store/redis/RedisOutbox.js';
import { openDatabase } from '../server/src/store/sqlite/schema.js';
import { SqliteOutbox } from '../server/src/store/SqliteOutbox.js';
import { redisForThisFile } from './helpers/redis.js';
import { removeDir, tempDataDir } from './helpers/server.js';

interface Handle {
  outbox: OutboxStore;
  close(): Promise<void>;
}

interface Adapter {
  name: string;
  /** Fresh, empty storage: `open` gives an outbox on it, as many times as asked (another process, or a restart). */
  storage(): { open(): Handle; dispose(): void };
}

/** One redis-server for the Redis adapter's cases, started by this file on a free port. */
const redis = redisForThisFile();

const ADAPTERS: Adapter[] = [
  {
    name: 'SQLite',
    storage() {
      const dir = tempDataDir();
      const file = join(dir, 'outbox.sqlite');
      return {
        open() {
          // A connection of its own per outbox, as two processes on one file would have.
          const db = openDatabase(file);
          return { outbox: new SqliteOutbox(db), close: async () => void db.close() };
        },
        dispose: () => removeDir(dir),
      };
    },
  },
  {
    name: 'Redis',
    storage() {
      const prefix = redis.prefix('outbox-contract');
      return {
        open() {
          const outbox = new RedisOutbox(redis.url, { prefix });
          return { outbox, close: () => outbox.close() };
        },
        dispose: () => undefined,
      };
    },
  },
  {
    name: 'memory',
    storage() {
      // Outboxes on one MemoryOutboxData share it, as processes share one Redis.
      const data = new MemoryOutboxData();
      return {
        open() {
          const outbox = new MemoryOutbox(data);
          return { outbox, close: () => outbox.close() };
        },
        dispose: () => undefined,
      };
    },
  },
];

const T0 = 1_800_000_000_000;

type NewDelivery = Parameters<OutboxStore['enqueue']>[0];

function delivery(sessionId: string, n: number, createdAt: number, over: Partial<NewDelivery> = {}): NewDelivery {
  return {
    sessionId,
    webhookId: `wh-${n}`,
    event: 'outcome.published',
    publication: n,
    idempotencyKey: `${sessionId}:${n}:wh-${n}`,
    body: JSON.stringify({ n, text: 'Résumé — 日本語 🎉' }),
    createdAt,
    ...over,
  };
}

const keysOf = (ds: Delivery[]) => ds.map((d) => d.idempotencyKey);

/** The id a delivery was given, found through the port. */
async function idOf(outbox: OutboxStore, sessionId: string, idempotencyKey: string): Promise<number> {
  const found = (await outbox.listDeliveries(sessionId)).find((d) => d.idempotencyKey === idempotencyKey);
  if (!found) throw new Error(`no delivery ${idempotencyKey}`);
  return found.id;
}

describe.each(ADAPTERS)('outbox contract: $name', (adapter) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  /** Fresh storage and a first outbox on it; `open` adds another on the same storage. */
  const fresh = () => {
    const storage = adapter.storage();
    const handles: Handle[] = [];
    cleanups.push(async () => {
      for (const h of handles) await h.close().catch(() => undefined);
      storage.dispose();
    });
    const open = () => {
      const h = storage.open();
      handles.push(h);
      return h;
    };
    return { first: open(), open };
  };

  test('webhooks are added, listed per session in order of creation, and removed once', async () => {
    const { first } = fresh();
    const o = first.outbox;
    await o.addWebhook({ id: 'wh-late', sessionId: 's-1', url: 'https://a.example/late', secret: 'whsec_1', createdAt: T0 + 20 });
    await o.addWebhook({ id: 'wh-b', sessionId: 's-1', url: 'https://a.example/b', secret: 'whsec_2', createdAt: T0 });
    await o.addWebhook({ id: 'wh-a', sessionId: 's-1', url: 'https://a.example/a', secret: 'whsec_3', createdAt: T0 });
    await o.addWebhook({ id: 'wh-other', sessionId: 's-2', url: 'https://b.example/', secret: 'whsec_4', createdAt: T0 });

    const listed = await o.listWebhooks('s-1');
    // By creation time, then by id.
    expect(listed.map((w) => w.id)).toEqual(['wh-a', 'wh-b', 'wh-late']);
    expect(listed[0]).toEqual({ id: 'wh-a', sessionId: 's-1', url: 'https://a.example/a', secret: 'whsec_3', createdAt: T0, removedAt: null });
    expect((await o.listWebhooks('s-2')).map((w) => w.id)).toEqual(['wh-other']);
    expect(await o.listWebhooks('s-none')).toEqual([]);

    // Another session cannot remove it; its own can, once; the record stays, marked.
    expect(await o.removeWebhook('s-2', 'wh-b', T0 + 5)).toBe(false);
    expect(await o.removeWebhook('s-1', 'wh-b', T0 + 6)).toBe(true);
    expect(await o.removeWebhook('s-1', 'wh-b', T0 + 7)).toBe(false);
    expect(await o.removeWebhook('s-1', 'wh-unknown', T0 + 7)).toBe(false);
    const after = await o.listWebhooks('s-1');
    expect(after.map((w) => [w.id, w.removedAt])).toEqual([
      ['wh-a', null],
      ['wh-b', T0 + 6],
      ['wh-late', null],
    ]);
    // A webhook id is taken once, whichever session asks.
    await expect(o.addWebhook({ id: 'wh-a', sessionId: 's-3', url: 'https://c.example/', secret: 'x', createdAt: T0 })).rejects.toThrow();
    expect(await o.listWebhooks('s-3')).toEqual([]);
    expect((await o.listWebhooks('s-1')).find((w) => w.id === 'wh-a')!.url).toBe('https://a.example/a');
  });

  test('webhooks created at the same time are listed by id as UTF-8 bytes, past the BMP too', async () => {
    const { first } = fresh();
    const o = first.outbox;
    // U+FF01 sorts before U+1F600 as UTF-8 bytes (EF… < F0…), after it as UTF-16 units (FF01 > D83D).
    for (const id of ['\u{1F600}', '\uFF01', 'z', 'A', 'é']) await o.addWebhook({ id, sessionId: 's-1', url: 'https://a.example/', secret: 'k', createdAt: T0 });
    expect((await o.listWebhooks('s-1')).map((w) => w.id)).toEqual(['A', 'z', 'é', '\uFF01', '\u{1F600}']);
  });

  test('enqueue is idempotent by key, also when two outboxes race on the same key', async () => {
    const { first, open } = fresh();
    const o = first.outbox;
    const d = delivery('s-1', 1, T0);
    expect(await o.hasDelivery(d.idempotencyKey)).toBe(false);
    expect(await o.enqueue(d)).toBe(true);
    expect(await o.hasDelivery(d.idempotencyKey)).toBe(true);
    // The same key again, even with another body, adds nothing and changes nothing.
    expect(await o.enqueue({ ...d, body: '{"changed":true}', createdAt: T0 + 1 })).toBe(false);
    const list = await o.listDeliveries('s-1');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ idempotencyKey: d.idempotencyKey, createdAt: T0, nextAttemptAt: T0, attempts: 0, status: 'pending' });
    expect((await o.due(T0, 10)).map((x) => x.body)).toEqual([d.body]);

    const second = open().outbox;
    const racing = delivery('s-1', 2, T0);
    const results = await Promise.all([o.enqueue(racing), second.enqueue(racing), o.enqueue(racing), second.enqueue(racing)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(keysOf(await second.due(T0, 10))).toEqual([d.idempotencyKey, racing.idempotencyKey]);
    const ids = (await o.listDeliveries('s-1')).map((x) => x.id);
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    expect(ids[1]).toBeGreaterThan(ids[0]!);
  });

  test('due lists pending deliveries whose time has come: by next attempt, then id, up to the limit', async () => {
    const { first } = fresh();
    const o = first.outbox;
    expect(await o.due(T0 + 1_000, 10)).toEqual([]);
    await o.enqueue(delivery('s-1', 1, T0 + 30));
    await o.enqueue(delivery('s-1', 2, T0 + 10));
    await o.enqueue(delivery('s-2', 3, T0 + 20));
    await o.enqueue(delivery('s-1', 4, T0 + 10));

    expect(await o.due(T0 + 9, 10)).toEqual([]);
    // Exactly at its time is due.
    expect(keysOf(await o.due(T0 + 10, 10))).toEqual(['s-1:2:wh-2', 's-1:4:wh-4']);
    expect(keysOf(await o.due(T0 + 25, 10))).toEqual(['s-1:2:wh-2', 's-1:4:wh-4', 's-2:3:wh-3']);
    expect(keysOf(await o.due(T0 + 25, 2))).toEqual(['s-1:2:wh-2', 's-1:4:wh-4']);
    expect(keysOf(await o.due(T0 + 99, 3))).toEqual(['s-1:2:wh-2', 's-1:4:wh-4', 's-2:3:wh-3']);
    expect(await o.due(T0 + 99, 0)).toEqual([]);
    // Without a claim, due only looks: asking again gives the same.
    expect(keysOf(await o.due(T0 + 99, 10))).toEqual(['s-1:2:wh-2', 's-1:4:wh-4', 's-2:3:wh-3', 's-1:1:wh-1']);

    const [d] = await o.due(T0 + 10, 1);
    expect(d).toEqual({
      id: await idOf(o, 's-1', 's-1:2:wh-2'),
      sessionId: 's-1',
      webhookId: 'wh-2',
      event: 'outcome.published',
      publication: 2,
      idempotencyKey: 's-1:2:wh-2',
      body: delivery('s-1', 2, 0).body,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: T0 + 10,
      createdAt: T0 + 10,
      deliveredAt: null,
      lastError: null,
    });
  });

  test('deliveries due at the same time come in order of id, past 9 and 99', async () => {
    const { first } = fresh();
    const o = first.outbox;
    for (let n = 1; n <= 105; n++) await o.enqueue(delivery('s-1', n, T0));
    const ids = (await o.listDeliveries('s-1')).map((d) => d.id);
    const sorted = [...ids].sort((a, b) => a - b);
    expect(ids).toEqual(sorted);
    expect(new Set(ids).size).toBe(105);
    expect((await o.due(T0, 200)).map((d) => d.id)).toEqual(sorted);
    expect((await o.due(T0, 12)).map((d) => d.id)).toEqual(sorted.slice(0, 12));
    expect((await o.due(T0, 12)).map((d) => d.publication)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  test('nextDueAt is the earliest pending next attempt, and null when nothing is pending', async () => {
    const { first } = fresh();
    const o = first.outbox;
    expect(await o.nextDueAt()).toBeNull();
    await o.enqueue(delivery('s-1', 1, T0 + 50));
    expect(await o.nextDueAt()).toBe(T0 + 50);
    await o.enqueue(delivery('s-2', 2, T0 + 20));
    expect(await o.nextDueAt()).toBe(T0 + 20);
    const early = await idOf(o, 's-2', 's-2:2:wh-2');
    await o.recordAttempt(early, { at: T0 + 20, statusCode: 200, error: null, status: 'delivered', nextAttemptAt: T0 + 20 });
    expect(await o.nextDueAt()).toBe(T0 + 50);
    const late = await idOf(o, 's-1', 's-1:1:wh-1');
    await o.recordAttempt(late, { at: T0 + 50, statusCode: 500, error: 'HTTP 500', status: 'pending', nextAttemptAt: T0 + 5_000 });
    expect(await o.nextDueAt()).toBe(T0 + 5_000);
    await o.recordAttempt(late, { at: T0 + 5_000, statusCode: 500, error: 'HTTP 500', status: 'failed', nextAttemptAt: T0 + 5_000 });
    expect(await o.nextDueAt()).toBeNull();
  });

  test('recordAttempt sets status, attempts, next attempt, last error and delivery time; only pending is due', async () => {
    const { first } = fresh();
    const o = first.outbox;
    await o.enqueue(delivery('s-1', 1, T0));
    await o.enqueue(delivery('s-1', 2, T0));
    await o.enqueue(delivery('s-1', 3, T0));
    const [a, b, c] = (await o.listDeliveries('s-1')).map((d) => d.id) as [number, number, number];

    // A failure with a retry later: pending, not due before then.
    await o.recordAttempt(a, { at: T0 + 1, statusCode: 503, error: 'HTTP 503', status: 'pending', nextAttemptAt: T0 + 1_000 });
    // Delivered.
    await o.recordAttempt(b, { at: T0 + 2, statusCode: 204, error: null, status: 'delivered', nextAttemptAt: T0 + 2 });
    // Given up on.
    await o.recordAttempt(c, { at: T0 + 3, statusCode: null, error: 'could not connect (ECONNREFUSED)', status: 'failed', nextAttemptAt: T0 + 3 });

    expect(await o.due(T0 + 999, 10)).toEqual([]);
    const [again] = await o.due(T0 + 1_000, 10);
    expect(again).toMatchObject({ id: a, status: 'pending', attempts: 1, nextAttemptAt: T0 + 1_000, lastError: 'HTTP 503', deliveredAt: null });
    expect(await o.due(T0 + 1_000_000, 10)).toHaveLength(1);

    const byId = new Map((await o.listDeliveries('s-1')).map((d) => [d.id, d]));
    expect(byId.get(b)).toMatchObject({ status: 'delivered', attempts: 1, deliveredAt: T0 + 2, lastError: null });
    expect(byId.get(c)).toMatchObject({ status: 'failed', attempts: 1, deliveredAt: null, lastError: 'could not connect (ECONNREFUSED)' });

    // A success after a failure clears the error and records when.
    await o.recordAttempt(a, { at: T0 + 1_000, statusCode: 200, error: null, status: 'delivered', nextAttemptAt: T0 + 1_000 });
    const done = (await o.listDeliveries('s-1')).find((d) => d.id === a)!;
    expect(done).toMatchObject({ status: 'delivered', attempts: 2, deliveredAt: T0 + 1_000, lastError: null });
    expect(await o.due(T0 + 1_000_000, 10)).toEqual([]);
  });

  test('listDeliveries gives a session its deliveries, by id, without bodies, each with its attempts', async () => {
    const { first } = fresh();
    const o = first.outbox;
    await o.enqueue(delivery('s-1', 1, T0));
    await o.enqueue(delivery('s-2', 2, T0));
    await o.enqueue(delivery('s-1', 3, T0 + 5));
    const [one, three] = (await o.listDeliveries('s-1')).map((d) => d.id) as [number, number];
    await o.recordAttempt(one, { at: T0 + 10, statusCode: 500, error: 'HTTP 500', status: 'pending', nextAttemptAt: T0 + 20 });
    await o.recordAttempt(one, { at: T0 + 20, statusCode: null, error: 'no answer within 10000 ms', status: 'pending', nextAttemptAt: T0 + 40 });
    await o.recordAttempt(one, { at: T0 + 40, statusCode: 200, error: null, status: 'delivered', nextAttemptAt: T0 + 40 });

    const list = await o.listDeliveries('s-1');
    expect(list.map((d) => d.id)).toEqual([one, three]);
    expect(list.every((d) => !('body' in d))).toBe(true);
    expect(list[0]).toEqual({
      id: one,
      sessionId: 's-1',
      webhookId: 'wh-1',
      event: 'outcome.published',
      publication: 1,
      idempotencyKey: 's-1:1:wh-1',
      status: 'delivered',
      attempts: 3,
      nextAttemptAt: T0 + 40,
      createdAt: T0,
      deliveredAt: T0 + 40,
      lastError: null,
      log: [
        { at: T0 + 10, statusCode: 500, error: 'HTTP 500' },
        { at: T0 + 20, statusCode: null, error: 'no answer within 10000 ms' },
        { at: T0 + 40, statusCode: 200, error: null },
      ],
    });
    expect(list[1]).toMatchObject({ id: three, status: 'pending', attempts: 0, log: [] });
    expect((await o.listDeliveries('s-2')).map((d) => d.idempotencyKey)).toEqual(['s-2:2:wh-2']);
    expect(await o.listDeliveries('s-none')).toEqual([]);
  });

  test('a delivery keeps its event, and one that carries no publication keeps null, through due, list and a reopen', async () => {
    const { first, open } = fresh();
    const o = first.outbox;
    await o.enqueue(delivery('s-1', 1, T0));
    const overdue = { event: 'response.overdue', publication: null, idempotencyKey: 's-1:overdue:plenary:r-1:2026-01-31:wh-1' } as const;
    expect(await o.enqueue(delivery('s-1', 2, T0 + 1, overdue))).toBe(true);
    // The key alone makes it a duplicate, whatever the event says.
    expect(await o.enqueue(delivery('s-1', 3, T0 + 2, { ...overdue, event: 'outcome.published', publication: 3 }))).toBe(false);
    const expected = [
      { event: 'outcome.published', publication: 1, idempotencyKey: 's-1:1:wh-1' },
      { event: 'response.overdue', publication: null, idempotencyKey: overdue.idempotencyKey },
    ];
    expect((await o.due(T0 + 5, 10)).map(({ event, publication, idempotencyKey }) => ({ event, publication, idempotencyKey }))).toEqual(expected);
    const reader = open().outbox;
    expect((await reader.listDeliveries('s-1')).map(({ event, publication, idempotencyKey }) => ({ event, publication, idempotencyKey }))).toEqual(expected);
  });

  test('retry puts a failed delivery of that session back in the queue, and nothing else', async () => {
    const { first } = fresh();
    const o = first.outbox;
    await o.enqueue(delivery('s-1', 1, T0));
    await o.enqueue(delivery('s-1', 2, T0));
    await o.enqueue(delivery('s-1', 3, T0));
    const [failed, delivered, pending] = (await o.listDeliveries('s-1')).map((d) => d.id) as [number, number, number];
    await o.recordAttempt(failed, { at: T0 + 1, statusCode: 503, error: 'HTTP 503', status: 'failed', nextAttemptAt: T0 + 1 });
    await o.recordAttempt(delivered, { at: T0 + 1, statusCode: 200, error: null, status: 'delivered', nextAttemptAt: T0 + 1 });

    expect(await o.retry('s-1', delivered, T0 + 100)).toBe(false);
    expect(await o.retry('s-1', pending, T0 + 100)).toBe(false);
    expect(await o.retry('s-2', failed, T0 + 100)).toBe(false);
    expect(await o.retry('s-1', 999_999, T0 + 100)).toBe(false);
    expect(await o.retry('s-1', failed, T0 + 100)).toBe(true);
    // Now pending again: a second retry is refused.
    expect(await o.retry('s-1', failed, T0 + 101)).toBe(false);

    expect(await o.nextDueAt()).toBe(T0);
    expect((await o.due(T0 + 99, 10)).map((d) => d.id)).toEqual([pending]);
    const due = await o.due(T0 + 100, 10);
    expect(due.map((d) => d.id)).toEqual([pending, failed]);
    // The attempts so far are kept; the retry is the next one.
    expect(due[1]).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: T0 + 100, lastError: 'HTTP 503' });
    const listed = (await o.listDeliveries('s-1')).find((d) => d.id === delivered)!;
    expect(listed.status).toBe('delivered');
  });

  test('everything survives a reopen: webhooks, deliveries, attempts, idempotency, claims, ids', async () => {
    const { first, open } = fresh();
    const o = first.outbox;
    await o.addWebhook({ id: 'wh-1', sessionId: 's-1', url: 'https://a.example/', secret: 'whsec_k', createdAt: T0 });
    await o.removeWebhook('s-1', 'wh-1', T0 + 1);
    await o.addWebhook({ id: 'wh-2', sessionId: 's-1', url: 'https://b.example/', secret: 'whsec_l', createdAt: T0 + 2 });
    await o.enqueue(delivery('s-1', 1, T0));
    await o.enqueue(delivery('s-1', 2, T0));
    await o.enqueue(delivery('s-1', 3, T0));
    const [a, b, c] = (await o.listDeliveries('s-1')).map((d) => d.id) as [number, number, number];
    await o.recordAttempt(a, { at: T0 + 5, statusCode: 500, error: 'HTTP 500', status: 'failed', nextAttemptAt: T0 + 5 });
    await o.recordAttempt(b, { at: T0 + 6, statusCode: 500, error: 'HTTP 500', status: 'pending', nextAttemptAt: T0 + 5_000 });
    // c is claimed by a sender when the outbox closes.
    expect((await o.due(T0 + 10, 10, 1_000)).map((d) => d.id)).toEqual([c]);
    const webhooks = await o.listWebhooks('s-1');
    const deliveries = await o.listDeliveries('s-1');
    await first.close();

    const again = open().outbox;
    expect(await again.listWebhooks('s-1')).toEqual(webhooks);
    expect(await again.listDeliveries('s-1')).toEqual(deliveries);
    expect(await again.hasDelivery('s-1:1:wh-1')).toBe(true);
    expect(await again.enqueue(delivery('s-1', 1, T0))).toBe(false);
    // The claim held: c is not handed out before it ends.
    expect(await again.nextDueAt()).toBe(T0 + 1_010);
    expect(await again.due(T0 + 1_009, 10)).toEqual([]);
    expect((await again.due(T0 + 1_010, 10)).map((d) => d.id)).toEqual([c]);
    expect((await again.due(T0 + 1_010, 10)).map((d) => d.body)).toEqual([delivery('s-1', 3, 0).body]);
    expect(await again.retry('s-1', a, T0 + 2_000)).toBe(true);
    // New ids come after the old ones.
    expect(await again.enqueue(delivery('s-1', 4, T0))).toBe(true);
    const newest = await idOf(again, 's-1', 's-1:4:wh-4');
    expect(newest).toBeGreaterThan(Math.max(a, b, c));
  });

  describe('claims: at most one sender per delivery', () => {
    test('two outboxes on the same storage, asking at once, are handed disjoint deliveries', async () => {
      const { first, open } = fresh();
      const a = first.outbox;
      const b = open().outbox;
      for (let n = 1; n <= 20; n++) await a.enqueue(delivery(`s-${n % 3}`, n, T0 + (n % 4)));
      const asks = await Promise.all([
        a.due(T0 + 10, 3, 5_000),
        b.due(T0 + 10, 3, 5_000),
        a.due(T0 + 10, 3, 5_000),
        b.due(T0 + 10, 3, 5_000),
        a.due(T0 + 10, 3, 5_000),
        b.due(T0 + 10, 3, 5_000),
        a.due(T0 + 10, 3, 5_000),
        b.due(T0 + 10, 3, 5_000),
      ]);
      const handed = asks.flat().map((d) => d.id);
      expect(asks.every((batch) => batch.length <= 3)).toBe(true);
      expect(new Set(handed).size).toBe(handed.length);
      expect(handed).toHaveLength(20);
      // Everything is claimed now: nobody else is handed anything, nor told it is due, until the claims end.
      expect(await a.due(T0 + 10, 100, 5_000)).toEqual([]);
      expect(await b.due(T0 + 10, 100)).toEqual([]);
      expect(await b.due(T0 + 5_009, 100)).toEqual([]);
      expect(await a.nextDueAt()).toBe(T0 + 5_010);
      expect(await b.nextDueAt()).toBe(T0 + 5_010);
    });

    test('many rounds of racing asks never hand one delivery to two senders', async () => {
      const { first, open } = fresh();
      const outboxes = [first.outbox, open().outbox, open().outbox];
      for (let n = 1; n <= 30; n++) await first.outbox.enqueue(delivery('s-1', n, T0));
      const handed: number[] = [];
      for (let round = 0; round < 12; round++) {
        const batches = await Promise.all(outboxes.flatMap((o) => [o.due(T0 + round, 1, 60_000), o.due(T0 + round, 2, 60_000)]));
        handed.push(...batches.flat().map((d) => d.id));
      }
      expect(new Set(handed).size).toBe(handed.length);
      expect(handed).toHaveLength(30);
    });

    test('a claim that runs out makes the delivery due again, to anyone', async () => {
      const { first, open } = fresh();
      const a = first.outbox;
      const b = open().outbox;
      await a.enqueue(delivery('s-1', 1, T0));
      await a.enqueue(delivery('s-1', 2, T0 + 100));
      const [one] = await a.due(T0, 10, 1_000);
      expect(one!.idempotencyKey).toBe('s-1:1:wh-1');

      // The sender dies. The other delivery's time comes first; the claimed one only when its claim ends.
      expect(await b.nextDueAt()).toBe(T0 + 100);
      expect(keysOf(await b.due(T0 + 999, 10))).toEqual(['s-1:2:wh-2']);
      const [two] = await b.due(T0 + 999, 10, 1_000);
      expect(two!.idempotencyKey).toBe('s-1:2:wh-2');
      expect(await b.nextDueAt()).toBe(T0 + 1_000);
      // At the end of the claim it is due again, unchanged, and can be claimed afresh.
      const [taken] = await b.due(T0 + 1_000, 10, 1_000);
      expect(taken).toEqual(one);
      expect(await a.due(T0 + 1_500, 10, 1_000)).toEqual([]);
      expect(await a.nextDueAt()).toBe(T0 + 1_999);
      expect((await a.due(T0 + 1_999, 10, 1_000)).map((d) => d.idempotencyKey)).toEqual(['s-1:2:wh-2']);
      expect((await a.due(T0 + 2_000, 10, 1_000)).map((d) => d.idempotencyKey)).toEqual(['s-1:1:wh-1']);
    });

    test("recordAttempt releases the claim: a retry is due at its own time, not the claim's", async () => {
      const { first, open } = fresh();
      const a = first.outbox;
      const b = open().outbox;
      await a.enqueue(delivery('s-1', 1, T0));
      await a.enqueue(delivery('s-1', 2, T0));
      const [d1, d2] = await a.due(T0, 10, 60_000);
      expect(await b.due(T0 + 10, 10, 60_000)).toEqual([]);

      await a.recordAttempt(d1!.id, { at: T0 + 5, statusCode: 502, error: 'HTTP 502', status: 'pending', nextAttemptAt: T0 + 20 });
      expect(await b.nextDueAt()).toBe(T0 + 20);
      expect(await b.due(T0 + 19, 10, 60_000)).toEqual([]);
      const [again] = await b.due(T0 + 20, 10, 60_000);
      expect(again).toMatchObject({ id: d1!.id, attempts: 1, lastError: 'HTTP 502' });
      await b.recordAttempt(d1!.id, { at: T0 + 21, statusCode: 200, error: null, status: 'delivered', nextAttemptAt: T0 + 21 });
      await a.recordAttempt(d2!.id, { at: T0 + 6, statusCode: 200, error: null, status: 'delivered', nextAttemptAt: T0 + 6 });
      expect(await a.nextDueAt()).toBeNull();
      expect(await b.due(T0 + 1_000_000, 10, 60_000)).toEqual([]);
      expect((await a.listDeliveries('s-1')).map((d) => [d.status, d.attempts])).toEqual([
        ['delivered', 2],
        ['delivered', 1],
      ]);
    });

    test('a failed delivery retried by the facilitator is unclaimed and due at once', async () => {
      const { first, open } = fresh();
      const a = first.outbox;
      const b = open().outbox;
      await a.enqueue(delivery('s-1', 1, T0));
      const [d] = await a.due(T0, 1, 60_000);
      await a.recordAttempt(d!.id, { at: T0 + 1, statusCode: 500, error: 'HTTP 500', status: 'failed', nextAttemptAt: T0 + 1 });
      expect(await b.due(T0 + 2, 10, 60_000)).toEqual([]);
      expect(await b.retry('s-1', d!.id, T0 + 50)).toBe(true);
      expect(await a.nextDueAt()).toBe(T0 + 50);
      expect((await b.due(T0 + 50, 10, 60_000)).map((x) => x.id)).toEqual([d!.id]);
      expect(await a.due(T0 + 50, 10, 60_000)).toEqual([]);
    });
  });

  test('hostile strings are stored and kept apart exactly: colons, braces, unicode, look-alike keys', async () => {
    const { first, open } = fresh();
    const o = first.outbox;
    const sessions = ['s', 's:1', '{s}', 's}', '{', 'webhooks:s', 'deliveries:s', '__proto__', 'ünï 日本 🎉', ' s ', ''];
    const webhookIds = ['wh:1', '{wh}', 'wh}{', 'constructor', 'delivery:1', '🎉', 'a\\b"c\'d'];
    for (const [i, s] of sessions.entries()) {
      const id = `${webhookIds[i % webhookIds.length]}#${i}`;
      await o.addWebhook({ id, sessionId: s, url: `https://x.example/${encodeURIComponent(s)}`, secret: `whsec_{${s}}`, createdAt: T0 + i });
      await o.enqueue({
        sessionId: s,
        webhookId: id,
        event: 'outcome.published',
        publication: i + 1,
        idempotencyKey: `${s}:${i + 1}:${id}`,
        body: JSON.stringify({ s, id, nul: 'a\u0000b', emoji: '🎉', quote: '"\'' }),
        createdAt: T0 + i,
      });
    }
    // An idempotency key that looks like a number, or like a delivery's padded name, is only a key.
    expect(await o.enqueue({ sessionId: 's', webhookId: 'x', event: 'outcome.published', publication: 9, idempotencyKey: '1', body: '{}', createdAt: T0 })).toBe(true);
    expect(
      await o.enqueue({ sessionId: 's', webhookId: 'x', event: 'outcome.published', publication: 9, idempotencyKey: '0000000000000001', body: '{}', createdAt: T0 }),
    ).toBe(true);
    expect(await o.hasDelivery('01')).toBe(false);

    const reader = open().outbox;
    for (const [i, s] of sessions.entries()) {
      const id = `${webhookIds[i % webhookIds.length]}#${i}`;
      expect(await reader.listWebhooks(s), s).toEqual([
        { id, sessionId: s, url: `https://x.example/${encodeURIComponent(s)}`, secret: `whsec_{${s}}`, createdAt: T0 + i, removedAt: null },
      ]);
      const ds = await reader.listDeliveries(s);
      expect(
        ds.map((d) => d.idempotencyKey),
        s,
      ).toEqual(s === 's' ? [`s:1:${id}`, '1', '0000000000000001'] : [`${s}:${i + 1}:${id}`]);
      expect(ds[0]).toMatchObject({ sessionId: s, webhookId: id, publication: i + 1 });
      expect(await reader.hasDelivery(`${s}:${i + 1}:${id}`)).toBe(true);
    }
    const due = await reader.due(T0 + 100, 100);
    expect(due).toHaveLength(sessions.length + 2);
    const bodyOf = new Map(due.map((d) => [d.idempotencyKey, d.body]));
    expect(JSON.parse(bodyOf.get(`ünï 日本 🎉:9:${webhookIds[8 % webhookIds.length]}#8`)!)).toEqual({
      s: 'ünï 日本 🎉',
      id: `${webhookIds[1]}#8`,
      nul: 'a\u0000b',
      emoji: '🎉',
      quote: '"\'',
    });
    // Removing across sessions with look-alike names does nothing.
    expect(await reader.removeWebhook('s', `${webhookIds[1]}#1`, T0)).toBe(false);
    expect(await reader.removeWebhook('{s}', `${webhookIds[2]}#2`, T0 + 500)).toBe(true);
    expect((await reader.listWebhooks('{s}'))[0]!.removedAt).toBe(T0 + 500);
    expect((await reader.listWebhooks('s:1'))[0]!.removedAt).toBeNull();
    // A delivery of one session cannot be retried through another.
    const [target] = await reader.listDeliveries('s:1');
    await reader.recordAttempt(target!.id, { at: T0 + 1, statusCode: 410, error: 'HTTP 410 «gone» 🎉', status: 'failed', nextAttemptAt: T0 + 1 });
    expect(await reader.retry('s', target!.id, T0 + 2)).toBe(false);
    expect(await reader.retry('s:1:', target!.id, T0 + 2)).toBe(false);
    expect((await o.listDeliveries('s:1'))[0]!.log).toEqual([{ at: T0 + 1, statusCode: 410, error: 'HTTP 410 «gone» 🎉' }]);
    expect(await reader.retry('s:1', target!.id, T0 + 2)).toBe(true);
  });

  test('ids that are not deliveries are refused, not misread', async () => {
    const { first } = fresh();
    const o = first.outbox;
    await o.enqueue(delivery('s-1', 1, T0));
    const [d] = await o.listDeliveries('s-1');
    await o.recordAttempt(d!.id, { at: T0, statusCode: 500, error: 'HTTP 500', status: 'failed', nextAttemptAt: T0 });
    for (const bad of [0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER]) expect(await o.retry('s-1', bad, T0)).toBe(false);
    expect(await o.retry('s-1', d!.id, T0)).toBe(true);
  });
});

describe('SQLite outbox: older files and the serving process', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) removeDir(d);
  });

  test('an outbox written before claims and events existed gains them and keeps its rows', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const file = join(dir, 'old.sqlite');
    const old = new Database(file);
    old.exec(`
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, webhook_id TEXT NOT NULL, publication INTEGER NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE, body TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL, created_at INTEGER NOT NULL, delivered_at INTEGER, last_error TEXT
      );
      INSERT INTO outbox (session_id, webhook_id, publication, idempotency_key, body, status, next_attempt_at, created_at)
        VALUES ('s-1', 'wh-1', 1, 's-1:1:wh-1', '{}', 'pending', ${T0}, ${T0});
    `);
    old.close();
    const db = openDatabase(file);
    try {
      const o = new SqliteOutbox(db);
      expect(keysOf(await o.due(T0, 10, 1_000))).toEqual(['s-1:1:wh-1']);
      expect(await o.due(T0 + 999, 10)).toEqual([]);
      expect(await o.nextDueAt()).toBe(T0 + 1_000);
      // Rows from before there were several events were all publications; the rebuilt table takes the other kind, and ids go on.
      const [old1] = await o.listDeliveries('s-1');
      expect(old1).toMatchObject({ event: 'outcome.published', publication: 1 });
      await o.enqueue(delivery('s-1', 2, T0, { event: 'response.overdue', publication: null }));
      const [, added] = await o.listDeliveries('s-1');
      expect(added).toMatchObject({ event: 'response.overdue', publication: null });
      expect(added!.id).toBeGreaterThan(old1!.id);
      // Opening it again changes nothing.
      expect((await new SqliteOutbox(db).listDeliveries('s-1')).map((d) => d.id)).toEqual([old1!.id, added!.id]);
    } finally {
      db.close();
    }
  });

  test('the process that serves the file drops claims left by the one before it', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const file = join(dir, 'outbox.sqlite');
    const before = openDatabase(file);
    await new SqliteOutbox(before).enqueue(delivery('s-1', 1, T0));
    expect(await new SqliteOutbox(before).due(T0, 10, 60_000)).toHaveLength(1);
    before.close();
    const db = openDatabase(file);
    try {
      // A mere reader (another connection) leaves the claim alone; the serving process releases it.
      expect(await new SqliteOutbox(db).due(T0 + 1, 10)).toEqual([]);
      const o = new SqliteOutbox(db, { releaseClaims: true });
      expect(await o.nextDueAt()).toBe(T0);
      expect(keysOf(await o.due(T0 + 1, 10))).toEqual(['s-1:1:wh-1']);
    } finally {
      db.close();
    }
  });
});

describe('Redis outbox: keys', () => {
  test('every key stays under the prefix, whatever the ids, and prefixes do not share data', async () => {
    const a = new RedisOutbox(redis.url, { prefix: 'outbox-keys-a' });
    const b = new RedisOutbox(redis.url, { prefix: 'outbox-keys-b' });
    const raw = createClient({ url: redis.url });
    raw.on('error', () => undefined);
    try {
      await raw.connect();
      for (const s of ['x', '{x}', 'x:y', '}', '日本']) {
        await a.addWebhook({ id: `{${s}}:wh`, sessionId: s, url: 'https://x.example/', secret: 'k', createdAt: T0 });
        await a.enqueue(delivery(s, 1, T0));
      }
      const [d] = await a.due(T0, 1, 1_000);
      await a.recordAttempt(d!.id, { at: T0, statusCode: 500, error: 'HTTP 500', status: 'failed', nextAttemptAt: T0 });
      await a.retry(d!.sessionId, d!.id, T0);
      const keys = await raw.keys('*');
      const mine = keys.filter((k) => k.startsWith('outbox-keys-a:'));
      expect(mine.length).toBeGreaterThan(0);
      expect(keys.filter((k) => !k.startsWith('outbox-contract-') && !k.startsWith('outbox-keys-a:'))).toEqual([]);
      // One hash tag for all of them: a Redis Cluster keeps them on one shard, where a script may touch any.
      expect(new Set(mine.map((k) => /\{([^}]*)\}/.exec(k)?.[1]))).toEqual(new Set(['outbox']));

      expect(await b.listWebhooks('x')).toEqual([]);
      expect(await b.hasDelivery(delivery('x', 1, T0).idempotencyKey)).toBe(false);
      expect(await b.due(T0 + 1_000_000, 100)).toEqual([]);
      expect(await b.enqueue(delivery('x', 1, T0))).toBe(true);
    } finally {
      await a.close();
      await b.close();
      await raw.close();
    }
  });
});
