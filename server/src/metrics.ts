import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per server instance, so tests can run several servers in one process. */
export function createMetrics() {
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
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
