import type { Logger } from 'pino';
import * as authProtocol from 'y-protocols/auth';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { WebSocket } from 'ws';
import { TokenBucket } from '../common/TokenBucket.js';
import { CLOSE } from './closeCodes.js';
import {
  MESSAGE_AUTH,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
  StoreUnavailableError,
  type DocPeer,
  type RoomDoc,
  type WritePolicy,
} from './RoomDoc.js';

class ProtocolError extends Error {}

/** Awareness client ids one connection may speak for (a stock client uses one). */
const MAX_AWARENESS_CLIENTS = 16;

export interface DocConnectionOptions {
  ws: WebSocket;
  sessionId: string;
  participantId: string;
  /** The name others see on this participant's cursor: the session roster's, whatever the client claims. */
  displayName: string;
  roomId: string;
  logger: Logger;
  awarenessPerSecond: number;
  awarenessBurst: number;
  syncPerSecond: number;
  syncBurst: number;
  /** Bytes waiting to be sent to this connection over which it is cut off as not reading. */
  maxQueuedBytes: number;
  /** Called when the connection is cut off for not reading (for metrics). */
  onSlowReader?: () => void;
  /** Whether this participant may change the document right now, given a way to see the update's effect. */
  policy: WritePolicy;
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
  /** Sync step 1 and query-awareness make the server send whole documents; they are budgeted too. */
  private readonly requestBucket: TokenBucket;
  /** Set while the client owes an answer (sync step 2) to a sync step 1 the server sent. */
  private awaitingAnswer = false;
  /** Set when a ping goes out, cleared by the pong: a connection still marked at the next ping is dead. */
  awaitingPong = false;
  /** Awareness client ids this connection speaks for; removed from the room when it closes. */
  readonly clientIds = new Set<number>();
  closed = false;

