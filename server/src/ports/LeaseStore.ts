/**
 * Who owns a session in a cluster: one node at a time, through a lease with an expiry
 * and an epoch. The epoch is a fencing token: it rises with every new owner, and the
 * store refuses an append made under an older epoch (`FencedError`). So a node that was
 * paused or cut off past its lease, and still believes it owns the session, can never
 * write, whatever the clocks say; it learns it was fenced and steps down.
 *
 * Redlock would not do: it hands out no token that the store can check.
 */
export interface Lease {
  sessionId: string;
  owner: string;
  epoch: number;
}

export interface LeaseStore {
  /** Take the session if no live lease holds it: a lease with the next epoch, or null. */
  acquire(sessionId: string, owner: string, ttlMs: number): Promise<Lease | null>;
  /** Extend a lease still held; null if it was lost (expired and taken, or released). */
  renew(lease: Lease, ttlMs: number): Promise<Lease | null>;
  /** Give the session up, if this lease still holds it. */
  release(lease: Lease): Promise<void>;
  /** Who holds the session's lease now, if anyone: where commands for it are forwarded. */
  holder(sessionId: string): Promise<Lease | null>;
}

/** An append under an epoch that is no longer the session's: another node owns it now. */
export class FencedError extends Error {
  constructor(sessionId: string, epoch: number) {
    super(`session ${sessionId}: epoch ${epoch} has been fenced off by a newer owner`);
    this.name = 'FencedError';
  }
}
