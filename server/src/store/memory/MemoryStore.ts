import type { SessionEvent } from '../../../../shared/src/index.js';
import type { ClientClaim, DocStore } from '../../ports/DocStore.js';
import { AppendConflictError, type EventStore, type Snapshot } from '../../ports/EventStore.js';
import { FencedError, type Lease, type LeaseStore } from '../../ports/LeaseStore.js';
import type { LogFeed } from '../../ports/LogFeed.js';
import type { Receipt, ReceiptStore } from '../../ports/ReceiptStore.js';
import { GENESIS_HASH } from '../../session/chain.js';
import { MemoryOutbox, MemoryOutboxData } from './MemoryOutbox.js';
import { splitPersonal, withPersonal } from '../personalData.js';

/** How long a command's receipt answers its retries (as RedisStore keeps them). */
export const RECEIPT_TTL_MS = 3_600_000;

interface SessionData {
  /** Events as JSON, in seq order: what is read back is always a fresh copy, as from Redis. */
  log: { seq: number; body: string }[];
  seq: number;
  head: string | null;
  /** The epoch of the last lease taken on the session; 0 before any. */
  epoch: number;
  lease: { owner: string; epoch: number; expiresAt: number } | null;
  snapshots: Map<number, string>;
  /** Participant id → PersonalData as JSON, apart from the log (see ../personalData.ts). */
  personal: Map<string, string>;
  receipts: Map<string, { answer: string; expiresAt: number }>;
  /** Whether an append ever succeeded: what listSessionIds and hasSession report. */
  listed: boolean;
}

interface DocData {
  lastId: number;
  /** Update id → bytes, kept in id order on reading. */
  updates: Map<number, Uint8Array>;
  writers: Map<number, string>;
}

/**
 * Everything a MemoryStore holds, which several stores can share as the nodes of a cluster
 * share one Redis; and the clock its leases and receipts expire by (the Redis server's
 * clock, for RedisStore). A test that owns the clock decides when a lease runs out,
 * without sleeping.
 */
export class MemoryStorage {
  readonly sessions = new Map<string, SessionData>();
  readonly docs = new Map<string, DocData>();
  readonly outbox = new MemoryOutboxData();
  /** Called after every successful append, with the session's id: how followers learn of news. */
  readonly appended = new Set<(sessionId: string) => void>();

  constructor(readonly now: () => number = Date.now) {}

  session(sessionId: string): SessionData {
    let s = this.sessions.get(sessionId);
    if (!s) {
      s = { log: [], seq: 0, head: null, epoch: 0, lease: null, snapshots: new Map(), personal: new Map(), receipts: new Map(), listed: false };
      this.sessions.set(sessionId, s);
    }
    return s;
  }

  doc(name: string): DocData {
    let d = this.docs.get(name);
    if (!d) {
      d = { lastId: 0, updates: new Map(), writers: new Map() };
      this.docs.set(name, d);
    }
    return d;
  }

  /** The session's lease, if one is held and has not run out (expiry as in Redis: alive up to and at its last millisecond). */
  liveLease(sessionId: string): SessionData['lease'] {
    const s = this.sessions.get(sessionId);
    if (!s?.lease) return null;
    if (this.now() > s.lease.expiresAt) s.lease = null;
    return s.lease;
  }
}

/**
 * The storage ports in memory: for tests and for trying things, never for a server
 * whose data must survive it (nothing is written anywhere). It has the semantics of the
 * Redis adapter (RedisStore and its Lua scripts), so that the contract suites run it
 * beside SQLite and Redis and code written against the cluster ports can be tried
 * without a redis-server:
 *
 * - an append checks the writer's epoch (the fence) first, then the expected seq, then
 *   the head hash; it is all or nothing, and the receipts go in with the events;
 * - leases are taken only when free, each with the session's next epoch, renewed and
 *   released only by their holder at their epoch, and run out by `storage.now`;
 * - document writes are fenced by the epoch of the document's session (the part of the
 *   name before the first `:`);
 * - `follow` delivers a session's new events in order, each once;
 * - the webhook outbox is `.outbox`, on the same storage.
 *
 * Every method does its work before its first await, so each is atomic towards every
 * other store on the same storage, as a Lua script is in Redis. Stores made with
 * `another()` (or on the same MemoryStorage) see the same data: nodes of one cluster.
 */
export class MemoryStore implements EventStore, DocStore, LeaseStore, ReceiptStore, LogFeed {
  readonly outbox: MemoryOutbox;
  private closed = false;
  private readonly following = new Set<{ stop(): Promise<void> }>();

  constructor(readonly storage: MemoryStorage = new MemoryStorage()) {
    this.outbox = new MemoryOutbox(storage.outbox);
  }

