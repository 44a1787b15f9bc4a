import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import compression from 'compression';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { DRAFTING_PATH, DraftingServer } from './drafting/DraftingServer.js';
import { errorHandler, sendError } from './http/errors.js';
import { healthRoutes } from './http/health.js';
import { outcomeApi } from './http/outcomeApi.js';
import { publicPageApi } from './http/publicPageApi.js';
import { sessionsApi } from './http/sessionsApi.js';
import { privacyApi } from './http/privacyApi.js';
import { RetentionSweeper } from './privacy/RetentionSweeper.js';
import { setupApi } from './http/setupApi.js';
import { staticClient } from './http/staticClient.js';
import { createMetrics } from './metrics.js';
import { OutcomeService } from './outcome/OutcomeService.js';
import { SigningKey } from './outcome/SigningKey.js';
import type { DocStore } from './ports/DocStore.js';
import type { EventStore } from './ports/EventStore.js';
import type { OutboxStore } from './ports/OutboxStore.js';
import { ControlChannel } from './realtime/ControlChannel.js';
import { localSessions, SessionRegistry } from './session/SessionRegistry.js';
import { SqliteStore } from './store/SqliteStore.js';
import { RedisStore } from './store/redis/RedisStore.js';
import { ClusterNode } from './cluster/ClusterNode.js';
import { DraftRelay } from './cluster/DraftRelay.js';
import { ClusterPresence } from './cluster/ClusterPresence.js';
import { ClusterMedia } from './cluster/ClusterMedia.js';
import { Presence } from './realtime/Presence.js';
import { hostname } from 'node:os';
import { startCaptions } from './captions/startCaptions.js';
import type { AutoCaptioner } from './captions/AutoCaptioner.js';

/** How often a clustered node looks at the shared outbox when nothing told it to. */
const WEBHOOK_POLL_MS = 2_000;

/** The node-bus topic of captioners' lines in progress. */
const LIVE_LINES_TOPIC = 'captions.live';

/** Connections waiting to be accepted; the kernel caps it at net.core.somaxconn. */
export const LISTEN_BACKLOG = 4096;

/** Every port the core needs from storage; SqliteStore provides them all in one file. */
/** Commits made by the store and the writes they carried, when the store batches (group commit). */
export type Store = EventStore & DocStore & { readonly outbox: OutboxStore; readonly writeStats?: { batches: number; ops: number } };

/** Audio is optional: switched off, or without a worker, the server runs and says audio is off. */
async function startAudioIfEnabled(config: Config, registry: SessionRegistry, logger: Logger) {
  if (!config.audio) {
    logger.info('audio is switched off (TOWNHALL_AUDIO=off)');
    return null;
  }
  try {
    const { startAudio } = await import('./audio/startAudio.js');
    const audio = await startAudio(config.audio, registry, logger);
    logger.info({ workers: audio.pool.workers.length }, 'audio rooms are on');
    return audio;
  } catch (err) {
    logger.warn({ err }, 'audio is off: no mediasoup worker could start (see docs/AUDIO-INSTALL.md); everything else works');
    return null;
  }
}

export interface Townhall {
  http: HttpServer;
  registry: SessionRegistry;
  store: Store;
  /** null on a single node. */
  cluster: ClusterNode | null;
  outcomes: OutcomeService;
  signingKey: SigningKey;
  /** null when audio is off. */
  audio: Awaited<ReturnType<typeof startAudioIfEnabled>>;
  /** null when automatic captions are off on this server (switched off, no audio, or no recogniser). */
  captions: AutoCaptioner | null;
  channel: ControlChannel;
  drafting: DraftingServer;
  listen(): Promise<{ port: number; host: string }>;
  /** Graceful: refuse new work, finish what is in flight, then close everything. */
  close(): Promise<void>;
}

