import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { SessionState } from '../../../shared/src/index.js';
import type { AudioService } from '../audio/AudioService.js';
import type { CaptionEngine, CaptionStream } from '../ports/CaptionEngine.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import { OpusDecoder } from './OpusDecoder.js';
import { rtpPayload } from './rtp.js';

/** One phrase for the session's record: the captions part appends it as an automatic caption. */
export interface AutomaticPhrase {
  roomId: string;
  speakerId: string | null;
  text: string;
  startedAt: number;
  endedAt: number;
  language: string;
}

export type PhraseSink = (sessionId: string, phrase: AutomaticPhrase) => Promise<void>;

export interface AutoCaptionerOptions {
  registry: SessionRegistry;
  audio: AudioService;
  engine: CaptionEngine;
  /** `opusdec` from opus-tools. */
  opusdec: string;
  logger: Logger;
}

/** The floor holder's audio on its way to the engine. */
interface Capture {
  producerId: string;
  transport: types.DirectTransport;
  decoder: OpusDecoder;
  stream: CaptionStream;
}

/**
 * Automatic captions on the session's owner: while a session has them switched on and
 * someone holds the floor in a room whose audio they are sending, their producer is
 * consumed on a DirectTransport, decoded to 16 kHz PCM and recognised; each phrase
 * goes to the sink. Nobody else's audio is ever recognised, and the capture stops
 * when the floor ends or the speaker's producer closes.
 */
export class AutoCaptioner {
  private readonly captures = new Map<string, Capture>();
  /** Changes to one room are applied one after another: starting a capture takes a few awaits. */
  private readonly chains = new Map<string, Promise<void>>();
  private sink: PhraseSink;
  private closed = false;

  constructor(private readonly opts: AutoCaptionerOptions) {
    // Each phrase becomes a `caption.added` marked automatic, decided by the session's owner (where this runs).
    this.sink = async (sessionId, phrase) => {
      const session = opts.registry.get(sessionId);
      if (!session) return;
      await session.addAutomaticCaption({ roomId: phrase.roomId, text: phrase.text, startedAt: phrase.startedAt, endedAt: phrase.endedAt, language: phrase.language });
    };
    opts.registry.onHost((host) =>
      host.onChange((_events, state) => {
        for (const roomId of Object.keys(state.rooms)) this.follow(host.id, roomId);
        // Rooms that went away (breakouts recalled) stop too.
        for (const key of this.captures.keys()) if (key.startsWith(`${host.id}:`)) this.follow(host.id, key.slice(host.id.length + 1));
      }),
    );
    opts.audio.onProducers((sessionId, roomId) => this.follow(sessionId, roomId));
  }

  get engineName(): string {
    return this.opts.engine.name;
  }

  /** Where recognised phrases go (by default: the log); returns where they went until now, so a sink can pass them on. */
  useSink(sink: PhraseSink): PhraseSink {
    const previous = this.sink;
    this.sink = sink;
    return previous;
  }

  /** For tests and metrics: the rooms being recognised now, as `sessionId:roomId`. */
  listening(): string[] {
    return [...this.captures.keys()];
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.captures.keys()].map((key) => this.stop(key)));
  }

  private follow(sessionId: string, roomId: string): void {
    const key = `${sessionId}:${roomId}`;
    const next = (this.chains.get(key) ?? Promise.resolve())
      .then(() => this.apply(sessionId, roomId, key))
      .catch((err: unknown) => this.opts.logger.warn({ err, sessionId, roomId }, 'automatic captions could not follow the floor'));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  /** The producer to recognise in a room now, if any. */
  private wanted(sessionId: string, roomId: string): { producerId: string; speakerId: string } | null {
    const state: SessionState | undefined = this.opts.registry.get(sessionId)?.state;
    if (this.closed || !state || state.closedAt !== null || !state.settings.automaticCaptions) return null;
    const speakerId = state.rooms[roomId]?.floor?.participantId;
    if (!speakerId) return null;
    const room = this.opts.audio.room(sessionId, roomId);
    const heard = room && [...room.producers.values()].find((p) => p.participantId === speakerId && !p.producer.closed);
    return heard ? { producerId: heard.producer.id, speakerId } : null;
  }

  private async apply(sessionId: string, roomId: string, key: string): Promise<void> {
    const want = this.wanted(sessionId, roomId);
    const have = this.captures.get(key);
    if (have?.producerId === want?.producerId) return;
    if (have) await this.stop(key);
    if (!want) return;
    const home = this.opts.audio.room(sessionId, roomId)?.home;
    if (!home) return;
    const transport = await home.createDirectTransport();
    const consumer = await transport.consume({ producerId: want.producerId, rtpCapabilities: home.rtpCapabilities }).catch((err: unknown) => {
      transport.close();
      throw err;
    });
    const { language } = this.opts.engine;
    const stream = this.opts.engine.start({ roomId, speakerId: want.speakerId }, (phrase) => {
      this.sink(sessionId, { roomId, speakerId: want.speakerId, language, ...phrase }).catch((err: unknown) =>
        this.opts.logger.warn({ err, sessionId, roomId }, 'an automatic caption could not be recorded'),
      );
    });
    // Times are the wall clock at the first packet plus the audio decoded since.
    let firstAt = 0;
    let decoded = 0;
    const decoder = new OpusDecoder(this.opts.opusdec, (pcm) => {
      stream.write(pcm, firstAt + (decoded / 16_000) * 1000);
      decoded += pcm.length;
    });
    consumer.on('rtp', (packet: Buffer) => {
      const rtp = rtpPayload(packet);
      if (!rtp) return;
      if (firstAt === 0) firstAt = Date.now();
      decoder.write(rtp.payload);
    });
    const capture: Capture = { producerId: want.producerId, transport, decoder, stream };
    this.captures.set(key, capture);
    // The room closing (its router) or the producer going ends the capture even without a session change.
    transport.observer.once('close', () => this.follow(sessionId, roomId));
    consumer.observer.once('close', () => this.follow(sessionId, roomId));
    this.opts.logger.info({ sessionId, roomId, speakerId: want.speakerId, engine: this.opts.engine.name }, 'automatic captions follow the floor');
  }

  private async stop(key: string): Promise<void> {
    const capture = this.captures.get(key);
    if (!capture) return;
    this.captures.delete(key);
    capture.transport.close();
    await capture.decoder.end();
    await capture.stream.end();
  }
}
