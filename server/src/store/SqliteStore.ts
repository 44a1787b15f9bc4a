import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SessionEvent } from '../../../shared/src/index.js';
import type { ClientClaim, DocStore } from './DocStore.js';
import { AppendConflictError, type EventStore, type Snapshot } from './EventStore.js';
import type { OutboxStore } from './OutboxStore.js';
import { SqliteOutbox } from './SqliteOutbox.js';

interface EventRow {
  body: string;
}

/**
 * The embedded default: one SQLite file in WAL mode with synchronous=FULL, so a
 * resolved append has been fsynced and survives kill -9 and power loss alike.
 * It holds both the session logs and the drafting documents.
 * better-sqlite3 is synchronous; each call is one short transaction.
 */
export class SqliteStore implements EventStore, DocStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly headSeq: Database.Statement<[string], { seq: number | null }>;
  private readonly appendTx: (sessionId: string, expectedSeq: number, events: readonly SessionEvent[]) => void;
  /** Webhook deliveries, in the same file so that they share its durability. */
  readonly outbox: OutboxStore;

  constructor(dataDir: string, file = 'townhall.sqlite') {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, file));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        session_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        at INTEGER NOT NULL,
        hash TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (session_id, seq)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS snapshots (
        session_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        reducer_version INTEGER NOT NULL,
        state TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS doc_updates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        doc TEXT NOT NULL,
        data BLOB NOT NULL
      );
      CREATE INDEX IF NOT EXISTS doc_updates_by_doc ON doc_updates (doc, id);
      CREATE TABLE IF NOT EXISTS doc_writers (
        doc TEXT NOT NULL,
        client INTEGER NOT NULL,
        writer TEXT NOT NULL,
        PRIMARY KEY (doc, client)
      ) WITHOUT ROWID;
    `);
    this.outbox = new SqliteOutbox(this.db);
    this.insert = this.db.prepare('INSERT INTO events (session_id, seq, type, at, hash, body) VALUES (?, ?, ?, ?, ?, ?)');
    this.headSeq = this.db.prepare('SELECT MAX(seq) AS seq FROM events WHERE session_id = ?');
    this.appendTx = this.db.transaction((sessionId: string, expectedSeq: number, events: readonly SessionEvent[]) => {
      const head = this.headSeq.get(sessionId)?.seq ?? 0;
      if (head !== expectedSeq) throw new AppendConflictError(sessionId, expectedSeq);
      for (const e of events) this.insert.run(sessionId, e.seq, e.type, e.at, e.hash, JSON.stringify(e));
    });
  }

  async append(sessionId: string, expectedSeq: number, events: readonly SessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.appendTx(sessionId, expectedSeq, events);
  }

  async readEvents(sessionId: string, afterSeq = 0): Promise<SessionEvent[]> {
    const rows = this.db
      .prepare<[string, number], EventRow>('SELECT body FROM events WHERE session_id = ? AND seq > ? ORDER BY seq')
      .all(sessionId, afterSeq);
    return rows.map((r) => JSON.parse(r.body) as SessionEvent);
  }

  async listSessionIds(): Promise<string[]> {
    return this.db
      .prepare<[], { session_id: string }>("SELECT session_id FROM events WHERE seq = 1 ORDER BY at")
      .all()
      .map((r) => r.session_id);
  }

  async saveSnapshot(s: Snapshot): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO snapshots (session_id, seq, reducer_version, state) VALUES (?, ?, ?, ?)')
      .run(s.sessionId, s.seq, s.reducerVersion, JSON.stringify(s.state));
  }

  async loadSnapshot(sessionId: string, reducerVersion: number): Promise<Snapshot | null> {
    const row = this.db
      .prepare<[string, number], { seq: number; state: string }>(
        'SELECT seq, state FROM snapshots WHERE session_id = ? AND reducer_version = ?',
      )
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
    return this.db.transaction(() => {
      const id = Number(this.db.prepare('INSERT INTO doc_updates (doc, data) VALUES (?, ?)').run(name, Buffer.from(update)).lastInsertRowid);
      const claim = this.db.prepare('INSERT OR IGNORE INTO doc_writers (doc, client, writer) VALUES (?, ?, ?)');
      for (const c of claims) claim.run(name, c.client, c.writer);
      return id;
    })();
  }

  async compactDoc(name: string, merged: Uint8Array, uptoId: number): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM doc_updates WHERE doc = ? AND id <= ?').run(name, uptoId);
      // The merged update keeps the place of the updates it replaces, before any newer ones.
      this.db.prepare('INSERT INTO doc_updates (id, doc, data) VALUES (?, ?, ?)').run(uptoId, name, Buffer.from(merged));
    })();
  }

  async deleteUpdate(name: string, id: number): Promise<void> {
    this.db.prepare('DELETE FROM doc_updates WHERE doc = ? AND id = ?').run(name, id);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
