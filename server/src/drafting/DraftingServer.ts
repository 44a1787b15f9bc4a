import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import * as awarenessProtocol from 'y-protocols/awareness';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { DOC, frozenItems, idSchema, readAmendments, readRecommendations, type Participant, type SessionEvent, type SessionState } from '../../../shared/src/index.js';
import { originAllowed } from '../common/origin.js';
import type { DocStore } from '../ports/DocStore.js';
import type { DraftReader } from '../ports/DraftReader.js';
import type { DraftRelayPort } from '../ports/DraftRelay.js';
import type { DraftSnapshot } from '../session/decide.js';
import type { LiveSession } from '../session/LiveSession.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import { CLOSE } from './closeCodes.js';
import { DocConnection } from './DocConnection.js';
import { addCopies, applyDecision, restoreLocked } from './documentEdits.js';
import { lockGuard, type Lock } from './lockGuard.js';
import { RoomDoc, textHash, type WritePolicy } from './RoomDoc.js';

export interface DraftingOptions {
  store: DocStore;
  logger: Logger;
  maxFrameBytes: number;
  maxDocBytes: number;
  awarenessPerSecond: number;
  awarenessBurst: number;
  syncPerSecond: number;
  syncBurst: number;
  maxQueuedBytes: number;
  /** Coalescing window for broadcasting stored updates (RoomDoc). */
  broadcastMs: number;
  /** Open drafting connections one participant may have at once, over all documents. */
  maxConnectionsPerParticipant: number;
  onSlowReader?: () => void;
  compactEvery: number;
  pingIntervalMs: number;
  allowedOrigins: string[] | null;
  /**
   * In a cluster, where connections to a session this node does not own go: to the
   * owner, whose write policy and lock correction every update must pass, and whose
   * document every editor shares. Absent on one node, which owns every session.
   */
  relay?: DraftRelayPort;
}

export const DRAFTING_PATH = '/yjs/';

/** `<sessionId>:<roomId>`: the document name a y-websocket provider puts after /yjs/. */
export function docName(sessionId: string, roomId: string): string {
  return `${sessionId}:${roomId}`;
}

/** Who may open a room's document at all: the room's citizens, facilitators, and observers and officials for the plenary. */
function mayOpen(state: SessionState, p: Participant | null, roomId: string): boolean {
  if (!p || p.removed || !Object.hasOwn(state.rooms, roomId)) return false;
  if (p.role === 'facilitator') return true;
  if (p.role === 'citizen') return p.roomId === roomId;
  return roomId === 'plenary';
}

/** What no write may change in a room's document: agreed texts, and the texts of its open round. */
function locksIn(state: SessionState, roomId: string): Lock[] {
  return [
    ...Object.values(state.locks)
      .filter((l) => l.roomId === roomId)
      .map(({ recommendationId, textHash, text }) => ({ recommendationId, textHash, text, why: 'agreed' as const })),
    ...frozenItems(state, roomId).map(({ recommendationId, textHash, text }) => ({ recommendationId, textHash, text, why: 'under-vote' as const })),
  ];
}

/**
 * The Yjs endpoint: the standard y-websocket protocol at /yjs/<sessionId>:<roomId>?token=…,
 * authorised per connection and per update by the session's state, persisted to the
 * same store as the session log.
 */
