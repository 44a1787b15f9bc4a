import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per server instance, so tests can run several servers in one process. */
export function createMetrics(store: { writeStats?: { batches: number; ops: number } } = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    commands: new Counter({
      name: 'townhall_commands_total',
      help: 'Commands received over the control channel, by name and outcome code',
      labelNames: ['command', 'outcome'] as const,
      registers: [registry],
    }),
    connections: new Gauge({
      name: 'townhall_connections',
      help: 'Open control-channel connections',
      registers: [registry],
    }),
    slowReadersCut: new Counter({
      name: 'townhall_slow_readers_cut_total',
      help: 'Connections cut off because too much was waiting to be sent to them, by channel',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    // Group commit at work: writes per commit is writes_total / commits_total.
    storeCommits: new Gauge({
      name: 'townhall_store_commits_total',
      help: 'Transactions committed (each one fsync) by the store writer',
      registers: [registry],
      collect() {
        if (store.writeStats) this.set(store.writeStats.batches);
      },
    }),
    storeWrites: new Gauge({
      name: 'townhall_store_writes_total',
      help: 'Writes (event appends, document updates, snapshots) carried by those commits',
      registers: [registry],
      collect() {
        if (store.writeStats) this.set(store.writeStats.ops);
      },
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
