import { reduceInPlace, type SessionEvent, type SessionState } from '../../../shared/src/index.js';
import { copyPlain } from './copyPlain.js';
import type { ChangeListener } from './LiveSession.js';

/**
 * A session's state as far as this node has applied its log, and who is told when it
 * moves. The writer (SessionHost) feeds it its own events once they are durable, and
 * what another writer appended when it catches up; a replica (SessionReplica) feeds it
 * what it follows from the store. Both through the same fold, in seq order: a batch
 * that does not continue the state (a gap in seq, a link to another head) is refused
 * whole, and the caller reads the log instead.
 *
 * The state is folded in place (`reduceInPlace`, see SessionHost for why) from a copy
 * of each event, so it shares no object with anyone; it is live: read it synchronously.
 */
export class LogState {
  private readonly listeners = new Set<ChangeListener>();

  constructor(
    private readonly current: SessionState,
    private readonly onListenerError: (err: unknown) => void,
  ) {}

  get state(): SessionState {
    return this.current;
  }

  /** Whether `events` continue the state exactly: the next seq, each linked to the hash before it. */
  continues(events: readonly SessionEvent[]): boolean {
    let seq = this.current.seq;
    let head = this.current.head;
    for (const e of events) {
      if (e.seq !== seq + 1 || e.prevHash !== head) return false;
      seq = e.seq;
      head = e.hash;
    }
    return true;
  }

  /** Fold a batch that continues the state and tell the listeners, in the order they came; false (nothing applied) otherwise. */
  apply(events: readonly SessionEvent[]): boolean {
    if (events.length === 0) return true;
    if (!this.continues(events)) return false;
    for (const e of events) reduceInPlace(this.current, copyPlain(e));
    for (const listener of this.listeners) {
      try {
        listener(events, this.current);
      } catch (err) {
        // One listener's failure must not keep the others from hearing of the events, nor stall the fold.
        this.onListenerError(err);
      }
    }
    return true;
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clearListeners(): void {
    this.listeners.clear();
  }
}
