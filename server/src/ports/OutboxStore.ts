/** What a delivery tells of: a publication of the outcome, or an official's answer gone past its due date. */
export const WEBHOOK_EVENTS = ['outcome.published', 'response.overdue'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** A decision-maker's system that receives each published outcome (and reminders of overdue answers). */
export interface Webhook {
  id: string;
  sessionId: string;
  url: string;
  /** The HMAC key; shown to the facilitator once, when the webhook is added. */
  secret: string;
  createdAt: number;
  removedAt: number | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  id: number;
  sessionId: string;
  webhookId: string;
  /** Sent as the X-Townhall-Event header. Deliveries stored before there was more than one event are outcome.published. */
  event: WebhookEvent;
  /** The publication an outcome.published delivery carries; null for other events. */
  publication: number | null;
  /** Stable across retries and restarts, so a receiver can accept a delivery exactly once. */
  idempotencyKey: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  deliveredAt: number | null;
  lastError: string | null;
}

export type NewDelivery = Pick<Delivery, 'sessionId' | 'webhookId' | 'event' | 'publication' | 'idempotencyKey' | 'body' | 'createdAt'>;

export interface DeliveryAttempt {
  at: number;
  statusCode: number | null;
  error: string | null;
}

/**
 * The durable outbox port. A delivery is written here before anything is sent, and
 * only marked delivered after the receiver said so: a crash in between means the
 * same delivery (same idempotency key) is sent again, never that it is lost.
 */
export interface OutboxStore {
  addWebhook(webhook: Omit<Webhook, 'removedAt'>): Promise<void>;
  removeWebhook(sessionId: string, webhookId: string, at: number): Promise<boolean>;
  listWebhooks(sessionId: string): Promise<Webhook[]>;
  /** Idempotent: a delivery with the same key is not added twice. Resolves true when it was new. */
  enqueue(delivery: NewDelivery): Promise<boolean>;
  hasDelivery(idempotencyKey: string): Promise<boolean>;
  /**
   * Pending deliveries whose time has come and that no sender holds a claim on at `now`,
   * oldest first (by next attempt, then id).
   *
   * With `claimMs`, what is returned is also claimed, in the same atomic step, until
   * `now + claimMs`: no other caller (in this process or another sharing the storage)
   * is handed it before then, so there is at most one sender per delivery. The claim is
   * released by `recordAttempt`; one that runs out (its sender died or hung) makes the
   * delivery due again. Without `claimMs` this only looks, and claims nothing.
   */
  due(now: number, limit: number, claimMs?: number): Promise<Delivery[]>;
  /**
   * When the next pending delivery can be handed out: the earliest, over pending
   * deliveries, of the later of its next attempt and the end of its claim. Null when
   * nothing is pending.
   */
  nextDueAt(): Promise<number | null>;
  /** Log an attempt and set the delivery's status and next attempt; releases any claim on it. */
  recordAttempt(deliveryId: number, attempt: DeliveryAttempt & { status: DeliveryStatus; nextAttemptAt: number }): Promise<void>;
  listDeliveries(sessionId: string): Promise<(Omit<Delivery, 'body'> & { log: DeliveryAttempt[] })[]>;
  /** Put a failed delivery back in the queue now (unclaimed). */
  retry(sessionId: string, deliveryId: number, now: number): Promise<boolean>;
}
