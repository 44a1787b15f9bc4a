/**
 * The two servers under test, each in its own process, and what /proc says about them.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../tests/helpers/ports.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerUnderTest {
  name: 'townhall' | 'reference';
  /** http://127.0.0.1:<port> */
  url: string;
  /** Where providers connect (the provider appends /<room>). */
  wsUrl: string;
  child: ChildProcess;
  pid: number;
  /** Where --cpu-prof writes, when profiling. */
  profileDir: string | null;
  /** Warnings, errors and stderr output seen so far. */
  diagnostics: Diagnostics;
  /** Stop (SIGTERM, then SIGKILL after a grace period) and remove what it stored. */
  stop(): Promise<void>;
}

/** Every child this bench started, so that none outlives it whatever happens. */
export const children = new Set<ChildProcess>();
let cleanupInstalled = false;

export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      process.exit(130);
    });
  }
}

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/**
 * What a server says while it runs: every stderr line, and every stdout line that is
 * not routine (pino records below warn level, the reference bin's start-up line).
 * Counted, with the first few kept to show.
 */
export class Diagnostics {
  count = 0;
  readonly first: string[] = [];
  note(line: string): void {
    this.count += 1;
    if (this.first.length < 8) this.first.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
  }
}

function routine(line: string): boolean {
  if (line.trim() === '' || line.startsWith('running at')) return true;
  try {
    const rec = JSON.parse(line) as { level?: number };
    return typeof rec.level === 'number' && rec.level < 40;
  } catch {
    return false;
  }
}

