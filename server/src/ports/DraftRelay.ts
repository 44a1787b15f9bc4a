import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';

/** Carries a drafting connection, already authenticated here, to the node that owns its session. */
export interface DraftRelayPort {
  forward(client: WebSocket, req: IncomingMessage, sessionId: string): void;
  /** Close every relayed connection (shutting down). */
  close(): void;
}
