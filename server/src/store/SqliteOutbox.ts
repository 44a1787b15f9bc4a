import type Database from 'better-sqlite3';
import type { Delivery, DeliveryAttempt, DeliveryStatus, NewDelivery, OutboxStore, Webhook, WebhookEvent } from '../ports/OutboxStore.js';

interface WebhookRow {
  id: string;
  session_id: string;
  url: string;
  secret: string;
  created_at: number;
  removed_at: number | null;
}

interface DeliveryRow {
  id: number;
  session_id: string;
  webhook_id: string;
  event: WebhookEvent;
  publication: number | null;
  idempotency_key: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  delivered_at: number | null;
  last_error: string | null;
  claimed_until: number | null;
}

const webhookOf = (r: WebhookRow): Webhook => ({
  id: r.id,
  sessionId: r.session_id,
  url: r.url,
  secret: r.secret,
  createdAt: r.created_at,
  removedAt: r.removed_at,
});

const deliveryOf = (r: DeliveryRow): Delivery => ({
  id: r.id,
  sessionId: r.session_id,
  webhookId: r.webhook_id,
  event: r.event,
  publication: r.publication,
  idempotencyKey: r.idempotency_key,
  body: r.body,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
  lastError: r.last_error,
});

/** The outbox in the same SQLite file (and so the same fsync guarantees) as the session logs. */
export class SqliteOutbox implements OutboxStore {
  /**
   * `releaseClaims`: drop every claim on opening. Right for the process that serves the
   * file (SqliteStore), since no other sender can be alive then: a delivery whose sender
   * died mid-send is due again at once, not when the claim would have run out.
   */
  constructor(
    private readonly db: Database.Database,
    opts: { releaseClaims?: boolean } = {},
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS webhooks (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        removed_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS webhooks_by_session ON webhooks (session_id);
      CREATE TABLE IF NOT EXISTS delivery_attempts (
        delivery_id INTEGER NOT NULL,
        at INTEGER NOT NULL,
        status_code INTEGER,
        error TEXT
      );
      CREATE INDEX IF NOT EXISTS delivery_attempts_by_delivery ON delivery_attempts (delivery_id, at);
    `);
    db.transaction(() => migrateOutbox(db)).immediate();
    if (opts.releaseClaims) db.exec('UPDATE outbox SET claimed_until = NULL WHERE claimed_until IS NOT NULL');
  }

  async addWebhook(w: Omit<Webhook, 'removedAt'>): Promise<void> {
    this.db.prepare('INSERT INTO webhooks (id, session_id, url, secret, created_at) VALUES (?, ?, ?, ?, ?)').run(w.id, w.sessionId, w.url, w.secret, w.createdAt);
  }

  async removeWebhook(sessionId: string, webhookId: string, at: number): Promise<boolean> {
    const r = this.db.prepare('UPDATE webhooks SET removed_at = ? WHERE id = ? AND session_id = ? AND removed_at IS NULL').run(at, webhookId, sessionId);
    return r.changes > 0;
  }

  async listWebhooks(sessionId: string): Promise<Webhook[]> {
    return this.db.prepare<[string], WebhookRow>('SELECT * FROM webhooks WHERE session_id = ? ORDER BY created_at, id').all(sessionId).map(webhookOf);
  }

  async enqueue(d: NewDelivery): Promise<boolean> {
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO outbox (session_id, webhook_id, event, publication, idempotency_key, body, status, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(d.sessionId, d.webhookId, d.event, d.publication, d.idempotencyKey, d.body, d.createdAt, d.createdAt);
    return r.changes > 0;
  }

  async hasDelivery(idempotencyKey: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM outbox WHERE idempotency_key = ?').get(idempotencyKey) !== undefined;
  }

  async due(now: number, limit: number, claimMs?: number): Promise<Delivery[]> {
    const select = this.db.prepare<[number, number, number], DeliveryRow>(
      `SELECT * FROM outbox
       WHERE status = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
       ORDER BY next_attempt_at, id LIMIT ?`,
    );
    if (claimMs === undefined) return select.all(now, now, limit).map(deliveryOf);
    const claim = this.db.prepare('UPDATE outbox SET claimed_until = ? WHERE id = ?');
    // IMMEDIATE: the write lock is taken before the read, so the rows read are the rows claimed
    // (another connection to the file cannot claim them in between).
    return this.db
      .transaction(() => {
        const rows = select.all(now, now, limit);
        for (const r of rows) claim.run(now + claimMs, r.id);
        return rows.map(deliveryOf);
      })
      .immediate();
  }

  async nextDueAt(): Promise<number | null> {
    const row = this.db
      .prepare<[], { at: number | null }>("SELECT MIN(MAX(next_attempt_at, COALESCE(claimed_until, next_attempt_at))) AS at FROM outbox WHERE status = 'pending'")
      .get();
    return row?.at ?? null;
  }

  async recordAttempt(id: number, a: DeliveryAttempt & { status: DeliveryStatus; nextAttemptAt: number }): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO delivery_attempts (delivery_id, at, status_code, error) VALUES (?, ?, ?, ?)').run(id, a.at, a.statusCode, a.error);
      this.db
        .prepare(
          `UPDATE outbox SET attempts = attempts + 1, status = ?, next_attempt_at = ?, last_error = ?, claimed_until = NULL,
             delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END
           WHERE id = ?`,
        )
        .run(a.status, a.nextAttemptAt, a.error, a.status, a.at, id);
    })();
  }

  async listDeliveries(sessionId: string): Promise<(Omit<Delivery, 'body'> & { log: DeliveryAttempt[] })[]> {
    const rows = this.db.prepare<[string], DeliveryRow>('SELECT * FROM outbox WHERE session_id = ? ORDER BY id').all(sessionId);
    const attempts = this.db.prepare<[number], { at: number; status_code: number | null; error: string | null }>(
      'SELECT at, status_code, error FROM delivery_attempts WHERE delivery_id = ? ORDER BY at',
    );
    return rows.map((r) => {
      const { body: _body, ...d } = deliveryOf(r);
      return { ...d, log: attempts.all(r.id).map((a) => ({ at: a.at, statusCode: a.status_code, error: a.error })) };
    });
  }

  async retry(sessionId: string, deliveryId: number, now: number): Promise<boolean> {
    const r = this.db
      .prepare("UPDATE outbox SET status = 'pending', next_attempt_at = ?, claimed_until = NULL WHERE id = ? AND session_id = ? AND status = 'failed'")
      .run(now, deliveryId, sessionId);
    return r.changes > 0;
  }
}

const OUTBOX_TABLE = `
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    -- What the delivery tells of (the X-Townhall-Event header).
    event TEXT NOT NULL,
    -- The publication an outcome.published delivery carries; null for other events.
    publication INTEGER,
    idempotency_key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    last_error TEXT,
    -- A sender's claim: nobody else is handed the delivery before this time (null: unclaimed).
    claimed_until INTEGER
  )`;

/**
 * Creates the outbox table, or brings an older one up to date: outboxes from before
 * claims lack claimed_until, and those from before there was more than one webhook
 * event lack the event column and require a publication. SQLite cannot drop a NOT NULL, so
 * that table is rebuilt, ids and all; every row in it was an outcome.published
 * delivery. Runs inside a write transaction: two processes opening the file at once
 * migrate it once.
 */
function migrateOutbox(db: Database.Database): void {
  let columns = db.prepare<[], { name: string }>('PRAGMA table_info(outbox)').all();
  if (columns.length === 0) db.exec(OUTBOX_TABLE);
  else {
    if (!columns.some((c) => c.name === 'claimed_until')) db.exec('ALTER TABLE outbox ADD COLUMN claimed_until INTEGER');
    columns = db.prepare<[], { name: string }>('PRAGMA table_info(outbox)').all();
    if (!columns.some((c) => c.name === 'event')) {
      const kept = columns.map((c) => c.name).join(', ');
      db.exec('ALTER TABLE outbox RENAME TO outbox_before_events');
      db.exec(OUTBOX_TABLE);
      db.exec(`INSERT INTO outbox (${kept}, event) SELECT ${kept}, 'outcome.published' FROM outbox_before_events`);
      db.exec('DROP TABLE outbox_before_events');
    }
  }
  db.exec('CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at)');
}
