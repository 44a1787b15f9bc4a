import type { types as ms } from 'mediasoup-client';
import type { Ack, AudioEvents, AudioJoined, AudioProducerInfo, CommandInput, CommandName, ErrorCode } from '../../../../shared/src/index.js';
import type { ControlClient } from '../../ControlClient';

/** Why the server closed this device's microphone (audio.producer-closed). */
export type MicClosedReason = Parameters<AudioEvents['audio.producer-closed']>[0]['reason'];

/** What went wrong: a refusal by the server, or something on this device. */
export type AudioError = ErrorCode | 'MIC_DENIED' | 'MIC_UNAVAILABLE' | 'UNSUPPORTED' | 'MEDIA';

export interface AudioState {
  /** Whether the server has live audio: null until it said, false when it is switched off there. */
  enabled: boolean | null;
  /**
   * off: not listening. joining: first connection. listening: hearing the room.
   * reconnecting: the server asked this device to join again (a room move, a media
   * worker that died, a lost connection) and it is doing so, with backoff.
   */
  phase: 'off' | 'joining' | 'listening' | 'reconnecting';
  mic: 'off' | 'starting' | 'on';
  /** The audio room joined (the participant's room), while joined. */
  roomId: string | null;
  /** Whether the server would take this device's microphone now (floor, facilitator, open mic); only known while joined. */
  mayProduce: boolean;
  openMic: boolean;
  /** Who this device hears now, in order of arrival. */
  speakers: AudioProducerInfo[];
  /** Whom the server measures as speaking now (loudest above its threshold), or null. */
  speaking: string | null;
  /** Why the server turned this device's microphone off, until it is turned on again. */
  micClosed: MicClosedReason | null;
  error: AudioError | null;
  /** The language chosen to listen in (null: the original). */
  chosenLanguage: string | null;
  /** The channel actually heard: the chosen language while its interpreter speaks, else null (the original). */
  language: string | null;
  /** The channel this device's microphone feeds: an interpreter's language, or null for the original. */
  micLanguage: string | null;
}

/** What the controller needs from the session: the control channel and a command sender that waits out reconnects. */
export interface AudioSignalling {
  readonly client: ControlClient;
  command<N extends CommandName>(name: N, payload: CommandInput<N>): Promise<Ack>;
}

/** Plain-object stats for tests and diagnostics (RTCStatsReport entries, JSON-safe). */
export interface AudioStats {
  consumers: { producerId: string; participantId: string; language: string | null; consumerId: string; closed: boolean; reports: Record<string, unknown>[] }[];
  producer: { producerId: string; closed: boolean; reports: Record<string, unknown>[] } | null;
}

interface Heard {
  consumer: ms.Consumer;
  participantId: string;
  language: string | null;
  element: HTMLAudioElement;
}

/** One joined audio room: a device loaded with that router's capabilities, its transports, producer and consumers. */
class Link {
  closed = false;
  send: ms.Transport | null = null;
  /** The server keeps a send transport once made, and a connected one cannot be connected again. */
  sendConnected = false;
  producer: ms.Producer | null = null;
  readonly consumers = new Map<string, Heard>();
  constructor(
    readonly device: ms.Device,
    readonly recv: ms.Transport,
    readonly roomId: string,
  ) {}
}

class SignalError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Before the server has said anything about audio. */
export const INITIAL_AUDIO_STATE: AudioState = {
  enabled: null,
  phase: 'off',
  mic: 'off',
  roomId: null,
  mayProduce: false,
  openMic: false,
  speakers: [],
  speaking: null,
  micClosed: null,
  error: null,
  chosenLanguage: null,
  language: null,
  micLanguage: null,
};

/** How loud the floor stays under an interpreter: still there (who speaks, their tone), but not in the way. */
export const DUCKED_FLOOR_VOLUME = 0.2;

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 4_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** mediasoup-client is only loaded once someone listens: nobody pays for it who does not. */
let mediasoupClient: Promise<typeof import('mediasoup-client')> | null = null;
const loadMediasoup = () => (mediasoupClient ??= import('mediasoup-client'));

