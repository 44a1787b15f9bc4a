import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { canonicalRecommendation, readAmendments, readRecommendations, type RecommendationText } from '../../../shared/src/index.js';
import type { ClientClaim, DocStore } from '../ports/DocStore.js';
import type { DraftSnapshot } from '../session/decide.js';
import { clientsExtended, heldIdConflict } from './idClaims.js';

/** The writer of the server's own changes (locks restored, amendments applied). */
export const SERVER_WRITER = 'server';

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;

export function textHash(rec: RecommendationText): string {
  return createHash('sha256').update(canonicalRecommendation(rec), 'utf8').digest('hex');
}

/** The store failed: nothing was changed, and the client may try again later. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('document store unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/** What a RoomDoc needs from a connection. */
export interface DocPeer {
  send(message: Uint8Array): void;
  /** Who is connected (a participant id), if anyone in particular. */
  readonly writer?: string;
}

/**
 * Why an update was not taken as sent; the connection decides what to tell its client.
 * - read-only: refused outright: not applied, not stored, not broadcast.
 * - corrected: taken together with a correction that undoes what it may not do (an edit
 *   of a locked text), stored and broadcast as one update. Nobody ever sees the edit,
 *   and the sender's copy converges back instead of carrying an edit that every later
 *   edit of theirs would depend on.
 * - incomplete: it builds on changes the server does not have (a dependency is missing).
 *   Nothing of it is kept: Yjs would park it as pending structs, which are never
 *   integrated yet leak into every whole-document answer and compaction (idClaims.ts).
 * - conflict: it claims other content for ids the document already holds.
 */
export type Refusal =
  | { kind: 'read-only'; reason: string }
  | { kind: 'corrected'; reason: string }
  | { kind: 'too-large' }
  | { kind: 'incomplete' }
  | { kind: 'conflict'; reason: string };

/** What must be put back after an update, and why. */
export interface Correction {
  reason: string;
  correct: (doc: Y.Doc) => void;
}

/** Who may change a document, and what a change may not do; decided by the session's state. */
export interface WritePolicy {
  /** Who writes through this policy (a participant id): the only one who may extend the Yjs client ids it first wrote under. */
  readonly writer: string;
  /** Whether this connection may write at all right now. */
  authorize(): Refusal | null;
  /** Given the document as the update would leave it, what must be put back, if anything. */
  verify?(after: Y.Doc): Correction | null;
  /**
   * Whether `verify` guards anything right now (a locked text). When it does, the check
   * is also run on the document a newcomer would be sent, rebuilt from its encoding,
   * so that what is enforced is what everyone is shown, not only the server's copy.
   */
  guards?(): boolean;
}

export interface RoomDocOptions {
  name: string;
  store: DocStore;
  logger: Logger;
  maxDocBytes: number;
  compactEvery: number;
  /**
   * Updates stored within this window go out as one merged message. With 50 people
   * typing and 500 reading, one message per update per reader is what the server would
   * spend its time on; a window of a few tens of milliseconds is not felt. 0: at once.
   */
  broadcastMs?: number;
}

/** A change decided and sent to the store, not yet known to be durable. */
interface Staged {
  update: Uint8Array;
  origin: unknown;
  claims: readonly ClientClaim[];
  /** The twin's epoch it was decided in: a failure before it voids it (see rollBack). */
  epoch: number;
  appended: Promise<number>;
}

/**
 * One drafting document in memory: the Y.Doc, its awareness, and the peers
 * connected to it. Every change, from a client or from the server, takes the same
 * path in order: checked, stored, then applied and broadcast. There is no
 * debounce window in which an acknowledged edit lives only in memory.
 *
 * Changes are decided one at a time on the twin, which runs ahead of the document:
 * it holds what is durable plus what has been sent to the store. The next change does
 * not wait for the previous one's fsync, so the changes of many editors share the
 * store's next commit (group commit); the document, and so every peer, gets each one
 * only once it is durable, in order. If a write fails, what was decided after it is
 * void as well, and the twin falls back to the document.
 */
