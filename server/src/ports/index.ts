/**
 * The ports: the interfaces through which the session core and the adapters meet. The
 * core depends on these and nothing else of an adapter; each adapter implements some of
 * them (store/: SQLite, Redis, in memory; drafting/, realtime/, audio/, cluster/) and
 * never imports another adapter. What adapters share (the origin check, the token
 * bucket) lives in server/src/common.
 */
export { AppendConflictError, type EventStore, type Snapshot } from './EventStore.js';
export type { ClientClaim, DocStore } from './DocStore.js';
export { FencedError, type Lease, type LeaseStore } from './LeaseStore.js';
export type { Receipt, ReceiptStore } from './ReceiptStore.js';
export type { Delivery, DeliveryAttempt, DeliveryStatus, OutboxStore, Webhook } from './OutboxStore.js';
export type { LogFeed } from './LogFeed.js';
export type { DraftReader } from './DraftReader.js';
export type { DraftRelayPort } from './DraftRelay.js';
export type { MediaPeer, MediaSignalling } from './MediaSignalling.js';
export * from './SessionLease.js';
export type { CaptionEngine, CaptionStream, CaptionTarget, RecognisedPhrase } from './CaptionEngine.js';