/**
 * The live audio of one participant's room, framework-free: mediasoup-client's Device
 * driven by the audio.* commands of the control channel.
 *
 * Listening needs no microphone: it joins the room (audio.join), loads the router's
 * capabilities, opens a receive transport and consumes every producer the server names,
 * each played through an <audio autoplay> element it manages. Speaking is only tried
 * when asked (startMic): the server decides whether this participant may be heard
 * (audio.createSendTransport is refused without the floor), and only then is the
 * microphone requested.
 *
 * The server can take things away at any time: it closes the producer when the turn
 * ends (audio.producer-closed), and asks the client to join again after a room move or
 * when a media worker died (audio.status restart). The controller rejoins by itself,
 * with backoff while the server answers UNAVAILABLE, and if it was speaking and still
 * may, it speaks again with the same microphone track (no second permission prompt).
 */
export class AudioController {
  private state: AudioState;
  private readonly listeners = new Set<(s: AudioState) => void>();
  private link: Link | null = null;
  private wantListen = false;
  private wantMic = false;
  private micTrack: MediaStreamTrack | null = null;
  /** The channel the microphone feeds: null for the original, an interpreter's language otherwise. */
  private micLanguage: string | null = null;
  private generation = 0;
  private joined: Promise<void> | null = null;
  private wanted: AudioProducerInfo[] = [];
  /**
   * News the server sent after answering audio.join but before the device was set up
   * (loading mediasoup-client is asynchronous): it is newer than the answer, so setUp uses it.
   * Dropping it once left a listener deaf to a speaker who produced in that gap.
   */
  private newsDuringSetUp: Parameters<AudioEvents['audio.producers']>[0] | null = null;
  private settingUp = false;
  private syncing = false;
  private resync = false;
  /** Producers the server closed before this device learned their id (the close can overtake produce()). */
  private readonly closedEarly = new Map<string, MicClosedReason>();
  private readonly unsubscribe: (() => void)[] = [];
  private disposed = false;
  /** Where the <audio> elements live: out of the page's flow and of the accessibility tree. */
  readonly container: HTMLElement;

  constructor(private readonly signalling: AudioSignalling) {
    const status = signalling.client.audioStatus;
    this.state = { ...INITIAL_AUDIO_STATE, enabled: status ? status.enabled || status.restart : null };
    this.container = document.createElement('div');
    this.container.hidden = true;
    this.container.dataset.testid = 'audio-elements';
    document.body.append(this.container);
    const socket = signalling.client.socket;
    const on = <E extends keyof AudioEvents>(event: E, handler: AudioEvents[E]) => {
      // socket.io's typings cannot follow a generic event name; the handler type is checked above.
      const s = socket as unknown as { on(e: string, f: unknown): void; off(e: string, f: unknown): void };
      s.on(event, handler);
      this.unsubscribe.push(() => s.off(event, handler));
    };
    on('audio.status', (s) => this.onStatus(s));
    on('audio.producers', (m) => this.onProducers(m));
    on('audio.producer-closed', (m) => this.onProducerClosed(m.producerId, m.reason));
    on('audio.speaking', (m) => {
      if (this.link && m.roomId === this.link.roomId && m.participantId !== this.state.speaking) this.set({ speaking: m.participantId });
    });
    const onDisconnect = () => {
      // The server drops this connection's audio with it; join again once the connection is back.
      if (!this.wantListen) return;
      this.generation++;
      this.dropLink();
      this.set({ phase: 'reconnecting', speakers: [], speaking: null, roomId: null, mayProduce: false, ...(this.wantMic ? { mic: 'starting' as const } : {}) });
    };
    socket.on('disconnect', onDisconnect);
    this.unsubscribe.push(() => socket.off('disconnect', onDisconnect));
  }

  getState = (): AudioState => this.state;

