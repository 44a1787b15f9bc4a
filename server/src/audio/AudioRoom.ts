import type { types } from 'mediasoup';
import { MEDIA_CODECS } from './mediaCodecs.js';
import type { PooledWorker, WorkerPool } from './WorkerPool.js';

export interface RouterSlot {
  router: types.Router;
  pooled: PooledWorker;
  consumers: number;
}

interface RoomProducer {
  producer: types.Producer;
  participantId: string;
  socketId: string;
  /** The channel it feeds: null for the original (the floor), else an interpreter's language. */
  language: string | null;
}

/**
 * The audio of one room of one session. It starts on one router; when that router
 * holds `consumersPerRouter` listeners, the next listeners get a router on the least
 * loaded worker and every producer is piped there (`pipeToRouter`), so one speaker
 * reaches more listeners than one worker could serve.
 */
export class AudioRoom {
  readonly slots: RouterSlot[] = [];
  readonly producers = new Map<string, RoomProducer>();
  private observer: types.AudioLevelObserver | null = null;
  private closed = false;
  /** Joins under way: a room is not closed for want of peers while someone is joining it. */
  joining = 0;
  /** Router creation is serialised, so two listeners arriving together do not both open a router. */
  private growing: Promise<RouterSlot> | null = null;

  constructor(
    readonly key: string,
    private readonly pool: WorkerPool,
    private readonly consumersPerRouter: number,
    private readonly onSpeaking: (participantId: string | null) => void,
    /** Someone started or stopped being heard here (automatic captions follow the floor holder's producer). */
    private readonly onProducers: () => void = () => undefined,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** The router that hears every producer of the room (each is made there or piped to it). */
  get home(): types.Router | null {
    return this.slots[0]?.router ?? null;
  }

  usesWorker(worker: types.Worker): boolean {
    return this.slots.some((s) => s.pooled.worker === worker);
  }

  /** A router for one more peer: an existing one with room to spare, or a new one. */
  async slotForPeer(): Promise<RouterSlot> {
    const free = this.slots.find((s) => s.consumers < this.consumersPerRouter);
    if (free) return free;
    this.growing ??= this.addRouter().finally(() => (this.growing = null));
    return this.growing;
  }

  async addProducer(slot: RouterSlot, producer: types.Producer, participantId: string, socketId: string, language: string | null = null): Promise<void> {
    this.producers.set(producer.id, { producer, participantId, socketId, language });
    producer.observer.once('close', () => {
      this.producers.delete(producer.id);
      this.onProducers();
    });
    for (const other of this.slots) {
      if (other !== slot) await slot.router.pipeToRouter({ producerId: producer.id, router: other.router });
    }
    // Who is speaking means who holds the floor: an interpreter's voice is not the speaker's.
    if (language === null) await this.observer?.addProducer({ producerId: producer.id }).catch(() => undefined);
    this.onProducers();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.slots) {
      s.pooled.consumers -= s.consumers;
      s.router.close();
    }
    this.slots.length = 0;
    this.producers.clear();
  }

  private async addRouter(): Promise<RouterSlot> {
    const pooled = this.pool.leastLoaded();
    const router = await pooled.worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    const slot: RouterSlot = { router, pooled, consumers: 0 };
    if (this.closed) {
      router.close();
      throw new Error('the audio room closed');
    }
    if (this.slots.length === 0) {
      // The first router hears every producer (the others are piped to it), so it measures who speaks.
      this.observer = await router.createAudioLevelObserver({ maxEntries: 1, threshold: -60, interval: 400 });
      this.observer.on('volumes', (volumes) => {
        const loudest = volumes[0] && this.producers.get(volumes[0].producer.id);
        this.onSpeaking(loudest ? loudest.participantId : null);
      });
      this.observer.on('silence', () => this.onSpeaking(null));
    } else {
      // Every producer is already on the first router (made there or piped to it): pipe from there.
      const home = this.slots[0]!.router;
      for (const p of this.producers.values()) await home.pipeToRouter({ producerId: p.producer.id, router });
    }
    this.slots.push(slot);
    return slot;
  }
}
