import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createTownhall, type Townhall } from '../../server/src/app.js';
import { loadConfig } from '../../server/src/config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'townhall-test-'));
}

const baseEnv = (dataDir: string, env: Record<string, string>) => ({
  PORT: '0',
  HOST: '127.0.0.1',
  TOWNHALL_DATA_DIR: dataDir,
  LOG_LEVEL: 'silent',
  TOWNHALL_BROADCAST_MS: '5',
  TOWNHALL_PRESENCE_MS: '20',
  // Scripted tests send faster than any person; the limiter has its own test.
  TOWNHALL_COMMANDS_PER_SECOND: '1000',
  TOWNHALL_COMMAND_BURST: '1000',
  // Likewise for whole-document requests on the Yjs endpoint, which hostile-input tests use to read the server's state.
  TOWNHALL_YJS_SYNC_PER_SECOND: '1000',
  TOWNHALL_YJS_SYNC_BURST: '1000',
  // Every test joins from 127.0.0.1; the join limit has its own test.
  TOWNHALL_JOIN_RATE_PER_ADDRESS: '100000',
  TOWNHALL_JOIN_BURST_PER_ADDRESS: '100000',
  // Hostile-input tests open many connections as one participant; the cap has its own test.
  TOWNHALL_MAX_CONNECTIONS_PER_PARTICIPANT: '1000',
  // Drafting tests wait for echoes; the coalescing window is measured by the benchmark, not felt here.
  TOWNHALL_YJS_BROADCAST_MS: '5',
  // Every test server would start a mediasoup worker per core; only the suites about audio need one.
  TOWNHALL_AUDIO: 'off',
  ...env,
});

/** Audio on, with one worker: for the suites that exercise it. */
export const AUDIO_ON = { TOWNHALL_AUDIO: 'on', TOWNHALL_AUDIO_WORKERS: '1' };

export interface RunningServer {
  url: string;
  dataDir: string;
  townhall: Townhall;
  stop(): Promise<void>;
}

/** A real server on an ephemeral port, in this process, on a real SQLite file. */
export async function startServer(opts: { dataDir?: string; env?: Record<string, string> } = {}): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const config = loadConfig(baseEnv(dataDir, opts.env ?? {}));
  const townhall = await createTownhall(config, pino({ level: 'silent' }));
  const { port } = await townhall.listen();
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    townhall,
    async stop() {
      await townhall.close();
    },
  };
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code or signal. */
  exited: Promise<number | string | null>;
}

/** The real entry point in its own process, so it can be killed with SIGKILL. */
export async function spawnServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...baseEnv(dataDir, { LOG_LEVEL: 'info', ...env }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const rec = JSON.parse(line) as { msg?: string; port?: number };
        if (rec.msg === 'listening') resolve(`http://127.0.0.1:${rec.port}`);
      } catch {
        /* not a log line */
      }
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
  });
  return { url, child, exited };
}

/** The data dirs and server processes a test file makes; `cleanUp()` (in afterEach) kills and removes them all. */
export class TestServers {
  private readonly dirs: string[] = [];
  private readonly procs: ServerProcess[] = [];

  dataDir(): string {
    const dir = tempDataDir();
    this.dirs.push(dir);
    return dir;
  }

  async spawn(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
    const proc = await spawnServer(dataDir, env);
    this.procs.push(proc);
    return proc;
  }

  cleanUp(): void {
    for (const p of this.procs.splice(0)) p.child.kill('SIGKILL');
    for (const d of this.dirs.splice(0)) removeDir(d);
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