export class RoomDoc {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly peers = new Set<DocPeer>();
  readonly awarenessOwners = new Map<number, DocPeer>();
  /**
   * A second copy of `doc`, kept in the same state, on which every change is tried
   * first. Y.applyUpdate can throw half-way through an update that Y.decodeUpdate
   * accepts (a struct whose origin is a later clock of its own client, say), leaving
   * what it integrated before the error in the document and broadcasting it. Trying it
   * here first keeps `doc` all-or-nothing, and lets lock checks see the result of an
   * update at the cost of the update, not of a copy of the document.
   */
  private twin = new Y.Doc();
  /**
   * Who first wrote under each Yjs client id. Only they may add content under it: an
   * id names one writer's sequence of changes, and someone else extending it would
   * race that writer for the same ids (see idClaims.ts for why that is never harmless).
   */
  private writers = new Map<number, string>();
  /** The writers of what is durable; `writers` also has the claims of changes in flight. */
  private readonly durableWriters = new Map<number, string>();
  private tail: Promise<unknown> = Promise.resolve();
  /** Sent to the store, oldest first. */
  private inFlight: Staged[] = [];
  /** Settles the staged changes in order. */
  private durable: Promise<unknown> = Promise.resolve();
  private epoch = 0;
  private bytes = 0;
  private bytesInFlight = 0;
  private lastId = 0;
  private outgoing: Uint8Array[] = [];
  /** Awareness clients that changed in this window: one message says them all. */
  private awarenessChanged = new Set<number>();
  private outgoingTimer: NodeJS.Timeout | null = null;
  private sinceCompaction = 0;

  private constructor(private readonly opts: RoomDocOptions) {
    // The server is not a participant: it has no awareness state of its own.
    this.awareness.setLocalState(null);
    this.doc.on('update', (update: Uint8Array) => this.queueBroadcast(update));
    this.awareness.on('update', ({ added, updated, removed }: AwarenessChange) => {
      for (const id of [...added, ...updated, ...removed]) this.awarenessChanged.add(id);
      this.schedule();
    });
  }

  get name(): string {
    return this.opts.name;
  }

  get size(): number {
    return this.bytes;
  }

  /**
   * Load the stored state; nobody is sent anything before this resolves.
   *
   * Whatever the stored updates leave pending (structs or deletions whose dependencies
   * are missing) is dropped: the server's document is only ever what it integrated.
   * Documents stored before that rule could hold such pending state, merged into their
   * compacted form; they are rewritten here, once, without it (docs/PROTOCOL.md §10).
   */
  static async load(opts: RoomDocOptions): Promise<RoomDoc> {
    const room = new RoomDoc(opts);
    const { updates, lastId, writers } = await opts.store.loadDoc(opts.name);
    for (const [client, writer] of writers) {
      room.writers.set(client, writer);
      room.durableWriters.set(client, writer);
    }
    room.doc.transact(() => {
      for (const u of updates) Y.applyUpdate(room.doc, u, 'store');
    }, 'store');
    const dropped = dropPending(room.doc);
    room.resetTwin();
    room.bytes = updates.reduce((n, u) => n + u.length, 0);
    room.lastId = lastId;
    room.sinceCompaction = updates.length;
    if (dropped && lastId > 0) {
      opts.logger.warn({ doc: opts.name }, 'stored document held changes that were never integrated; rewritten without them');
      await room.rewrite();
    }
    return room;
  }

  /**
   * Take an update from a client. The policy is asked first whether this client may
   * write at all, then, with the update tried on the twin, whether the result is
   * acceptable; an unacceptable result is corrected in the same stored update.
   */
  receive(update: Uint8Array, origin: unknown, policy: WritePolicy): Promise<Refusal | null> {
    // Decided in arrival order; durable (and answered) in the same order, outside the queue.
    return this.serial(async () => this.decide(update, origin, policy)).then(({ durable, result }) => durable.then(() => result));
  }

