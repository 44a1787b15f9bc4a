/** A cursor that has not moved for this long belongs to someone who stopped editing: it is not drawn. */
export const STALE_CURSOR_MS = 60_000;

/**
 * When each remote cursor last moved. A cursor is fresh while it moves now and then; one
 * that has stood still for STALE_CURSOR_MS belongs to someone who stopped editing.
 */
export class CursorMoves {
  private readonly moved = new Map<number, { key: string; at: number }>();

  /** Record the cursor a client shows at `now`; whether it is fresh. */
  fresh(clientId: number, cursor: unknown, now: number): boolean {
    const key = JSON.stringify(cursor);
    const last = this.moved.get(clientId);
    if (!last || last.key !== key) {
      this.moved.set(clientId, { key, at: now });
      return true;
    }
    return now - last.at <= STALE_CURSOR_MS;
  }

  /** Forget clients that left. */
  keepOnly(present: { has(clientId: number): boolean }): void {
    for (const id of this.moved.keys()) if (!present.has(id)) this.moved.delete(id);
  }
}
