import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import {
  COMMANDS,
  CommandError,
  idSchema,
  isCommandName,
  isPassing,
  isTransient,
  type Ack,
  type ClientToServerEvents,
  type CommandName,
  type ErrorBody,
  type TransientCommand,
  type InterServerEvents,
  type Role,
  type ServerToClientEvents,
} from '../../../shared/src/index.js';
import { originAllowed } from '../common/origin.js';
import { TokenBucket } from '../common/TokenBucket.js';
import type { Metrics } from '../metrics.js';
import type { MediaPeer, MediaSignalling } from '../ports/MediaSignalling.js';
import type { DecidableCommand } from '../session/decide.js';
import type { LiveSession } from '../session/LiveSession.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import { LiveCaptionLines, type LiveLineBus } from './LiveCaptionLines.js';
import { Presence } from './Presence.js';
import { RequestMemory } from '../session/RequestMemory.js';
import { ViewPublisher, participantRoom, sessionRoom } from './ViewPublisher.js';

export interface ControlChannelOptions {
  registry: SessionRegistry;
  logger: Logger;
  broadcastMs: number;
  /** Head counts go out at most this often. */
  presenceMs: number;
  /** Audiences of at least this many sockets have their changes held while events pour in. */
  holdFromSockets: number;
  maxMessageBytes: number;
  commandsPerSecond: number;
  commandBurst: number;
  /** Open control connections one participant may have at once. */
  maxConnectionsPerParticipant: number;
  /** Bytes waiting for a connection that does not read, over which it is cut off. */
  maxQueuedBytes: number;
  /** Browser origins allowed to connect; null means same-origin only. */
  allowedOrigins: string[] | null;
  metrics: Metrics;
  /** Audio signalling; null when audio is switched off or has no worker. */
  media?: MediaSignalling | null;
  /** In a cluster: how captioners' lines in progress reach the clients of the other nodes. */
  liveLineBus?: LiveLineBus | null;
  /** Who is connected; in a cluster, shared with what tells the other nodes (ClusterPresence). */
  presence?: Presence;
  /**
   * How long a command may wait for its write before the client is answered UNAVAILABLE
   * (the command may still complete; a retry with the same requestId then gets its
   * answer). Below the client's own ack timeout, so the client hears why.
   */
  commandTimeoutMs?: number;
}

interface SocketData {
  sessionId: string;
  participantId: string;
  role: Role;
}

type ControlSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

const handshakeSchema = z.object({ sessionId: idSchema, token: z.string().min(1).max(256) });
const requestIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const RECENT_LIMIT = 64;
const STILL_SAVING = 'The session could not confirm this in time; send it again with the same requestId and it will not be done twice.';
const SLOW_READER_CHECK_MS = 1000;

/** What is waiting to be sent on a connection: engine.io's packet queue, then the WebSocket's buffer. */
function queuedBytes(socket: { conn: unknown }): number {
  // engine.io does not expose its queue in its typings.
  const conn = socket.conn as { writeBuffer: { data?: unknown }[]; transport: unknown };
  let bytes = 0;
  for (const packet of conn.writeBuffer) {
    const data = packet.data;
    bytes += typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.byteLength : 0;
  }
  // engine.io keeps its WebSocket (from `ws`) on the transport; bufferedAmount is what the kernel has not taken yet.
  const ws = (conn.transport as { socket?: { bufferedAmount?: number } }).socket;
  return bytes + (ws?.bufferedAmount ?? 0);
}

function errorAck(error: ErrorBody): Ack {
  return { ok: false, error };
}

function validationError(error: z.ZodError): ErrorBody {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(payload)', message: i.message }));
  const first = issues[0];
  return {
    code: 'VALIDATION_FAILED',
    message: first ? `Invalid payload: ${first.path} ${first.message}` : 'Invalid payload.',
    issues,
  };
}

/**
 * The Socket.IO adapter around the session core: authenticates each connection to
 * one participant of one session, validates and authorises every command, runs it
 * through the session host, and publishes views.
 */
export class ControlChannel {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
  readonly presence: Presence;
  private readonly slowReaders: NodeJS.Timeout;
  private readonly publishers = new Map<string, ViewPublisher>();
  private draining = false;
  /**
   * Replies to each participant's recent requestIds. Kept per participant, not per
   * socket, so a command retried after a reconnect is answered, not done twice.
   */
  private readonly recent = new RequestMemory<Ack>(RECENT_LIMIT, (a) => a.ok && !a.value.ok && isPassing(a.value.error));
  /** Command budgets per participant, not per socket: opening more sockets buys no more commands. */
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly liveLines: LiveCaptionLines;

