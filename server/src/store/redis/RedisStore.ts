import { createClient, RESP_TYPES } from 'redis';
import { REDUCER_VERSION, type SessionEvent } from '../../../../shared/src/index.js';
import { GENESIS_HASH } from '../../session/chain.js';
import type { ClientClaim, DocStore } from '../../ports/DocStore.js';
import { AppendConflictError, type EventStore, type Snapshot } from '../../ports/EventStore.js';
import { FencedError, type Lease, type LeaseStore } from '../../ports/LeaseStore.js';
import type { Receipt, ReceiptStore } from '../../ports/ReceiptStore.js';
import { splitPersonal, withPersonal } from '../personalData.js';
import { RedisOutbox } from './RedisOutbox.js';
import { ACQUIRE_LEASE, APPEND_EVENTS, APPEND_UPDATE, COMPACT_DOC, DELETE_UPDATE, RELEASE_LEASE, RENEW_LEASE } from './scripts.js';

/**
 * The storage ports on Redis, for a cluster (issue 12). Durability is Redis's own:
 * run it with `appendonly yes` and `appendfsync always`, so a reply means the write is
 * in the fsynced append-only file. Every append is one Lua script, which Redis runs
 * atomically: the seq and head checks and the writes cannot interleave with another
 * node's.
 */
export class RedisStore implements EventStore, DocStore, LeaseStore, ReceiptStore {
  private readonly client;
  /** The same connection, answering bulk strings as Buffers: document updates are binary. */
  private readonly binary;
  private connecting: Promise<unknown> | null = null;

  private readonly keys: ReturnType<typeof keySpace>;
  /** The webhook outbox, in the same Redis (and key space). */
  readonly outbox: RedisOutbox;

  /** `prefix` starts every key: several deployments (or test cases) can share one Redis. */
  constructor(url: string, opts: { prefix?: string } = {}) {
    this.keys = keySpace(opts.prefix ?? 'th');
    this.outbox = new RedisOutbox(url, opts);
    // While the connection is down a command fails at once (the caller answers UNAVAILABLE)
    // rather than waiting, for as long as Redis is away, in the client's offline queue.
    this.client = createClient({ url, disableOfflineQueue: true });
    // A dropped connection is reconnected by the client; errors surface on the commands that failed.
    this.client.on('error', () => undefined);
    this.binary = this.client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  }

  private async ready(): Promise<void> {
    if (this.client.isReady) return;
    this.connecting ??= this.client.connect();
    await this.connecting;
  }

  async append(sessionId: string, expectedSeq: number, events: readonly SessionEvent[], fence?: { epoch: number }, receipts: readonly Receipt[] = []): Promise<void> {
    if (events.length === 0) return;
    await this.ready();
    const k = this.keys.session(sessionId);
    const args = [sessionId, String(expectedSeq), events[0]!.prevHash, GENESIS_HASH, events.at(-1)!.hash, fence ? String(fence.epoch) : ''];
    args.push(String(RECEIPT_TTL_MS), String(receipts.length), ...receipts.map((r) => r.answer));
    const split = splitPersonal(events);
    args.push(String(split.personal.length), ...split.personal.flat(), String(split.erased.length), ...split.erased);
    for (const [seq, , , , body] of split.rows) args.push(String(seq), body);
    const snapshots = split.erased.length > 0 ? Array.from({ length: REDUCER_VERSION }, (_, v) => k.snapshot(v + 1)) : [];
    const keys = [k.log, k.seq, k.head, this.keys.sessions, k.epoch, k.personal, ...receipts.map((r) => k.receipt(r.key)), ...snapshots];
    const reply = await this.client.eval(APPEND_EVENTS, { keys, arguments: args });
    if (reply === 'FENCED') throw new FencedError(sessionId, fence!.epoch);
    if (reply !== 'OK') throw new AppendConflictError(sessionId, expectedSeq);
    // The append-only file still holds the erased names in the commands that wrote them until it is rewritten.
    if (split.erased.length > 0) await this.client.sendCommand(['BGREWRITEAOF']).catch(() => undefined);
  }

  /** Give joins read back their personal data, if Redis still holds it. */
  private async attachPersonal(sessionId: string, events: SessionEvent[], client = this.client): Promise<SessionEvent[]> {
    const ids = events.flatMap((e) => (e.type === 'participant.joined' ? [e.payload.participantId] : []));
    if (ids.length === 0) return events;
    const data = await client.hmGet(this.keys.session(sessionId).personal, ids);
    return withPersonal(events, new Map(ids.flatMap((id, i) => (data[i] == null ? [] : [[id, String(data[i])] as [string, string]]))));
  }

