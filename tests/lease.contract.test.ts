/**
 * The contract of the ports a cluster's store adds (server/src/ports: LeaseStore,
 * ReceiptStore, LogFeed, and the `fence` of EventStore and DocStore writes), one suite
 * run against every adapter that has them: Redis (a redis-server this file starts on a
 * free port, each case under a key prefix of its own) and the in-memory store
 * (store/memory). SQLite does not run it: it is one node's store, with a single writer,
 * so it has no leases or receipts and ignores a fence (its own suite is
 * store.contract.test.ts).
 *
 * One owner per session at a time; a new owner gets a higher epoch; the store refuses a
 * write under any other epoch, checked before the seq and the head, so a node paused past
 * its lease can never write again. Receipts go in with their events, or not at all.
 *
 * Time: the in-memory store's clock is the test's, and moves only when a case lets a
 * lease run out. On Redis such a lease has a short PX, and the case waits for Redis to
 * drop it (polling `holder`, no thresholds); every other lease outlives any test run.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { DocStore } from '../server/src/ports/DocStore.js';
import { AppendConflictError, type EventStore } from '../server/src/ports/EventStore.js';
import { FencedError, type Lease, type LeaseStore } from '../server/src/ports/LeaseStore.js';
import type { LogFeed } from '../server/src/ports/LogFeed.js';
import type { ReceiptStore } from '../server/src/ports/ReceiptStore.js';
import { GENESIS_HASH, seal } from '../server/src/session/chain.js';
import { MemoryStorage, MemoryStore, RECEIPT_TTL_MS } from '../server/src/store/memory/MemoryStore.js';
import { RedisStore } from '../server/src/store/redis/RedisStore.js';
import type { SessionEvent } from '../shared/src/index.js';
import { redisForThisFile } from './helpers/redis.js';

type Store = EventStore & DocStore & LeaseStore & ReceiptStore & LogFeed;

/** A lease that is meant to run out in the case that takes it. */
const SHORT_TTL = 100;
/** A lease that is meant to outlive the test run. */
const LONG_TTL = 600_000;
const T0 = 1_800_000_000_000;

interface Cluster {
  /** Another node: a store of its own on the cluster's shared storage. */
  node(): Store;
  /** Let a lease taken with SHORT_TTL run out (and not be renewed). */
  expire(lease: Lease): Promise<void>;
  close(): Promise<void>;
}

interface Adapter {
  name: string;
  cluster(): Cluster;
}

/** One redis-server for the Redis adapter's cases, started by this file on a free port. */
const redis = redisForThisFile();

