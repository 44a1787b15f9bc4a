import { spawn, type ChildProcess } from 'node:child_process';
import { createClient } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './ports.js';
import { removeDir, tempDataDir } from './server.js';

export interface RedisProcess {
  url: string;
  /** Its working directory: the append-only file lives here (appendonlydir/). */
  dir: string;
  /** The running server (replaced by `restart`): signal it for fault cases. */
  child: ChildProcess;
  /** Start it again on the same port and data directory (after a kill, say). */
  restart(): Promise<void>;
  /** Stop it and remove its data. */
  stop(): Promise<void>;
}

/**
 * A real redis-server of its own, on a free port (never 6379), durable as townhall
 * needs it (`appendonly yes`, `appendfsync always`), in a temporary directory. Tests
 * can signal `child` (SIGSTOP, SIGCONT, SIGKILL) for fault cases.
 */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  const dir = tempDataDir();
  const url = `redis://127.0.0.1:${port}`;
  const launch = async () => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'no'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = createClient({ url, socket: { reconnectStrategy: false } });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        await probe.close();
        return child;
      } catch {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const exited = (child: ChildProcess) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r)));
  const redis: RedisProcess = {
    url,
    dir,
    child: await launch(),
    async restart() {
      await exited(redis.child);
      redis.child = await launch();
    },
    async stop() {
      const child = redis.child;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        await exited(child);
      }
      removeDir(dir);
    },
  };
  return redis;
}

/**
 * One redis-server for a whole test file, started before its first case and stopped
 * after its last; each case takes a key prefix of its own, so it starts from empty
 * storage without a restart.
 */
export function redisForThisFile(): { readonly url: string; prefix(name: string): string } {
  let redis: RedisProcess | null = null;
  let cases = 0;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  return {
    get url() {
      if (!redis) throw new Error('redis-server is not started yet: use it inside a case');
      return redis.url;
    },
    prefix: (name) => `${name}-${++cases}`,
  };
}

/** Whether any key (under `prefix`, if given) holds `text`, whatever the key's type: what a look into Redis would find. */
export async function redisKeysHold(url: string, text: string, prefix = ''): Promise<boolean> {
  const client = createClient({ url });
  await client.connect();
  try {
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      for (const key of Array.isArray(batch) ? batch : [batch]) {
        const type = await client.type(key);
        const value =
          type === 'string'
            ? await client.get(key)
            : type === 'hash'
              ? await client.hGetAll(key)
              : type === 'stream'
                ? await client.xRange(key, '-', '+')
                : type === 'set'
                  ? await client.sMembers(key)
                  : type === 'zset'
                    ? await client.zRange(key, 0, -1)
                    : null;
        if (JSON.stringify(value ?? '').includes(text)) return true;
      }
    }
    return false;
  } finally {
    await client.close();
  }
}
