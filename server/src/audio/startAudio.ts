import type { Logger } from 'pino';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import { AudioService } from './AudioService.js';
import { WorkerPool } from './WorkerPool.js';

export interface AudioConfig {
  workers: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  listenIp: string;
  announcedIp: string | null;
  consumersPerRouter: number;
}

/**
 * Starts the worker pool and the audio adapter. Loaded with a dynamic import, so a
 * server whose mediasoup worker is missing still starts, with audio off.
 */
export async function startAudio(config: AudioConfig, registry: SessionRegistry, logger: Logger): Promise<{ service: AudioService; pool: WorkerPool }> {
  const pool = await WorkerPool.start({ size: config.workers, rtcMinPort: config.rtcMinPort, rtcMaxPort: config.rtcMaxPort, logger });
  const service = new AudioService({
    pool,
    registry,
    logger,
    listenIp: config.listenIp,
    announcedIp: config.announcedIp,
    consumersPerRouter: config.consumersPerRouter,
  });
  return { service, pool };
}
