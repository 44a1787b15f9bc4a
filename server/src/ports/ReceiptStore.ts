/**
 * The answer to one command, stored with its events: a participant's requestId for a
 * command, and what it was answered (its payload's fingerprint, the seq, the result).
 */
export interface Receipt {
  /** `<participantId>:<command>:<requestId>` */
  key: string;
  answer: string;
}

/**
 * Receipts survive the node that wrote them. When the owner of a session dies after a
 * command was made durable but before it was answered, the client retries (same
 * requestId) through another node; the new owner finds the receipt and answers it,
 * instead of doing the command twice. A receipt exists if and only if its events do:
 * they are written in one atomic step (EventStore.append).
 */
export interface ReceiptStore {
  receipt(sessionId: string, key: string): Promise<string | null>;
}
