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

/** The next `command.rejected` the client receives (rejects if none comes within `timeoutMs`). */
export function nextRejected(client: ControlClient, timeoutMs = 5000): Promise<{ event: string; error: ErrorBody }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.socket.off('command.rejected', onRejected);
      reject(new Error('no command.rejected arrived'));
    }, timeoutMs);
    const onRejected = (body: { event: string; error: ErrorBody }) => {
      clearTimeout(timer);
      resolve(body);
    };
    client.socket.once('command.rejected', onRejected);
  });
}

let packetId = 900_000;

/**
 * Send a hand-written Socket.IO event packet whose payload is `payloadJson`, verbatim,
 * with an ack id, and resolve with the ack. For payloads socket.io-client cannot
 * encode itself (it recurses through them and overflows the stack on deep nesting).
 */
export function rawPacketAck(client: ControlClient, event: string, payloadJson: string, timeoutMs = 5000): Promise<Ack> {
  const engine = client.socket.io.engine;
  const id = packetId++;
  const prefix = `3${id}[`;
  return new Promise<Ack>((resolve, reject) => {
    const onMessage = (data: unknown) => {
      const text = String(data);
      if (!text.startsWith(prefix)) return;
      cleanup();
      resolve((JSON.parse(text.slice(prefix.length - 1)) as [Ack])[0]);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ack for packet ${id}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      engine.off('message', onMessage);
    };
    engine.on('message', onMessage);
    // Socket.IO packet: type 2 (EVENT), the ack id, then ["event", payload] on the default namespace.
    engine.send(`2${id}[${JSON.stringify(event)},${payloadJson}]`);
  });
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