  /** The checks and the twin's part of `receive`; the store's part is staged, not awaited. */
  private decide(update: Uint8Array, origin: unknown, policy: WritePolicy): { durable: Promise<void>; result: Refusal | null } {
    const done = (result: Refusal | null) => ({ durable: Promise.resolve(), result });
    // Decoding the whole update first rejects a truncated or crafted one before anything is applied.
    const decoded = Y.decodeUpdate(update);
    if (decoded.structs.length === 0 && decoded.ds.clients.size === 0) return done(null);
    if (this.bytes + this.bytesInFlight + update.length > this.opts.maxDocBytes) return done({ kind: 'too-large' });
    const denied = policy.authorize();
    if (denied) return done(denied);
    // Checked against the twin: what the server holds, or has decided to hold.
    const conflict = heldIdConflict(this.twin, decoded);
    if (conflict) return done({ kind: 'conflict', reason: `update rewrites changes the server holds (${conflict})` });
    const claims: ClientClaim[] = [];
    for (const client of clientsExtended(this.twin, decoded)) {
      const owner = this.writers.get(client);
      if (owner !== undefined && owner !== policy.writer)
        return done({ kind: 'conflict', reason: `update writes under client ${client}, which another participant writes under` });
      if (owner !== undefined) continue;
      // A stock client announces its id in awareness before it writes: nobody else may take it first.
      const speaker = this.awarenessOwners.get(client)?.writer;
      if (speaker !== undefined && speaker !== policy.writer)
        return done({ kind: 'conflict', reason: `update writes under client ${client}, which another participant speaks for` });
      // An id held without a known writer (stored before writers were recorded) goes to whoever extends it first.
      claims.push({ client, writer: policy.writer });
    }
    const before = Y.encodeStateVector(this.twin);
    let integrated = this.onTwin(() => Y.applyUpdate(this.twin, update));
    if (dropPending(this.twin)) {
      this.resetTwin();
      return done({ kind: 'incomplete' });
    }
    const correction = policy.verify?.(this.twin) ?? null;
    const serverClient = this.twin.clientID;
    if (correction) {
      // A transaction of its own: Yjs 13.6 drops a type's cached index positions (its
      // search markers) only when a remote transaction ends, so index-based edits inside
      // the transaction that integrated the update can land on the wrong characters.
      this.onTwin(() => this.twin.transact(() => correction.correct(this.twin), 'server'));
      // Encoded from the twin, which has garbage-collected what the correction deleted:
      // the refused words are stored and sent only as tombstones.
      integrated = [Y.encodeStateAsUpdate(this.twin, before)];
    }
    if (correction && !this.writers.has(serverClient)) claims.push({ client: serverClient, writer: SERVER_WRITER });
    if (policy.guards?.() && this.newcomerWouldSeeBroken(policy)) {
      // Unreachable while the document holds nothing pending; kept so that a Yjs change cannot reopen the hole silently.
      this.resetTwin();
      this.opts.logger.error({ doc: this.name }, 'a newcomer would see a locked text changed; update refused');
      return done({ kind: 'read-only', reason: 'This change would alter an agreed text.' });
    }
    // Only what the twin integrated is stored and sent: never the raw update, whose
    // already-held parts other code (mergeUpdates) would trust blindly.
    const durable = integrated.length > 0 ? this.stage(integrated.length === 1 ? integrated[0]! : Y.mergeUpdates(integrated), origin, claims) : Promise.resolve();
    return { durable, result: correction ? { kind: 'corrected', reason: correction.reason } : null };
  }

  /** A change made by the server itself (an accepted amendment, a lock restored), stored and broadcast like any other. */
  change(mutate: (doc: Y.Doc) => void): Promise<void> {
    return this.serial(async () => {
      const client = this.twin.clientID;
      const integrated = this.onTwin(() => this.twin.transact(() => mutate(this.twin), 'server'));
      const claims = this.writers.has(client) ? [] : [{ client, writer: SERVER_WRITER }];
      return { durable: integrated.length > 0 ? this.stage(integrated.length === 1 ? integrated[0]! : Y.mergeUpdates(integrated), 'server', claims) : Promise.resolve() };
    }).then(({ durable }) => durable);
  }