/** Wait for a line on stdout that yields a value, or fail if the process exits first; keep listening for diagnostics. */
function waitForLine<T>(child: ChildProcess, parse: (line: string) => T | null, what: string, diagnostics: Diagnostics, timeoutMs = 60_000): Promise<T> {
  let stderr = '';
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr = `${stderr}${line}\n`.slice(-4000);
    diagnostics.note(`stderr: ${line}`);
  });
  const lines = createInterface({ input: child.stdout! });
  let found = false;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no start-up line within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    lines.on('line', (line) => {
      if (!found) {
        const v = parse(line);
        if (v !== null) {
          found = true;
          clearTimeout(timer);
          resolve(v);
          return;
        }
      }
      // Start-up warnings (no admin token, say) are about the deployment, not the run.
      else if (!routine(line)) diagnostics.note(line);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before listening: ${stderr}`));
    });
  });
}

function profileArgs(profile: boolean, label: string): { args: string[]; dir: string | null } {
  if (!profile) return { args: [], dir: null };
  const dir = mkdtempSync(join(tmpdir(), `townhall-bench-prof-${label}-`));
  return { args: ['--cpu-prof', `--cpu-prof-dir=${dir}`], dir };
}

/** The townhall server's real entry point, as tests/helpers/server.ts spawnServer starts it. */
export async function startTownhall(opts: { profile: boolean }): Promise<ServerUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'townhall-bench-'));
  const prof = profileArgs(opts.profile, 'townhall');
  const child = track(
    spawn(process.execPath, [...prof.args, '--import', 'tsx', 'server/src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        TOWNHALL_DATA_DIR: dataDir,
        TOWNHALL_AUDIO: 'off',
        TOWNHALL_YJS_SYNC_PER_SECOND: '1000',
        TOWNHALL_YJS_SYNC_BURST: '1000',
        TOWNHALL_YJS_AWARENESS_PER_SECOND: '1000',
        TOWNHALL_YJS_AWARENESS_BURST: '1000',
        TOWNHALL_JOIN_RATE_PER_ADDRESS: '100000',
        TOWNHALL_JOIN_BURST_PER_ADDRESS: '100000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const diagnostics = new Diagnostics();
  try {
    const port = await waitForLine(
      child,
      (line) => {
        try {
          const rec = JSON.parse(line) as { msg?: string; port?: number };
          return rec.msg === 'listening' && typeof rec.port === 'number' ? rec.port : null;
        } catch {
          return null;
        }
      },
      'townhall',
      diagnostics,
    );
    const url = `http://127.0.0.1:${port}`;
    return {
      name: 'townhall',
      url,
      wsUrl: `${url.replace(/^http/, 'ws')}/yjs`,
      child,
      pid: child.pid!,
      profileDir: prof.dir,
      diagnostics,
      async stop() {
        await terminate(child, 15_000);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** The reference server's own bin, as y-websocket 3 documents it (`HOST=… PORT=… npx y-websocket`), in memory only. */
export function referenceBin(): { path: string; version: string } {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@y/websocket-server/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string; bin: Record<string, string> };
  return { path: join(dirname(pkgPath), pkg.bin['y-websocket-server']!), version: pkg.version };
}

export async function startReference(opts: { profile: boolean }): Promise<ServerUnderTest> {
  const bin = referenceBin();
  // A port chosen here: the reference bin prints the port it was given, not the one it got.
  const port = await freePort();
  const prof = profileArgs(opts.profile, 'reference');
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: String(port) };
  // No persistence: YPERSISTENCE unset keeps every document in memory, as the bin does by default.
  delete env.YPERSISTENCE;
  delete env.CALLBACK_URL;
  // The bin has no signal handler, and a process killed by a signal writes no --cpu-prof profile: when profiling, a
  // preloaded one-liner makes SIGINT a normal exit. Otherwise the bin runs exactly as published.
  const exitOnSigint = prof.dir ? ['--import', 'data:text/javascript,process.on("SIGINT",()=>process.exit(0))'] : [];
  const child = track(spawn(process.execPath, [...prof.args, ...exitOnSigint, bin.path], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  const diagnostics = new Diagnostics();
  try {
    await waitForLine(child, (line) => (line.startsWith('running at') ? true : null), 'reference server', diagnostics);
    const url = `http://127.0.0.1:${port}`;
    return {
      name: 'reference',
      url,
      wsUrl: `ws://127.0.0.1:${port}/yjs`,
      child,
      pid: child.pid!,
      profileDir: prof.dir,
      diagnostics,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited(child);
          clearTimeout(timer);
        }
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

let ticksPerSecond: number | null = null;

/** Clock ticks per second for /proc/<pid>/stat (getconf CLK_TCK). */
export function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

function statSeconds(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // The command name may hold spaces and parentheses; the fields after its closing one are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return (utime + stime) / clockTicks();
}

/** CPU seconds (user + system) a process has used so far, all its threads included, those that ended too. */
export function cpuSeconds(pid: number): number {
  return statSeconds(`/proc/${pid}/stat`);
}

export interface CpuSplit {
  /** Every thread, less V8's profiler threads (they exist only under --cpu-prof). */
  total: number;
  /** The main thread: the event loop that runs the server's JavaScript. */
  main: number;
  /** V8's sampling-profiler threads (v8:ProfEvntProc), left out of `total`. */
  profiler: number;
}

/** CPU seconds of a process, split by thread; see CpuSplit. */
export function cpuSplit(pid: number): CpuSplit {
  let profiler = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').startsWith('v8:ProfEvntProc')) profiler += statSeconds(`/proc/${pid}/task/${tid}/stat`);
    } catch {
      /* the thread ended meanwhile */
    }
  }
  const all = statSeconds(`/proc/${pid}/stat`);
  return { total: all - profiler, main: statSeconds(`/proc/${pid}/task/${pid}/stat`), profiler };
}

/** CPU seconds the whole machine has been busy (all cores: user, nice, system, irq, softirq, steal), from /proc/stat. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / clockTicks();
}

/** Resident and peak resident memory, in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(/\s(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '')?.[1] ?? NaN);
  return { rss: kib('VmRSS:') / 1024, peak: kib('VmHWM:') / 1024 };
}

/** The profiles a --cpu-prof run left behind, one per V8 isolate (main thread first, then worker threads in order). */
export function profileFiles(dir: string | null): string[] {
  if (!dir) return [];
  const thread = (n: string) => Number(n.split('.').at(-3));
  return readdirSync(dir)
    .filter((n) => n.endsWith('.cpuprofile'))
    .sort((a, b) => thread(a) - thread(b))
    .map((n) => join(dir, n));
}
