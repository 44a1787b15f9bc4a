/**
 * The storage port for drafting documents: an append-only list of Yjs updates per
 * document, compacted now and then into one. Same durability promise as the event
 * log: `append` resolves only once the update is durable, and the update is
 * broadcast only after that.
 */
export interface DocStore {
  loadDoc(name: string): Promise<{ updates: Uint8Array[]; lastId: number }>;
  /** Returns the update's id, for compaction. */
  appendUpdate(name: string, update: Uint8Array): Promise<number>;
  /** Replace every update up to `uptoId` with `merged` (which contains them all). */
  compactDoc(name: string, merged: Uint8Array, uptoId: number): Promise<void>;
  /** Remove one update that was stored but could not be applied. */
  deleteUpdate(name: string, id: number): Promise<void>;
}
