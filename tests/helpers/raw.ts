import { io, type Socket } from 'socket.io-client';
import type { ControlClient } from '../../client/src/ControlClient.js';
import type { Ack, ErrorBody, ErrorCode } from '../../shared/src/index.js';

/**
 * Emit any event with any arguments, bypassing the typed client (and its automatic
 * requestId), and resolve with whatever the server acknowledges.
 */
export function rawAck(client: ControlClient, event: string | number, ...args: unknown[]): Promise<Ack> {
  return (client.socket as unknown as Socket).timeout(5000).emitWithAck(event as string, ...args) as Promise<Ack>;
}

/** Emit without an ack callback. */
export function rawEmit(client: ControlClient, event: string | number, ...args: unknown[]): void {
  (client.socket as unknown as Socket).emit(event as string, ...args);
}

/** The next `command.rejected` the client receives. */
export function nextRejected(client: ControlClient): Promise<{ event: string; error: ErrorBody }> {
  return new Promise((resolve) => client.socket.once('command.rejected', resolve));
}

/** An ack that is a refusal with one of `codes` and a human-readable message; otherwise a description of what is wrong. */
export function refusalProblem(ack: Ack, codes: readonly ErrorCode[]): string | null {
  if (ack.ok) return `accepted (seq ${ack.seq})`;
  if (!codes.includes(ack.error.code)) return `refused with ${ack.error.code} (${ack.error.message}), expected ${codes.join(' or ')}`;
  if (typeof ack.error.message !== 'string' || ack.error.message.trim() === '') return 'refused without a message';
  return null;
}

export type HandshakeOutcome = { connected: true } | { connected: false; message: string; data: ErrorBody | undefined };

/** Open a raw control-channel connection with arbitrary handshake auth; report whether it was let in. */
export function tryHandshake(url: string, auth: unknown): Promise<HandshakeOutcome> {
  const socket = io(url, { auth: auth as Record<string, unknown>, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise<HandshakeOutcome>((resolve) => {
    socket.once('connect', () => resolve({ connected: true }));
    socket.once('connect_error', (err: Error & { data?: ErrorBody }) => resolve({ connected: false, message: err.message, data: err.data }));
  }).finally(() => socket.close());
}