  async receipt(sessionId: string, key: string): Promise<string | null> {
    await this.ready();
    return this.client.get(this.keys.session(sessionId).receipt(key));
  }

  async acquire(sessionId: string, owner: string, ttlMs: number): Promise<Lease | null> {
    await this.ready();
    const k = this.keys.session(sessionId);
    const epoch = await this.client.eval(ACQUIRE_LEASE, { keys: [k.lease, k.epoch], arguments: [owner, String(ttlMs)] });
    return epoch === null ? null : { sessionId, owner, epoch: Number(epoch) };
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease | null> {
    await this.ready();
    const held = await this.client.eval(RENEW_LEASE, { keys: [this.keys.session(lease.sessionId).lease], arguments: [`${lease.owner}/${lease.epoch}`, String(ttlMs)] });
    return held === 1 ? lease : null;
  }

  async release(lease: Lease): Promise<void> {
    await this.ready();
    await this.client.eval(RELEASE_LEASE, { keys: [this.keys.session(lease.sessionId).lease], arguments: [`${lease.owner}/${lease.epoch}`] });
  }

  async holder(sessionId: string): Promise<Lease | null> {
    await this.ready();
    const value = await this.client.get(this.keys.session(sessionId).lease);
    const cut = value?.lastIndexOf('/') ?? -1;
    return value && cut > 0 ? { sessionId, owner: value.slice(0, cut), epoch: Number(value.slice(cut + 1)) } : null;
  }

  async hasSession(sessionId: string): Promise<boolean> {
    await this.ready();
    return (await this.client.sIsMember(this.keys.sessions, sessionId)) === 1;
  }

  async readEvents(sessionId: string, afterSeq = 0): Promise<SessionEvent[]> {
    await this.ready();
    const entries = await this.client.xRange(this.keys.session(sessionId).log, `(0-${afterSeq}`, '+');
    return this.attachPersonal(
      sessionId,
      entries.map((entry) => JSON.parse(String(entry.message.e)) as SessionEvent),
    );
  }

  /**
   * Follow a session's log: `onEvents` gets every event after `afterSeq`, in order, in
   * batches, as they are appended by whichever node owns the session, until `stop`.
   * A connection of its own blocks on XREAD; when Redis goes away it reconnects and
   * resumes after the last seq it delivered, so nothing is skipped or given twice.
   */
  follow(sessionId: string, afterSeq: number, onEvents: (events: SessionEvent[]) => void): { stop(): Promise<void> } {
    const reader = this.client.duplicate();
    reader.on('error', () => undefined);
    const key = this.keys.session(sessionId).log;
    let last = afterSeq;
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        try {
          if (!reader.isOpen) await reader.connect();
          const reply = (await reader.sendCommand(['XREAD', 'BLOCK', String(FOLLOW_BLOCK_MS), 'STREAMS', key, `0-${last}`])) as [string, [string, string[]][]][] | null;
          const entries = reply?.[0]?.[1] ?? [];
          if (entries.length === 0) continue;
          const events = await this.attachPersonal(
            sessionId,
            entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('e') + 1]!) as SessionEvent),
            reader,
          );
          last = events.at(-1)!.seq;
          onEvents(events);
        } catch {
          // Redis unreachable, paused or restarting: try again shortly, from the same seq.
          if (!stopped) await new Promise((r) => setTimeout(r, FOLLOW_RETRY_MS));
        }
      }
    })();
    return {
      async stop() {
        stopped = true;
        // Unblocks a pending XREAD; the loop then ends.
        reader.destroy();
        await loop;
      },
    };
  }

  async listSessionIds(): Promise<string[]> {
    await this.ready();
    return this.client.sMembers(this.keys.sessions);
  }

  async saveSnapshot(s: Snapshot): Promise<void> {
    // Serialized before the first await: the caller's state is live.
    const body = JSON.stringify({ seq: s.seq, state: s.state });
    await this.ready();
    await this.client.set(this.keys.session(s.sessionId).snapshot(s.reducerVersion), body);
  }

  async loadSnapshot(sessionId: string, reducerVersion: number): Promise<Snapshot | null> {
    await this.ready();
    const body = await this.client.get(this.keys.session(sessionId).snapshot(reducerVersion));
    if (body === null) return null;
    const { seq, state } = JSON.parse(body) as Pick<Snapshot, 'seq' | 'state'>;
    return { sessionId, seq, reducerVersion, state };
  }

  async loadDoc(name: string): Promise<{ updates: Uint8Array[]; lastId: number; writers: Map<number, string> }> {
    await this.ready();
    const k = this.keys.doc(name);
    const ids = await this.client.zRange(k.order, 0, -1);
    const data = ids.length ? await this.binary.hmGet(k.data, ids) : [];
    const writers = await this.client.hGetAll(k.writers);
    return {
      updates: data.map((d) => new Uint8Array(d as Buffer)),
      lastId: ids.length ? Number(ids.at(-1)) : 0,
      writers: new Map(Object.entries(writers).map(([client, writer]) => [Number(client), writer])),
    };
  }

  async appendUpdate(name: string, update: Uint8Array, claims: readonly ClientClaim[] = [], fence?: { epoch: number }): Promise<number> {
    await this.ready();
    const k = this.keys.doc(name);
    const args: (string | Buffer)[] = [fence ? String(fence.epoch) : '', Buffer.from(update.buffer, update.byteOffset, update.byteLength)];
    for (const c of claims) args.push(String(c.client), c.writer);
    const reply = await this.client.eval(APPEND_UPDATE, { keys: [k.epoch, k.nextId, k.order, k.data, k.writers], arguments: args });
    if (reply === 'FENCED') throw new FencedError(k.session, fence!.epoch);
    return Number(reply);
  }

  async compactDoc(name: string, merged: Uint8Array, uptoId: number, fence?: { epoch: number }): Promise<void> {
    await this.ready();
    const k = this.keys.doc(name);
    const reply = await this.client.eval(COMPACT_DOC, {
      keys: [k.epoch, k.order, k.data],
      arguments: [fence ? String(fence.epoch) : '', String(uptoId), Buffer.from(merged)],
    });
    if (reply === 'FENCED') throw new FencedError(k.session, fence!.epoch);
  }

  async deleteUpdate(name: string, id: number, fence?: { epoch: number }): Promise<void> {
    await this.ready();
    const k = this.keys.doc(name);
    const reply = await this.client.eval(DELETE_UPDATE, { keys: [k.epoch, k.order, k.data], arguments: [fence ? String(fence.epoch) : '', String(id)] });
    if (reply === 'FENCED') throw new FencedError(k.session, fence!.epoch);
  }

  async ping(): Promise<void> {
    await this.ready();
    await this.client.ping();
  }

  async close(): Promise<void> {
    await this.outbox.close();
    if (this.client.isOpen) await this.client.close();
  }
}

