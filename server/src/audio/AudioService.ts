import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import {
  CommandError,
  type AudioJoined,
  type AudioProducerInfo,
  type CommandPayload,
  type MicsView,
  type SessionEvent,
  type SessionState,
  type TransientCommand,
  type TransportOptions,
} from '../../../shared/src/index.js';
import type { MediaPeer, MediaSignalling } from '../ports/MediaSignalling.js';
import type { LiveSession } from '../session/LiveSession.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import { AudioRoom, type RouterSlot } from './AudioRoom.js';
import { interpretingRefusal, mayProduce, mayProduceInto } from './floorPolicy.js';
import { MicWatchers } from './MicWatchers.js';
import type { WorkerPool } from './WorkerPool.js';

export interface AudioServiceOptions {
  pool: WorkerPool;
  registry: SessionRegistry;
  logger: Logger;
  listenIp: string;
  announcedIp: string | null;
  consumersPerRouter: number;
}

/** One connection's audio: a receive transport always, a send transport while it may speak. */
interface Peer {
  peer: MediaPeer;
  sessionId: string;
  roomId: string;
  room: AudioRoom;
  slot: RouterSlot;
  recv: types.WebRtcTransport;
  send: types.WebRtcTransport | null;
  producer: types.Producer | null;
  /** The channel the producer feeds: null for the original, else the interpreter's language. */
  channel: string | null;
  consumers: Map<string, types.Consumer>;
  /** What this peer was last told, so that a session change that means nothing to audio sends nothing. */
  told: string;
}

type ClosedReason = 'turn-ended' | 'muted' | 'moved' | 'open-mic-off' | 'left';

/**
 * Audio rooms on mediasoup, bound to the session's floor. Signalling arrives over the
 * control channel (already checked for role, rate and schema); this adapter decides
 * everything that depends on media state, and after every session change it closes
 * the producer of anyone who may no longer be heard. The client cannot talk around
 * the queue: its media stops at the server.
 */
export class AudioService implements MediaSignalling {
  private readonly peers = new Map<string, Peer>();
  private readonly rooms = new Map<string, AudioRoom>();
  private readonly connected = new WeakSet<types.WebRtcTransport>();
  private readonly mics = new MicWatchers();
  /** Which session and room each audio room serves, for the mic watchers. */
  private readonly roomOf = new WeakMap<AudioRoom, { sessionId: string; roomId: string }>();
  /** The language each connection chose to listen in (audio.setLanguage), kept across joins while it is connected. */
  private readonly chosen = new Map<string, string>();

  constructor(private readonly opts: AudioServiceOptions) {
    opts.registry.onHost((host) => host.onChange((events, state) => this.enforce(host, events, state)));
    opts.pool.on('died', (worker) => this.rebuild(worker));
  }

  async handle(name: TransientCommand, peer: MediaPeer, payload: unknown): Promise<unknown> {
    switch (name) {
      case 'audio.join':
        return this.join(peer);
      case 'audio.leave':
        this.leave(peer.socketId, 'left');
        return undefined;
      case 'audio.connect':
        return this.connect(peer, payload as CommandPayload<'audio.connect'>);
      case 'audio.createSendTransport':
        return this.createSendTransport(peer);
      case 'audio.produce':
        return this.produce(peer, payload as CommandPayload<'audio.produce'>);
      case 'audio.stopSpeaking':
        return this.stopSpeaking(peer);
      case 'audio.consume':
        return this.consume(peer, payload as CommandPayload<'audio.consume'>);
      case 'audio.resume':
        return this.resume(peer, payload as CommandPayload<'audio.resume'>);
      case 'audio.setLanguage':
        return this.setLanguage(peer, payload as CommandPayload<'audio.setLanguage'>);
      case 'audio.watchMics':
        return this.mics.watch(peer, this.micsOf(peer.host.id));
    }
  }

  disconnected(peer: MediaPeer): void {
    this.mics.forget(peer.socketId);
    this.chosen.delete(peer.socketId);
    this.gone.add(peer.socketId);
    this.leave(peer.socketId, 'left');
    // A join still in flight for this connection sees the mark and cleans up after itself.
    void (this.joining.get(peer.socketId) ?? Promise.resolve()).then(() => {
      this.leave(peer.socketId, 'left');
      this.gone.delete(peer.socketId);
    });
  }

