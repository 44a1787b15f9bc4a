/** A decision-maker's system that receives each published outcome. */
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
  publication: number;
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
  enqueue(delivery: Pick<Delivery, 'sessionId' | 'webhookId' | 'publication' | 'idempotencyKey' | 'body' | 'createdAt'>): Promise<boolean>;
  hasDelivery(idempotencyKey: string): Promise<boolean>;
  /** Pending deliveries whose time has come, oldest first. */
  due(now: number, limit: number): Promise<Delivery[]>;
  nextDueAt(): Promise<number | null>;
  recordAttempt(
    deliveryId: number,
    attempt: DeliveryAttempt & { status: DeliveryStatus; nextAttemptAt: number },
  ): Promise<void>;
  listDeliveries(sessionId: string): Promise<(Omit<Delivery, 'body'> & { log: DeliveryAttempt[] })[]>;
  /** Put a failed delivery back in the queue now. */
  retry(sessionId: string, deliveryId: number, now: number): Promise<boolean>;
}