/** How long one XREAD waits for new events before asking again (so a stop is seen promptly). */
const FOLLOW_BLOCK_MS = 1000;
const FOLLOW_RETRY_MS = 200;
/** How long a command's receipt answers its retries: far longer than any client keeps retrying. */
const RECEIPT_TTL_MS = 3_600_000;

/**
 * Every key the adapter uses. A session's keys carry it in a hash tag, `{sessionId}`, so
 * that they live on one shard of a Redis Cluster; a document's carry its session's.
 */
function keySpace(prefix: string) {
  return {
    sessions: `${prefix}:sessions`,
    session(sessionId: string) {
      const tag = `${prefix}:{${sessionId}}`;
      return {
        log: `${tag}:log`,
        seq: `${tag}:seq`,
        head: `${tag}:head`,
        lease: `${tag}:lease`,
        epoch: `${tag}:epoch`,
        personal: `${tag}:personal`,
        snapshot: (reducerVersion: number) => `${tag}:snapshot:${reducerVersion}`,
        receipt: (key: string) => `${tag}:receipt:${key}`,
      };
    },
    /** The name is `sessionId:roomId`. */
    doc(name: string) {
      const session = name.slice(0, Math.max(0, name.indexOf(':')));
      const tag = `${prefix}:{${session}}:doc:${name.slice(session.length + 1)}`;
      return {
        session,
        epoch: `${prefix}:{${session}}:epoch`,
        nextId: `${tag}:next`,
        order: `${tag}:order`,
        data: `${tag}:data`,
        writers: `${tag}:writers`,
      };
    },
  };
}