  subscribe = (listener: (s: AudioState) => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** off, listening or speaking: the short answer. */
  get mode(): 'off' | 'listening' | 'speaking' {
    if (this.state.mic === 'on') return 'speaking';
    return this.state.phase === 'off' ? 'off' : 'listening';
  }

  /** The <audio> elements playing the room, one per speaker heard (for tests). */
  get audioElements(): HTMLAudioElement[] {
    return [...(this.link?.consumers.values() ?? [])].map((h) => h.element);
  }

  /** Join the room's audio and hear everyone who may be heard. Needs no microphone. Resolves once joined (or given up). */
  listen(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.wantListen && this.joined) return this.joined;
    this.wantListen = true;
    this.set({ error: null });
    return this.join('joining');
  }

  /** Leave the room's audio: nothing is heard or sent any more. */
  stopListening(): void {
    if (!this.wantListen) return;
    this.wantListen = false;
    this.wantMic = false;
    this.generation++;
    const hadLink = this.link !== null;
    this.dropLink();
    this.releaseMic();
    this.joined = null;
    if (hadLink) void this.signalling.command('audio.leave', {});
    this.set({ phase: 'off', mic: 'off', roomId: null, mayProduce: false, openMic: false, speakers: [], speaking: null });
  }

  /**
   * Turn the microphone on: a send transport (which the server refuses unless this
   * participant may speak), then the microphone, then the producer. Resolves with the
   * reason it did not work, or null when the microphone is on.
   */
  async startMic(language: string | null = null): Promise<AudioError | null> {
    if (this.disposed) return 'MEDIA';
    if (this.state.mic !== 'off') return null;
    this.micLanguage = language;
    this.set({ micLanguage: language });
    this.set({ mic: 'starting', micClosed: null, error: null });
    if (!this.link) await this.listen();
    const link = this.link;
    if (!link) {
      const error = this.state.error ?? 'UNAVAILABLE';
      this.set({ mic: 'off', error });
      return error;
    }
    this.wantMic = true;
    return this.produce(link);
  }

  /**
   * Turn the microphone off: the producer and send transport close here and on the
   * server (audio.stopSpeaking), and this device keeps hearing the room.
   */
  async stopMic(): Promise<void> {
    this.wantMic = false;
    this.releaseMic();
    this.set({ mic: 'off' });
    const link = this.link;
    if (!link) return;
    if (link.producer || link.send) this.stopSending(link);
  }

  /** Close the send side here and tell the server, which stops relaying it at once. */
  private stopSending(link: Link): void {
    const hadSend = Boolean(link.producer || link.send);
    this.closeSend(link);
    if (hadSend) void this.signalling.command('audio.stopSpeaking', {});
  }

  /**
   * Listen in a language (its interpreter over the ducked floor) or the original (null).
   * The server remembers it for this connection and says which channel is heard; a
   * language nobody interprets into right now is heard as the original.
   */
  async setLanguage(language: string | null): Promise<AudioError | null> {
    this.set({ chosenLanguage: language });
    if (!this.link) return null;
    const ack = await this.signalling.command('audio.setLanguage', { language });
    if (!ack.ok) return ack.error.code;
    this.set({ language: (ack.result as { language: string | null }).language });
    return null;
  }

  /** A control-channel command straight from the page, as the app would send it (for tests). */
  send<N extends CommandName>(name: N, payload: CommandInput<N>): Promise<Ack> {
    return this.signalling.client.send(name, payload);
  }

  /** The receive side (one entry per consumer) and the send side, as plain objects. */
  async getStats(): Promise<AudioStats> {
    const link = this.link;
    const plain = (report: RTCStatsReport) => [...report.values()].map((s: unknown) => ({ ...(s as Record<string, unknown>) }));
    if (!link) return { consumers: [], producer: null };
    const consumers: AudioStats['consumers'] = [];
    for (const [producerId, h] of link.consumers) {
      const reports = h.consumer.closed ? [] : plain(await h.consumer.getStats());
      consumers.push({ producerId, participantId: h.participantId, language: h.language, consumerId: h.consumer.id, closed: h.consumer.closed, reports });
    }
    const p = link.producer;
    const producer = p ? { producerId: p.id, closed: p.closed, reports: p.closed ? [] : plain(await p.getStats()) } : null;
    return { consumers, producer };
  }