async function eventually(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !(await predicate()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sameLease = (a: Lease | null, b: Lease) => a !== null && a.owner === b.owner && a.epoch === b.epoch;

const ADAPTERS: Adapter[] = [
  {
    name: 'Redis',
    cluster() {
      const prefix = redis.prefix('lease-contract');
      const first = new RedisStore(redis.url, { prefix });
      return {
        node: () => new RedisStore(redis.url, { prefix }),
        // Redis's clock: wait until it has dropped the lease.
        expire: (lease) => eventually(async () => !sameLease(await first.holder(lease.sessionId), lease), `the lease of ${lease.owner} to run out`),
        close: () => first.close(),
      };
    },
  },
  {
    name: 'memory',
    cluster() {
      let now = T0;
      const storage = new MemoryStorage(() => now);
      return {
        node: () => new MemoryStore(storage),
        expire: async () => {
          now += SHORT_TTL + 1;
        },
        close: async () => undefined,
      };
    },
  },
];

const joins = (sessionId: string, from: { seq: number; head: string }, n: number, tag = 'p'): SessionEvent[] =>
  seal(
    sessionId,
    from,
    Array.from({ length: n }, (_, i) => ({
      type: 'participant.joined' as const,
      payload: {
        participantId: `${tag}-${from.seq + i}`,
        role: 'citizen' as const,
        displayName: `Citizen ${from.seq + i}`,
        credentialHash: 'e'.repeat(64),
        roomId: 'plenary',
      },
    })),
    { kind: 'system' },
    T0 + from.seq,
  );
const GENESIS = { seq: 0, head: GENESIS_HASH };
const headOf = (list: SessionEvent[]) => ({ seq: list.at(-1)!.seq, head: list.at(-1)!.hash });
const bytes = (doc: { updates: Uint8Array[] }) => doc.updates.map((u) => [...u]);

describe.each(ADAPTERS)('cluster ports contract: $name', (adapter) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });
  /** A fresh cluster; `node()` adds a node to it. */
  const fresh = () => {
    const cluster = adapter.cluster();
    cleanups.push(() => cluster.close());
    const node = () => {
      const s = cluster.node();
      cleanups.push(() => s.close());
      return s;
    };
    return { cluster, node };
  };

  test('one owner at a time: nobody else, nor the owner again, acquires a held lease; a release hands it on at the next epoch', async () => {
    const { node } = fresh();
    const [a, b] = [node(), node()];
    expect(await b.holder('s-1')).toBeNull();
    const leaseA = await a.acquire('s-1', 'node-a', LONG_TTL);
    expect(leaseA).toEqual({ sessionId: 's-1', owner: 'node-a', epoch: 1 });
    expect(await b.holder('s-1')).toEqual(leaseA);
    expect(await b.acquire('s-1', 'node-b', LONG_TTL)).toBeNull();
    expect(await a.acquire('s-1', 'node-a', LONG_TTL)).toBeNull();
    expect(await a.renew(leaseA!, LONG_TTL)).toEqual(leaseA);
    expect(await b.holder('s-1')).toEqual(leaseA);

    await a.release(leaseA!);
    expect(await b.holder('s-1')).toBeNull();
    const leaseB = await b.acquire('s-1', 'node-b', LONG_TTL);
    expect(leaseB).toEqual({ sessionId: 's-1', owner: 'node-b', epoch: 2 });
    // The former owner can neither renew nor release what is no longer its lease.
    expect(await a.renew(leaseA!, LONG_TTL)).toBeNull();
    await a.release(leaseA!);
    expect(await a.holder('s-1')).toEqual(leaseB);
    expect(await a.acquire('s-1', 'node-a', LONG_TTL)).toBeNull();
    // Nor can a lease made up with the right owner and another epoch, or another owner at the right epoch.
    expect(await a.renew({ ...leaseB!, epoch: 1 }, LONG_TTL)).toBeNull();
    expect(await a.renew({ ...leaseB!, epoch: 3 }, LONG_TTL)).toBeNull();
    await a.release({ ...leaseB!, owner: 'node-a' });
    await a.release({ ...leaseB!, epoch: 1 });
    expect(await a.holder('s-1')).toEqual(leaseB);
  });

  test('of many nodes acquiring one session at once, exactly one wins, at the next epoch', async () => {
    const { node } = fresh();
    const stores = Array.from({ length: 8 }, node);
    const race = async (sessionId: string) => {
      const leases = await Promise.all(stores.map((s, i) => s.acquire(sessionId, `node-${i}`, LONG_TTL)));
      const won = leases.filter((l): l is Lease => l !== null);
      expect(won, sessionId).toHaveLength(1);
      expect(await stores[0]!.holder(sessionId)).toEqual(won[0]);
      return won[0]!;
    };
    const first = await race('s-race');
    expect(first.epoch).toBe(1);
    await stores.find((_, i) => `node-${i}` === first.owner)!.release(first);
    const second = await race('s-race');
    expect(second.epoch).toBe(2);
    // Several sessions raced at once: one winner each, and epochs of their own.
    const winners = await Promise.all(['s-r1', 's-r2', 's-r3'].map(race));
    expect(winners.map((l) => l.epoch)).toEqual([1, 1, 1]);
  });

  test('a lease that runs out is lost: not renewed, not released, and taken at a higher epoch, by another node or the same', async () => {
    const { cluster, node } = fresh();
    const [a, b] = [node(), node()];
    const leaseA = (await a.acquire('s-exp', 'node-a', SHORT_TTL))!;
    await cluster.expire(leaseA);
    expect(await b.holder('s-exp')).toBeNull();
    // Nobody has taken it, and still it cannot be renewed: the holder must take it again.
    expect(await a.renew(leaseA, LONG_TTL)).toBeNull();
    const again = (await a.acquire('s-exp', 'node-a', SHORT_TTL))!;
    expect(again).toEqual({ sessionId: 's-exp', owner: 'node-a', epoch: 2 });
    await cluster.expire(again);
    const leaseB = (await b.acquire('s-exp', 'node-b', LONG_TTL))!;
    expect(leaseB.epoch).toBe(3);
    await a.release(again);
    expect(await a.renew(again, LONG_TTL)).toBeNull();
    expect(await a.holder('s-exp')).toEqual(leaseB);
  });

  test('a paused owner whose lease ran out is fenced: its append is refused whole, even at the right seq, receipts and all', async () => {
    const { cluster, node } = fresh();
    const [a, b] = [node(), node()];
    const leaseA = (await a.acquire('s-pause', 'node-a', SHORT_TTL))!;
    const first = joins('s-pause', GENESIS, 2);
    await a.append('s-pause', 0, first, { epoch: leaseA.epoch });
    // Node A stops renewing (paused, partitioned); its lease runs out and node B takes over.
    await cluster.expire(leaseA);
    const leaseB = (await b.acquire('s-pause', 'node-b', LONG_TTL))!;
    expect(leaseB.epoch).toBeGreaterThan(leaseA.epoch);

    // A wakes up and writes as if it still owned the session, at the seq it knows, which is still right.
    const stale = joins('s-pause', headOf(first), 1);
    await expect(a.append('s-pause', 2, stale, { epoch: leaseA.epoch }, [{ key: 'p-1:queue.raise:r-1', answer: '{"from":"a"}' }])).rejects.toBeInstanceOf(FencedError);
    expect(await a.renew(leaseA, LONG_TTL)).toBeNull();
    expect(await b.readEvents('s-pause')).toEqual(first);
    expect(await b.receipt('s-pause', 'p-1:queue.raise:r-1')).toBeNull();

    // The new owner writes under its epoch.
    await b.append('s-pause', 2, stale, { epoch: leaseB.epoch }, [{ key: 'p-1:queue.raise:r-1', answer: '{"from":"b"}' }]);
    expect((await a.readEvents('s-pause')).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await a.receipt('s-pause', 'p-1:queue.raise:r-1')).toBe('{"from":"b"}');
  });

  test('of a fenced owner and the new one appending at once at the same seq, the new one wins whatever the order', async () => {
    const { cluster, node } = fresh();
    const [a, b] = [node(), node()];
    const leaseA = (await a.acquire('s-both', 'node-a', SHORT_TTL))!;
    const first = joins('s-both', GENESIS, 1);
    await a.append('s-both', 0, first, { epoch: leaseA.epoch });
    await cluster.expire(leaseA);
    const leaseB = (await b.acquire('s-both', 'node-b', LONG_TTL))!;
    const fromA = joins('s-both', headOf(first), 2, 'a');
    const fromB = joins('s-both', headOf(first), 2, 'b');
    const [ra, rb] = await Promise.allSettled([a.append('s-both', 1, fromA, { epoch: leaseA.epoch }), b.append('s-both', 1, fromB, { epoch: leaseB.epoch })]);
    expect(ra.status === 'rejected' && ra.reason).toBeInstanceOf(FencedError);
    expect(rb.status).toBe('fulfilled');
    expect(await a.readEvents('s-both')).toEqual([...first, ...fromB]);
  });

  test('the epoch is checked first, then the seq, then the head; a write with no fence (one node) is checked by seq and head only', async () => {
    const { node } = fresh();
    const [a, b] = [node(), node()];
    // Nobody has owned the session yet: it is at epoch 0 (how its creator appends its first event).
    const first = joins('s-order', GENESIS, 1);
    await expect(a.append('s-order', 0, first, { epoch: 1 })).rejects.toBeInstanceOf(FencedError);
    await a.append('s-order', 0, first, { epoch: 0 });
    const lease = (await a.acquire('s-order', 'node-a', LONG_TTL))!;
    const next = joins('s-order', headOf(first), 1);
    // Epoch 0 no longer holds, nor does a made-up future epoch; at a wrong seq too, the answer is the fence.
    for (const epoch of [0, lease.epoch + 1, lease.epoch + 5, -1]) {
      await expect(b.append('s-order', 1, next, { epoch })).rejects.toBeInstanceOf(FencedError);
      await expect(b.append('s-order', 7, next, { epoch })).rejects.toBeInstanceOf(FencedError);
    }
    // The right epoch, a wrong seq or another head: a conflict.
    await expect(a.append('s-order', 0, next, { epoch: lease.epoch })).rejects.toBeInstanceOf(AppendConflictError);
    await expect(a.append('s-order', 2, next, { epoch: lease.epoch })).rejects.toBeInstanceOf(AppendConflictError);
    await expect(a.append('s-order', 1, joins('s-order', { seq: 1, head: 'f'.repeat(64) }, 1), { epoch: lease.epoch })).rejects.toBeInstanceOf(AppendConflictError);
    expect(await b.readEvents('s-order')).toEqual(first);
    // Without a fence: the seq and the head decide, whoever holds the lease.
    await expect(b.append('s-order', 0, next)).rejects.toBeInstanceOf(AppendConflictError);
    await b.append('s-order', 1, next);
    expect((await a.readEvents('s-order')).map((e) => e.seq)).toEqual([1, 2]);
    expect(await a.holder('s-order')).toEqual(lease);
  });

  test('a release does not fence its own epoch; only a new owner does', async () => {
    const { node } = fresh();
    const [a, b] = [node(), node()];
    const leaseA = (await a.acquire('s-rel', 'node-a', LONG_TTL))!;
    const first = joins('s-rel', GENESIS, 1);
    await a.append('s-rel', 0, first, { epoch: leaseA.epoch });
    await a.release(leaseA);
    const second = joins('s-rel', headOf(first), 1);
    await a.append('s-rel', 1, second, { epoch: leaseA.epoch });
    const leaseB = (await b.acquire('s-rel', 'node-b', LONG_TTL))!;
    const third = joins('s-rel', headOf(second), 1);
    await expect(a.append('s-rel', 2, third, { epoch: leaseA.epoch })).rejects.toBeInstanceOf(FencedError);
    await b.append('s-rel', 2, third, { epoch: leaseB.epoch });
    expect((await b.readEvents('s-rel')).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  test("document writes are fenced by the epoch of the document's session, and a refused write changes nothing", async () => {
    const { cluster, node } = fresh();
    const [a, b] = [node(), node()];
    const doc = 's-doc:plenary';
    // Before any lease, epoch 0; without a fence, always.
    const u1 = await a.appendUpdate(doc, Uint8Array.of(1), [{ client: 1, writer: 'p-1' }], { epoch: 0 });
    await a.appendUpdate(doc, Uint8Array.of(2));
    const leaseA = (await a.acquire('s-doc', 'node-a', SHORT_TTL))!;
    await expect(a.appendUpdate(doc, Uint8Array.of(9), [], { epoch: 0 })).rejects.toBeInstanceOf(FencedError);
    const u3 = await a.appendUpdate(doc, Uint8Array.of(3), [{ client: 3, writer: 'p-3' }], { epoch: leaseA.epoch });

    await cluster.expire(leaseA);
    const leaseB = (await b.acquire('s-doc', 'node-b', LONG_TTL))!;
    const before = await b.loadDoc(doc);
    // The old owner: no update, no claim, no compaction, no deletion.
    await expect(a.appendUpdate(doc, Uint8Array.of(4), [{ client: 4, writer: 'p-4' }], { epoch: leaseA.epoch })).rejects.toBeInstanceOf(FencedError);
    await expect(a.compactDoc(doc, Uint8Array.of(1, 2, 3), u3, { epoch: leaseA.epoch })).rejects.toBeInstanceOf(FencedError);
    await expect(a.deleteUpdate(doc, u1, { epoch: leaseA.epoch })).rejects.toBeInstanceOf(FencedError);
    await expect(a.deleteUpdate(doc, u1, { epoch: leaseB.epoch + 1 })).rejects.toBeInstanceOf(FencedError);
    expect(await b.loadDoc(doc)).toEqual(before);
    expect(bytes(before)).toEqual([[1], [2], [3]]);
    expect([...before.writers]).toEqual([
      [1, 'p-1'],
      [3, 'p-3'],
    ]);

    // The new owner writes at its epoch.
    const u5 = await b.appendUpdate(doc, Uint8Array.of(5), [{ client: 5, writer: 'p-5' }], { epoch: leaseB.epoch });
    await b.compactDoc(doc, Uint8Array.of(1, 2, 3), u3, { epoch: leaseB.epoch });
    expect(bytes(await a.loadDoc(doc))).toEqual([[1, 2, 3], [5]]);
    await b.deleteUpdate(doc, u5, { epoch: leaseB.epoch });
    expect(bytes(await a.loadDoc(doc))).toEqual([[1, 2, 3]]);
    // Another session's documents answer to that session's epoch only.
    await a.appendUpdate('s-doc-2:plenary', Uint8Array.of(7), [], { epoch: 0 });
    await expect(a.appendUpdate('s-doc-2:plenary', Uint8Array.of(8), [], { epoch: leaseB.epoch })).rejects.toBeInstanceOf(FencedError);
    expect(bytes(await b.loadDoc('s-doc-2:plenary'))).toEqual([[7]]);
  });

  test('receipts exist exactly when their events do, for every node, and keys are kept apart exactly', async () => {
    const { node } = fresh();
    const [a, b] = [node(), node()];
    const lease = (await a.acquire('s-rc', 'node-a', LONG_TTL))!;
    const keys = ['p-1:queue.raise:r-1', 'p-1:queue.raise:r-1:', 'p-1:{queue.raise}:r', '__proto__', 'constructor', 'ünï:日本:🎉', ''];
    const first = joins('s-rc', GENESIS, 2);
    await a.append(
      's-rc',
      0,
      first,
      { epoch: lease.epoch },
      keys.map((key, i) => ({ key, answer: JSON.stringify({ i, key }) })),
    );
    for (const [i, key] of keys.entries()) expect(await b.receipt('s-rc', key), key).toBe(JSON.stringify({ i, key }));
    expect(await b.receipt('s-rc', 'p-1:queue.raise:r-2')).toBeNull();
    expect(await b.receipt('s-rc', 'p-1:queue.raise')).toBeNull();
    expect(await b.receipt('s-other', 'p-1:queue.raise:r-1')).toBeNull();
    expect(await b.receipt('s-rc:p-1', 'queue.raise:r-1')).toBeNull();

    // A duplicate of the batch (a retry sent after the first was written) is refused, and the first answer stays.
    await expect(a.append('s-rc', 0, first, { epoch: lease.epoch }, [{ key: keys[0]!, answer: 'second' }])).rejects.toBeInstanceOf(AppendConflictError);
    // A refused append writes none of its receipts: not at a stale seq, not on another head, not fenced.
    const next = joins('s-rc', headOf(first), 1);
    await expect(a.append('s-rc', 1, next, { epoch: lease.epoch }, [{ key: 'stale-seq', answer: 'x' }])).rejects.toBeInstanceOf(AppendConflictError);
    await expect(
      a.append('s-rc', 2, joins('s-rc', { seq: 2, head: 'f'.repeat(64) }, 1), { epoch: lease.epoch }, [{ key: 'other-head', answer: 'x' }]),
    ).rejects.toBeInstanceOf(AppendConflictError);
    await expect(b.append('s-rc', 2, next, { epoch: lease.epoch + 1 }, [{ key: 'fenced', answer: 'x' }])).rejects.toBeInstanceOf(FencedError);
    for (const key of ['stale-seq', 'other-head', 'fenced']) expect(await b.receipt('s-rc', key), key).toBeNull();
    expect(await b.receipt('s-rc', keys[0]!)).toBe(JSON.stringify({ i: 0, key: keys[0] }));
    expect(await b.readEvents('s-rc')).toEqual(first);

    // The same key in another session is another receipt; and an append without fence keeps its receipts too.
    await b.append('s-rc-2', 0, joins('s-rc-2', GENESIS, 1), undefined, [{ key: keys[0]!, answer: 'in s-rc-2' }]);
    expect(await a.receipt('s-rc-2', keys[0]!)).toBe('in s-rc-2');
    expect(await a.receipt('s-rc', keys[0]!)).toBe(JSON.stringify({ i: 0, key: keys[0] }));
    // A later command may write its own receipt under a key of its own.
    await a.append('s-rc', 2, next, { epoch: lease.epoch }, [{ key: 'p-2:queue.raise:r-1', answer: 'later' }]);
    expect(await b.receipt('s-rc', 'p-2:queue.raise:r-1')).toBe('later');
  });

  test('leases of sessions with odd ids are independent, and the holder names its owner exactly', async () => {
    const { node } = fresh();
    const [a, b] = [node(), node()];
    const sessions = ['s', 's:1', '{s}', '}', '{', '}{', '__proto__', 'constructor', 'ünï 日本 🎉', ' s ', 'a/b', 's:lease'];
    const owners = ['node/1', 'node:{x}', '日本', 'a/b/c', 'node-1/', ' n ', 'x'];
    const leases: Lease[] = [];
    for (const [i, s] of sessions.entries()) {
      const lease = (await a.acquire(s, owners[i % owners.length]!, LONG_TTL))!;
      expect(lease, s).toEqual({ sessionId: s, owner: owners[i % owners.length], epoch: 1 });
      leases.push(lease);
    }
    for (const lease of leases) {
      expect(await b.holder(lease.sessionId), lease.sessionId).toEqual(lease);
      expect(await b.acquire(lease.sessionId, 'node-b', LONG_TTL), lease.sessionId).toBeNull();
      expect(await b.renew(lease, LONG_TTL), lease.sessionId).toEqual(lease);
    }
    // Releasing one leaves every other, however alike their names.
    await b.release(leases[1]!);
    expect(await a.holder('s:1')).toBeNull();
    for (const lease of leases.filter((_, i) => i !== 1)) expect(await a.holder(lease.sessionId), lease.sessionId).toEqual(lease);
    expect(await b.acquire('s:1', 'node-b', LONG_TTL)).toEqual({ sessionId: 's:1', owner: 'node-b', epoch: 2 });
    // Each session's epoch fences its own writes only.
    await a.append('s', 0, joins('s', GENESIS, 1), { epoch: 1 });
    await expect(a.append('s:1', 0, joins('s:1', GENESIS, 1), { epoch: 1 })).rejects.toBeInstanceOf(FencedError);
    await a.append('s:1', 0, joins('s:1', GENESIS, 1), { epoch: 2 });
    expect((await b.readEvents('s')).map((e) => e.sessionId)).toEqual(['s']);
    expect((await b.readEvents('s:1')).map((e) => e.sessionId)).toEqual(['s:1']);
  });

  test('a follower gets every event after its seq, in order and once, from whichever node appends, until it stops', async () => {
    const { node } = fresh();
    const [a, b, c] = [node(), node(), node()];
    const first = joins('s-follow', GENESIS, 3);
    await a.append('s-follow', 0, first);
    const got: SessionEvent[][] = [];
    const other: SessionEvent[] = [];
    const following = c.follow('s-follow', 1, (batch) => void got.push(batch));
    const elsewhere = c.follow('s-follow-2', 0, (batch) => void other.push(...batch));
    try {
      await eventually(() => got.flat().length === 2, 'the events already in the log');
      const second = joins('s-follow', headOf(first), 2);
      await a.append('s-follow', 3, second);
      const third = joins('s-follow', headOf(second), 1);
      await b.append('s-follow', 5, third);
      await eventually(() => got.flat().length === 5, 'the new events');
      expect(got.flat()).toEqual([...first.slice(1), ...second, ...third]);
      expect(other).toEqual([]);
    } finally {
      await following.stop();
      await elsewhere.stop();
    }
    // Once stopped, nothing more arrives.
    const seen = got.flat().length;
    await a.append('s-follow', 6, joins('s-follow', { seq: 6, head: (await a.readEvents('s-follow', 5))[0]!.hash }, 1));
    await b.readEvents('s-follow');
    expect(got.flat()).toHaveLength(seen);
  });
});

describe('the in-memory store: its clock', () => {
  test('a lease lives up to and at its last millisecond, and a renewal runs from the time of the renewal', async () => {
    let now = T0;
    const store = new MemoryStore(new MemoryStorage(() => now));
    const lease = (await store.acquire('s', 'node-a', 1_000))!;
    now += 1_000;
    expect(await store.holder('s')).toEqual(lease);
    expect(await store.renew(lease, 1_000)).toEqual(lease);
    now += 1_000;
    expect(await store.holder('s')).toEqual(lease);
    now += 1;
    expect(await store.holder('s')).toBeNull();
    expect(await store.renew(lease, 1_000)).toBeNull();
    expect(await store.acquire('s', 'node-b', 1_000)).toEqual({ sessionId: 's', owner: 'node-b', epoch: 2 });
  });

  test('a ttl that is not a positive whole number of ms is refused, and changes nothing', async () => {
    const store = new MemoryStore(new MemoryStorage(() => T0));
    for (const ttl of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) await expect(store.acquire('s', 'node-a', ttl)).rejects.toBeInstanceOf(RangeError);
    const lease = (await store.acquire('s', 'node-a', 1_000))!;
    expect(lease.epoch).toBe(1);
    await expect(store.renew(lease, 0)).rejects.toBeInstanceOf(RangeError);
    expect(await store.holder('s')).toEqual(lease);
  });

  test('receipts are kept as long as Redis keeps them', async () => {
    let now = T0;
    const store = new MemoryStore(new MemoryStorage(() => now));
    await store.append('s', 0, joins('s', GENESIS, 1), undefined, [{ key: 'k', answer: 'a' }]);
    now += RECEIPT_TTL_MS;
    expect(await store.receipt('s', 'k')).toBe('a');
    now += 1;
    expect(await store.receipt('s', 'k')).toBeNull();
  });

  test('a closed store refuses every call; the storage and the other stores on it carry on', async () => {
    const first = new MemoryStore();
    const second = first.another();
    await first.append('s', 0, joins('s', GENESIS, 1));
    await first.close();
    await expect(first.readEvents('s')).rejects.toThrow(/closed/);
    await expect(first.ping()).rejects.toThrow(/closed/);
    await expect(first.outbox.hasDelivery('k')).rejects.toThrow(/closed/);
    expect(await second.readEvents('s')).toHaveLength(1);
    await second.ping();
  });
});
