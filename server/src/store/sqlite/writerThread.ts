/**
 * The writer thread: the only connection that writes the SQLite file. It takes a
 * batch of ops, runs them in one transaction (each in a savepoint of its own, so one
 * failing op, an append that lost its fence, leaves the rest), commits once, and only
 * then answers. The commit's fsync happens here, off the main thread, which keeps
 * sending while the disk syncs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, SCHEMA } from './schema.js';
import { ExpectedSeqMismatch, writeOps, type WriteOp, type WriteResult } from './writeOps.js';

export interface WriterRequest {
  id: number;
  ops: WriteOp[];
}
export interface WriterResponse {
  id: number;
  results: WriteResult[];
}

const db = openDatabase((workerData as { path: string }).path);
db.exec(SCHEMA);
const apply = writeOps(db);
const one = db.transaction((op: WriteOp) => apply(op));
const batch = db.transaction((ops: WriteOp[]) =>
  ops.map((op): WriteResult => {
    try {
      return { ok: true, value: one(op) };
    } catch (err) {
      return { ok: false, conflict: err instanceof ExpectedSeqMismatch, message: err instanceof Error ? err.message : String(err) };
    }
  }),
);

parentPort!.on('message', (req: WriterRequest | 'close') => {
  if (req === 'close') {
    db.close();
    parentPort!.postMessage('closed');
    return;
  }
  let results: WriteResult[];
  try {
    results = batch(req.ops);
    // Erased data must leave the disk, not only the table: the WAL still holds the pages it
    // was written in until a checkpoint copies them back and truncates it.
    if (req.ops.some((op, i) => op.kind === 'events' && op.erased.length > 0 && results[i]!.ok)) db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (err) {
    // The commit itself failed (disk full, I/O error): nothing of the batch is stored.
    const message = err instanceof Error ? err.message : String(err);
    results = req.ops.map(() => ({ ok: false, conflict: false, message }));
  }
  parentPort!.postMessage({ id: req.id, results } satisfies WriterResponse);
});
