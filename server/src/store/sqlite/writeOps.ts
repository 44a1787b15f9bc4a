import type Database from 'better-sqlite3';
import type { ClientClaim } from '../../ports/DocStore.js';

/**
 * The writes the store makes, as plain data: they cross from the main thread to the
 * writer thread, and many of them share one transaction and one fsync.
 */
export type WriteOp =
  | { kind: 'events'; sessionId: string; expectedSeq: number; expectedHead: string; rows: EventRow[]; personal: PersonalRow[]; erased: string[] }
  | { kind: 'snapshot'; sessionId: string; seq: number; reducerVersion: number; state: string }
  | { kind: 'doc.append'; name: string; data: Uint8Array; claims: readonly ClientClaim[] }
  | { kind: 'doc.compact'; name: string; data: Uint8Array; uptoId: number }
  | { kind: 'doc.delete'; name: string; id: number };

export type EventRow = [seq: number, type: string, at: number, hash: string, body: string];
/** A participant's personal data, as JSON (see PersonalData in shared/src/events.ts). */
export type PersonalRow = [participantId: string, data: string];

/** What became of one op: its value, or why it failed (the others in its batch are unaffected). */
export type WriteResult = { ok: true; value: number | null } | { ok: false; conflict: boolean; message: string };

/** The log is not at the sequence number the writer expected: another writer got there first. */
export class ExpectedSeqMismatch extends Error {}

/** Prepared statements for the ops, on one connection. */
export function writeOps(db: Database.Database): (op: WriteOp) => number | null {
  const headOf = db.prepare<[string], { seq: number; hash: string }>('SELECT seq, hash FROM events WHERE session_id = ? ORDER BY seq DESC LIMIT 1');
  const insertEvent = db.prepare('INSERT INTO events (session_id, seq, type, at, hash, body) VALUES (?, ?, ?, ?, ?, ?)');
  const insertPersonal = db.prepare('INSERT OR REPLACE INTO personal_data (session_id, participant_id, data) VALUES (?, ?, ?)');
  const erasePersonal = db.prepare('DELETE FROM personal_data WHERE session_id = ? AND participant_id = ?');
  const dropSnapshot = db.prepare('DELETE FROM snapshots WHERE session_id = ?');
  const saveSnapshot = db.prepare('INSERT OR REPLACE INTO snapshots (session_id, seq, reducer_version, state) VALUES (?, ?, ?, ?)');
  const insertUpdate = db.prepare('INSERT INTO doc_updates (doc, data) VALUES (?, ?)');
  const claim = db.prepare('INSERT OR IGNORE INTO doc_writers (doc, client, writer) VALUES (?, ?, ?)');
  const deleteUpTo = db.prepare('DELETE FROM doc_updates WHERE doc = ? AND id <= ?');
  const insertUpdateAt = db.prepare('INSERT INTO doc_updates (id, doc, data) VALUES (?, ?, ?)');
  const deleteOne = db.prepare('DELETE FROM doc_updates WHERE doc = ? AND id = ?');

  return (op) => {
    switch (op.kind) {
      case 'events': {
        // The fence: an append lands only on the log it was decided against, the same
        // position and the same last hash (appends queued behind a failed one find neither).
        const head = headOf.get(op.sessionId);
        if ((head?.seq ?? 0) !== op.expectedSeq || (head && head.hash !== op.expectedHead)) {
          throw new ExpectedSeqMismatch(`session ${op.sessionId} is at ${head?.seq ?? 0}, not ${op.expectedSeq}`);
        }
        for (const [seq, type, at, hash, body] of op.rows) insertEvent.run(op.sessionId, seq, type, at, hash, body);
        for (const [participantId, data] of op.personal) insertPersonal.run(op.sessionId, participantId, data);
        for (const participantId of op.erased) erasePersonal.run(op.sessionId, participantId);
        // The snapshot holds the state with the names in it; the next one is taken without them.
        if (op.erased.length > 0) dropSnapshot.run(op.sessionId);
        return null;
      }
      case 'snapshot':
        saveSnapshot.run(op.sessionId, op.seq, op.reducerVersion, op.state);
        return null;
      case 'doc.append': {
        const id = Number(insertUpdate.run(op.name, Buffer.from(op.data)).lastInsertRowid);
        for (const c of op.claims) claim.run(op.name, c.client, c.writer);
        return id;
      }
      case 'doc.compact':
        deleteUpTo.run(op.name, op.uptoId);
        // The merged update keeps the place of the updates it replaces, before any newer ones.
        insertUpdateAt.run(op.uptoId, op.name, Buffer.from(op.data));
        return null;
      case 'doc.delete':
        deleteOne.run(op.name, op.id);
        return null;
    }
  };
}
