/**
 * The drafting pipeline: a room decides updates on its twin without waiting for the
 * previous one's fsync, and applies them to the document only once durable, in order.
 * Here the store is the real SQLite adapter with one write made to fail, as a full disk
 * would: what was decided after the failed write is void too, removed from the store,
 * and never reaches the document; the room then goes on as if they never came.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { pino } from 'pino';
import * as Y from 'yjs';
import { RoomDoc, StoreUnavailableError, type WritePolicy } from '../server/src/drafting/RoomDoc.js';
import type { ClientClaim } from '../server/src/ports/DocStore.js';
import { SqliteStore } from '../server/src/store/SqliteStore.js';
import { removeDir, tempDataDir } from './helpers/server.js';

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) removeDir(d);
});

/** The real store, except that the appends named in `failing` (1-based, counted from now) reject. */
function storeFailing(failing: Set<number>): { store: SqliteStore; docStore: SqliteStore } {
  const dir = tempDataDir();
  dirs.push(dir);
  const store = new SqliteStore(dir);
  stores.push(store);
  let appends = 0;
  const docStore = Object.create(store) as SqliteStore;
  docStore.appendUpdate = (name: string, update: Uint8Array, claims?: readonly ClientClaim[]) => {
    appends += 1;
    return failing.has(appends) ? Promise.reject(new Error('SQLITE_FULL: database or disk is full')) : store.appendUpdate(name, update, claims);
  };
  return { store, docStore };
}

const writerPolicy = (writer: string): WritePolicy => ({ writer, authorize: () => null });

/** One editor's keystroke as the update its provider would send. */
function keystroke(text: string, field: string): Uint8Array {
  const doc = new Y.Doc();
  let update: Uint8Array | null = null;
  doc.on('update', (u: Uint8Array) => (update = u));
  doc.getText(field).insert(0, text);
  return update!;
}

describe('the drafting pipeline when a write fails', () => {
  test('changes decided after a failed write are void: not applied, removed from the store; the room goes on', async () => {
    const { store, docStore } = storeFailing(new Set([2]));
    const room = await RoomDoc.load({ name: 's1:plenary', store: docStore, logger: pino({ level: 'silent' }), maxDocBytes: 1 << 20, compactEvery: 1000 });
    let applied = 0;
    room.doc.on('update', () => (applied += 1));

    // Three editors at once: all three are decided before the first fsync returns.
    const outcomes = await Promise.allSettled([
      room.receive(keystroke('first', 'a'), null, writerPolicy('p1')),
      room.receive(keystroke('second', 'b'), null, writerPolicy('p2')),
      room.receive(keystroke('third', 'c'), null, writerPolicy('p3')),
    ]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: null });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: expect.any(StoreUnavailableError) });
    // The third was decided on a twin that held the second: void, although its own write succeeded.
    expect(outcomes[2]).toMatchObject({ status: 'rejected', reason: expect.any(StoreUnavailableError) });

    const texts = (doc: Y.Doc) => ['a', 'b', 'c'].map((f) => doc.getText(f).toString());
    expect(texts(room.doc)).toEqual(['first', '', '']);
    expect(applied).toBe(1);
    const stored = await store.loadDoc('s1:plenary');
    const fromStore = new Y.Doc();
    for (const u of stored.updates) Y.applyUpdate(fromStore, u);
    expect(texts(fromStore)).toEqual(['first', '', '']);

    // The room goes on: the editors resend (a stock provider does so on reconnect), and this time it lands.
    expect(await room.receive(keystroke('third', 'c'), null, writerPolicy('p3'))).toBeNull();
    await room.drain();
    expect(texts(room.doc)).toEqual(['first', '', 'third']);
    const again = new Y.Doc();
    for (const u of (await store.loadDoc('s1:plenary')).updates) Y.applyUpdate(again, u);
    expect(texts(again)).toEqual(['first', '', 'third']);
    room.destroy();
  });

  test('a write that fails alone voids only what came after it; what came before stays', async () => {
    const { store, docStore } = storeFailing(new Set([3]));
    const room = await RoomDoc.load({ name: 's2:plenary', store: docStore, logger: pino({ level: 'silent' }), maxDocBytes: 1 << 20, compactEvery: 1000 });
    const results = await Promise.allSettled(['one', 'two', 'three', 'four'].map((t, i) => room.receive(keystroke(t, `f${i}`), null, writerPolicy(`p${i}`))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect(['f0', 'f1', 'f2', 'f3'].map((f) => room.doc.getText(f).toString())).toEqual(['one', 'two', '', '']);
    const fromStore = new Y.Doc();
    for (const u of (await store.loadDoc('s2:plenary')).updates) Y.applyUpdate(fromStore, u);
    expect(['f0', 'f1', 'f2', 'f3'].map((f) => fromStore.getText(f).toString())).toEqual(['one', 'two', '', '']);
    room.destroy();
  });
});
