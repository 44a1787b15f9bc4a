/**
 * The storage ports' contract (server/src/ports: EventStore, DocStore), one suite run
 * against every adapter: what the session core and the drafting server rely on, and
 * nothing about how an adapter does it. It runs against the embedded SQLite adapter, the
 * Redis adapter (for the cluster of issue 12; a redis-server this file starts on a free
 * port) and the in-memory adapter (store/memory, for tests and trying things). Leases,
 * fencing and receipts, which only a cluster's stores have, are tests/lease.contract.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { AppendConflictError, type EventStore } from '../server/src/ports/EventStore.js';
import type { DocStore } from '../server/src/ports/DocStore.js';
import { commitmentOf, GENESIS_HASH, seal, verifyChain } from '../server/src/session/chain.js';
import { sessionCreated } from '../server/src/session/decide.js';
import { MemoryStorage, MemoryStore } from '../server/src/store/memory/MemoryStore.js';
import { SqliteStore } from '../server/src/store/SqliteStore.js';
import { RedisStore } from '../server/src/store/redis/RedisStore.js';
import { createSessionSchema, REDUCER_VERSION, reduce, type EventDraft, type SessionEvent } from '../shared/src/index.js';
import { sessionInput } from './helpers/fixtures.js';
import { redisForThisFile, redisKeysHold } from './helpers/redis.js';
import { removeDir, tempDataDir } from './helpers/server.js';

type Store = EventStore & DocStore;

interface Adapter {
  name: string;
  /**
   * A store on fresh, empty storage, a way to open the same storage again after closing,
   * and whether any of its bytes (files, keys) still contain a text: what erasure must reach.
   */
  open(): { store: Store; reopen(): Store; dispose(): void; holds(text: string): Promise<boolean> };
}

/** One redis-server for the Redis adapter's cases, started by this file on a free port. */
const redis = redisForThisFile();

const ADAPTERS: Adapter[] = [
  {
    name: 'SQLite',
    open() {
      const dir = tempDataDir();
      const holds = async (text: string) => readdirSync(dir).some((f) => f.startsWith('townhall.sqlite') && readFileSync(join(dir, f)).includes(Buffer.from(text)));
      return { store: new SqliteStore(dir), reopen: () => new SqliteStore(dir), dispose: () => removeDir(dir), holds };
    },
  },
  {
    name: 'Redis',
    open() {
      // Each case in a key space of its own on the one server: fresh storage without restarting Redis.
      const prefix = redis.prefix('contract');
      return {
        store: new RedisStore(redis.url, { prefix }),
        reopen: () => new RedisStore(redis.url, { prefix }),
        dispose: () => undefined,
        holds: (text) => redisKeysHold(redis.url, text, `${prefix}:`),
      };
    },
  },
  {
    name: 'memory',
    open() {
      // Reopening is another store on the same storage: what a restart of the process would lose, a reopen keeps.
      const storage = new MemoryStorage();
      const holds = async (text: string) => JSON.stringify(storage, (_k, v: unknown) => (v instanceof Map ? [...v] : v)).includes(JSON.stringify(text).slice(1, -1));
      return { store: new MemoryStore(storage), reopen: () => new MemoryStore(storage), dispose: () => undefined, holds };
    },
  },
];

const INVITES = { facilitator: 'a'.repeat(64), citizen: 'b'.repeat(64), observer: 'c'.repeat(64), official: 'd'.repeat(64) };

/** A log of `n` real, chained events for one session: its creation, then joins. */
function log(sessionId: string, n: number, from: { seq: number; head: string } = { seq: 0, head: GENESIS_HASH }): SessionEvent[] {
  const drafts: EventDraft[] = [];
  if (from.seq === 0) drafts.push(sessionCreated(createSessionSchema.parse(sessionInput()), INVITES));
  while (drafts.length < n) {
    const i = from.seq + drafts.length;
    const personal = { displayName: `Citizen ${i}`, salt: `salt-${i}` };
    drafts.push({
      type: 'participant.joined',
      payload: { participantId: `p-${i}`, role: 'citizen', nameCommitment: commitmentOf(personal), credentialHash: 'e'.repeat(64), roomId: 'plenary' },
      personal,
    });
  }
  return seal(sessionId, from, drafts, { kind: 'system' }, 1_800_000_000_000 + from.seq);
}