/** Wires the adapters around the session core. `main.ts` runs it; tests start as many as they like. */
export async function createTownhall(config: Config, logger: Logger, given?: Store): Promise<Townhall> {
  const store: Store = given ?? (config.cluster ? new RedisStore(config.cluster.redisUrl, { prefix: config.cluster.prefix }) : new SqliteStore(config.dataDir));
  const metrics = createMetrics(store);
  // The relay needs the cluster node, which needs the drafting server: bound once both exist.
  let cluster: ClusterNode | null = null;
  const relay = config.cluster
    ? new DraftRelay({
        nodeId: config.cluster.nodeId,
        ownerAddress: (sessionId) => cluster?.ownerAddress(sessionId) ?? Promise.resolve(null),
        logger,
        maxFrameBytes: config.yjs.maxFrameBytes,
        pingIntervalMs: config.yjs.pingIntervalMs,
      })
    : undefined;
  const drafting = new DraftingServer({
    relay,
    store,
    logger,
    allowedOrigins: config.allowedOrigins,
    ...config.yjs,
    onSlowReader: () => metrics.slowReadersCut.inc({ channel: 'drafting' }),
  });
  const hostOptions = { logger, snapshotEvery: config.snapshotEvery, drafts: drafting };
  cluster =
    config.cluster && store instanceof RedisStore
      ? new ClusterNode({
          ...config.cluster,
          store,
          host: hostOptions,
          commands: { perSecond: config.commandsPerSecond, burst: config.commandBurst },
          logger,
        })
      : null;
  const registry = new SessionRegistry(cluster ?? localSessions({ store, ...hostOptions }), logger);
  const { loaded, failed } = await registry.loadAll();
  await cluster?.start(registry);
  if (cluster)
    logger.info({ sessions: loaded, failed: failed.length, nodeId: cluster.nodeId, owns: cluster.owned().length }, 'cluster mode: following every session in Redis');
  else logger.info({ sessions: loaded, failed: failed.length, dataDir: config.dataDir }, 'sessions restored from the log');
  const signingKey = SigningKey.loadOrCreate(config.signingKeyFile);
  logger.info({ keyId: signingKey.info.keyId }, 'exports are signed with this key');
  const audio = await startAudioIfEnabled(config, registry, logger);
  // In a cluster a session's audio rooms are on its owner's workers; signalling from other nodes is forwarded there.
  const media =
    cluster && config.audio
      ? new ClusterMedia({ nodeId: cluster.nodeId, link: cluster.link, local: audio?.service ?? null, registry, ownerOf: (id) => cluster!.ownerOf(id), logger })
      : (audio?.service ?? null);
  if (cluster && media instanceof ClusterMedia) cluster.useMedia(media);
  const captions = await startCaptions(config.captions, audio?.service ?? null, registry, logger);
  // In a cluster the outbox is shared: another node's attempts and a dead node's claims are noticed by looking.
  const webhooks = cluster ? { ...config.webhooks, pollMs: WEBHOOK_POLL_MS } : config.webhooks;
  const outcomes = new OutcomeService({ registry, store, outbox: store.outbox, key: signingKey, logger, webhooks, publicUrl: config.publicUrl });
  outcomes.start();
  const retention = config.retention.days === null ? null : new RetentionSweeper({ registry, ...config.retention, days: config.retention.days, logger });

  let ready = false;
  let draining = false;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  // upgrade-insecure-requests would send a plain-HTTP deployment's own scripts to https and break the page;
  // TLS belongs to the reverse proxy (docs/DEPLOYMENT.md), which sets HSTS there.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  // gzip or brotli, as the browser asks, for everything over 1 KiB: the client's scripts, the exports, JSON.
  app.use(compression());
  app.use(express.json({ limit: '256kb' }));
  app.use(healthRoutes({ store, metrics: metrics.registry, isReady: () => ready && !draining, cluster }));
  app.use(outcomeApi({ registry, outcomes, outbox: store.outbox, key: signingKey, privateTargets: config.webhooks.privateTargets }));
  app.use(publicPageApi({ registry, outcomes, publicUrl: config.publicUrl }));
  app.use(
    '/api',
    sessionsApi({
      registry,
      store,
      adminToken: config.adminToken,
      publicUrl: config.publicUrl,
      isDraining: () => draining,
      joinsPerAddress: config.joinsPerAddress,
      liveAudio: media !== null,
      captionsEngine: captions?.engineName ?? null,
    }),
  );
  // After the sessions API, whose guard answers every /api request with 503 while the server shuts down.
  app.use('/api', privacyApi({ registry, adminToken: config.adminToken }));
  app.use('/api', setupApi({ adminToken: config.adminToken, captionsEngine: captions?.engineName ?? null }));
  app.use('/api', (_req, res) => sendError(res, { code: 'NOT_FOUND', message: 'No such endpoint.' }));
  app.use(staticClient());
  app.use(errorHandler(logger));

  const http = createServer(app);
  const presence = new Presence();
  const channel = new ControlChannel(http, {
    liveLineBus: cluster
      ? {
          send: (sessionId, line) => cluster.link.announce(LIVE_LINES_TOPIC, { sessionId, line }),
          onReceive: (handler) => cluster.onAnnouncement(LIVE_LINES_TOPIC, handler),
        }
      : null,
    presence,
    registry,
    logger,
    metrics,
    broadcastMs: config.broadcastMs,
    presenceMs: config.presenceMs,
    holdFromSockets: config.holdFromSockets,
    maxMessageBytes: config.maxMessageBytes,
    commandsPerSecond: config.commandsPerSecond,
    commandBurst: config.commandBurst,
    commandTimeoutMs: config.commandTimeoutMs,
    maxConnectionsPerParticipant: config.maxConnectionsPerParticipant,
    maxQueuedBytes: config.maxQueuedBytes,
    allowedOrigins: config.allowedOrigins,
    media,
  });
  drafting.attach(http, registry);
  const sharedPresence = config.cluster
    ? new ClusterPresence(config.cluster.redisUrl, {
        prefix: config.cluster.prefix,
        nodeId: config.cluster.nodeId,
        presence,
        intervalMs: config.presenceMs,
        sessions: () => registry.all().map((s) => s.id),
        onChangeElsewhere: (sessionId) => channel.presenceChangedElsewhere(sessionId),
        logger,
      })
    : null;
  await sharedPresence?.start();
  http.on('upgrade', (req, socket) => {
    const path = (req.url ?? '').split('?')[0]!;
    // Socket.IO and the Yjs endpoint take their own paths; any other upgrade is refused, not left hanging.
    if (!path.startsWith('/socket.io/') && !path.startsWith(DRAFTING_PATH)) socket.destroy();
  });
  // A malformed request line or TLS garbage must not take the process down.
  http.on('clientError', (_err, socket) => socket.destroy());

  return {
    http,
    registry,
    store,
    cluster,
    outcomes,
    signingKey,
    audio,
    captions,
    channel,
    drafting,
    async listen() {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        // A published link brings thousands in the same minute; Node's default accept backlog (511)
        // drops the connections beyond it, and a dropped SYN is retried after 1, 3, 7, 15 s.
        http.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => resolve());
      });
      ready = true;
      retention?.start();
      const { port, address } = http.address() as AddressInfo;
      if (cluster) {
        const reachable = config.cluster?.nodeUrl ?? `http://${address === '0.0.0.0' || address === '::' ? hostname() : address}:${port}`;
        await cluster.advertise(reachable);
      }
      logger.info({ port, host: address }, 'listening');
      return { port, host: address };
    },
    async close() {
      draining = true;
      await retention?.close();
      channel.startDraining();
      await registry.drain();
      // Leases handed back, so the other nodes take this node's sessions over at once.
      await sharedPresence?.close();
      await cluster?.close();
      registry.dispose();
      await outcomes.close();
      await captions?.close();
      audio?.service.close();
      await audio?.pool.close();
      // Drafting first: its upgraded sockets would otherwise hold the HTTP server open while Socket.IO waits for it.
      await drafting.close();
      await channel.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await store.close();
      logger.info('closed');
    },
  };
}
