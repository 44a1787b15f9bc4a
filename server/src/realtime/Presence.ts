/**
 * Who is connected right now. Presence is deliberately not in the event log: it is
 * a fact about sockets, not a decision, and replaying yesterday's connections would
 * show ghosts as online after a restart.
 */
export class Presence {
  private readonly counts = new Map<string, Map<string, number>>();

  connect(sessionId: string, participantId: string): boolean {
    const session = this.counts.get(sessionId) ?? new Map<string, number>();
    this.counts.set(sessionId, session);
    const n = (session.get(participantId) ?? 0) + 1;
    session.set(participantId, n);
    return n === 1;
  }

  disconnect(sessionId: string, participantId: string): boolean {
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
    return this.counts.get(sessionId) ?? NOBODY;
  }
}

const NOBODY: { has(participantId: string): boolean } = { has: () => false };
