import type { SessionEvent, SessionState } from '../../../shared/src/index.js';
import type { Receipt } from './ReceiptStore.js';

export interface Snapshot {
  sessionId: string;
  seq: number;
  reducerVersion: number;
  state: SessionState;
}

/** Another writer appended first: the caller's view of the log is stale. */
export class AppendConflictError extends Error {
  constructor(sessionId: string, expectedSeq: number) {
    super(`session ${sessionId} is not at seq ${expectedSeq}`);
    this.name = 'AppendConflictError';
  }
}

/**
 * The storage port. The session core only ever talks to this interface, so the
 * embedded SQLite adapter and a cluster adapter (Redis) are interchangeable.
 *
 * `append` resolves only once the events are durable: the caller acknowledges
 * commands after it, never before. It is conditional on `expectedSeq` so that two
 * nodes can never interleave writes to one log.
 */
export interface EventStore {
  /**
   * `fence`: the writer's lease epoch, in a cluster (see LeaseStore): the append is
   * refused with FencedError if the session has a newer owner. Without it (one node)
   * only the seq and head are checked.
   * `receipts`: answers to the commands these events decide, kept with them in one step by
   * a store that is also a ReceiptStore (a cluster's); ignored by one that is not, whose
   * single node answers retries from memory.
   */
  append(sessionId: string, expectedSeq: number, events: readonly SessionEvent[], fence?: { epoch: number }, receipts?: readonly Receipt[]): Promise<void>;
  readEvents(sessionId: string, afterSeq?: number): Promise<SessionEvent[]>;
  listSessionIds(): Promise<string[]>;
  /** Takes the state as it is at the call (the host's state is live): serialize it before the first await. */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  loadSnapshot(sessionId: string, reducerVersion: number): Promise<Snapshot | null>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
