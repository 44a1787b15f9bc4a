import Database from 'better-sqlite3';

/**
 * Open the SQLite file with the settings every connection to it needs: WAL, so the
 * writer thread and the readers on the main thread never block each other, and
 * `synchronous = FULL`, so a commit returns only once it is on disk.
 */
export function openDatabase(path: string, opts: { readonly?: boolean } = {}): Database.Database {
  const db = new Database(path, { readonly: opts.readonly ?? false });
  if (!opts.readonly) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // Deleted content is overwritten, not left in free pages: erased personal data must leave the file (docs/PRIVACY.md).
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    hash TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
  ) WITHOUT ROWID;
  -- Personal data the events refer to (display names), apart from the chained events so that it can be erased.
  CREATE TABLE IF NOT EXISTS personal_data (
    session_id TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (session_id, participant_id)
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
`;
