/**
 * The Redis adapter when Redis itself fails: killed, paused, killed mid-write. An append
 * is acknowledged only once Redis has it in its fsynced append-only file, and a write is
 * all or nothing (one Lua script). A real redis-server on a free port, signalled.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { GENESIS_HASH, seal } from '../server/src/session/chain.js';
import { RedisStore } from '../server/src/store/redis/RedisStore.js';
import { AppendConflictError } from '../server/src/ports/EventStore.js';
import type { EventDraft, SessionEvent } from '../shared/src/index.js';
import { startRedis, type RedisProcess } from './helpers/redis.js';

const joined = (i: number): EventDraft => ({
  type: 'participant.joined',
  payload: { participantId: `p-${i}`, role: 'citizen', displayName: `Citizen ${i}`, credentialHash: 'e'.repeat(64), roomId: 'plenary' },
});
const events = (from: { seq: number; head: string }, n: number): SessionEvent[] =>
  seal(
    's-faults',
    from,
    Array.from({ length: n }, (_, i) => joined(from.seq + i)),
    { kind: 'system' },
    1_800_000_000_000 + from.seq,
  );
const headOf = (list: SessionEvent[]) => ({ seq: list.at(-1)!.seq, head: list.at(-1)!.hash });

describe('the Redis adapter when Redis fails', () => {
  let redis: RedisProcess;
  const stores: RedisStore[] = [];
  const store = () => {
    const s = new RedisStore(redis.url);
    stores.push(s);
    return s;
  };
  beforeEach(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    await redis.stop();
  });

  test('an acknowledged append survives Redis being killed and restarted from its append-only file', async () => {
    const first = events({ seq: 0, head: GENESIS_HASH }, 3);
    await store().append('s-faults', 0, first);
    redis.child.kill('SIGKILL');
    await redis.restart();
    expect(await store().readEvents('s-faults')).toEqual(first);
  });

  test('while Redis is paused an append is not acknowledged; once it answers, the append is durable', async () => {
    const s = store();
    const first = events({ seq: 0, head: GENESIS_HASH }, 2);
    await s.append('s-faults', 0, first);
    redis.child.kill('SIGSTOP');
    let settled = false;
    const next = events(headOf(first), 2);
    const pending = s.append('s-faults', 2, next).finally(() => {
      settled = true;
    });
    // Not a timing assertion: whatever the delay, nothing may be acknowledged while Redis is stopped.
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    redis.child.kill('SIGCONT');
    await pending;
    redis.child.kill('SIGKILL');
    await redis.restart();
    expect((await store().readEvents('s-faults')).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  test('a write cut off by Redis dying is stored whole or not at all, and a retry at the same seq settles it', async () => {
    const s = store();
    const first = events({ seq: 0, head: GENESIS_HASH }, 3);
    await s.append('s-faults', 0, first);
    const next = events(headOf(first), 5);
    redis.child.kill('SIGSTOP');
    const cut = s.append('s-faults', 3, next).then(
      () => 'acknowledged' as const,
      () => 'failed' as const,
    );
    await new Promise((r) => setTimeout(r, 100));
    redis.child.kill('SIGKILL');
    const outcome = await cut;
    // Killed while stopped, Redis never ran the script: the writer was not told it succeeded.
    expect(outcome).toBe('failed');
    await redis.restart();
    const after = await store().readEvents('s-faults');
    expect([3, 8]).toContain(after.length);
    // The retry: the same events at the same seq either land now, or find them there already.
    const retry = await store()
      .append('s-faults', 3, next)
      .then(
        () => 'stored',
        (err: unknown) => (err instanceof AppendConflictError ? 'already there' : String(err)),
      );
    expect(retry).toBe(after.length === 3 ? 'stored' : 'already there');
    expect(await store().readEvents('s-faults')).toEqual([...first, ...next]);
  });
});