  dispose(): void {
    if (this.disposed) return;
    this.stopListening();
    this.disposed = true;
    for (const off of this.unsubscribe) off();
    this.container.remove();
    this.listeners.clear();
  }

  // -- joining ---------------------------------------------------------------------

  private current(gen: number): boolean {
    return gen === this.generation && this.wantListen && !this.disposed;
  }

  /** (Re)join the room's audio, retrying with backoff while the server has no media worker. */
  private join(phase: 'joining' | 'reconnecting' | 'listening'): Promise<void> {
    const gen = ++this.generation;
    this.dropLink();
    // A microphone that was on comes back on after the rejoin (if still allowed): until then it is not heard.
    this.set({ phase, speakers: [], speaking: null, roomId: null, ...(this.wantMic ? { mic: 'starting' as const } : {}) });
    const run = async () => {
      let delay = BACKOFF_MIN_MS;
      while (this.current(gen)) {
        if (this.state.enabled === false) {
          this.giveUp('UNAVAILABLE');
          return;
        }
        // A new connection is a new listener to the server: say again which language this one hears.
        const sentLanguage = this.state.chosenLanguage;
        if (sentLanguage !== null) await this.signalling.command('audio.setLanguage', { language: sentLanguage });
        const ack = await this.signalling.command('audio.join', {});
        if (!this.current(gen)) return;
        if (ack.ok) {
          this.newsDuringSetUp = null;
          this.settingUp = true;
          try {
            await this.setUp(gen, ack.result as AudioJoined, sentLanguage);
          } finally {
            this.settingUp = false;
            this.newsDuringSetUp = null;
          }
          return;
        }
        if (ack.error.code !== 'UNAVAILABLE') {
          this.giveUp(ack.error.code);
          return;
        }
        // No media worker right now (or no connection): the server said so; try again, more slowly each time.
        if (this.state.phase !== 'joining') this.set({ phase: 'reconnecting' });
        await sleep(delay);
        delay = Math.min(delay * 2, BACKOFF_MAX_MS);
      }
    };
    const joined = run().catch((err: unknown) => {
      if (this.current(gen)) this.giveUp(err instanceof SignalError ? err.code : 'MEDIA');
      console.warn('townhall audio: joining failed', err);
    });
    this.joined = joined;
    return joined;
  }

  private giveUp(error: AudioError | null): void {
    this.wantListen = false;
    this.wantMic = false;
    this.generation++;
    this.dropLink();
    this.releaseMic();
    this.joined = null;
    this.set({ phase: 'off', mic: 'off', error, roomId: null, speakers: [], speaking: null });
  }