const headOf = (events: SessionEvent[]) => ({ seq: events.at(-1)!.seq, head: events.at(-1)!.hash });

describe.each(ADAPTERS)('storage contract: $name', (adapter) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const fresh = () => {
    const opened = adapter.open();
    const stores = [opened.store];
    cleanups.push(async () => {
      for (const s of stores) await s.close().catch(() => undefined);
      opened.dispose();
    });
    return {
      store: opened.store,
      holds: opened.holds,
      reopen: async () => {
        await opened.store.close();
        const again = opened.reopen();
        stores.push(again);
        return again;
      },
    };
  };

  test('appends are read back in order, from any seq, and survive a reopen', async () => {
    const { store, reopen } = fresh();
    const first = log('s-1', 3);
    await store.append('s-1', 0, first);
    const second = log('s-1', 2, headOf(first));
    await store.append('s-1', 3, second);
    expect(await store.readEvents('s-1')).toEqual([...first, ...second]);
    expect((await store.readEvents('s-1', 3)).map((e) => e.seq)).toEqual([4, 5]);
    expect(await store.readEvents('s-1', 5)).toEqual([]);
    expect(await store.readEvents('s-unknown')).toEqual([]);
    const again = await reopen();
    expect(await again.readEvents('s-1')).toEqual([...first, ...second]);
  });

  test('an append at a stale seq or on another head is refused whole, and changes nothing', async () => {
    const { store } = fresh();
    const first = log('s-2', 2);
    await store.append('s-2', 0, first);
    const next = log('s-2', 2, headOf(first));
    await expect(store.append('s-2', 1, next)).rejects.toBeInstanceOf(AppendConflictError);
    await expect(store.append('s-2', 3, next)).rejects.toBeInstanceOf(AppendConflictError);
    // Right seq, but chained to a head this log does not have: another writer's history.
    const forked = log('s-2', 2, { seq: 2, head: 'f'.repeat(64) });
    await expect(store.append('s-2', 2, forked)).rejects.toBeInstanceOf(AppendConflictError);
    expect(await store.readEvents('s-2')).toEqual(first);
    await store.append('s-2', 2, next);
    expect((await store.readEvents('s-2')).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  test('of two writers appending at the same seq, exactly one wins', async () => {
    const { store } = fresh();
    const first = log('s-3', 1);
    await store.append('s-3', 0, first);
    const a = log('s-3', 1, headOf(first));
    const b = seal(
      's-3',
      headOf(first),
      [{ type: 'participant.joined', payload: { participantId: 'p-other', role: 'citizen', displayName: 'Other', credentialHash: 'e'.repeat(64), roomId: 'plenary' } }],
      { kind: 'system' },
      1,
    );
    const results = await Promise.allSettled([store.append('s-3', 1, a), store.append('s-3', 1, b)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason).toBeInstanceOf(AppendConflictError);
    const stored = await store.readEvents('s-3');
    expect(stored).toHaveLength(2);
    expect([a[0]!.hash, b[0]!.hash]).toContain(stored[1]!.hash);
  });

  test('sessions are listed once each, and logs of sessions do not mix', async () => {
    const { store } = fresh();
    await store.append('s-a', 0, log('s-a', 2));
    await store.append('s-b', 0, log('s-b', 3));
    expect((await store.listSessionIds()).sort()).toEqual(['s-a', 's-b']);
    expect((await store.readEvents('s-a')).every((e) => e.sessionId === 's-a')).toBe(true);
    expect(await store.readEvents('s-b')).toHaveLength(3);
  });

  test('a snapshot is the state as it was when saved, for its reducer version only, and survives a reopen', async () => {
    const { store, reopen } = fresh();
    const events = log('s-4', 3);
    await store.append('s-4', 0, events);
    let reduced = reduce(null, events[0]!);
    for (const e of events.slice(1)) reduced = reduce(reduced, e);
    // A mutable copy, as the session host's live state is.
    const state = structuredClone(reduced);
    const saving = store.saveSnapshot({ sessionId: 's-4', seq: 3, reducerVersion: 7, state });
    // The caller's state is live: changing it after the call must not change what is stored.
    const asSaved = structuredClone(state);
    (state as { title: string }).title = 'changed after saving';
    await saving;
    expect(await store.loadSnapshot('s-4', 7)).toEqual({ sessionId: 's-4', seq: 3, reducerVersion: 7, state: asSaved });
    expect(await store.loadSnapshot('s-4', 8)).toBeNull();
    expect(await store.loadSnapshot('s-none', 7)).toBeNull();
    const again = await reopen();
    expect((await again.loadSnapshot('s-4', 7))?.state).toEqual(asSaved);
  });

  test('document updates come back in order with increasing ids and their first writers', async () => {
    const { store, reopen } = fresh();
    const id1 = await store.appendUpdate('s-5:plenary', Uint8Array.of(1, 2), [{ client: 11, writer: 'p-1' }]);
    const id2 = await store.appendUpdate('s-5:plenary', Uint8Array.of(3), [{ client: 12, writer: 'p-2' }]);
    const id3 = await store.appendUpdate('s-5:plenary', Uint8Array.of(4));
    await store.appendUpdate('s-5:room-1', Uint8Array.of(9));
    expect(id2).toBeGreaterThan(id1);
    expect(id3).toBeGreaterThan(id2);
    const loaded = await store.loadDoc('s-5:plenary');
    expect(loaded.updates.map((u) => [...u])).toEqual([[1, 2], [3], [4]]);
    expect(loaded.lastId).toBe(id3);
    expect([...loaded.writers]).toEqual([
      [11, 'p-1'],
      [12, 'p-2'],
    ]);
    expect(await store.loadDoc('s-5:nothing')).toMatchObject({ updates: [], writers: new Map() });
    const again = await reopen();
    expect((await again.loadDoc('s-5:plenary')).updates).toHaveLength(3);
  });

  test('compaction replaces what it covers and keeps what came after; one update can be deleted', async () => {
    const { store } = fresh();
    const a = await store.appendUpdate('s-6:plenary', Uint8Array.of(1));
    const b = await store.appendUpdate('s-6:plenary', Uint8Array.of(2));
    const c = await store.appendUpdate('s-6:plenary', Uint8Array.of(3));
    await store.compactDoc('s-6:plenary', Uint8Array.of(1, 2), b);
    expect((await store.loadDoc('s-6:plenary')).updates.map((u) => [...u])).toEqual([[1, 2], [3]]);
    await store.deleteUpdate('s-6:plenary', c);
    expect((await store.loadDoc('s-6:plenary')).updates.map((u) => [...u])).toEqual([[1, 2]]);
    expect(a).toBeLessThan(b);
  });

  test('a duplicate append (the same batch again, as a retry would send it) is refused and the log keeps one copy', async () => {
    const { store } = fresh();
    const first = log('s-dup', 2);
    await store.append('s-dup', 0, first);
    await expect(store.append('s-dup', 0, first)).rejects.toBeInstanceOf(AppendConflictError);
    const next = log('s-dup', 2, headOf(first));
    await store.append('s-dup', 2, next);
    await expect(store.append('s-dup', 2, next)).rejects.toBeInstanceOf(AppendConflictError);
    // Even at the seq the log is at now: the batch does not chain to its head.
    await expect(store.append('s-dup', 4, next)).rejects.toBeInstanceOf(AppendConflictError);
    expect((await store.readEvents('s-dup')).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(await store.listSessionIds()).toEqual(['s-dup']);
    // Nothing to append is no write at all, whatever the seq.
    await store.append('s-dup', 99, []);
    expect(await store.readEvents('s-dup')).toHaveLength(4);
  });

  test('odd session ids and document names are stored and kept apart exactly', async () => {
    const { store, reopen } = fresh();
    const sessions = ['s', 's:1', '{s}', 's}', '{', '}{', '__proto__', 'constructor', 'ünï 日本 🎉', ' s ', 'a/b', 'log', 's-1:log'];
    for (const [i, s] of sessions.entries()) {
      await store.append(s, 0, log(s, 1 + (i % 3)));
      await store.appendUpdate(`${s}:plenary`, Uint8Array.of(i), [{ client: i, writer: `w-${s}` }]);
    }
    // A room id with braces, and one that looks like another key, are rooms of their own.
    await store.appendUpdate('s:{plenary}', Uint8Array.of(200));
    await store.appendUpdate('s:plenary:order', Uint8Array.of(201));
    const check = async (st: Store) => {
      expect((await st.listSessionIds()).sort()).toEqual([...sessions].sort());
      for (const [i, s] of sessions.entries()) {
        const events = await st.readEvents(s);
        expect(
          events.map((e) => [e.sessionId, e.seq]),
          s,
        ).toEqual(Array.from({ length: 1 + (i % 3) }, (_, n) => [s, n + 1]));
        const doc = await st.loadDoc(`${s}:plenary`);
        expect(
          doc.updates.map((u) => [...u]),
          s,
        ).toEqual([[i]]);
        expect([...doc.writers], s).toEqual([[i, `w-${s}`]]);
      }
      expect((await st.loadDoc('s:{plenary}')).updates.map((u) => [...u])).toEqual([[200]]);
      expect((await st.loadDoc('s:plenary:order')).updates.map((u) => [...u])).toEqual([[201]]);
    };
    await check(store);
    await check(await reopen());
  });

  test('personal data is kept beside its join, outside the chain; an erasure removes it and the snapshots holding it, everywhere, in the same write', async () => {
    const { store, reopen, holds } = fresh();
    const events = log('s-p', 4);
    await store.append('s-p', 0, events);
    // The name reads back beside its event, and the chain (which never hashed it) still checks.
    expect((await store.readEvents('s-p')).filter((e) => e.type === 'participant.joined').map((e) => e.personal?.displayName)).toEqual([
      'Citizen 1',
      'Citizen 2',
      'Citizen 3',
    ]);
    let state = reduce(null, events[0]!);
    for (const e of events.slice(1)) state = reduce(state, e);
    expect(state.participants['p-2']!.displayName).toBe('Citizen 2');
    await store.saveSnapshot({ sessionId: 's-p', seq: 4, reducerVersion: REDUCER_VERSION, state });
    expect(await holds('Citizen 2')).toBe(true);

    const erasure = seal(
      's-p',
      headOf(events),
      [{ type: 'personal-data.erased', payload: { participantIds: ['p-2'], reason: 'request' } }],
      { kind: 'operator' },
      1_900_000_000_000,
    );
    await store.append('s-p', 4, erasure);
    const after = await store.readEvents('s-p');
    expect(after.find((e) => e.type === 'participant.joined' && e.payload.participantId === 'p-2')!.personal).toBeUndefined();
    expect(after.find((e) => e.type === 'participant.joined' && e.payload.participantId === 'p-3')!.personal?.displayName).toBe('Citizen 3');
    expect(verifyChain(after)).toMatchObject({ ok: true, count: 5 });
    // The snapshot held the name: it is gone, and the log is replayed instead.
    expect(await store.loadSnapshot('s-p', REDUCER_VERSION)).toBeNull();
    expect(await holds('Citizen 2')).toBe(false);
    expect(await holds('salt-2')).toBe(false);
    expect(await holds('Citizen 3')).toBe(true);
    const again = await reopen();
    expect((await again.readEvents('s-p')).some((e) => e.personal?.displayName === 'Citizen 2')).toBe(false);
  });
});
