import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';

export interface WorkerPoolOptions {
  size: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  logger: Logger;
}

export interface PooledWorker {
  /** Position in the pool; a replacement takes the same slot. */
  slot: number;
  worker: types.Worker;
  /** Consumers placed on this worker's routers: what the load balancing counts. */
  consumers: number;
}

/**
 * One mediasoup worker per core. A worker that dies is replaced in its slot, and the
 * pool says so ('died') at once, so that whoever had routers on it can rebuild them.
 */
export class WorkerPool extends EventEmitter<{ died: [dead: types.Worker] }> {
  private readonly slots: (PooledWorker | null)[] = [];
  private closed = false;

  private constructor(private readonly opts: WorkerPoolOptions) {
    super();
  }

  static async start(opts: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(opts);
    for (let slot = 0; slot < opts.size; slot++) pool.slots.push(await pool.spawn(slot));
    return pool;
  }

  get workers(): readonly PooledWorker[] {
    return this.slots.filter((w): w is PooledWorker => w !== null);
  }

  /** The live worker with the fewest consumers. */
  leastLoaded(): PooledWorker {
    const live = this.workers;
    if (live.length === 0) throw new Error('no mediasoup worker is running');
    return live.reduce((a, b) => (b.consumers < a.consumers ? b : a));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.workers) w.worker.close();
    this.slots.length = 0;
  }

  private async spawn(slot: number): Promise<PooledWorker> {
    const worker = await mediasoup.createWorker({
      logLevel: 'warn',
      rtcMinPort: this.opts.rtcMinPort,
      rtcMaxPort: this.opts.rtcMaxPort,
    });
    const pooled: PooledWorker = { slot, worker, consumers: 0 };
    worker.on('died', (error) => {
      this.opts.logger.error({ err: error, pid: worker.pid, slot }, 'mediasoup worker died; replacing it');
      this.slots[slot] = null;
      // Rooms on it are rebuilt at once, on the workers still alive; the slot refills in the background.
      this.emit('died', worker);
      void this.replace(slot);
    });
    return pooled;
  }

  private async replace(slot: number): Promise<void> {
    if (this.closed) return;
    try {
      this.slots[slot] = await this.spawn(slot);
      this.opts.logger.info({ slot, pid: this.slots[slot]!.worker.pid }, 'mediasoup worker replaced');
    } catch (err) {
      this.opts.logger.error({ err, slot }, 'mediasoup worker could not be replaced');
    }
  }
}