  private async setUp(gen: number, joined: AudioJoined, sentLanguage: string | null): Promise<void> {
    let device: ms.Device;
    try {
      const { Device } = await loadMediasoup();
      device = new Device();
      await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities as ms.RtpCapabilities });
    } catch (err) {
      if (!this.current(gen)) return;
      console.warn('townhall audio: this browser cannot play the room', err);
      this.giveUp('UNSUPPORTED');
      return;
    }
    if (!this.current(gen)) return;
    const recv = device.createRecvTransport(joined.recvTransport as ms.TransportOptions);
    const link = new Link(device, recv, joined.roomId);
    recv.on('connect', ({ dtlsParameters }, done, fail) =>
      this.relay(this.signalling.command('audio.connect', { transportId: recv.id, dtlsParameters }), () => done(), fail),
    );
    recv.on('connectionstatechange', (s) => {
      // ICE or DTLS gave up: start again from the beginning (the server makes a fresh transport).
      if (s === 'failed' && this.link === link && this.wantListen) void this.join('reconnecting');
    });
    this.link = link;
    const late = this.newsDuringSetUp?.roomId === joined.roomId ? this.newsDuringSetUp : null;
    const news = late ?? joined;
    this.wanted = news.producers;
    this.set({ phase: 'listening', roomId: joined.roomId, mayProduce: news.mayProduce, openMic: news.openMic, language: news.language, error: null });
    void this.sync();
    // A language chosen while joining (the choice is only kept until there is a link) is said now.
    if (this.state.chosenLanguage !== sentLanguage) void this.setLanguage(this.state.chosenLanguage);
    if (this.wantMic) {
      // Speaking before the restart: speak again if the server still allows it, with the same track.
      if (news.mayProduce) void this.produce(link);
      else {
        this.wantMic = false;
        this.releaseMic();
        this.set({ mic: 'off' });
      }
    }
  }

  private relay(ack: Promise<Ack>, done: (result: unknown) => void, fail: (err: Error) => void): void {
    ack.then(
      (a) => (a.ok ? done(a.result) : fail(new SignalError(a.error.code, a.error.message))),
      (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
    );
  }

  private dropLink(): void {
    const link = this.link;
    this.link = null;
    if (!link) return;
    link.closed = true;
    for (const producerId of [...link.consumers.keys()]) this.dropConsumer(link, producerId);
    link.producer?.close();
    link.send?.close();
    link.recv.close();
  }

  // -- hearing ---------------------------------------------------------------------

  private onStatus(s: { enabled: boolean; restart: boolean; reason: string | null }): void {
    if (s.restart) {
      // Told to join again: the room changed, or the media worker behind it died.
      this.set({ enabled: true });
      if (this.wantListen) void this.join('reconnecting');
      return;
    }
    this.set({ enabled: s.enabled });
    if (!s.enabled) {
      if (this.wantListen) this.giveUp('UNAVAILABLE');
      return;
    }
    if (s.reason !== null && this.wantListen) {
      // The server ended this device's audio for good (the session closed, or this participant was removed).
      this.giveUp(null);
      return;
    }
    // Said on every (re)connect: if this device was listening, the server has forgotten it.
    if (this.wantListen && !this.link) void this.join('reconnecting');
  }

  private onProducers(m: Parameters<AudioEvents['audio.producers']>[0]): void {
    if (!this.link && this.settingUp) this.newsDuringSetUp = m;
    if (!this.link || m.roomId !== this.link.roomId) return;
    this.wanted = m.producers;
    this.set({ mayProduce: m.mayProduce, openMic: m.openMic, language: m.language });
    void this.sync();
  }

  /** Bring the consumers in line with the producers the server named, one step at a time. */
  private async sync(): Promise<void> {
    this.resync = true;
    if (this.syncing) return;
    this.syncing = true;
    try {
      while (this.resync) {
        this.resync = false;
        const link = this.link;
        if (!link || link.closed) continue;
        const ids = new Set(this.wanted.map((p) => p.producerId));
        for (const producerId of [...link.consumers.keys()]) if (!ids.has(producerId)) this.dropConsumer(link, producerId);
        for (const p of this.wanted) {
          if (link.closed || this.resync) break;
          if (!link.consumers.has(p.producerId)) await this.consume(link, p);
        }
        this.duck(link);
        this.publishSpeakers();
      }
    } finally {
      this.syncing = false;
    }
  }

  private async consume(link: Link, p: AudioProducerInfo): Promise<void> {
    const caps = link.device.rtpCapabilities;
    const rtpCapabilities = { codecs: caps.codecs ?? [], headerExtensions: caps.headerExtensions ?? [] };
    const ack = await this.signalling.command('audio.consume', { producerId: p.producerId, rtpCapabilities } as CommandInput<'audio.consume'>);
    if (link.closed) return;
    if (!ack.ok) {
      // NOT_FOUND: the speaker stopped meanwhile; the next audio.producers says so. Anything else is worth a note.
      if (ack.error.code !== 'NOT_FOUND') console.warn('townhall audio: could not listen to a speaker', ack.error);
      return;
    }
    const r = ack.result as { consumerId: string; producerId: string; kind: 'audio'; rtpParameters: ms.RtpParameters; participantId: string };
    let consumer: ms.Consumer;
    try {
      consumer = await link.recv.consume({ id: r.consumerId, producerId: r.producerId, kind: 'audio', rtpParameters: r.rtpParameters });
    } catch (err) {
      if (!link.closed) console.warn('townhall audio: could not receive a speaker', err);
      return;
    }
    if (link.closed) {
      consumer.close();
      return;
    }
    const element = document.createElement('audio');
    element.autoplay = true;
    element.dataset.producerId = r.producerId;
    element.dataset.participantId = r.participantId;
    element.srcObject = new MediaStream([consumer.track]);
    this.container.append(element);
    element.dataset.language = p.language ?? '';
    link.consumers.set(r.producerId, { consumer, participantId: r.participantId, language: p.language, element });
    this.duck(link);
    this.publishSpeakers();
    // Consumers start paused on the server, so nothing is sent before the browser is ready to play it.
    const resumed = await this.signalling.command('audio.resume', { consumerId: r.consumerId });
    if (!resumed.ok && !link.closed) console.warn('townhall audio: could not resume a speaker', resumed.error);
    element.play().catch(() => {
      /* autoplay refused: the Listen button is the user gesture, so this is rare; the element stays and plays on the next gesture */
    });
  }

  /** The floor goes quiet under an interpreter, and comes back to full volume when none is heard. */
  private duck(link: Link): void {
    const interpreted = [...link.consumers.values()].some((h) => h.language !== null);
    for (const h of link.consumers.values()) if (h.language === null) h.element.volume = interpreted ? DUCKED_FLOOR_VOLUME : 1;
  }

  private dropConsumer(link: Link, producerId: string): void {
    const heard = link.consumers.get(producerId);
    if (!heard) return;
    link.consumers.delete(producerId);
    heard.consumer.close();
    heard.element.pause();
    heard.element.srcObject = null;
    heard.element.remove();
    this.duck(link);
    if (link === this.link) this.publishSpeakers();
  }

  private publishSpeakers(): void {
    const link = this.link;
    const speakers = link ? [...link.consumers].map(([producerId, h]) => ({ producerId, participantId: h.participantId, language: h.language })) : [];
    const same = speakers.length === this.state.speakers.length && speakers.every((s, i) => s.producerId === this.state.speakers[i]!.producerId);
    if (!same) this.set({ speakers });
  }

  // -- speaking --------------------------------------------------------------------

  private async produce(link: Link): Promise<AudioError | null> {
    this.set({ mic: 'starting' });
    const stale = () => link !== this.link || link.closed || !this.wantMic;
    const fail = (error: AudioError | null): AudioError | null => {
      const current = link === this.link && !link.closed;
      if (error && !stale()) {
        this.wantMic = false;
        this.releaseMic();
        this.set({ mic: 'off', error });
      } else if (!this.wantMic) this.set({ mic: 'off' });
      if (current) this.stopSending(link);
      return error;
    };
    const ack = await this.signalling.command('audio.createSendTransport', {});
    if (stale()) return fail(null);
    if (!ack.ok) return fail(ack.error.code);
    const send = link.device.createSendTransport(ack.result as ms.TransportOptions);
    link.send = send;
    send.on('connect', ({ dtlsParameters }, done, failed) => {
      link.sendConnected = true;
      this.relay(this.signalling.command('audio.connect', { transportId: send.id, dtlsParameters }), () => done(), failed);
    });
    send.on('produce', ({ rtpParameters }, done, failed) =>
      this.relay(
        this.signalling.command('audio.produce', {
          transportId: send.id,
          kind: 'audio',
          rtpParameters: forServer(rtpParameters),
          language: this.micLanguage,
        } as CommandInput<'audio.produce'>),
        (result) => done({ id: (result as { producerId: string }).producerId }),
        failed,
      ),
    );
    send.on('connectionstatechange', (s) => {
      if (s === 'failed' && link === this.link && this.wantListen) void this.join('reconnecting');
    });
    let track = this.micTrack;
    if (!track || track.readyState === 'ended') {
      if (!navigator.mediaDevices?.getUserMedia) return fail('MIC_UNAVAILABLE');
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        track = stream.getAudioTracks()[0] ?? null;
      } catch (err) {
        const name = err instanceof DOMException ? err.name : '';
        return fail(name === 'NotAllowedError' || name === 'SecurityError' ? 'MIC_DENIED' : 'MIC_UNAVAILABLE');
      }
      if (!track) return fail('MIC_UNAVAILABLE');
      this.micTrack = track;
      if (stale()) return fail(null);
    }
    let producer: ms.Producer;
    try {
      // The track is ours to stop (stopMic, or the server ending the turn); after a restart it is produced again.
      producer = await send.produce({ track, stopTracks: false });
    } catch (err) {
      return fail(err instanceof SignalError ? err.code : 'MEDIA');
    }
    link.producer = producer;
    if (stale()) {
      // Turned off while it was starting: the server already has the producer, so leave it properly.
      if (link === this.link && !link.closed) this.stopSending(link);
      else producer.close();
      return null;
    }
    const closedEarly = this.closedEarly.get(producer.id);
    if (closedEarly) {
      this.onProducerClosed(producer.id, closedEarly);
      return closedEarly === 'muted' ? 'FORBIDDEN' : null;
    }
    this.set({ mic: 'on', error: null });
    return null;
  }

  private onProducerClosed(producerId: string, reason: MicClosedReason): void {
    const link = this.link;
    if (!link?.producer || link.producer.id !== producerId) {
      if (this.state.mic === 'starting') this.closedEarly.set(producerId, reason);
      return;
    }
    this.wantMic = false;
    this.closeSend(link);
    this.releaseMic();
    this.set({ mic: 'off', micClosed: reason === 'left' ? null : reason });
  }

  /** The server closes the send transport with the producer; close ours too. */
  private closeSend(link: Link): void {
    link.producer?.close();
    link.producer = null;
    link.send?.close();
    link.send = null;
    link.sendConnected = false;
  }

  /** Stop the microphone track: the browser's recording indicator goes out. */
  private releaseMic(): void {
    this.micTrack?.stop();
    this.micTrack = null;
  }

  private set(patch: Partial<AudioState>): void {
    if (this.disposed) return;
    this.state = { ...this.state, ...patch };
    for (const l of [...this.listeners]) l(this.state);
  }
}

