/** A Yjs client id and the writer (a participant id, or "server") it belongs to. */
export interface ClientClaim {
  client: number;
  writer: string;
}

/**
 * The storage port for drafting documents: an append-only list of Yjs updates per
 * document, compacted now and then into one. Same durability promise as the event
 * log: `append` resolves only once the update is durable, and the update is
 * broadcast only after that.
 */
/**
 * `fence`, on every write: the lease epoch of the node that owns the document's session,
 * in a cluster. A store that serves a cluster refuses the write with FencedError once a
 * newer owner took over (see LeaseStore); one node's store has a single writer and
 * ignores it.
 */
export interface DocStore {
  /** The stored updates in order, and who first wrote under each Yjs client id. */
  loadDoc(name: string): Promise<{ updates: Uint8Array[]; lastId: number; writers: Map<number, string> }>;
  /**
   * Returns the update's id, for compaction. `claims` are the client ids this update
   * is the first to write under, with their writer; stored in the same transaction.
   */
  appendUpdate(name: string, update: Uint8Array, claims?: readonly ClientClaim[], fence?: { epoch: number }): Promise<number>;
  /** Replace every update up to `uptoId` with `merged` (which contains them all). */
  compactDoc(name: string, merged: Uint8Array, uptoId: number, fence?: { epoch: number }): Promise<void>;
  /** Remove one update that was stored but could not be applied. */
  deleteUpdate(name: string, id: number, fence?: { epoch: number }): Promise<void>;
}
