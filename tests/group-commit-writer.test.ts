/**
 * The SQLite writer thread under a storm larger than one batch: full batches go out
 * while an earlier one is still being committed, and every write still resolves after
 * it is stored, in the order it was made.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { SqliteStore } from '../server/src/store/SqliteStore.js';
import { MAX_BATCH } from '../server/src/store/sqlite/GroupCommitWriter.js';
import { removeDir, tempDataDir } from './helpers/server.js';

const open: { store: SqliteStore; dir: string }[] = [];
afterEach(async () => {
  for (const { store, dir } of open.splice(0)) {
    await store.close();
    removeDir(dir);
  }
});

function storeInTempDir(): SqliteStore {
  const dir = tempDataDir();
  const store = new SqliteStore(dir);
  open.push({ store, dir });
  return store;
}

describe('the group-commit writer', () => {
  test('a storm of 3½ batches is pipelined, resolves in order, and reads back in order', async () => {
    const store = storeInTempDir();
    const n = Math.floor(MAX_BATCH * 3.5);
    const resolvedOrder: number[] = [];
    // Made in one go, as a storm's decisions are: nothing resolves before all are queued.
    const writes = Array.from({ length: n }, (_, i) =>
      store.appendUpdate('doc-storm', Uint8Array.of(i & 0xff, (i >> 8) & 0xff)).then((id) => {
        resolvedOrder.push(i);
        return id;
      }),
    );
    const ids = await Promise.all(writes);

    // In order: each write got a larger row id than the one made before it, and resolved after it.
    for (let i = 1; i < n; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);
    expect(resolvedOrder).toEqual(Array.from({ length: n }, (_, i) => i));
    // The first write went alone; the full batches behind it did not wait for it.
    const stats = store.writeStats;
    expect(stats.ops).toBe(n);
    expect(stats.mostInFlight).toBeGreaterThanOrEqual(2);
    expect(stats.batches).toBeLessThanOrEqual(Math.ceil(n / MAX_BATCH) + 1);

    const stored = await store.loadDoc('doc-storm');
    expect(stored.updates).toHaveLength(n);
    stored.updates.forEach((u, i) => expect([...u]).toEqual([i & 0xff, (i >> 8) & 0xff]));
  });

  test('a lone write is committed at once, alone', async () => {
    const store = storeInTempDir();
    await store.appendUpdate('doc-lone', Uint8Array.of(1));
    expect(store.writeStats).toEqual({ batches: 1, ops: 1, mostInFlight: 1 });
  });
});
