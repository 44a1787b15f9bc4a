import { Router } from 'express';
import type { Registry } from 'prom-client';
import type { EventStore } from '../ports/EventStore.js';

export interface HealthOptions {
  store: EventStore;
  metrics: Registry;
  isReady: () => boolean;
  /** In cluster mode: this node's id and the sessions it owns now (for operators and load balancers' checks). */
  cluster?: { nodeId: string; owned(): string[] } | null;
}

/** Liveness says the process answers; readiness says it can take traffic (store reachable, not shutting down). */
export function healthRoutes(opts: HealthOptions): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (!opts.isReady()) return void res.status(503).json({ status: 'not-ready' });
    try {
      await opts.store.ping();
      res.json({ status: 'ready', ...(opts.cluster ? { node: opts.cluster.nodeId, owns: opts.cluster.owned() } : {}) });
    } catch {
      res.status(503).json({ status: 'store-unavailable' });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(opts.metrics.contentType).send(await opts.metrics.metrics());
  });
  return router;
}