  constructor(readonly opts: DocConnectionOptions) {
    this.awarenessBucket = new TokenBucket(opts.awarenessPerSecond, opts.awarenessBurst);
    this.requestBucket = new TokenBucket(opts.syncPerSecond, opts.syncBurst);
    opts.ws.binaryType = 'nodebuffer';
    opts.ws.on('pong', () => (this.awaitingPong = false));
    opts.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return this.close(CLOSE.malformed, 'binary frames only');
      const message = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (this.room) this.enqueue(message);
      else this.pending.push(message);
    });
  }

  get writer(): string {
    return this.opts.participantId;
  }

  get ws(): WebSocket {
    return this.opts.ws;
  }

  /** The document has loaded: greet the client, then handle what it sent meanwhile. */
  ready(room: RoomDoc): void {
    this.room = room;
    this.awaitingAnswer = true;
    for (const m of room.greeting()) this.send(m);
    for (const m of this.pending.splice(0)) this.enqueue(m);
  }

  send(message: Uint8Array): void {
    if (this.closed || this.opts.ws.readyState !== this.opts.ws.OPEN) return;
    // A client that asks for documents and never reads them must not make the server buffer without end.
    // It would not read a closing handshake either: the close frame is sent, and the socket dropped at once.
    if (this.opts.ws.bufferedAmount > this.opts.maxQueuedBytes) {
      this.opts.onSlowReader?.();
      this.close(CLOSE.tooManyAwarenessUpdates, 'not reading');
      this.opts.ws.terminate();
      return;
    }
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
        if (err instanceof StoreUnavailableError) {
          this.opts.logger.error({ err, doc: this.room?.name }, 'drafting update could not be stored');
          return this.close(CLOSE.storeUnavailable, 'storage unavailable; try again');
        }
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
          if (!this.requestBucket.take()) return this.close(CLOSE.tooManyAwarenessUpdates, 'too many sync requests');
          const stateVector = decoding.readVarUint8Array(decoder);
          const reply = encoding.createEncoder();
          encoding.writeVarUint(reply, MESSAGE_SYNC);
          syncProtocol.writeSyncStep2(reply, room.doc, stateVector);
          this.send(encoding.toUint8Array(reply));
        } else if (step === syncProtocol.messageYjsSyncStep2 || step === syncProtocol.messageYjsUpdate) {
          const isAnswer = step === syncProtocol.messageYjsSyncStep2;
          if (isAnswer) this.awaitingAnswer = false;
          const refusal = await room.receive(decoding.readVarUint8Array(decoder), this, this.opts.policy);
          if (refusal?.kind === 'too-large') this.close(CLOSE.documentTooLarge, 'document size limit reached');
          else if (refusal?.kind === 'conflict') {
            this.opts.logger.info({ doc: room.name, participantId: this.opts.participantId, why: refusal.reason }, 'drafting update refused');
            this.close(CLOSE.malformed, 'update conflicts with stored changes');
          } else if (refusal?.kind === 'incomplete') this.askForMissing(room, isAnswer);
          else if (refusal) this.deny(refusal.reason);
        } else {
          throw new ProtocolError('unknown sync message');
        }
        return;
      }
      case MESSAGE_AWARENESS: {
        const update = this.ownAwareness(room, decoding.readVarUint8Array(decoder));
        // Nothing of its own (an echo of other clients' states): nothing to apply, nothing to count.
        if (!update) return;
        if (!this.awarenessBucket.take()) return this.close(CLOSE.tooManyAwarenessUpdates, 'too many awareness updates');
        awarenessProtocol.applyAwarenessUpdate(room.awareness, update, this);
        return;
      }
      case MESSAGE_QUERY_AWARENESS:
        if (!this.requestBucket.take()) return this.close(CLOSE.tooManyAwarenessUpdates, 'too many awareness queries');
        this.send(room.awarenessMessage([...room.awareness.getStates().keys()]));
        return;
      case MESSAGE_AUTH:
        // Clients have nothing to tell the server through auth messages.
        return;
      default:
        throw new ProtocolError('unknown message type');
    }
  }

  /**
   * The part of an awareness update this connection may say: the states of its own
   * clients, re-encoded, or null if there is none. A connection may speak only for its
   * own awareness clients, never overwrite another's cursor or name. But the stock
   * y-websocket provider re-sends every awareness change it receives, so its updates
   * routinely carry other clients' states at a clock the room already has, and removals
   * of clients it timed out locally; those change nothing here and are dropped. Only a
   * newer state for a client another connection speaks for is refused.
   */
  /**
   * An awareness state with the roster's name on it: a client may set its cursor's colour,
   * but not pass itself off as someone else. Anything not an object is left as it is.
   */
  private withRosterName(state: string, parsed: unknown): string {
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return state;
    const s = parsed as { user?: unknown };
    const user = s.user !== null && typeof s.user === 'object' && !Array.isArray(s.user) ? s.user : {};
    return JSON.stringify({ ...s, user: { ...user, name: this.opts.displayName } });
  }

  private ownAwareness(room: RoomDoc, update: Uint8Array): Uint8Array | null {
    const decoder = decoding.createDecoder(update);
    const kept: [clientId: number, clock: number, state: string][] = [];
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const state = decoding.readVarString(decoder);
      const parsed: unknown = JSON.parse(state);
      const removal = parsed === null;
      const owner = room.awarenessOwners.get(clientId);
      if (owner !== this) {
        if (removal || clock <= (room.awareness.meta.get(clientId)?.clock ?? 0)) continue;
        // The same participant may take over its own client id: a reconnect while the old connection lingers half-open.
        if (owner instanceof DocConnection && owner.opts.participantId === this.opts.participantId) owner.clientIds.delete(clientId);
        else if (owner) throw new ProtocolError('awareness state of another client');
        if (this.clientIds.size >= MAX_AWARENESS_CLIENTS) throw new ProtocolError('too many awareness states');
        room.awarenessOwners.set(clientId, this);
        this.clientIds.add(clientId);
      }
      kept.push([clientId, clock, this.withRosterName(state, parsed)]);
    }
    if (kept.length === 0) return null;
    const out = encoding.createEncoder();
    encoding.writeVarUint(out, kept.length);
    for (const [clientId, clock, state] of kept) {
      encoding.writeVarUint(out, clientId);
      encoding.writeVarUint(out, clock);
      encoding.writeVarString(out, state);
    }
    return encoding.toUint8Array(out);
  }

  /**
   * An update built on changes the server lacks was dropped whole. Ask the client for
   * them the standard way: a sync step 1 with the server's state vector, which the
   * stock provider answers with a step 2 of everything it has that the server lacks,
   * the dropped update included. If that answer is itself incomplete, the client holds
   * changes it cannot supply, and waiting cannot help.
   */
  private askForMissing(room: RoomDoc, wasAnswer: boolean): void {
    if (wasAnswer) return this.close(CLOSE.malformed, 'update depends on changes the server does not have');
    // Each costs the server a rebuild of its trial copy, so it is budgeted like a whole-document request.
    if (!this.requestBucket.take()) return this.close(CLOSE.tooManyAwarenessUpdates, 'too many incomplete updates');
    if (this.awaitingAnswer) return;
    this.awaitingAnswer = true;
    const ask = encoding.createEncoder();
    encoding.writeVarUint(ask, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(ask, room.doc);
    this.send(encoding.toUint8Array(ask));
  }

  private deny(reason: string): void {
    const message = encoding.createEncoder();
    encoding.writeVarUint(message, MESSAGE_AUTH);
    authProtocol.writePermissionDenied(message, reason);
    this.send(encoding.toUint8Array(message));
  }
}
