import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { SessionEvent } from '../../../shared/src/index.js';
import type { ClientClaim, DocStore } from '../ports/DocStore.js';
import { AppendConflictError, type EventStore, type Snapshot } from '../ports/EventStore.js';
import type { OutboxStore } from '../ports/OutboxStore.js';
import { GroupCommitWriter } from './sqlite/GroupCommitWriter.js';
import { openDatabase, SCHEMA } from './sqlite/schema.js';
import { ExpectedSeqMismatch } from './sqlite/writeOps.js';
import { splitPersonal, withPersonal } from './personalData.js';
import { SqliteOutbox } from './SqliteOutbox.js';

interface EventRow {
  body: string;
}

/**
 * The embedded default store: one SQLite file holding the session logs, snapshots
 * and drafting documents (and the webhook outbox).
 *
 * Writes go through group commit on a writer thread (sqlite/GroupCommitWriter.ts):
 * each resolves once durable, and writes made while a commit is in flight share the
 * next one. Reads run here, on the main thread, on their own connection; WAL lets
 * them proceed while the writer commits.
 */
export class SqliteStore implements EventStore, DocStore {
  private readonly db: Database.Database;
  private readonly writer: GroupCommitWriter;
  /** Webhook deliveries, in the same file so that they share its durability. Rare; written on this connection. */
  readonly outbox: OutboxStore;

  constructor(dataDir: string, file = 'townhall.sqlite') {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, file);
    this.db = openDatabase(path);
    this.db.exec(SCHEMA);
    // One process serves the file, so a claim found on opening is a dead sender's.
    this.outbox = new SqliteOutbox(this.db, { releaseClaims: true });
    this.writer = new GroupCommitWriter(path);
  }

  /** Commits made, writes they carried, and the most batches out at once: how well group commit is batching. */
  get writeStats(): { batches: number; ops: number; mostInFlight: number } {
    return { ...this.writer.stats };
  }

  async append(sessionId: string, expectedSeq: number, events: readonly SessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.writer.write({
        kind: 'events',
        sessionId,
        expectedSeq,
        expectedHead: events[0]!.prevHash,
        ...splitPersonal(events),
      });
    } catch (err) {
      if (err instanceof ExpectedSeqMismatch) throw new AppendConflictError(sessionId, expectedSeq);
      throw err;
    }
  }

  async readEvents(sessionId: string, afterSeq = 0): Promise<SessionEvent[]> {
    const rows = this.db.prepare<[string, number], EventRow>('SELECT body FROM events WHERE session_id = ? AND seq > ? ORDER BY seq').all(sessionId, afterSeq);
    const events = rows.map((r) => JSON.parse(r.body) as SessionEvent);
    if (!events.some((e) => e.type === 'participant.joined')) return events;
    const personal = this.db
      .prepare<[string], { participant_id: string; data: string }>('SELECT participant_id, data FROM personal_data WHERE session_id = ?')
      .all(sessionId);
    return withPersonal(events, new Map(personal.map((p) => [p.participant_id, p.data])));
  }

  async listSessionIds(): Promise<string[]> {
    return this.db
      .prepare<[], { session_id: string }>('SELECT session_id FROM events WHERE seq = 1 ORDER BY at')
      .all()
      .map((r) => r.session_id);
  }

  async saveSnapshot(s: Snapshot): Promise<void> {
    await this.writer.write({ kind: 'snapshot', sessionId: s.sessionId, seq: s.seq, reducerVersion: s.reducerVersion, state: JSON.stringify(s.state) });
  }

  async loadSnapshot(sessionId: string, reducerVersion: number): Promise<Snapshot | null> {
    const row = this.db
      .prepare<[string, number], { seq: number; state: string }>('SELECT seq, state FROM snapshots WHERE session_id = ? AND reducer_version = ?')
      .get(sessionId, reducerVersion);
    return row ? { sessionId, seq: row.seq, reducerVersion, state: JSON.parse(row.state) } : null;
  }

  async loadDoc(name: string): Promise<{ updates: Uint8Array[]; lastId: number; writers: Map<number, string> }> {
    const rows = this.db.prepare<[string], { id: number; data: Buffer }>('SELECT id, data FROM doc_updates WHERE doc = ? ORDER BY id').all(name);
    const writers = this.db.prepare<[string], { client: number; writer: string }>('SELECT client, writer FROM doc_writers WHERE doc = ?').all(name);
    return {
      updates: rows.map((r) => new Uint8Array(r.data)),
      lastId: rows.at(-1)?.id ?? 0,
      writers: new Map(writers.map((w) => [w.client, w.writer])),
    };
  }

  async appendUpdate(name: string, update: Uint8Array, claims: readonly ClientClaim[] = []): Promise<number> {
    return (await this.writer.write({ kind: 'doc.append', name, data: update, claims }))!;
  }

  async compactDoc(name: string, merged: Uint8Array, uptoId: number): Promise<void> {
    await this.writer.write({ kind: 'doc.compact', name, data: merged, uptoId });
  }

  async deleteUpdate(name: string, id: number): Promise<void> {
    await this.writer.write({ kind: 'doc.delete', name, id });
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.writer.close();
    if (this.db.open) this.db.close();
  }
}
