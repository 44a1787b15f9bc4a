import { createTownhall } from './app.js';
import { IdleHeapTrim } from './common/IdleHeapTrim.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);

if (!config.adminToken) {
  logger.warn('TOWNHALL_ADMIN_TOKEN is not set: anyone who can reach this server may create sessions');
}

const townhall = await createTownhall(config, logger);
await townhall.listen();

if (config.idleHeapTrimMb > 0) {
  const mb = (n: number) => Math.round(n / 2 ** 20);
  new IdleHeapTrim({
    intervalMs: 2_000,
    minGrowthBytes: config.idleHeapTrimMb * 2 ** 20,
    // A 10 000-citizen plenary at rest keeps the loop about 7 % busy (head counts, pings).
    idleBelow: 0.25,
    cooldownMs: 60_000,
    onTrim: (t) =>
      logger.info(
        { oldSpaceBeforeMb: mb(t.before.committed), oldSpaceAfterMb: mb(t.after.committed), usedMb: mb(t.after.used), ms: Math.round(t.ms) },
        'idle: heap trimmed',
      ),
  });
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing in-flight writes');
  const timer = setTimeout(() => {
    logger.error('shutdown timed out; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs);
  timer.unref();
  try {
    await townhall.close();
    process.exit(0);
  } catch (err) {
    logger.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