/**
 * The server checks media parameters against a strict schema of what it uses;
 * mediasoup-client adds fields the server's mediasoup does not know (msid), so only
 * the known ones are sent.
 */
function forServer(p: ms.RtpParameters) {
  return {
    ...(p.mid !== undefined ? { mid: p.mid } : {}),
    codecs: p.codecs.map((c) => ({
      mimeType: c.mimeType,
      payloadType: c.payloadType,
      clockRate: c.clockRate,
      ...(c.channels !== undefined ? { channels: c.channels } : {}),
      ...(c.parameters ? { parameters: c.parameters } : {}),
      ...(c.rtcpFeedback ? { rtcpFeedback: c.rtcpFeedback.map((f) => ({ type: f.type, ...(f.parameter !== undefined ? { parameter: f.parameter } : {}) })) } : {}),
    })),
    ...(p.headerExtensions
      ? {
          headerExtensions: p.headerExtensions.map((h) => ({
            uri: h.uri,
            id: h.id,
            ...(h.encrypt !== undefined ? { encrypt: h.encrypt } : {}),
            ...(h.parameters ? { parameters: h.parameters } : {}),
          })),
        }
      : {}),
    ...(p.encodings ? { encodings: p.encodings } : {}),
    ...(p.rtcp
      ? {
          rtcp: {
            ...(p.rtcp.cname !== undefined ? { cname: p.rtcp.cname } : {}),
            ...(p.rtcp.reducedSize !== undefined ? { reducedSize: p.rtcp.reducedSize } : {}),
            ...(p.rtcp.mux !== undefined ? { mux: p.rtcp.mux } : {}),
          },
        }
      : {}),
  };
}
