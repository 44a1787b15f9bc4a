/**
 * Whether, and under which fencing epoch, this node writes a session's log: ownership
 * as the session core sees it. In a cluster it is the node's lease on the session
 * (LeaseStore); on one node, nobody else can write, and the node is always the owner.
 */
export interface SessionLease {
  /** The epoch every append carries (the store refuses an older one); undefined where nothing fences the writer. */
  fence(): { epoch: number } | undefined;
  /** The store refused an append under this lease: a newer owner holds the session, and this writer stops. */
  lost(): void;
}

/** One node: always the owner, never fenced. */
export const SOLE_OWNER: SessionLease = { fence: () => undefined, lost: () => undefined };