  constructor(
    httpServer: HttpServer,
    private readonly opts: ControlChannelOptions,
  ) {
    this.presence = opts.presence ?? new Presence();
    this.io = new Server(httpServer, {
      serveClient: false,
      maxHttpBufferSize: opts.maxMessageBytes,
      // Upgrades on other paths (the Yjs endpoint) belong to someone else; do not destroy them.
      destroyUpgrade: false,
      allowRequest: (req, cb) => cb(null, originAllowed(req, opts.allowedOrigins)),
    });
    this.liveLines = new LiveCaptionLines(this.io, opts.liveLineBus ?? null);
    opts.registry.onHost((host) => this.attach(host));
    this.io.use((socket, next) => {
      this.authenticate(socket, next).catch((err: unknown) => {
        this.opts.logger.error({ err }, 'authenticating a connection failed');
        const refusal = new Error('unavailable') as Error & { data?: ErrorBody };
        refusal.data = { code: 'UNAVAILABLE', message: 'The server could not check your credential; please retry.' };
        next(refusal);
      });
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
    this.slowReaders = setInterval(() => this.cutSlowReaders(), SLOW_READER_CHECK_MS);
    this.slowReaders.unref();
  }

  /**
   * A client that stops reading (a frozen tab, a hostile script) makes the server queue
   * every view and patch for it. Once its queue passes the limit it is cut off (with
   * no closing handshake: it would not read that either), so it cannot pin memory;
   * a live client reconnects and resyncs from a whole view.
   */
  private cutSlowReaders(): void {
    for (const socket of this.io.of('/').sockets.values()) this.cutIfNotReading(socket);
  }

  /** Cut a connection whose queue is over the limit; true if it was. Also checked before each whole view sent on request. */
  private cutIfNotReading(socket: ControlSocket): boolean {
    if (socket.conn.readyState !== 'open') return true;
    const queued = queuedBytes(socket);
    if (queued <= this.opts.maxQueuedBytes) return false;
    this.opts.metrics.slowReadersCut.inc({ channel: 'control' });
    this.opts.logger.warn({ sessionId: socket.data.sessionId, participantId: socket.data.participantId, queued }, 'control connection not reading; cut off');
    const ws = (socket.conn.transport as unknown as { socket?: { terminate?: () => void } }).socket;
    socket.conn.close(true);
    ws?.terminate?.();
    return true;
  }

  /** Who is online in a session changed on another node: views and head counts follow. */
  presenceChangedElsewhere(sessionId: string): void {
    this.publishers.get(sessionId)?.presenceChanged();
  }

  /** Refuse new commands; those already running finish. */
  startDraining(): void {
    this.draining = true;
  }

  async close(): Promise<void> {
    clearInterval(this.slowReaders);
    for (const p of this.publishers.values()) p.dispose();
    // Closing the transports (not a server-side disconnect) lets clients reconnect on their own to the next instance.
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }

  private attach(host: LiveSession): void {
    const publisher = new ViewPublisher(this.io, host, this.presence, {
      intervalMs: this.opts.broadcastMs,
      presenceMs: this.opts.presenceMs,
      holdFromSockets: this.opts.holdFromSockets,
      onError: (err) => this.opts.logger.error({ err, sessionId: host.id }, 'publishing views failed'),
    });
    this.publishers.set(host.id, publisher);
    host.onChange((events) => {
      this.liveLines.afterEvents(host.id, events);
      for (const e of events) {
        if (e.type === 'participant.removed') {
          this.recent.forget(e.payload.participantId);
          this.buckets.delete(e.payload.participantId);
          const room = participantRoom(e.payload.participantId);
          this.io.to(room).emit('session.notice', { kind: 'removed' });
          this.io.in(room).disconnectSockets(true);
        }
        if (e.type === 'session.closed') this.io.to(sessionRoom(host.id)).emit('session.notice', { kind: 'session-closed' });
      }
    });
  }

  private async authenticate(socket: ControlSocket, next: (err?: Error) => void): Promise<void> {
    const refuse = (message: string) => {
      const err = new Error(message) as Error & { data?: ErrorBody };
      err.data = { code: 'UNAUTHENTICATED', message };
      next(err);
    };
    const parsed = handshakeSchema.safeParse(socket.handshake.auth);
    if (!parsed.success) return refuse('A sessionId and token are required.');
    const host = await this.opts.registry.find(parsed.data.sessionId);
    const participant = host ? await host.authenticateFresh(parsed.data.token) : null;
    if (!host || !participant) return refuse('This credential is not valid for this session.');
    if (this.presence.connections(host.id, participant.id) >= this.opts.maxConnectionsPerParticipant) {
      const err = new Error('too many connections') as Error & { data?: ErrorBody };
      err.data = {
        code: 'RATE_LIMITED',
        message: `You already have ${this.opts.maxConnectionsPerParticipant} connections open to this session; close a tab or device first.`,
      };
      return next(err);
    }
    socket.data = {
      sessionId: host.id,
      participantId: participant.id,
      role: participant.role,
    };
    next();
  }

  private onConnection(socket: ControlSocket): void {
    const { sessionId, participantId } = socket.data;
    const host = this.opts.registry.get(sessionId)!;
    const publisher = this.publishers.get(sessionId)!;
    // The whole view first, then the rooms: a patch made while bringing the view up to date is for the others.
    this.sendFullState(socket, publisher);
    socket.join([publisher.sessionRoom, participantRoom(participantId), publisher.audienceFor(participantId)]);
    this.presence.connect(sessionId, participantId);
    this.opts.metrics.connections.inc();
    publisher.connected(participantId);
    socket.emit('audio.status', { enabled: Boolean(this.opts.media), restart: false, reason: this.opts.media ? null : 'off' });

    // One listener for every command rather than one per command name: a plenary holds
    // thousands of sockets, and forty closures each were a large part of what one cost.
    socket.onAny((event: unknown, ...args: unknown[]) => {
      // Packets read in the same batch arrive after a cut-off too; socket.io keeps "any" listeners past a disconnect.
      if (!socket.connected) return;
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (a: Ack) => void) : null;
      if (!isCommandName(event)) {
        const error: ErrorBody = { code: 'UNKNOWN_COMMAND', message: `Unknown command: ${String(event).slice(0, 64)}` };
        if (ack) ack(errorAck(error));
        else socket.emit('command.rejected', { event: String(event).slice(0, 64), error });
        return;
      }
      const name = event;
      // Whatever a handler throws becomes an INTERNAL ack: a listener that throws would take the process down.
      const reply = (async () => this.handle(socket, host, name, args[0]))().catch((err: unknown): Ack => {
        this.opts.logger.error({ err, command: name, sessionId }, 'command handler threw');
        return errorAck({ code: 'INTERNAL', message: 'Something went wrong; nothing was changed.' });
      });
      void reply.then((reply) => {
        this.opts.metrics.commands.inc({ command: name, outcome: reply.ok ? 'ok' : reply.error.code });
        if (ack) ack(reply);
        else if (!reply.ok) socket.emit('command.rejected', { event: name, error: reply.error });
      });
    });
    socket.on('disconnect', () => {
      this.opts.media?.disconnected(this.peer(socket, host));
      this.opts.metrics.connections.dec();
      const last = this.presence.disconnect(sessionId, participantId);
      publisher.disconnected(participantId, last);
    });
  }

  private sendFullState(socket: ControlSocket, publisher: ViewPublisher): void {
    if (this.cutIfNotReading(socket)) return;
    const { participantId } = socket.data;
    socket.emit('session.view', publisher.fullView(participantId));
    const me = publisher.me(participantId);
    if (me) socket.emit('session.me', me);
    socket.emit('session.presence', publisher.currentPresence());
  }

  private handle(socket: ControlSocket, host: LiveSession, name: CommandName, raw: unknown): Promise<Ack> {
    const { role, participantId } = socket.data;
    if (this.draining) return Promise.resolve(errorAck({ code: 'UNAVAILABLE', message: 'The server is restarting; please retry.' }));
    let bucket = this.buckets.get(participantId);
    if (!bucket) this.buckets.set(participantId, (bucket = new TokenBucket(this.opts.commandsPerSecond, this.opts.commandBurst)));
    if (!bucket.take()) return Promise.resolve(errorAck({ code: 'RATE_LIMITED', message: 'Too many commands; slow down.' }));
    const spec = COMMANDS[name];
    if (!(spec.roles as readonly Role[]).includes(role)) {
      return Promise.resolve(errorAck({ code: 'FORBIDDEN', message: `The ${role} role may not send ${name}.` }));
    }

    let payload: unknown = raw === undefined ? {} : raw;
    let requestId: string | null = null;
    if (payload !== null && typeof payload === 'object' && !Array.isArray(payload) && 'requestId' in payload) {
      const { requestId: rid, ...rest } = payload as Record<string, unknown>;
      const parsedId = requestIdSchema.safeParse(rid);
      if (!parsedId.success) {
        return Promise.resolve(errorAck({ code: 'VALIDATION_FAILED', message: 'requestId must be 1-64 letters, digits, - or _.' }));
      }
      requestId = parsedId.data;
      payload = rest;
    }
    if (!requestId || name === 'state.sync') return this.inTime(name, this.run(host, participantId, name, payload, socket));
    const key = `${name}:${requestId}`;
    let fingerprint: string;
    try {
      fingerprint = JSON.stringify(payload) ?? '';
    } catch {
      // A message under the size cap can still nest thousands of levels deep, which overflows the
      // stack here; thrown from a socket listener, that would take the whole process down. No
      // command's schema accepts such a payload anyway.
      return Promise.resolve(errorAck({ code: 'VALIDATION_FAILED', message: 'Invalid payload: nested too deeply.' }));
    }
    const reply = this.recent.answer(participantId, key, fingerprint, () => this.run(host, participantId, name, payload, socket, requestId!));
    if (reply === 'reused') return Promise.resolve(errorAck({ code: 'VALIDATION_FAILED', message: 'This requestId was already used for a different payload.' }));
    return this.inTime(name, reply);
  }

  /**
   * The reply, or UNAVAILABLE once the deadline passes with the write still pending (its
   * store unreachable or paused). The pending command is not abandoned: it stays
   * remembered under its requestId, so a retry waits for the same outcome.
   */
  private inTime(name: CommandName, reply: Promise<Ack>): Promise<Ack> {
    const ms = this.opts.commandTimeoutMs;
    // Only commands that write to the log wait on the store.
    if (!ms || name === 'state.sync' || isTransient(name)) return reply;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Ack>((resolve) => {
      timer = setTimeout(() => resolve(errorAck({ code: 'UNAVAILABLE', message: STILL_SAVING })), ms);
    });
    return Promise.race([reply, late]).finally(() => clearTimeout(timer));
  }

  private peer(socket: ControlSocket, host: LiveSession): MediaPeer {
    return {
      socketId: socket.id,
      participantId: socket.data.participantId,
      host,
      emit: (event, ...args) => (socket.emit as (e: string, ...a: unknown[]) => void)(event, ...args),
    };
  }

  private async run(host: LiveSession, participantId: string, name: CommandName, payload: unknown, socket: ControlSocket, requestId?: string): Promise<Ack> {
    const parsed = COMMANDS[name].schema.safeParse(payload);
    if (!parsed.success) return errorAck(validationError(parsed.error));
    try {
      if (name === 'state.sync') {
        // Everything decided so far goes out first, so the ack's seq covers every patch before it.
        const publisher = this.publishers.get(host.id)!;
        const rev = publisher.flushNow(participantId);
        if ((parsed.data as { rev?: number }).rev !== rev) this.sendFullState(socket, publisher);
        return { ok: true, seq: host.state.seq };
      }
      if (name === 'captions.typing') {
        this.liveLines.push(host, participantId, (parsed.data as { text: string }).text);
        return { ok: true, seq: host.state.seq };
      }
      if (isTransient(name)) {
        const media = this.opts.media;
        if (!media) return errorAck({ code: 'UNAVAILABLE', message: 'Audio is switched off on this server; everything else works.' });
        const result = await media.handle(name as TransientCommand, this.peer(socket, host), parsed.data);
        return result === undefined ? { ok: true, seq: host.state.seq } : { ok: true, seq: host.state.seq, result };
      }
      const { seq, result } = await host.execute(participantId, name as DecidableCommand, parsed.data as never, requestId);
      // The sender's private view rides on the ack: in an upvote storm a second message per vote was a third of the socket writes.
      const me = socket.connected ? this.publishers.get(host.id)?.meForAck(participantId, socket.id, this.presence.connections(host.id, participantId) > 1) : undefined;
      return { ok: true, seq, ...(result === undefined ? {} : { result }), ...(me ? { me } : {}) };
    } catch (err) {
      if (err instanceof CommandError) return errorAck(err.toBody());
      this.opts.logger.error({ err, command: name, sessionId: host.id }, 'command failed');
      return errorAck({ code: 'INTERNAL', message: 'Something went wrong; nothing was changed.' });
    }
  }
}
