import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { canonicalRecommendation, readAmendments, readRecommendations, type RecommendationText } from '../../../shared/src/index.js';
import type { DraftSnapshot } from '../session/decide.js';
import type { DocStore } from '../store/DocStore.js';

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
}

/**
 * Why an update was not taken as sent; the connection decides what to tell its client.
 * - read-only: refused outright: not applied, not stored, not broadcast.
 * - corrected: taken together with a correction that undoes what it may not do (an edit
 *   of a locked text), stored and broadcast as one update. Nobody ever sees the edit,
 *   and the sender's copy converges back instead of carrying an edit that every later
 *   edit of theirs would depend on.
 */
export type Refusal = { kind: 'read-only'; reason: string } | { kind: 'corrected'; reason: string } | { kind: 'too-large' };

/** Who may change a document, and what a change may not do; decided by the session's state. */
export interface WritePolicy {
  /** Whether this connection may write at all right now. */
  authorize(): Refusal | null;
  /** Given the document as the update would leave it, what must be put back, if anything. */
  verify?(after: Y.Doc): { reason: string; correct: (doc: Y.Doc) => void } | null;
}

export interface RoomDocOptions {
  name: string;
  store: DocStore;
  logger: Logger;
  maxDocBytes: number;
  compactEvery: number;
}

/**
 * One drafting document in memory: the Y.Doc, its awareness, and the peers
 * connected to it. Every change, from a client or from the server, takes the same
 * path in order: checked, stored, then applied and broadcast. There is no
 * debounce window in which an acknowledged edit lives only in memory.
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
  private tail: Promise<unknown> = Promise.resolve();
  private bytes = 0;
  private lastId = 0;
  private sinceCompaction = 0;

  private constructor(private readonly opts: RoomDocOptions) {
    // The server is not a participant: it has no awareness state of its own.
    this.awareness.setLocalState(null);
    this.doc.on('update', (update: Uint8Array) => this.broadcast(encodeUpdate(update)));
    this.awareness.on('update', ({ added, updated, removed }: AwarenessChange) => {
      const changed = [...added, ...updated, ...removed];
      const message = encoding.createEncoder();
      encoding.writeVarUint(message, MESSAGE_AWARENESS);
      encoding.writeVarUint8Array(message, awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
      this.broadcast(encoding.toUint8Array(message));
    });
  }

  get name(): string {
    return this.opts.name;
  }

  get size(): number {
    return this.bytes;
  }

  /** Load the stored state; nobody is sent anything before this resolves. */
  static async load(opts: RoomDocOptions): Promise<RoomDoc> {
    const room = new RoomDoc(opts);
    const { updates, lastId } = await opts.store.loadDoc(opts.name);
    room.doc.transact(() => {
      for (const u of updates) Y.applyUpdate(room.doc, u, 'store');
    }, 'store');
    room.resetTwin();
    room.bytes = updates.reduce((n, u) => n + u.length, 0);
    room.lastId = lastId;
    room.sinceCompaction = updates.length;
    return room;
  }

  /**
   * Take an update from a client. The policy is asked first whether this client may
   * write at all, then, with the update tried on the twin, whether the result is
   * acceptable; an unacceptable result is corrected in the same stored update.
   */
  receive(update: Uint8Array, origin: unknown, policy: WritePolicy): Promise<Refusal | null> {
    return this.serial(async () => {
      // Decoding the whole update first rejects a truncated or crafted one before anything is applied.
      const decoded = Y.decodeUpdate(update);
      if (decoded.structs.length === 0 && decoded.ds.clients.size === 0) return null;
      if (this.bytes + update.length > this.opts.maxDocBytes) return { kind: 'too-large' };
      const denied = policy.authorize();
      if (denied) return denied;
      this.onTwin(() => Y.applyUpdate(this.twin, update));
      const correction = policy.verify?.(this.twin) ?? null;
      if (!correction) {
        await this.commit(update, origin);
        return null;
      }
      const before = Y.encodeStateVector(this.doc);
      this.onTwin(() => this.twin.transact(() => correction.correct(this.twin), 'server'));
      // The twin garbage-collects the refused content, so what is stored carries only its tombstones.
      await this.commit(Y.encodeStateAsUpdate(this.twin, before), origin);
      return { kind: 'corrected', reason: correction.reason };
    });
  }

  /** A change made by the server itself (an accepted amendment, a lock restored), stored and broadcast like any other. */
  change(mutate: (doc: Y.Doc) => void): Promise<void> {
    return this.serial(async () => {
      const before = Y.encodeStateVector(this.doc);
      this.onTwin(() => this.twin.transact(() => mutate(this.twin), 'server'));
      const update = Y.encodeStateAsUpdate(this.twin, before);
      if (update.length > 2) await this.commit(update, 'server');
    });
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
      if (this.sinceCompaction <= 1 || this.lastId === 0) return;
      const merged = Y.encodeStateAsUpdate(this.doc);
      await this.opts.store.compactDoc(this.opts.name, merged, this.lastId);
      this.bytes = merged.length;
      this.sinceCompaction = 1;
    });
  }

  /** Resolves when every change accepted so far has been stored. */
  async drain(): Promise<void> {
    await this.tail.catch(() => undefined);
  }

  destroy(): void {
    this.awareness.destroy();
    this.doc.destroy();
    this.twin.destroy();
  }

  /** Store, then apply to the document (and so broadcast). The twin already holds the update. */
  private async commit(update: Uint8Array, origin: unknown): Promise<void> {
    let id: number;
    try {
      id = await this.opts.store.appendUpdate(this.opts.name, update);
    } catch (err) {
      this.resetTwin();
      throw new StoreUnavailableError(err);
    }
    try {
      Y.applyUpdate(this.doc, update, origin);
    } catch (err) {
      this.resetTwin();
      await this.opts.store.deleteUpdate(this.opts.name, id);
      throw err;
    }
    this.lastId = id;
    this.bytes += update.length;
    this.sinceCompaction += 1;
    if (this.sinceCompaction >= this.opts.compactEvery) {
      void this.compact().catch((err: unknown) => this.opts.logger.warn({ err, doc: this.opts.name }, 'compaction failed'));
    }
  }

  /** Run a change on the twin; if it fails part-way, the twin is rebuilt from the document before the error goes on. */
  private onTwin(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.resetTwin();
      throw err;
    }
  }


  /** Make the twin a fresh copy of the document again, after a change failed part-way on it. */
  private resetTwin(): void {
    this.twin.destroy();
    this.twin = new Y.Doc();
    Y.applyUpdate(this.twin, Y.encodeStateAsUpdate(this.doc));
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
