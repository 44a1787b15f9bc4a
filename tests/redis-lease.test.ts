/**
 * Leases and fencing on Redis (issue 12): one owner per session at a time; a new owner
 * gets a higher epoch; an append under an older epoch is refused whole, even at the right
 * seq, so a node paused past its lease can never write again. A real redis-server.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GENESIS_HASH, seal } from '../server/src/session/chain.js';
import { FencedError, type Lease } from '../server/src/store/LeaseStore.js';
import { RedisStore } from '../server/src/store/redis/RedisStore.js';
import type { SessionEvent } from '../shared/src/index.js';
import { startRedis, type RedisProcess } from './helpers/redis.js';

const joins = (sessionId: string, from: { seq: number; head: string }, n: number): SessionEvent[] =>
  seal(
    sessionId,
    from,
    Array.from({ length: n }, (_, i) => ({
      type: 'participant.joined' as const,
      payload: { participantId: `p-${from.seq + i}`, role: 'citizen' as const, displayName: `Citizen ${from.seq + i}`, credentialHash: 'e'.repeat(64), roomId: 'plenary' },
    })),
    { kind: 'system' },
    1_800_000_000_000,
  );
const headOf = (list: SessionEvent[]) => ({ seq: list.at(-1)!.seq, head: list.at(-1)!.hash });

describe('leases and fencing on Redis', () => {
  let redis: RedisProcess;
  let nodeA: RedisStore, nodeB: RedisStore;
  beforeAll(async () => {
    redis = await startRedis();
    nodeA = new RedisStore(redis.url);
    nodeB = new RedisStore(redis.url);
  });
  afterAll(async () => {
    await nodeA.close();
    await nodeB.close();
    await redis.stop();
  });

  test('one owner at a time; releasing hands the session on with a higher epoch', async () => {
    const a = await nodeA.acquire('s-lease-1', 'node-a', 30_000);
    expect(a).toEqual({ sessionId: 's-lease-1', owner: 'node-a', epoch: 1 });
    expect(await nodeB.acquire('s-lease-1', 'node-b', 30_000)).toBeNull();
    expect(await nodeA.renew(a!, 30_000)).toEqual(a);
    await nodeA.release(a!);
    const b = await nodeB.acquire('s-lease-1', 'node-b', 30_000);
    expect(b).toEqual({ sessionId: 's-lease-1', owner: 'node-b', epoch: 2 });
    // The former owner can neither renew nor release what is no longer its lease.
    expect(await nodeA.renew(a!, 30_000)).toBeNull();
    await nodeA.release(a!);
    expect(await nodeA.acquire('s-lease-1', 'node-a', 30_000)).toBeNull();
  });

  test('a paused owner whose lease expired is fenced: its append is refused whole, even at the right seq', async () => {
    const a = (await nodeA.acquire('s-lease-2', 'node-a', 200))!;
    const first = joins('s-lease-2', { seq: 0, head: GENESIS_HASH }, 2);
    await nodeA.append('s-lease-2', 0, first, { epoch: a.epoch });
    // Node A stops renewing (paused, partitioned); its lease runs out and node B takes over.
    let b: Lease | null = null;
    for (const deadline = Date.now() + 10_000; !(b = await nodeB.acquire('s-lease-2', 'node-b', 30_000)); ) {
      if (Date.now() > deadline) throw new Error("node B never took over after A's lease expired");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(b.epoch).toBeGreaterThan(a.epoch);

    // A wakes up and writes as if it still owned the session, at the seq it knows, which is still right.
    const stale = joins('s-lease-2', headOf(first), 1);
    await expect(nodeA.append('s-lease-2', 2, stale, { epoch: a.epoch })).rejects.toBeInstanceOf(FencedError);
    expect(await nodeA.renew(a, 30_000)).toBeNull();
    expect(await nodeA.readEvents('s-lease-2')).toEqual(first);

    // The new owner writes under its epoch.
    await nodeB.append('s-lease-2', 2, stale, { epoch: b.epoch });
    expect((await nodeB.readEvents('s-lease-2')).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  test('the epoch is checked before anything else; appends without one (a single node) are checked by seq and head only', async () => {
    const a = (await nodeA.acquire('s-lease-3', 'node-a', 30_000))!;
    const first = joins('s-lease-3', { seq: 0, head: GENESIS_HASH }, 1);
    // A made-up future epoch is no more valid than a past one.
    await expect(nodeB.append('s-lease-3', 0, first, { epoch: a.epoch + 5 })).rejects.toBeInstanceOf(FencedError);
    expect(await nodeB.readEvents('s-lease-3')).toEqual([]);
    await nodeB.append('s-lease-3', 0, first);
    expect(await nodeA.readEvents('s-lease-3')).toEqual(first);
  });
});
