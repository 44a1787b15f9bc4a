/**
 * `npm run cluster:local`: a three-node cluster on this machine, to try cluster mode.
 *
 * It starts a redis-server (Debian's `redis-server`, durable as docs/CLUSTER.md asks:
 * appendonly, appendfsync always, noeviction) with its data in ./data/cluster/redis,
 * three townhall nodes on 127.0.0.1:3001-3003 sharing one signing key, and a
 * round-robin TCP balancer on http://localhost:3000 in front of them, with no session
 * affinity. Open http://localhost:3000, create a session, join from several tabs:
 * each connection lands on the next node. Kill a node (its pid is printed) and watch
 * the session carry on. Ctrl-C stops everything; the data stays for the next run.
 *
 * Ports: BALANCER_PORT (3000), NODE_PORTS (3001,3002,3003), REDIS_PORT (6390).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { resolve } from 'node:path';

const balancerPort = Number(process.env.BALANCER_PORT ?? 3000);
const nodePorts = (process.env.NODE_PORTS ?? '3001,3002,3003').split(',').map(Number);
const redisPort = Number(process.env.REDIS_PORT ?? 6390);
const dataDir = resolve('data/cluster');
const redisDir = resolve(dataDir, 'redis');
mkdirSync(redisDir, { recursive: true });

const children: ChildProcess[] = [];
function stopAll(code = 0): never {
  for (const c of children) c.kill('SIGTERM');
  process.exit(code);
}
process.on('SIGINT', () => stopAll());
process.on('SIGTERM', () => stopAll());

async function waitFor(port: number, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => (s.end(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error(`${what} did not start on port ${port}`);
  stopAll(1);
}

const redis = spawn(
  'redis-server',
  [
    '--port',
    String(redisPort),
    '--bind',
    '127.0.0.1',
    '--dir',
    redisDir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--maxmemory-policy',
    'noeviction',
    '--save',
    '',
  ],
  { stdio: 'ignore' },
);
redis.on('error', () => {
  console.error('redis-server is not installed: apt-get install redis-server (docs/CLUSTER.md)');
  stopAll(1);
});
children.push(redis);
await waitFor(redisPort, 'redis-server');
console.log(`redis-server  pid ${redis.pid}  127.0.0.1:${redisPort}  data ${redisDir}`);

for (const [i, port] of nodePorts.entries()) {
  const node = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      TOWNHALL_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      TOWNHALL_NODE_ID: `node-${i + 1}`,
      TOWNHALL_PUBLIC_URL: `http://localhost:${balancerPort}`,
      // Every node signs exports with the same key: the first node creates it, the others read it.
      TOWNHALL_SIGNING_KEY_FILE: resolve(dataDir, 'signing-key.pem'),
      TOWNHALL_DATA_DIR: dataDir,
      TOWNHALL_TRUST_PROXY: 'false',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(node);
  await waitFor(port, `node-${i + 1}`);
  console.log(`node-${i + 1}        pid ${node.pid}  http://127.0.0.1:${port}`);
}

// Round robin per TCP connection: a WebSocket stays on the node it reached, the next one goes to the next node.
let next = 0;
const balancer = createServer((client: Socket) => {
  const port = nodePorts[next++ % nodePorts.length]!;
  const upstream = connect(port, '127.0.0.1');
  client.pipe(upstream).pipe(client);
  const drop = () => (client.destroy(), upstream.destroy());
  client.on('error', drop);
  upstream.on('error', drop);
});
balancer.listen(balancerPort, () => {
  console.log(`\nbalancer      http://localhost:${balancerPort}  (round robin over ${nodePorts.length} nodes, no affinity)`);
  console.log('Kill a node with kill -9 <pid>; its sessions move to another within the lease (5 s). Ctrl-C stops everything.');
});
