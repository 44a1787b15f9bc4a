/**
 * WebSocket close codes of the drafting endpoint. The 4400–4499 range tells the
 * stock y-websocket provider that reconnecting cannot help, so it stops.
 */
export const CLOSE = {
  goingAway: 1001,
  /** Set by `ws` itself when a frame exceeds maxPayload. */
  frameTooLarge: 1009,
  /** The store failed; transient, so the stock provider reconnects and re-sends. */
  storeUnavailable: 1011,
  /** The session moved to another node (cluster): reconnecting reaches the new owner. */
  serviceRestart: 1012,
  malformed: 4400,
  unauthenticated: 4401,
  forbidden: 4403,
  documentTooLarge: 4413,
  /** Too many awareness updates or whole-document requests. */
  tooManyAwarenessUpdates: 4429,
} as const;