  /**
   * This node no longer runs the session (cluster: it stepped down): its audio rooms
   * close, and everyone in them is told to join again, which reaches the new owner.
   */
  dropSession(sessionId: string): void {
    for (const [socketId, p] of [...this.peers]) {
      if (p.sessionId !== sessionId) continue;
      this.leave(socketId, 'moved', false);
      p.peer.emit('audio.status', { enabled: true, restart: true, reason: 'moved' });
    }
    this.mics.dropSession(sessionId);
  }

  /** For tests and metrics: the audio rooms and how many peers are in each. */
  snapshot(): { key: string; routers: number; producers: number; peers: number }[] {
    return [...this.rooms.values()].map((r) => ({
      key: r.key,
      routers: r.slots.length,
      producers: r.producers.size,
      peers: [...this.peers.values()].filter((p) => p.room === r).length,
    }));
  }

  /** The audio room of a session's room, while anyone is in it. */
  room(sessionId: string, roomId: string): AudioRoom | null {
    const room = this.rooms.get(`${sessionId}:${roomId}`);
    return room && !room.isClosed ? room : null;
  }

  private readonly producerListeners = new Set<(sessionId: string, roomId: string) => void>();

  /** Told whenever someone starts or stops being heard in a room, or the room closes. */
  onProducers(listener: (sessionId: string, roomId: string) => void): void {
    this.producerListeners.add(listener);
  }

  private producersChanged(sessionId: string, roomId: string): void {
    for (const l of this.producerListeners) l(sessionId, roomId);
  }

  close(): void {
    for (const id of [...this.peers.keys()]) this.leave(id, 'left');
    for (const room of this.rooms.values()) room.close();
    this.rooms.clear();
  }

  private may(host: LiveSession, participantId: string): boolean {
    return mayProduce(host.state, participantId);
  }

  private peerOf(peer: MediaPeer): Peer {
    const p = this.peers.get(peer.socketId);
    if (!p) throw new CommandError('CONFLICT', 'Join the audio of your room first (audio.join).');
    return p;
  }

  /** Joins of one connection run one after another, so two in flight cannot leave a stray transport. */
  private readonly joining = new Map<string, Promise<unknown>>();
  private readonly gone = new Set<string>();

  private join(peer: MediaPeer): Promise<AudioJoined> {
    const before = this.joining.get(peer.socketId) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(() => this.joinNow(peer));
    const tail = run.catch(() => undefined);
    this.joining.set(peer.socketId, tail);
    void tail.then(() => {
      if (this.joining.get(peer.socketId) === tail) this.joining.delete(peer.socketId);
    });
    return run;
  }

  private async joinNow(peer: MediaPeer): Promise<AudioJoined> {
    const state = peer.host.state;
    if (state.closedAt !== null) throw new CommandError('SESSION_CLOSED', 'This session has ended.');
    if (this.opts.pool.workers.length === 0) throw new CommandError('UNAVAILABLE', 'Audio is not available right now; everything else works.');
    // Joining again (after a move, or a worker that died) starts from nothing.
    this.leave(peer.socketId, 'left', false);
    const roomId = state.participants[peer.participantId]!.roomId;
    const key = `${peer.host.id}:${roomId}`;
    let room = this.rooms.get(key);
    if (!room || room.isClosed) {
      const sessionId = peer.host.id;
      room = new AudioRoom(
        key,
        this.opts.pool,
        this.opts.consumersPerRouter,
        (participantId) => this.speaking(key, roomId, participantId),
        () => this.producersChanged(sessionId, roomId),
      );
      this.rooms.set(key, room);
      this.roomOf.set(room, { sessionId: peer.host.id, roomId });
    }
    room.joining += 1;
    let slot: RouterSlot;
    let recv: types.WebRtcTransport;
    try {
      slot = await room.slotForPeer();
      recv = await this.transport(slot);
    } finally {
      room.joining -= 1;
    }
    if (this.gone.has(peer.socketId)) {
      recv.close();
      this.closeIfEmpty(room);
      throw new CommandError('CONFLICT', 'The connection closed while joining.');
    }
    const entry: Peer = { peer, sessionId: peer.host.id, roomId, room, slot, recv, send: null, producer: null, channel: null, consumers: new Map(), told: '' };
    this.peers.set(peer.socketId, entry);
    const news = this.newsFor(entry);
    // The answer carries what an audio.producers message would: the peer knows it already.
    entry.told = JSON.stringify(news);
    const { roomId: _roomId, ...rest } = news;
    return { roomId, routerRtpCapabilities: slot.router.rtpCapabilities, recvTransport: transportOptions(recv), ...rest };
  }

