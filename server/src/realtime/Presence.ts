/**
 * Who is connected right now: here, and in a cluster on the other nodes as they last
 * said. Presence is deliberately not in the event log: it is a fact about sockets, not a
 * decision, and replaying yesterday's connections would show ghosts as online after a
 * restart.
 */
export class Presence {
  private readonly counts = new Map<string, Map<string, number>>();
  /** In a cluster: who is connected to the other nodes, per session (see ClusterPresence). */
  private readonly elsewhere = new Map<string, ReadonlySet<string>>();
  /** Sessions whose connections here changed since `takeChanged` was last called. */
  private readonly changed = new Set<string>();

  connect(sessionId: string, participantId: string): boolean {
    this.changed.add(sessionId);
    const session = this.counts.get(sessionId) ?? new Map<string, number>();
    this.counts.set(sessionId, session);
    const n = (session.get(participantId) ?? 0) + 1;
    session.set(participantId, n);
    return n === 1;
  }

  disconnect(sessionId: string, participantId: string): boolean {
    this.changed.add(sessionId);
    const session = this.counts.get(sessionId);
    const n = (session?.get(participantId) ?? 0) - 1;
    if (!session) return false;
    if (n > 0) {
      session.set(participantId, n);
      return false;
    }
    session.delete(participantId);
    if (session.size === 0) this.counts.delete(sessionId);
    return true;
  }

  /** Open connections of one participant. */
  connections(sessionId: string, participantId: string): number {
    return this.counts.get(sessionId)?.get(participantId) ?? 0;
  }

  /** Who is online in a session, live (not a copy: copying thousands of ids per connect is what a join storm cannot afford). */
  online(sessionId: string): { has(participantId: string): boolean } {
    const here = this.counts.get(sessionId) ?? NOBODY;
    const there = this.elsewhere.get(sessionId);
    if (!there?.size) return here;
    return { has: (id) => here.has(id) || there.has(id) };
  }

  /** Who is connected to this node, in a session. */
  here(sessionId: string): string[] {
    return [...(this.counts.get(sessionId)?.keys() ?? [])];
  }

  /** Sessions whose connections here changed since the last call. */
  takeChanged(): string[] {
    const out = [...this.changed];
    this.changed.clear();
    return out;
  }

  /** Who the other nodes say is connected to them; true if that changed anything. */
  setElsewhere(sessionId: string, ids: ReadonlySet<string>): boolean {
    const before = this.elsewhere.get(sessionId);
    if (before && before.size === ids.size && [...ids].every((id) => before.has(id))) return false;
    if (!before && ids.size === 0) return false;
    if (ids.size === 0) this.elsewhere.delete(sessionId);
    else this.elsewhere.set(sessionId, ids);
    return true;
  }
}

const NOBODY: { has(participantId: string): boolean } = { has: () => false };