  /** Another store on the same storage: a second node of the cluster. */
  another(): MemoryStore {
    return new MemoryStore(this.storage);
  }

  private open(): MemoryStorage {
    if (this.closed) throw new Error('This MemoryStore is closed.');
    return this.storage;
  }

  async append(sessionId: string, expectedSeq: number, events: readonly SessionEvent[], fence?: { epoch: number }, receipts: readonly Receipt[] = []): Promise<void> {
    if (events.length === 0) return;
    const storage = this.open();
    const s = storage.session(sessionId);
    if (fence && s.epoch !== fence.epoch) throw new FencedError(sessionId, fence.epoch);
    if (s.seq !== expectedSeq) throw new AppendConflictError(sessionId, expectedSeq);
    if ((s.head ?? GENESIS_HASH) !== events[0]!.prevHash) throw new AppendConflictError(sessionId, expectedSeq);
    // Log positions must rise (Redis refuses a stream id at or below the last); checked before anything is written.
    let last = s.seq;
    for (const e of events) {
      if (!(Number.isSafeInteger(e.seq) && e.seq > last)) throw new Error(`session ${sessionId}: event seq ${e.seq} does not follow ${last}`);
      last = e.seq;
    }
    const split = splitPersonal(events);
    const rows = split.rows.map(([seq, , , , body]) => ({ seq, body }));
    for (const [participantId, data] of split.personal) s.personal.set(participantId, data);
    for (const participantId of split.erased) s.personal.delete(participantId);
    if (split.erased.length > 0) s.snapshots.clear();
    const expiresAt = storage.now() + RECEIPT_TTL_MS;
    for (const r of receipts) s.receipts.set(r.key, { answer: r.answer, expiresAt });
    s.log.push(...rows);
    s.seq = last;
    s.head = events.at(-1)!.hash;
    s.listed = true;
    for (const notify of storage.appended) notify(sessionId);
  }

  async receipt(sessionId: string, key: string): Promise<string | null> {
    const storage = this.open();
    const r = storage.sessions.get(sessionId)?.receipts.get(key);
    if (!r) return null;
    if (storage.now() > r.expiresAt) {
      storage.sessions.get(sessionId)!.receipts.delete(key);
      return null;
    }
    return r.answer;
  }