  /** Who can be heard in the peer's room, and whether the peer may speak. */
  private newsFor(p: Peer) {
    const state = p.peer.host.state;
    return {
      roomId: p.roomId,
      producers: this.producersFor(p),
      openMic: state.rooms[p.roomId]?.openMic ?? false,
      mayProduce: this.may(p.peer.host, p.peer.participantId),
      language: this.heardBy(p),
    };
  }

  private async transport(slot: RouterSlot): Promise<types.WebRtcTransport> {
    const listenIps = [{ ip: this.opts.listenIp, ...(this.opts.announcedIp ? { announcedIp: this.opts.announcedIp } : {}) }];
    return slot.router.createWebRtcTransport({ listenIps, enableUdp: true, enableTcp: true, preferUdp: true });
  }

  private async connect(peer: MediaPeer, { transportId, dtlsParameters }: CommandPayload<'audio.connect'>): Promise<undefined> {
    const p = this.peerOf(peer);
    const transport = p.recv.id === transportId ? p.recv : p.send?.id === transportId ? p.send : null;
    if (!transport) throw new CommandError('NOT_FOUND', 'There is no such transport of yours.');
    // dtlsState stays 'new' until the browser's DTLS handshake, so remember the call ourselves.
    if (this.connected.has(transport)) throw new CommandError('CONFLICT', 'This transport is already connected.');
    this.connected.add(transport);
    await transport.connect({ dtlsParameters: dtlsParameters as types.DtlsParameters }).catch((err: unknown) => {
      this.connected.delete(transport);
      mediaError(err);
    });
    return undefined;
  }

  private async createSendTransport(peer: MediaPeer): Promise<TransportOptions> {
    const p = this.peerOf(peer);
    // An interpreter sends into their channel, so a send transport is theirs while they may interpret.
    const post = peer.host.state.participants[peer.participantId]?.interpreting ?? null;
    if (!this.may(peer.host, peer.participantId)) {
      const refusal = post ? interpretingRefusal(peer.host.state, peer.participantId, post.language) : 'Only the person who has the floor may speak.';
      if (refusal !== null) throw new CommandError('FORBIDDEN', refusal);
    }
    if (p.producer && !p.producer.closed) throw new CommandError('CONFLICT', 'You are already sending audio.');
    // A fresh transport each time: a browser cannot connect a second time to one it already connected.
    p.send?.close();
    p.send = await this.transport(p.slot);
    return transportOptions(p.send);
  }

  private async produce(peer: MediaPeer, { transportId, rtpParameters, language }: CommandPayload<'audio.produce'>): Promise<{ producerId: string }> {
    const p = this.peerOf(peer);
    const channel = language ?? null;
    const refuse = (): never => {
      const why = channel === null ? null : interpretingRefusal(peer.host.state, peer.participantId, channel);
      throw new CommandError('FORBIDDEN', why ?? 'Only the person who has the floor may speak.');
    };
    if (!mayProduceInto(peer.host.state, peer.participantId, channel)) refuse();
    if (!p.send || p.send.id !== transportId) throw new CommandError('NOT_FOUND', 'There is no such send transport of yours.');
    if (p.producer && !p.producer.closed) throw new CommandError('CONFLICT', 'You are already sending audio.');
    const producer = await p.send
      .produce({ kind: 'audio', rtpParameters: rtpParameters as types.RtpParameters, appData: { participantId: peer.participantId, language: channel } })
      .catch(mediaError);
    // The floor may have moved while mediasoup was busy: check again before anyone hears it.
    if (!mayProduceInto(peer.host.state, peer.participantId, channel) || !this.peers.has(peer.socketId)) {
      producer.close();
      refuse();
    }
    p.producer = producer;
    p.channel = channel;
    await p.room.addProducer(p.slot, producer, peer.participantId, peer.socketId, channel);
    this.announce(p.room);
    return { producerId: producer.id };
  }

  private async stopSpeaking(peer: MediaPeer): Promise<undefined> {
    const p = this.peerOf(peer);
    if (!p.producer && !p.send) throw new CommandError('CONFLICT', 'You are not sending audio.');
    const producer = p.producer;
    p.producer = null;
    producer?.close();
    p.send?.close();
    p.send = null;
    if (producer) this.announce(p.room);
    return undefined;
  }