  snapshot(roomId: string): DraftSnapshot {
    return {
      roomId,
      recommendations: readRecommendations(this.doc).map((r) => ({ ...r, textHash: textHash(r) })),
      amendments: readAmendments(this.doc),
    };
  }

  /** Sync step 1 to send a new peer, so it answers with anything it has that we lack. */
  greeting(): Uint8Array<ArrayBufferLike>[] {
    const sync = encoding.createEncoder();
    encoding.writeVarUint(sync, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(sync, this.doc);
    const out: Uint8Array<ArrayBufferLike>[] = [encoding.toUint8Array(sync)];
    const states = [...this.awareness.getStates().keys()];
    if (states.length) out.push(this.awarenessMessage(states));
    return out;
  }

  awarenessMessage(clients: number[]): Uint8Array {
    const message = encoding.createEncoder();
    encoding.writeVarUint(message, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(message, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
    return encoding.toUint8Array(message);
  }

  /** Merge the stored updates into one, so loading stays fast. */
  compact(): Promise<void> {
    return this.serial(async () => {
      // What is in flight must land first: the rewrite replaces everything stored up to lastId.
      await this.settledAll();
      if (this.sinceCompaction <= 1 || this.lastId === 0) return;
      await this.rewrite();
    });
  }

  /** Resolves when every change accepted so far has been stored. */
  async drain(): Promise<void> {
    await this.tail.catch(() => undefined);
    await this.settledAll();
  }

  private async settledAll(): Promise<void> {
    while (this.inFlight.length) await this.durable;
  }

  destroy(): void {
    this.flushBroadcast();
    this.awareness.destroy();
    this.doc.destroy();
    this.twin.destroy();
  }

  /** Whether the lock check fails on the twin as a newcomer would be sent it, rebuilt from its encoding. */
  private newcomerWouldSeeBroken(policy: WritePolicy): boolean {
    const seen = new Y.Doc();
    try {
      Y.applyUpdate(seen, Y.encodeStateAsUpdate(this.twin));
      return policy.verify?.(seen) != null;
    } finally {
      seen.destroy();
    }
  }

  /** Replace what is stored by the document's own encoding, which holds exactly what it integrated. */
  private async rewrite(): Promise<void> {
    const merged = Y.encodeStateAsUpdate(this.doc);
    await this.opts.store.compactDoc(this.opts.name, merged, this.lastId);
    this.bytes = merged.length;
    this.sinceCompaction = 1;
  }

  /**
   * Send a change the twin already holds to the store, and return when it is durable and
   * applied to the document (and so broadcast). Changes settle strictly in the order
   * they were staged.
   */
  private stage(update: Uint8Array, origin: unknown, claims: readonly ClientClaim[]): Promise<void> {
    const staged: Staged = { update, origin, claims, epoch: this.epoch, appended: this.opts.store.appendUpdate(this.opts.name, update, claims) };
    // Settled below, in order; without this a failed write would count as unhandled until its turn.
    staged.appended.catch(() => undefined);
    for (const c of claims) this.writers.set(c.client, c.writer);
    this.bytesInFlight += update.length;
    this.inFlight.push(staged);
    const settled = this.durable.then(() => this.settle(staged));
    this.durable = settled.catch(() => undefined);
    return settled;
  }

  private async settle(staged: Staged): Promise<void> {
    let id: number;
    try {
      id = await staged.appended;
    } catch (err) {
      this.landed(staged);
      if (staged.epoch === this.epoch) this.rollBack();
      throw new StoreUnavailableError(err);
    }
    this.landed(staged);
    if (staged.epoch !== this.epoch) {
      // Decided on a change that failed: stored, but it must not stay.
      await this.opts.store.deleteUpdate(this.opts.name, id).catch((err: unknown) => this.opts.logger.error({ err, doc: this.name }, 'could not remove a voided update'));
      throw new StoreUnavailableError(new Error('an earlier change could not be stored'));
    }
    try {
      Y.applyUpdate(this.doc, staged.update, staged.origin);
    } catch (err) {
      this.rollBack();
      await this.opts.store.deleteUpdate(this.opts.name, id);
      throw err;
    }
    for (const c of staged.claims) this.durableWriters.set(c.client, c.writer);
    this.lastId = id;
    this.bytes += staged.update.length;
    this.sinceCompaction += 1;
    if (this.sinceCompaction >= this.opts.compactEvery) {
      void this.compact().catch((err: unknown) => this.opts.logger.warn({ err, doc: this.opts.name }, 'compaction failed'));
    }
  }

  private landed(staged: Staged): void {
    this.inFlight.shift();
    this.bytesInFlight -= staged.update.length;
  }

  /** A write failed: everything decided on it is void, and the twin and the writers fall back to what is durable. */
  private rollBack(): void {
    this.epoch += 1;
    this.writers = new Map(this.durableWriters);
    this.resetTwin();
  }

  /**
   * Run a change on the twin and return the updates it integrated, as Yjs encodes
   * them for its own transactions. If it fails part-way, the twin is rebuilt from the
   * document before the error goes on.
   */
  private onTwin(work: () => void): Uint8Array[] {
    const twin = this.twin;
    const integrated: Uint8Array[] = [];
    const collect = (u: Uint8Array) => integrated.push(u);
    twin.on('update', collect);
    try {
      work();
    } catch (err) {
      this.resetTwin();
      throw err;
    } finally {
      twin.off('update', collect);
    }
    return integrated;
  }

  /** Make the twin the document plus what is in flight again, after a change failed part-way on it. */
  private resetTwin(): void {
    this.twin.destroy();
    this.twin = new Y.Doc();
    Y.applyUpdate(this.twin, Y.encodeStateAsUpdate(this.doc));
    for (const staged of this.inFlight) if (staged.epoch === this.epoch) Y.applyUpdate(this.twin, staged.update);
  }

  /** Stored and applied: to everyone, now or with the others of this window. */
  private queueBroadcast(update: Uint8Array): void {
    this.outgoing.push(update);
    this.schedule();
  }

  private schedule(): void {
    const windowMs = this.opts.broadcastMs ?? 0;
    if (windowMs === 0) return this.flushBroadcast();
    this.outgoingTimer ??= setTimeout(() => this.flushBroadcast(), windowMs);
  }

  /**
   * One message for the window's document updates, one for its awareness changes.
   * Merging awareness matters more than it looks: the stock provider sends back every
   * awareness change it receives, so each message relayed to N peers comes back N times.
   */
  private flushBroadcast(): void {
    if (this.outgoingTimer) clearTimeout(this.outgoingTimer);
    this.outgoingTimer = null;
    if (this.outgoing.length) {
      const updates = this.outgoing;
      this.outgoing = [];
      // Every one of them was integrated by this document, so merging them is merging known content.
      this.broadcast(encodeUpdate(updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates)));
    }
    if (this.awarenessChanged.size) {
      // A client forgotten since (its meta timed out) has nothing left to say.
      const changed = [...this.awarenessChanged].filter((id) => this.awareness.meta.has(id));
      this.awarenessChanged.clear();
      if (changed.length) this.broadcast(this.awarenessMessage(changed));
    }
  }

  private broadcast(message: Uint8Array): void {
    for (const peer of this.peers) peer.send(message);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/**
 * Forget what Yjs keeps pending in a document: structs and deletions whose
 * dependencies it lacks. Returns whether there was any. Yjs 13.6 keeps them in
 * `store.pendingStructs` and `store.pendingDs` and merges them into every
 * `encodeStateAsUpdate`; the server never lets them live.
 */
function hasPending(doc: Y.Doc): boolean {
  return doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
}

function dropPending(doc: Y.Doc): boolean {
  const had = hasPending(doc);
  doc.store.pendingStructs = null;
  doc.store.pendingDs = null;
  return had;
}

interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

function encodeUpdate(update: Uint8Array): Uint8Array {
  const message = encoding.createEncoder();
  encoding.writeVarUint(message, MESSAGE_SYNC);
  syncProtocol.writeUpdate(message, update);
  return encoding.toUint8Array(message);
}
