import { replay, REDUCER_VERSION, type SessionEvent, type SessionState } from '../../../shared/src/index.js';
import type { EventStore } from '../ports/EventStore.js';
import type { LogFeed } from '../ports/LogFeed.js';
import { verifyChain } from './chain.js';
import { LogState } from './LogState.js';
import { copyPlain } from './copyPlain.js';

/** How often a replica reads the log even when its feed brought nothing (a feed may lose the last news). */
const CATCH_UP_EVERY_MS = 2_000;

export type ReplicaListener = (events: readonly SessionEvent[], state: SessionState) => void;

/**
 * A session as a node that does not own it sees it: the state folded from the log, kept
 * current by following the log. It never writes.
 *
 * The feed is only a hint of what is new. A batch that does not continue the state
 * exactly (a gap in seq, or a chain that does not link to the state's head) is dropped,
 * and the replica reads the log from its own seq instead; and now and then it reads the
 * log anyway, in case the feed lost the last news there was. Correctness never depends
 * on how the news arrived.
 */
export class SessionReplica {
  /** The state as far as the log has been followed: the same fold the writer's state goes through (LogState). */
  private readonly log: LogState;
  private applying: Promise<void> = Promise.resolve();
  private following: { stop(): Promise<void> } | null = null;
  private readonly poll: NodeJS.Timeout;
  /** Batches the feed delivered that did not continue the state, answered by reading the log. */
  gapsRepaired = 0;

  private constructor(
    private readonly store: EventStore,
    initial: SessionState,
    catchUpEveryMs: number,
  ) {
    // One adapter's failure must not stop the others from hearing of the events, nor stall the replica.
    this.log = new LogState(initial, () => undefined);
    this.poll = setInterval(() => this.receive([]), catchUpEveryMs);
    this.poll.unref();
  }

  /** `catchUpEveryMs`: how often the log is read even when the feed brought nothing. */
  static async open(store: EventStore, feed: LogFeed, sessionId: string, opts: { catchUpEveryMs?: number } = {}): Promise<SessionReplica> {
    const snapshot = await store.loadSnapshot(sessionId, REDUCER_VERSION);
    const events = await store.readEvents(sessionId, snapshot?.seq ?? 0);
    const check = verifyChain(events, snapshot ? { seq: snapshot.seq, head: snapshot.state.head } : undefined);
    if (!check.ok) throw new Error(`session ${sessionId}: log fails verification at seq ${check.seq}: ${check.reason}`);
    const state = replay(events, snapshot?.state ?? null);
    if (!state) throw new Error(`session ${sessionId} has no events`);
    return SessionReplica.fromState(store, feed, state, opts);
  }

  /** A replica that goes on from a state already folded from the log (a host that stepped down hands over its own). */
  static fromState(store: EventStore, feed: LogFeed, state: SessionState, opts: { catchUpEveryMs?: number } = {}): SessionReplica {
    const replica = new SessionReplica(store, copyPlain(state), opts.catchUpEveryMs ?? CATCH_UP_EVERY_MS);
    replica.following = feed.follow(state.sessionId, replica.state.seq, (batch) => replica.receive(batch));
    return replica;
  }

  /** The state as far as the log has been followed. Live: read it synchronously. */
  get state(): SessionState {
    return this.log.state;
  }

  onChange(listener: ReplicaListener): () => void {
    return this.log.onChange(listener);
  }

  /** Resolves once everything received so far is applied. */
  settled(): Promise<void> {
    return this.applying;
  }

  /** Read the log now and apply whatever is new; resolves once applied. */
  refresh(): Promise<void> {
    this.receive([]);
    return this.applying;
  }

  /**
   * Resolves once the state has reached `seq` (a command the owner just made durable),
   * reading the log rather than waiting on the feed, which may be slower or lose it.
   */
  async reach(seq: number): Promise<void> {
    if (this.state.seq >= seq) return;
    await this.settled();
    if (this.state.seq < seq) await this.refresh();
  }

  async close(): Promise<void> {
    clearInterval(this.poll);
    await this.following?.stop();
    this.following = null;
    this.log.clearListeners();
    await this.applying;
  }

  private receive(batch: SessionEvent[]): void {
    this.applying = this.applying.then(() => this.apply(batch)).catch(() => undefined);
  }

  /** Apply a batch from the feed; an empty one is the periodic look at the log. */
  private async apply(batch: readonly SessionEvent[]): Promise<void> {
    const current = this.log.state;
    const from = { seq: current.seq, head: current.head };
    let fresh = batch.filter((e) => e.seq > from.seq);
    if (batch.length === 0) {
      fresh = await this.store.readEvents(current.sessionId, from.seq);
      if (fresh.length === 0 || !verifyChain(fresh, from).ok) return;
      this.gapsRepaired += 1;
    } else if (fresh.length === 0) {
      return;
    } else if (fresh[0]!.seq !== from.seq + 1 || !verifyChain(fresh, from).ok) {
      this.gapsRepaired += 1;
      fresh = await this.store.readEvents(current.sessionId, from.seq);
      // The log itself must link to what this replica holds; if it does not, nothing is applied.
      if (fresh.length === 0 || !verifyChain(fresh, from).ok) return;
    }
    // Checked against the state as it is now (the reads above awaited); a batch that no longer continues it is dropped.
    this.log.apply(fresh);
  }
}