  private async consume(peer: MediaPeer, { producerId, rtpCapabilities }: CommandPayload<'audio.consume'>) {
    const p = this.peerOf(peer);
    const source = p.room.producers.get(producerId);
    // Producers of other rooms and sessions are indistinguishable from absent ones.
    if (!source) throw new CommandError('NOT_FOUND', 'There is no such speaker in your room.');
    if (source.socketId === peer.socketId) throw new CommandError('CONFLICT', 'You cannot listen to yourself.');
    if (source.language !== null && source.language !== this.heardBy(p))
      throw new CommandError('FORBIDDEN', 'You are not listening in this language; choose it first (audio.setLanguage).');
    if (![...p.consumers.values()].every((c) => c.producerId !== producerId)) throw new CommandError('CONFLICT', 'You are already listening to this speaker.');
    let canConsume = false;
    try {
      canConsume = p.slot.router.canConsume({ producerId, rtpCapabilities: rtpCapabilities as types.RtpCapabilities });
    } catch (err) {
      mediaError(err);
    }
    if (!canConsume) throw new CommandError('CONFLICT', 'Your device cannot receive this audio (no codec in common).');
    const consumer = await p.recv.consume({ producerId, rtpCapabilities: rtpCapabilities as types.RtpCapabilities, paused: true }).catch(mediaError);
    p.consumers.set(consumer.id, consumer);
    p.slot.consumers += 1;
    p.slot.pooled.consumers += 1;
    consumer.observer.once('close', () => {
      if (p.consumers.delete(consumer.id)) {
        p.slot.consumers -= 1;
        p.slot.pooled.consumers -= 1;
      }
    });
    return { consumerId: consumer.id, producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters, participantId: source.participantId };
  }

  private async resume(peer: MediaPeer, { consumerId }: CommandPayload<'audio.resume'>): Promise<undefined> {
    const consumer = this.peerOf(peer).consumers.get(consumerId);
    if (!consumer) throw new CommandError('NOT_FOUND', 'There is no such consumer of yours.');
    await consumer.resume().catch(mediaError);
    return undefined;
  }

  /** What a peer hears: the floor, and over it the interpreters of the language they chose, if any is speaking. */
  private producersFor(p: Peer): AudioProducerInfo[] {
    const language = this.heardBy(p);
    return [...p.room.producers.values()]
      .filter((x) => x.socketId !== p.peer.socketId && (x.language === null || x.language === language))
      .map((x) => ({ producerId: x.producer.id, participantId: x.participantId, language: x.language }));
  }

  /** The channel a peer hears: the language they chose while an interpreter speaks into it, else the original (null). */
  private heardBy(p: Peer): string | null {
    const chosen = this.chosen.get(p.peer.socketId);
    if (chosen === undefined) return null;
    for (const x of p.room.producers.values()) if (x.language === chosen && x.socketId !== p.peer.socketId) return chosen;
    return null;
  }

  /**
   * Listen in a language, or the original. The choice is kept for the connection; the
   * peer's consumers of other channels close at once, and the peer is told which
   * producers it now hears (and which channel that is: a language with no interpreter
   * speaking falls back to the original).
   */
  private setLanguage(peer: MediaPeer, { language }: CommandPayload<'audio.setLanguage'>): { language: string | null; chosen: string | null } {
    if (language === null) this.chosen.delete(peer.socketId);
    else this.chosen.set(peer.socketId, language);
    const p = this.peers.get(peer.socketId);
    if (!p) return { language: null, chosen: language };
    const heard = this.heardBy(p);
    for (const consumer of [...p.consumers.values()]) {
      const source = p.room.producers.get(consumer.producerId);
      if (source && source.language !== null && source.language !== heard) consumer.close();
    }
    this.announce(p.room);
    return { language: heard, chosen: language };
  }

  /** A closed room is heard by nobody: its watchers are told so. */
  private quiet(room: AudioRoom): void {
    const at = this.roomOf.get(room);
    if (!at) return;
    this.mics.changed(at.sessionId, at.roomId, []);
    this.producersChanged(at.sessionId, at.roomId);
  }

  /** Whose microphone is live in each of a session's rooms (rooms with nobody heard are left out). */
  private micsOf(sessionId: string): MicsView[] {
    const out: MicsView[] = [];
    for (const room of this.rooms.values()) {
      const at = this.roomOf.get(room);
      if (at?.sessionId === sessionId && !room.isClosed && room.producers.size > 0) out.push({ roomId: at.roomId, live: liveIn(room) });
    }
    return out;
  }

