import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parsePrivateTargets } from './outcome/webhookTargets.js';

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const list = z
  .string()
  .optional()
  .transform((s) =>
    s
      ? s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : null,
  );

/** Every setting, from the environment, with defaults that run a single node out of the box. */
const envSchema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  TOWNHALL_DATA_DIR: z.string().default('./data'),
  TOWNHALL_PUBLIC_URL: z.string().url().optional(),
  TOWNHALL_ADMIN_TOKEN: z.string().min(16).optional(),
  TOWNHALL_ALLOWED_ORIGINS: list,
  TOWNHALL_SNAPSHOT_EVERY: int(500, 1, 1_000_000),
  TOWNHALL_BROADCAST_MS: int(50, 0, 5000),
  TOWNHALL_PRESENCE_MS: int(1000, 0, 60_000),
  TOWNHALL_HOLD_FROM_SOCKETS: int(500, 1, 10_000_000),
  TOWNHALL_MAX_MESSAGE_BYTES: int(64 * 1024, 1024, 16 * 1024 * 1024),
  TOWNHALL_COMMANDS_PER_SECOND: int(10, 1, 10_000),
  TOWNHALL_COMMAND_BURST: int(30, 1, 10_000),
  TOWNHALL_SHUTDOWN_TIMEOUT_MS: int(10_000, 0, 600_000),
  // Growth of the old space in MB after which an idle server compacts it (IdleHeapTrim); 0 never does.
  TOWNHALL_IDLE_HEAP_TRIM_MB: int(64, 0, 1_000_000),
  // A command whose write has not returned by then is answered UNAVAILABLE (clients wait 10 s for an ack).
  TOWNHALL_COMMAND_TIMEOUT_MS: int(8_000, 100, 600_000),
  // Joins per client address: a council's NAT can bring hundreds at once (the burst); a flood cannot keep it up.
  TOWNHALL_JOIN_RATE_PER_ADDRESS: int(5, 1, 1_000_000),
  TOWNHALL_JOIN_BURST_PER_ADDRESS: int(300, 1, 1_000_000),
  // Open connections per participant, on each channel (control, drafting): tabs and devices, not a flood.
  TOWNHALL_MAX_CONNECTIONS_PER_PARTICIPANT: int(8, 1, 1000),
  // Data waiting for one control connection that does not read; over it, the connection is cut.
  TOWNHALL_MAX_QUEUED_BYTES: int(1024 * 1024, 16 * 1024, 1024 * 1024 * 1024),
  TOWNHALL_YJS_MAX_FRAME_BYTES: int(1024 * 1024, 1024, 64 * 1024 * 1024),
  TOWNHALL_YJS_MAX_DOC_BYTES: int(10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  // Editor bindings send an awareness update per cursor move: fast typists reach 15 a second.
  TOWNHALL_YJS_AWARENESS_PER_SECOND: int(50, 1, 10_000),
  TOWNHALL_YJS_AWARENESS_BURST: int(100, 1, 10_000),
  TOWNHALL_YJS_COMPACT_EVERY: int(500, 2, 1_000_000),
  TOWNHALL_YJS_PING_MS: int(30_000, 100, 600_000),
  TOWNHALL_YJS_SYNC_PER_SECOND: int(5, 1, 10_000),
  TOWNHALL_YJS_SYNC_BURST: int(20, 1, 10_000),
  TOWNHALL_YJS_MAX_QUEUED_BYTES: int(8 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
  TOWNHALL_YJS_BROADCAST_MS: int(20, 0, 1000),
  /** Ed25519 key (PKCS#8 PEM) that signs exports; generated there on first run. Default: <data dir>/signing-key.pem. */
  TOWNHALL_SIGNING_KEY_FILE: z.string().optional(),
  // Days after a session closes until every participant's personal data is erased; "off" keeps it (docs/PRIVACY.md).
  TOWNHALL_RETENTION_DAYS: z
    .union([z.literal('off'), z.coerce.number().min(0).max(36_500)])
    .default(30)
    .transform((d) => (d === 'off' ? null : d)),
  TOWNHALL_RETENTION_SWEEP_MS: int(3_600_000, 50, 86_400_000),
  TOWNHALL_WEBHOOK_BASE_DELAY_MS: int(5_000, 1, 3_600_000),
  TOWNHALL_WEBHOOK_MAX_DELAY_MS: int(3_600_000, 1, 86_400_000),
  TOWNHALL_WEBHOOK_MAX_ATTEMPTS: int(15, 1, 1000),
  TOWNHALL_WEBHOOK_TIMEOUT_MS: int(10_000, 100, 120_000),
  // Webhooks to loopback, private, link-local and metadata addresses are refused; "true" allows all of them, a list of CIDR ranges only those.
  TOWNHALL_WEBHOOK_ALLOW_PRIVATE: z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parsePrivateTargets(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  TOWNHALL_AUDIO: z.enum(['on', 'off']).default('on'),
  TOWNHALL_AUDIO_WORKERS: int(availableParallelism(), 1, 256),
  TOWNHALL_AUDIO_LISTEN_IP: z.string().default('127.0.0.1'),
  TOWNHALL_AUDIO_ANNOUNCED_IP: z.string().optional(),
  TOWNHALL_AUDIO_RTC_MIN_PORT: int(40000, 1024, 65535),
  TOWNHALL_AUDIO_RTC_MAX_PORT: int(49999, 1024, 65535),
  // mediasoup's guidance is about 500 consumers per worker; a router per worker stays below it.
  TOWNHALL_AUDIO_CONSUMERS_PER_ROUTER: int(400, 1, 100_000),
  // Automatic captions (docs/CAPTIONS.md): on where the recogniser is installed, off otherwise or when asked.
  TOWNHALL_CAPTIONS_ENGINE: z.enum(['pocketsphinx', 'off']).default('pocketsphinx'),
  TOWNHALL_POCKETSPHINX_BIN: z.string().min(1).default('pocketsphinx_continuous'),
  TOWNHALL_POCKETSPHINX_MODEL: z.string().min(1).default('/usr/share/pocketsphinx/model/en-us/en-us'),
  TOWNHALL_OPUSDEC_BIN: z.string().min(1).default('opusdec'),
  // Cluster mode (docs/CLUSTER.md): set the URL and the node shares its sessions with every node on the same Redis.
  TOWNHALL_REDIS_URL: z.string().url().optional(),
  TOWNHALL_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,32}$/)
    .default('th'),
  TOWNHALL_NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .optional(),
  // Where the other nodes reach this one (drafting connections are carried to a session's owner); default: this host and port.
  TOWNHALL_NODE_URL: z.string().url().optional(),
  TOWNHALL_LEASE_TTL_MS: int(5_000, 500, 600_000),
  TOWNHALL_FORWARD_TIMEOUT_MS: int(5_000, 100, 120_000),
  TOWNHALL_TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.TOWNHALL_DATA_DIR),
    publicUrl: e.TOWNHALL_PUBLIC_URL ?? null,
    adminToken: e.TOWNHALL_ADMIN_TOKEN ?? null,
    allowedOrigins: e.TOWNHALL_ALLOWED_ORIGINS,
    snapshotEvery: e.TOWNHALL_SNAPSHOT_EVERY,
    broadcastMs: e.TOWNHALL_BROADCAST_MS,
    presenceMs: e.TOWNHALL_PRESENCE_MS,
    holdFromSockets: e.TOWNHALL_HOLD_FROM_SOCKETS,
    maxMessageBytes: e.TOWNHALL_MAX_MESSAGE_BYTES,
    commandsPerSecond: e.TOWNHALL_COMMANDS_PER_SECOND,
    commandBurst: e.TOWNHALL_COMMAND_BURST,
    shutdownTimeoutMs: e.TOWNHALL_SHUTDOWN_TIMEOUT_MS,
    idleHeapTrimMb: e.TOWNHALL_IDLE_HEAP_TRIM_MB,
    commandTimeoutMs: e.TOWNHALL_COMMAND_TIMEOUT_MS,
    joinsPerAddress: { perSecond: e.TOWNHALL_JOIN_RATE_PER_ADDRESS, burst: e.TOWNHALL_JOIN_BURST_PER_ADDRESS },
    maxConnectionsPerParticipant: e.TOWNHALL_MAX_CONNECTIONS_PER_PARTICIPANT,
    maxQueuedBytes: e.TOWNHALL_MAX_QUEUED_BYTES,
    yjs: {
      maxFrameBytes: e.TOWNHALL_YJS_MAX_FRAME_BYTES,
      maxDocBytes: e.TOWNHALL_YJS_MAX_DOC_BYTES,
      awarenessPerSecond: e.TOWNHALL_YJS_AWARENESS_PER_SECOND,
      awarenessBurst: e.TOWNHALL_YJS_AWARENESS_BURST,
      compactEvery: e.TOWNHALL_YJS_COMPACT_EVERY,
      pingIntervalMs: e.TOWNHALL_YJS_PING_MS,
      syncPerSecond: e.TOWNHALL_YJS_SYNC_PER_SECOND,
      syncBurst: e.TOWNHALL_YJS_SYNC_BURST,
      maxQueuedBytes: e.TOWNHALL_YJS_MAX_QUEUED_BYTES,
      broadcastMs: e.TOWNHALL_YJS_BROADCAST_MS,
      maxConnectionsPerParticipant: e.TOWNHALL_MAX_CONNECTIONS_PER_PARTICIPANT,
    },
    retention: { days: e.TOWNHALL_RETENTION_DAYS, sweepMs: e.TOWNHALL_RETENTION_SWEEP_MS },
    signingKeyFile: resolve(e.TOWNHALL_SIGNING_KEY_FILE ?? join(e.TOWNHALL_DATA_DIR, 'signing-key.pem')),
    webhooks: {
      baseDelayMs: e.TOWNHALL_WEBHOOK_BASE_DELAY_MS,
      maxDelayMs: e.TOWNHALL_WEBHOOK_MAX_DELAY_MS,
      maxAttempts: e.TOWNHALL_WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: e.TOWNHALL_WEBHOOK_TIMEOUT_MS,
      privateTargets: e.TOWNHALL_WEBHOOK_ALLOW_PRIVATE,
    },
    audio:
      e.TOWNHALL_AUDIO === 'off'
        ? null
        : {
            workers: e.TOWNHALL_AUDIO_WORKERS,
            rtcMinPort: e.TOWNHALL_AUDIO_RTC_MIN_PORT,
            rtcMaxPort: e.TOWNHALL_AUDIO_RTC_MAX_PORT,
            listenIp: e.TOWNHALL_AUDIO_LISTEN_IP,
            announcedIp: e.TOWNHALL_AUDIO_ANNOUNCED_IP ?? null,
            consumersPerRouter: e.TOWNHALL_AUDIO_CONSUMERS_PER_ROUTER,
          },
    captions:
      e.TOWNHALL_CAPTIONS_ENGINE === 'off'
        ? null
        : { engine: e.TOWNHALL_CAPTIONS_ENGINE, binary: e.TOWNHALL_POCKETSPHINX_BIN, model: e.TOWNHALL_POCKETSPHINX_MODEL, opusdec: e.TOWNHALL_OPUSDEC_BIN },
    cluster: e.TOWNHALL_REDIS_URL
      ? {
          redisUrl: e.TOWNHALL_REDIS_URL,
          prefix: e.TOWNHALL_REDIS_PREFIX,
          // Unique per process: a restarted node must not be mistaken for the one whose leases it would inherit.
          nodeId: e.TOWNHALL_NODE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
          nodeUrl: e.TOWNHALL_NODE_URL ?? null,
          leaseTtlMs: e.TOWNHALL_LEASE_TTL_MS,
          forwardTimeoutMs: e.TOWNHALL_FORWARD_TIMEOUT_MS,
        }
      : null,
    trustProxy: e.TOWNHALL_TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
  };
}
