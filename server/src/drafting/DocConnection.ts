import type { Logger } from 'pino';
import * as authProtocol from 'y-protocols/auth';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { WebSocket } from 'ws';
import { TokenBucket } from '../realtime/TokenBucket.js';
import { CLOSE } from './closeCodes.js';
import { MESSAGE_AUTH, MESSAGE_AWARENESS, MESSAGE_QUERY_AWARENESS, MESSAGE_SYNC, type DocPeer, type Refusal, type RoomDoc } from './RoomDoc.js';
import type * as Y from 'yjs';

class ProtocolError extends Error {}

export interface DocConnectionOptions {
  ws: WebSocket;
  sessionId: string;
  participantId: string;
  roomId: string;
  logger: Logger;
  awarenessPerSecond: number;
  awarenessBurst: number;
  /** Whether this participant may change the document right now, given a way to see the update's effect. */
  mayWrite: (probe: () => Y.Doc) => Refusal | null;
}

/**
 * One y-websocket connection. It speaks the standard protocol (sync step 1/2,
 * updates, awareness, query-awareness, auth) and handles messages strictly one
 * after another. Anything malformed closes this connection only.
 */
export class DocConnection implements DocPeer {
  private room: RoomDoc | null = null;
  private tail: Promise<void> = Promise.resolve();
  private readonly pending: Uint8Array[] = [];
  private readonly awarenessBucket: TokenBucket;
  /** Awareness client ids this connection speaks for; removed from the room when it closes. */
  readonly clientIds = new Set<number>();
  closed = false;

  constructor(readonly opts: DocConnectionOptions) {
    this.awarenessBucket = new TokenBucket(opts.awarenessPerSecond, opts.awarenessBurst);
    opts.ws.binaryType = 'nodebuffer';
    opts.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return this.close(CLOSE.malformed, 'binary frames only');
      const message = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (this.room) this.enqueue(message);
      else this.pending.push(message);
    });
  }

  get ws(): WebSocket {
    return this.opts.ws;
  }

  /** The document has loaded: greet the client, then handle what it sent meanwhile. */
  ready(room: RoomDoc): void {
    this.room = room;
    for (const m of room.greeting()) this.send(m);
    for (const m of this.pending.splice(0)) this.enqueue(m);
  }

  send(message: Uint8Array): void {
    if (this.closed || this.opts.ws.readyState !== this.opts.ws.OPEN) return;
    this.opts.ws.send(message, (err) => {
      if (err) this.close(CLOSE.goingAway, 'send failed');
    });
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.opts.ws.close(code, reason);
  }

  private enqueue(message: Uint8Array): void {
    this.tail = this.tail.then(async () => {
      if (this.closed) return;
      try {
        await this.handle(message);
      } catch (err) {
        this.opts.logger.debug({ err, doc: this.room?.name }, 'malformed drafting message');
        this.close(CLOSE.malformed, err instanceof ProtocolError ? err.message : 'malformed message');
      }
    });
  }

  private async handle(message: Uint8Array): Promise<void> {
    const room = this.room!;
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case MESSAGE_SYNC: {
        const step = decoding.readVarUint(decoder);
        if (step === syncProtocol.messageYjsSyncStep1) {
          const stateVector = decoding.readVarUint8Array(decoder);
          const reply = encoding.createEncoder();
          encoding.writeVarUint(reply, MESSAGE_SYNC);
          syncProtocol.writeSyncStep2(reply, room.doc, stateVector);
          this.send(encoding.toUint8Array(reply));
        } else if (step === syncProtocol.messageYjsSyncStep2 || step === syncProtocol.messageYjsUpdate) {
          const refusal = await room.receive(decoding.readVarUint8Array(decoder), this, this.opts.mayWrite);
          if (refusal?.kind === 'too-large') this.close(CLOSE.documentTooLarge, 'document size limit reached');
          else if (refusal) this.deny(refusal.reason);
        } else {
          throw new ProtocolError('unknown sync message');
        }
        return;
      }
      case MESSAGE_AWARENESS: {
        if (!this.awarenessBucket.take()) return this.close(CLOSE.tooManyAwarenessUpdates, 'too many awareness updates');
        const update = decoding.readVarUint8Array(decoder);
        this.claimAwareness(room, update);
        awarenessProtocol.applyAwarenessUpdate(room.awareness, update, this);
        return;
      }
      case MESSAGE_QUERY_AWARENESS:
        this.send(room.awarenessMessage([...room.awareness.getStates().keys()]));
        return;
      case MESSAGE_AUTH:
        // Clients have nothing to tell the server through auth messages.
        return;
      default:
        throw new ProtocolError('unknown message type');
    }
  }

  /** A connection may speak only for its own awareness clients, never overwrite another's cursor or name. */
  private claimAwareness(room: RoomDoc, update: Uint8Array): void {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    if (count > 16) throw new ProtocolError('too many awareness states');
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
      decoding.readVarString(decoder);
      const owner = room.awarenessOwners.get(clientId);
      if (owner && owner !== this) throw new ProtocolError('awareness state of another client');
      room.awarenessOwners.set(clientId, this);
      this.clientIds.add(clientId);
    }
  }

  private deny(reason: string): void {
    const message = encoding.createEncoder();
    encoding.writeVarUint(message, MESSAGE_AUTH);
    authProtocol.writePermissionDenied(message, reason);
    this.send(encoding.toUint8Array(message));
  }
}