  /** Tell everyone in a room who can be heard now, and whether they themselves may speak. */
  private announce(room: AudioRoom): void {
    const at = this.roomOf.get(room);
    if (at) this.mics.changed(at.sessionId, at.roomId, liveIn(room));
    for (const p of this.peers.values()) {
      if (p.room !== room) continue;
      const msg = this.newsFor(p);
      // Every session change passes through here (a question, an upvote…); only news is sent.
      const told = JSON.stringify(msg);
      if (told === p.told) continue;
      p.told = told;
      p.peer.emit('audio.producers', msg);
    }
  }

  private speaking(key: string, roomId: string, participantId: string | null): void {
    for (const p of this.peers.values()) if (p.room.key === key) p.peer.emit('audio.speaking', { roomId, participantId });
  }

  /**
   * After every change to a session: whoever may no longer be heard loses their
   * producer, whoever moved room loses their audio (and joins the new room's), and
   * everyone learns whether they may speak now.
   */
  private enforce(host: LiveSession, events: readonly SessionEvent[], state: SessionState, reason?: ClosedReason): void {
    const touched = new Set<AudioRoom>();
    for (const [socketId, p] of [...this.peers]) {
      if (p.sessionId !== host.id) continue;
      const participant = state.participants[p.peer.participantId];
      if (!participant || participant.removed || state.closedAt !== null || participant.roomId !== p.roomId) {
        this.leave(socketId, 'moved');
        p.peer.emit('audio.status', { enabled: true, restart: participant !== undefined && !participant.removed && state.closedAt === null, reason: 'moved' });
        continue;
      }
      touched.add(p.room);
      if (p.producer && !p.producer.closed && !mayProduceInto(state, p.peer.participantId, p.channel)) {
        const micOff = events.some((e) => e.type === 'audio.open-mic-set' && !e.payload.open && e.payload.roomId === p.roomId);
        this.closeProducer(p, reason ?? (state.participants[p.peer.participantId]?.audioMuted ? 'muted' : micOff ? 'open-mic-off' : 'turn-ended'));
      }
    }
    for (const room of touched) this.announce(room);
  }

  private closeProducer(p: Peer, reason: ClosedReason): void {
    const producer = p.producer;
    if (!producer) return;
    p.producer = null;
    producer.close();
    // The send transport goes too: without it the client cannot even try until it may speak again.
    p.send?.close();
    p.send = null;
    p.peer.emit('audio.producer-closed', { producerId: producer.id, reason });
  }

  private leave(socketId: string, reason: ClosedReason, announce = true): void {
    const p = this.peers.get(socketId);
    if (!p) return;
    this.peers.delete(socketId);
    // Joining again while heard (audio.join twice) must not leave the others listing a closed producer.
    const wasHeard = p.producer !== null && !p.producer.closed;
    if (p.producer) this.closeProducer(p, reason);
    p.recv.close();
    p.send?.close();
    if (!this.closeIfEmpty(p.room) && (announce || wasHeard)) this.announce(p.room);
  }

  /** A room nobody is in or joining goes away, and its routers with it. */
  private closeIfEmpty(room: AudioRoom): boolean {
    if (room.joining > 0 || [...this.peers.values()].some((x) => x.room === room)) return false;
    room.close();
    if (this.rooms.get(room.key) === room) this.rooms.delete(room.key);
    this.quiet(room);
    return true;
  }

  /** A worker died: its rooms are closed, and their peers told to join again (on a live worker). */
  private rebuild(dead: types.Worker): void {
    for (const room of [...this.rooms.values()]) {
      if (!room.usesWorker(dead)) continue;
      const peers = [...this.peers.values()].filter((p) => p.room === room);
      for (const p of peers) this.peers.delete(p.peer.socketId);
      room.close();
      this.rooms.delete(room.key);
      this.quiet(room);
      // Audio stays enabled: the pool is replacing the worker, and a join retried with back-off lands on it.
      for (const p of peers) p.peer.emit('audio.status', { enabled: true, restart: true, reason: 'worker-died' });
    }
  }
}

function transportOptions(t: types.WebRtcTransport): TransportOptions {
  return { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
}

/** mediasoup refuses parameters it cannot use with TypeError; anything else is ours. */
function mediaError(err: unknown): never {
  if (err instanceof TypeError) throw new CommandError('VALIDATION_FAILED', `The media parameters were refused: ${err.message}`);
  throw err;
}

/** Participants heard in a room, each once, in a stable order (a list that did not change compares equal). */
function liveIn(room: AudioRoom): string[] {
  return [...new Set([...room.producers.values()].map((p) => p.participantId))].sort();
}