  async acquire(sessionId: string, owner: string, ttlMs: number): Promise<Lease | null> {
    const storage = this.open();
    checkTtl(ttlMs);
    if (storage.liveLease(sessionId)) return null;
    const s = storage.session(sessionId);
    s.epoch += 1;
    s.lease = { owner, epoch: s.epoch, expiresAt: storage.now() + ttlMs };
    return { sessionId, owner, epoch: s.epoch };
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease | null> {
    const storage = this.open();
    checkTtl(ttlMs);
    const held = storage.liveLease(lease.sessionId);
    if (!held || held.owner !== lease.owner || held.epoch !== lease.epoch) return null;
    held.expiresAt = storage.now() + ttlMs;
    return lease;
  }

  async release(lease: Lease): Promise<void> {
    const storage = this.open();
    const held = storage.liveLease(lease.sessionId);
    if (held && held.owner === lease.owner && held.epoch === lease.epoch) storage.session(lease.sessionId).lease = null;
  }

  async holder(sessionId: string): Promise<Lease | null> {
    const held = this.open().liveLease(sessionId);
    return held ? { sessionId, owner: held.owner, epoch: held.epoch } : null;
  }

  async hasSession(sessionId: string): Promise<boolean> {
    return this.open().sessions.get(sessionId)?.listed ?? false;
  }

  async readEvents(sessionId: string, afterSeq = 0): Promise<SessionEvent[]> {
    const log = this.open().sessions.get(sessionId)?.log ?? [];
    const personal = this.open().sessions.get(sessionId)?.personal ?? new Map<string, string>();
    return withPersonal(
      log.filter((row) => row.seq > afterSeq).map((row) => JSON.parse(row.body) as SessionEvent),
      personal,
    );
  }

  /**
   * Follow a session's log: `onEvents` gets every event after `afterSeq`, in order, in
   * batches, as they are appended through any store on this storage, until `stop` (or
   * until this store is closed). Batches are delivered after the append that made them
   * has returned, never inside it, as news from Redis arrives after the write.
   */
  follow(sessionId: string, afterSeq: number, onEvents: (events: SessionEvent[]) => void): { stop(): Promise<void> } {
    const storage = this.open();
    let last = afterSeq;
    let stopped = false;
    let scheduled = false;
    const deliver = () => {
      scheduled = false;
      if (stopped) return;
      const session = storage.sessions.get(sessionId);
      const events = withPersonal(
        (session?.log ?? []).filter((row) => row.seq > last).map((row) => JSON.parse(row.body) as SessionEvent),
        session?.personal ?? new Map<string, string>(),
      );
      if (events.length === 0) return;
      last = events.at(-1)!.seq;
      try {
        onEvents(events);
      } catch {
        // As RedisStore's follower: a throwing listener does not stop the feed, nor get the batch again.
      }
    };
    const news = (appendedTo: string) => {
      if (appendedTo !== sessionId || scheduled || stopped) return;
      scheduled = true;
      queueMicrotask(deliver);
    };
    storage.appended.add(news);
    // What is already in the log after `afterSeq` comes first, as XREAD from that id gives it.
    scheduled = true;
    queueMicrotask(deliver);
    const handle = {
      stop: async () => {
        stopped = true;
        storage.appended.delete(news);
        this.following.delete(handle);
      },
    };
    this.following.add(handle);
    return handle;
  }

  async listSessionIds(): Promise<string[]> {
    return [...this.open().sessions].filter(([, s]) => s.listed).map(([id]) => id);
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    // Serialized at the call: the caller's state is live.
    const body = JSON.stringify({ seq: snapshot.seq, state: snapshot.state });
    this.open().session(snapshot.sessionId).snapshots.set(snapshot.reducerVersion, body);
  }

  async loadSnapshot(sessionId: string, reducerVersion: number): Promise<Snapshot | null> {
    const body = this.open().sessions.get(sessionId)?.snapshots.get(reducerVersion);
    if (body === undefined) return null;
    const { seq, state } = JSON.parse(body) as Pick<Snapshot, 'seq' | 'state'>;
    return { sessionId, seq, reducerVersion, state };
  }

  async loadDoc(name: string): Promise<{ updates: Uint8Array[]; lastId: number; writers: Map<number, string> }> {
    const d = this.open().docs.get(name);
    if (!d) return { updates: [], lastId: 0, writers: new Map() };
    const ids = [...d.updates.keys()].sort((a, b) => a - b);
    return {
      updates: ids.map((id) => d.updates.get(id)!.slice()),
      lastId: ids.at(-1) ?? 0,
      writers: new Map(d.writers),
    };
  }

  async appendUpdate(name: string, update: Uint8Array, claims: readonly ClientClaim[] = [], fence?: { epoch: number }): Promise<number> {
    const storage = this.open();
    this.checkDocFence(storage, name, fence);
    const d = storage.doc(name);
    const id = ++d.lastId;
    d.updates.set(id, update.slice());
    // The first writer under a client id keeps it.
    for (const c of claims) if (!d.writers.has(c.client)) d.writers.set(c.client, c.writer);
    return id;
  }

  async compactDoc(name: string, merged: Uint8Array, uptoId: number, fence?: { epoch: number }): Promise<void> {
    const storage = this.open();
    this.checkDocFence(storage, name, fence);
    const d = storage.doc(name);
    for (const id of [...d.updates.keys()]) if (id <= uptoId) d.updates.delete(id);
    d.updates.set(uptoId, merged.slice());
  }

  async deleteUpdate(name: string, id: number, fence?: { epoch: number }): Promise<void> {
    const storage = this.open();
    this.checkDocFence(storage, name, fence);
    storage.docs.get(name)?.updates.delete(id);
  }

  async ping(): Promise<void> {
    this.open();
  }

  /** Closes this store (its followers stop); the storage and other stores on it are untouched. */
  async close(): Promise<void> {
    this.closed = true;
    for (const f of [...this.following]) await f.stop();
    await this.outbox.close();
  }

  /** A document belongs to its session (`<sessionId>:<roomId>`): only the session's owner, at its epoch, writes it. */
  private checkDocFence(storage: MemoryStorage, name: string, fence: { epoch: number } | undefined): void {
    if (!fence) return;
    const sessionId = name.slice(0, Math.max(0, name.indexOf(':')));
    if ((storage.sessions.get(sessionId)?.epoch ?? 0) !== fence.epoch) throw new FencedError(sessionId, fence.epoch);
  }
}

/**
 * A ttl must be a positive whole number of ms. Redis refuses any other PX on acquire (after
 * drawing the next epoch), and on renew PEXPIRE with 0 or less deletes the lease; this
 * store refuses both, before changing anything. Callers never pass one.
 */
function checkTtl(ttlMs: number): void {
  if (!(Number.isSafeInteger(ttlMs) && ttlMs > 0)) throw new RangeError(`invalid lease ttl ${ttlMs} ms`);
}