export class DraftingServer implements DraftReader {
  private readonly wss: WebSocketServer;
  private readonly docs = new Map<string, { loading: Promise<RoomDoc>; refs: number }>();
  private readonly connections = new Set<DocConnection>();
  /** Open connections per participant, for the cap. */
  private readonly openBy = new Map<string, number>();
  private registry: SessionRegistry | null = null;
  private closing = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly opts: DraftingOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxFrameBytes, perMessageDeflate: false });
    // A half-open connection (a laptop lid closed) never says goodbye; without pings it would hold its document and awareness forever.
    this.heartbeat = setInterval(() => {
      for (const c of this.connections) {
        if (c.awaitingPong) {
          c.ws.terminate();
          continue;
        }
        c.awaitingPong = true;
        c.ws.ping();
      }
    }, opts.pingIntervalMs);
    this.heartbeat.unref();
  }

  attach(http: HttpServer, registry: SessionRegistry): void {
    this.registry = registry;
    registry.onHost((host) => {
      host.onChange((events, state) => this.onSessionChange(host, events, state));
      host.onOwnerChange((isOwner) => {
        if (!isOwner) this.handOver(host.id);
      });
    });
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0]!;
      if (!path.startsWith(DRAFTING_PATH)) return; // Socket.IO's own upgrades
      if (this.closing) return void socket.destroy();
      if (!originAllowed(req, this.opts.allowedOrigins)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
    });
  }

  async snapshot(sessionId: string, roomId: string): Promise<DraftSnapshot> {
    const name = docName(sessionId, roomId);
    const room = await this.open(name);
    try {
      await room.drain();
      return room.snapshot(roomId);
    } finally {
      this.release(name);
    }
  }

  /** Names of the documents in memory (for health checks and tests). */
  loadedDocuments(): string[] {
    return [...this.docs.keys()];
  }

  /** Stop taking connections, store what is in flight, and compact what is loaded. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    this.opts.relay?.close();
    const closed = [...this.connections].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === c.ws.CLOSED) return resolve();
          c.ws.once('close', () => resolve());
          c.close(CLOSE.goingAway, 'server shutting down');
          // A client that never answers the closing handshake is not waited for.
          setTimeout(() => (c.ws.terminate(), resolve()), 1000).unref();
        }),
    );
    await Promise.all(closed);
    this.wss.close();
    const rooms = await Promise.all([...this.docs.values()].map((e) => e.loading.catch(() => null)));
    for (const room of rooms) {
      if (!room) continue;
      await room.drain();
      await room.compact().catch(() => undefined);
      room.destroy();
    }
    this.docs.clear();
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    ws.on('error', (err) => this.opts.logger.debug({ err }, 'drafting socket error'));
    const url = new URL(req.url ?? '/', 'http://localhost');
    let sessionId = '';
    let roomId = '';
    try {
      const parts = decodeURIComponent(url.pathname.slice(DRAFTING_PATH.length)).split(':');
      if (parts.length === 2) [sessionId = '', roomId = ''] = parts;
    } catch {
      /* left empty: refused below */
    }
    if (!idSchema.safeParse(sessionId).success || !idSchema.safeParse(roomId).success) {
      return ws.close(CLOSE.malformed, 'expected /yjs/<sessionId>:<roomId>');
    }
    void this.admit(ws, req, url, sessionId, roomId).catch((err: unknown) => {
      this.opts.logger.error({ err }, 'drafting connection could not be admitted');
      ws.close(CLOSE.storeUnavailable, 'try again');
    });
  }

  private async admit(ws: WebSocket, req: IncomingMessage, url: URL, sessionId: string, roomId: string): Promise<void> {
    // Messages that arrive while the credential is checked are held, not lost: the provider sends its first sync step at once.
    const early: { data: RawData; isBinary: boolean }[] = [];
    const hold = (data: RawData, isBinary: boolean) => early.push({ data, isBinary });
    ws.on('message', hold);
    const host = await this.registry?.find(sessionId);
    const participant = host ? await host.authenticateFresh(url.searchParams.get('token') ?? '') : null;
    ws.off('message', hold);
    if (ws.readyState !== ws.OPEN) return;
    if (!host || !participant) return ws.close(CLOSE.unauthenticated, 'invalid credential');
    if (!mayOpen(host.state, participant, roomId)) return ws.close(CLOSE.forbidden, 'no access to this document');
    if (!host.isOwner) {
      if (!this.opts.relay) return ws.close(CLOSE.storeUnavailable, 'session moving; try again');
      this.opts.relay.forward(ws, req, sessionId);
      for (const m of early) ws.emit('message', m.data, m.isBinary);
      return;
    }
    const open = this.openBy.get(participant.id) ?? 0;
    if (open >= this.opts.maxConnectionsPerParticipant) return ws.close(CLOSE.tooManyAwarenessUpdates, 'too many connections');
    this.openBy.set(participant.id, open + 1);

    const conn = new DocConnection({
      ws,
      sessionId,
      participantId: participant.id,
      displayName: participant.displayName,
      roomId,
      logger: this.opts.logger,
      awarenessPerSecond: this.opts.awarenessPerSecond,
      awarenessBurst: this.opts.awarenessBurst,
      syncPerSecond: this.opts.syncPerSecond,
      syncBurst: this.opts.syncBurst,
      maxQueuedBytes: this.opts.maxQueuedBytes,
      onSlowReader: this.opts.onSlowReader,
      policy: this.policy(host, participant.id, roomId),
    });
    this.connections.add(conn);
    const name = docName(sessionId, roomId);
    const opened = this.open(name);
    ws.on('close', () => {
      conn.closed = true;
      this.connections.delete(conn);
      const left = (this.openBy.get(participant.id) ?? 1) - 1;
      if (left > 0) this.openBy.set(participant.id, left);
      else this.openBy.delete(participant.id);
      void opened
        .then(
          (room) => {
            room.peers.delete(conn);
            for (const id of conn.clientIds) room.awarenessOwners.delete(id);
            awarenessProtocol.removeAwarenessStates(room.awareness, [...conn.clientIds], 'disconnect');
          },
          () => undefined,
        )
        .finally(() => this.release(name));
    });
    for (const m of early) ws.emit('message', m.data, m.isBinary);
    opened.then(
      (room) => {
        if (conn.closed) return;
        room.peers.add(conn);
        conn.ready(room);
      },
      (err: unknown) => {
        this.opts.logger.error({ err, doc: name }, 'drafting document could not be loaded');
        conn.close(CLOSE.goingAway, 'document unavailable');
      },
    );
  }

  /** The per-update decision; re-read from the session state every time, because it changes mid-connection. */
  private policy(host: LiveSession, participantId: string, roomId: string): WritePolicy {
    const lockedHere = () => locksIn(host.state, roomId);
    return {
      writer: participantId,
      authorize: () => {
        const state = host.state;
        const p = state.participants[participantId];
        const room = state.rooms[roomId];
        if (!p || !room || !mayOpen(state, p, roomId) || state.closedAt !== null) {
          return { kind: 'read-only', reason: 'You can no longer edit this document.' };
        }
        if (room.draftLocked) return { kind: 'read-only', reason: 'This document is locked.' };
        if (p.role === 'facilitator' || (p.role === 'citizen' && room.draftingOpen)) return null;
        return { kind: 'read-only', reason: p.role === 'citizen' ? 'Drafting is closed in this room.' : 'Your role can read, not edit.' };
      },
      verify: (after) => lockGuard(lockedHere())(after),
      guards: () => lockedHere().length > 0,
    };
  }

  /**
   * This node no longer owns the session: its editors reconnect (1012, service restart;
   * the provider retries), through whichever node, to the new owner, and the documents,
   * released as their last connection goes, leave memory.
   */
  private handOver(sessionId: string): void {
    for (const conn of this.connections) if (conn.opts.sessionId === sessionId) conn.close(CLOSE.serviceRestart, 'session moved to another server');
  }

  private onSessionChange(host: LiveSession, events: readonly SessionEvent[], state: SessionState): void {
    // Access follows the session: a citizen moved to another room, or removed, loses this document at once.
    if (events.some((e) => e.type === 'rooms.assigned' || e.type === 'rooms.recalled' || e.type === 'participant.removed')) {
      for (const conn of this.connections) {
        if (conn.opts.sessionId !== host.id) continue;
        const p = state.participants[conn.opts.participantId] ?? null;
        if (!mayOpen(state, p, conn.opts.roomId)) conn.close(CLOSE.forbidden, 'no longer has access to this document');
      }
    }
    for (const e of events) {
      if (e.type === 'recommendation.locked') void this.enforceLock(host.id, e).catch((err: unknown) => this.opts.logger.error({ err }, 'lock not enforced'));
      if (e.type === 'round.opened') void this.enforceFrozen(host.id, e).catch((err: unknown) => this.opts.logger.error({ err }, 'frozen texts not enforced'));
      if (e.type === 'drafting.brought-back') {
        const { fromRoomId, toRoomId, items } = e.payload;
        void this.withDoc(host.id, toRoomId, (room) => room.change((doc) => addCopies(doc, fromRoomId, items))).catch((err: unknown) =>
          this.opts.logger.error({ err }, 'copies from a breakout room not made'),
        );
      }
      if (e.type === 'amendment.decided') void this.applyAmendment(host.id, e).catch((err: unknown) => this.opts.logger.error({ err }, 'amendment not applied'));
    }
  }

  /**
   * The locked text is what the log says was agreed. An edit that slipped in between
   * the round's close and the lock is undone, so document and record agree.
   */
  private async enforceLock(sessionId: string, e: Extract<SessionEvent, { type: 'recommendation.locked' }>): Promise<void> {
    await this.withDoc(sessionId, e.payload.roomId, (room) => room.change((doc) => restoreLocked(doc, e.payload.recommendationId, e.payload.text)));
  }

  /**
   * The texts put to the vote are what the log says they were. An edit that slipped in
   * between reading the document for the round and the round's opening is undone, so
   * nobody votes on words the document no longer shows.
   */
  private async enforceFrozen(sessionId: string, e: Extract<SessionEvent, { type: 'round.opened' }>): Promise<void> {
    await this.withDoc(sessionId, e.payload.roomId, (room) =>
      room.change((doc) => e.payload.items.forEach((item) => restoreLocked(doc, item.recommendationId, item.text))),
    );
  }

  private async applyAmendment(sessionId: string, e: Extract<SessionEvent, { type: 'amendment.decided' }>): Promise<void> {
    await this.withDoc(sessionId, e.payload.roomId, (room) => room.change((doc) => applyDecision(doc, e.payload)));
  }

  /**
   * Bring a freshly loaded document in line with the log: a crash between an event
   * (a lock, a round's opening, an accepted amendment) and the document change it implies would
   * otherwise leave them apart for good.
   */
  private async reconcile(sessionId: string, roomId: string, room: RoomDoc): Promise<void> {
    const state = this.registry?.get(sessionId)?.state;
    if (!state) return;
    const locks = locksIn(state, roomId);
    const decisions = Object.values(state.amendments).filter((a) => a.roomId === roomId);
    const provenance = room.doc.getMap<unknown>(DOC.provenance);
    const copies = Object.values(state.broughtBack).filter((b) => b.roomId === roomId && !provenance.has(b.recommendationId));
    if (locks.length === 0 && decisions.length === 0 && copies.length === 0) return;
    const current = new Map(readRecommendations(room.doc).map((r) => [r.id, textHash(r)]));
    const status = new Map(readAmendments(room.doc).map((a) => [a.id, a.status]));
    const stale = locks.filter((l) => current.get(l.recommendationId) !== l.textHash);
    // Status alone is not proof (any writer can set it): only a field still reading exactly as it did
    // when the decision was taken, with the amendment still open, shows the change never happened.
    const fields = new Map(readRecommendations(room.doc).map((r) => [r.id, r]));
    const unapplied = decisions.filter(
      (d) => status.get(d.amendmentId) === 'open' && (d.decision === 'rejected' || fields.get(d.recommendationId)?.[d.field] === d.previousText),
    );
    if (stale.length === 0 && unapplied.length === 0 && copies.length === 0) return;
    this.opts.logger.warn({ doc: room.name, locks: stale.length, amendments: unapplied.length, copies: copies.length }, 'document behind the log; reconciling');
    await room.change((doc) => {
      unapplied.forEach((d) => applyDecision(doc, d));
      for (const c of copies) addCopies(doc, c.fromRoomId, [c]);
      stale.forEach((l) => restoreLocked(doc, l.recommendationId, l.text));
    });
  }

  private async withDoc(sessionId: string, roomId: string, work: (room: RoomDoc) => Promise<void>): Promise<void> {
    const name = docName(sessionId, roomId);
    const room = await this.open(name);
    try {
      await work(room);
    } finally {
      this.release(name);
    }
  }

  /** Take a reference to a document, loading it if needed; every open is paired with one release. */
  private open(name: string): Promise<RoomDoc> {
    let entry = this.docs.get(name);
    if (!entry) {
      const [sessionId = '', roomId = ''] = name.split(':');
      const loading = RoomDoc.load({
        name,
        store: this.fencedStore(sessionId),
        logger: this.opts.logger,
        maxDocBytes: this.opts.maxDocBytes,
        compactEvery: this.opts.compactEvery,
        broadcastMs: this.opts.broadcastMs,
      }).then(async (room) => {
        await this.reconcile(sessionId, roomId, room);
        return room;
      });
      entry = { loading, refs: 0 };
      this.docs.set(name, entry);
      const failed = entry;
      loading.catch(() => {
        if (this.docs.get(name) === failed) this.docs.delete(name);
      });
    }
    entry.refs += 1;
    return entry.loading;
  }

  /** Drop a reference; a document nobody holds is compacted and leaves memory. */
  /** The store as this node writes a session's documents: every write under the epoch of its lease on the session (DocStore). */
  private fencedStore(sessionId: string): DocStore {
    const store = this.opts.store;
    const fence = () => this.registry?.get(sessionId)?.fence();
    return {
      loadDoc: (name) => store.loadDoc(name),
      appendUpdate: (name, update, claims) => store.appendUpdate(name, update, claims, fence()),
      compactDoc: (name, merged, uptoId) => store.compactDoc(name, merged, uptoId, fence()),
      deleteUpdate: (name, id) => store.deleteUpdate(name, id, fence()),
    };
  }

  private release(name: string): void {
    const entry = this.docs.get(name);
    if (!entry) return;
    entry.refs -= 1;
    if (entry.refs > 0) return;
    void entry.loading.then(
      async (room) => {
        await room.drain();
        await room.compact().catch((err: unknown) => this.opts.logger.warn({ err, doc: name }, 'compaction failed'));
        // Someone may have opened it again meanwhile.
        if (this.docs.get(name) !== entry || entry.refs > 0) return;
        this.docs.delete(name);
        room.destroy();
      },
      () => undefined,
    );
  }
}
