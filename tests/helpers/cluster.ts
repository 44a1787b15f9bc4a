import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'redis';
import { startRedis, type RedisProcess } from './redis.js';
import { removeDir, spawnServer, tempDataDir, type ServerProcess } from './server.js';

export interface ClusterNodeProcess extends ServerProcess {
  nodeId: string;
}

export interface TestCluster {
  redis: RedisProcess;
  nodes: ClusterNodeProcess[];
  /** Start node `i` again (after a kill), with the same id and settings. */
  restart(i: number): Promise<ClusterNodeProcess>;
  /** Which node holds a session's lease now, and at which epoch (read from Redis itself). */
  lease(sessionId: string): Promise<{ nodeId: string; epoch: number } | null>;
  stop(): Promise<void>;
}

/** Short leases, so failover in a test takes about two seconds rather than five; long enough that a node slowed by a busy CI machine keeps its leases. */
export const TEST_LEASE_TTL_MS = 2000;

/**
 * A real cluster: a redis-server on a free port and `n` server processes (the real
 * entry point) in cluster mode against it, each on its own port. They share one signing
 * key, as a deployment's nodes must: the first node creates it, the others read it.
 */
export async function startCluster(n: number, env: Record<string, string> = {}): Promise<TestCluster> {
  const redis = await startRedis();
  const dataDir = tempDataDir();
  const envFor = (i: number) => ({
    TOWNHALL_REDIS_URL: redis.url,
    TOWNHALL_NODE_ID: `node-${i}`,
    TOWNHALL_LEASE_TTL_MS: String(TEST_LEASE_TTL_MS),
    TOWNHALL_FORWARD_TIMEOUT_MS: '2000',
    // The server answers a command stuck on its write before the test client's 3 s ack timeout.
    TOWNHALL_COMMAND_TIMEOUT_MS: '2500',
    ...env,
  });
  const nodes: ClusterNodeProcess[] = [];
  const spawnNode = async (i: number): Promise<ClusterNodeProcess> => {
    const node = { ...(await spawnServer(dataDir, envFor(i))), nodeId: `node-${i}` };
    // CLUSTER_LOGS=<dir> keeps each node's log lines, to read after a failure.
    const logs = process.env.CLUSTER_LOGS;
    if (logs) node.child.stdout!.on('data', (d) => appendFileSync(join(logs, `${node.nodeId}.log`), d));
    return node;
  };
  try {
    for (let i = 0; i < n; i++) nodes.push(await spawnNode(i));
  } catch (err) {
    for (const node of nodes) node.child.kill('SIGKILL');
    await redis.stop();
    removeDir(dataDir);
    throw err;
  }
  const reader = createClient({ url: redis.url, socket: { reconnectStrategy: () => 100 } });
  reader.on('error', () => undefined);
  return {
    redis,
    nodes,
    async restart(i) {
      nodes[i] = await spawnNode(i);
      return nodes[i]!;
    },
    async lease(sessionId) {
      if (!reader.isOpen) await reader.connect();
      const value = await reader.get(`th:{${sessionId}}:lease`);
      if (!value) return null;
      const cut = value.lastIndexOf('/');
      return { nodeId: value.slice(0, cut), epoch: Number(value.slice(cut + 1)) };
    },
    async stop() {
      for (const node of nodes) {
        node.child.kill('SIGCONT');
        node.child.kill('SIGKILL');
      }
      await Promise.all(nodes.map((node) => node.exited));
      if (reader.isOpen) await reader.close().catch(() => undefined);
      await redis.stop();
      removeDir(dataDir);
    },
  };
}
