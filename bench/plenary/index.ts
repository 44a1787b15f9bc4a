/**
 * Plenary bench: N citizens (BENCH_CITIZENS, default 10 000) in one plenary of a real
 * townhall server process, against a bare Socket.IO baseline (baseline-server.ts)
 * measured in the same run with the same load generators. Run it with
 * `npm run bench -- plenary`. It prints; it never fails.
 *
 * Processes: this driver (which also holds the facilitator's socket), the server under
 * test, and BENCH_PROCESSES load generators (generator.ts, default 4) that each hold a
 * share of the citizens and report to the driver over IPC. All on one machine, so the
 * generators' clocks and the driver's are the same clock.
 *
 * Phases, for townhall first and then the baseline:
 *  1. join storm: every citizen does its HTTP join and connects, BENCH_CONCURRENCY (200)
 *     in flight per generator, until all hold a view or BENCH_JOIN_DEADLINE_S (300) pass.
 *     Citizens without a view by then are disconnected and counted; the later phases run
 *     with those who hold one;
 *  2. settle (BENCH_SETTLE_MS, 5 s) and read the server's RSS;
 *  3. agenda.start, then fan-out: 10 × agenda.extend one second apart (baseline: an HTTP
 *     trigger that broadcasts a view-sized payload), each until every citizen has it;
 *     server CPU over that window, then over an idle window as long;
 *  4. upvote storm: one question, every citizen upvotes it at once (townhall: once its
 *     approval has reached them); then state.sync to check the count;
 *  5. restart under load: the driver stops the server (SIGTERM, and waits for it to exit;
 *     townhall keeps its data directory) and starts it again on the same port with the
 *     same environment. Every citizen's Socket.IO client reconnects on its own with
 *     jittered back-off (1 s doubling to 5 s, ±50%) and the same credentials. A citizen
 *     is resynced when a `session.view` from the new process reaches it (townhall sends
 *     a whole view on connect; so does the baseline). It reports the time from the new
 *     server listening (and from the SIGTERM) until all are resynced, per citizen p50/p99
 *     (from listening, which depends on where each client's back-off stands when the
 *     server comes up, and from the start of the attempt that succeeded, which does not),
 *     who was not resynced within BENCH_RESTART_DEADLINE_S (60) of listening and why,
 *     connect errors by reason, and the server's CPU (shutdown, start-up, resync). For
 *     townhall it also checks that nobody's state was lost: each resynced view should
 *     show the upvote storm's count on the question (the baseline keeps no state).
 *
 * Besides the figures it prints the bytes citizens received by phase and message, and
 * where the machine's CPU went in each phase (server, generators, driver, and processes
 * outside the bench, with a warning when those took much of it), and each generator's
 * event-loop delay, which says when the generators rather than the server were slow.
 *
 * Knobs: BENCH_CITIZENS, BENCH_PROCESSES, BENCH_CONCURRENCY, BENCH_JOIN_DEADLINE_S,
 * BENCH_SETTLE_MS, BENCH_FANOUT_DEADLINE_S (60), BENCH_ACK_TIMEOUT_S (120),
 * BENCH_VIEW_BYTES (baseline payload size if townhall gave no view), BENCH_BROADCAST_MS
 * (passed as TOWNHALL_BROADCAST_MS; unset = the server's default), BENCH_ONLY=townhall|
 * baseline, BENCH_MAX_RSS_MB (12 000: past it, server + generators, the server is killed
 * so the machine is not), BENCH_SERVER_PROF=<dir> (CPU profiles of the servers; the
 * restart phase writes one per process; each phase's start is logged on the profiles'
 * clock), BENCH_RESTART=0 (skip the restart phase), BENCH_RESTART_DEADLINE_S (60),
 * BENCH_SERVER_NODE_FLAGS (extra Node flags for the townhall server, e.g. the memory
 * settings in docs/DEPLOYMENT.md).
 */
import { execSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'socket.io-client';
import { settingsSchema } from '../../shared/src/index.js';
import { sessionInput } from '../../tests/helpers/fixtures.js';
import {
  addTo,
  mergeTallies,
  now,
  openSocket,
  sleep,
  type ArrivalsReply,
  type FromGenerator,
  type JoinReply,
  type Mode,
  type Progress,
  type Request,
  type RestartArmReply,
  type RestartReply,
  type StatusReply,
  type Tally,
  type TallyReply,
  type UpvoteReply,
  type WaitSeqReply,
} from './wire.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

const N = env('BENCH_CITIZENS', 10_000);
const PROCESSES = Math.max(1, Math.min(env('BENCH_PROCESSES', 4), N));
const CONCURRENCY = env('BENCH_CONCURRENCY', 200);
const JOIN_DEADLINE_MS = env('BENCH_JOIN_DEADLINE_S', 300) * 1000;
const SETTLE_MS = env('BENCH_SETTLE_MS', 5000);
const FANOUT_DEADLINE_MS = env('BENCH_FANOUT_DEADLINE_S', 60) * 1000;
const ACK_TIMEOUT_MS = env('BENCH_ACK_TIMEOUT_S', 120) * 1000;
const MAX_RSS_MB = env('BENCH_MAX_RSS_MB', 12_000);
const RESTART = process.env.BENCH_RESTART !== '0';
const RESTART_DEADLINE_MS = env('BENCH_RESTART_DEADLINE_S', 60) * 1000;
/** How long a stopped server may take to exit after SIGTERM before it is killed (townhall's own limit is 10 s). */
const SHUTDOWN_GRACE_MS = 30_000;
const ACTIONS = 10;
/** A directory: run the servers with --cpu-prof into it (and stop them with SIGTERM so the profile is written). */
const SERVER_PROF = process.env.BENCH_SERVER_PROF ?? '';
const CLK_TCK = (() => {
  try {
    return Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

const children = new Set<ChildProcess>();
const killAll = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

// ---------------------------------------------------------------- numbers

function pct(samples: number[]) {
  if (samples.length === 0) return null;
  const s = Float64Array.from(samples).sort();
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return { n: s.length, p50: at(50), p99: at(99), max: s[s.length - 1]! };
}
type Pct = ReturnType<typeof pct>;

const ms = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? 'n/a' : x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);
const sec = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(2)} s`);
const int = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? 'n/a' : Math.round(x).toLocaleString('en-US'));
const kb = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(1)} KB`);
const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '—' : `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×`;

// ---------------------------------------------------------------- /proc

function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** CPU seconds of each of a process's threads by thread name (the main thread, V8's GC and compiler helpers, libuv's pool, worker threads). */
function threadCpu(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const key = tid === String(pid) ? 'main' : name;
        byName.set(key, (byName.get(key) ?? 0) + (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
        // The main thread's time in the kernel (socket writes, mostly) apart.
        if (key === 'main') byName.set('main in kernel', Number(fields[12]) / CLK_TCK);
      } catch {
        // The thread ended between listing and reading.
      }
    }
  } catch {
    // The process is gone.
  }
  return byName;
}

/** What each kind of thread spent between two `threadCpu` readings, largest first. */
function threadCpuBetween(before: Map<string, number>, after: Map<string, number>, per: number): string {
  return [...after]
    .map(([name, t]) => [name, (t - (before.get(name) ?? 0)) / per] as const)
    .filter(([, t]) => t > 0)
    .sort((x, y) => y[1] - x[1])
    .map(([name, t]) => `${name} ${(t * 1000).toFixed(0)} ms`)
    .join(', ');
}

/** Where townhall's RSS goes: V8's heap (used of committed, by space) and memory outside it, from its /metrics. */
async function heapBreakdown(url: string): Promise<string> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    const metric = (name: string) => Number(new RegExp(`^${name} ([0-9.e+]+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
    const space = (kind: string, s: string) =>
      Number(new RegExp(`^nodejs_heap_space_size_${kind}_bytes\\{space="${s}"\\} ([0-9.e+]+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
    const spaces = ['new', 'old', 'code', 'large_object'].map((s) => `${s} ${space('used', s).toFixed(0)}/${space('total', s).toFixed(0)}`).join(', ');
    return `heap used ${metric('nodejs_heap_size_used_bytes').toFixed(0)} MB of ${metric('nodejs_heap_size_total_bytes').toFixed(0)} MB committed (${spaces}); external ${metric('nodejs_external_memory_bytes').toFixed(0)} MB`;
  } catch (err) {
    return `unavailable (${(err as Error).message})`;
  }
}

function rssKb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * CPU seconds of this process's children that have ended and been reaped (cutime + cstime).
 * A server stopped during the restart phase can no longer be read in /proc; its whole
 * CPU time shows up here once Node has reaped it.
 */
function reapedChildrenCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineBusySeconds(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system (then idle iowait irq softirq steal): time processes spent, comparable to their utime + stime.
    return ((f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0)) / CLK_TCK;
  } catch {
    return null;
  }
}

interface CpuSnapshot {
  at: number;
  server: number;
  generators: number;
  driver: number;
  machine: number;
}

/** Where the machine's CPU went during one phase: the server, the load generators, this driver, and everything else. */
interface PhaseCpu {
  phase: string;
  wall: number;
  server: number;
  generators: number;
  driver: number;
  other: number;
}

/** `serverCpu`: CPU seconds of the server under test so far, across its restarts. */
function snapshot(serverCpu: number, generatorPids: number[]): CpuSnapshot {
  const d = process.cpuUsage();
  return {
    at: now(),
    server: serverCpu,
    generators: generatorPids.reduce((n, pid) => n + (cpuSeconds(pid) ?? 0), 0),
    driver: (d.user + d.system) / 1e6,
    machine: machineBusySeconds() ?? 0,
  };
}

function between(phase: string, a: CpuSnapshot, b: CpuSnapshot): PhaseCpu {
  const server = b.server - a.server;
  const generators = b.generators - a.generators;
  const driver = b.driver - a.driver;
  return { phase, wall: (b.at - a.at) / 1000, server, generators, driver, other: Math.max(0, b.machine - a.machine - server - generators - driver) };
}

// ---------------------------------------------------------------- processes

interface ServerProc {
  url: string;
  child: ChildProcess;
  pid: number;
  exited: string | null;
  /** When the process ended (this clock, `now()`); 0 while it runs. */
  exitedAt: number;
  /** When it logged 'listening' (its own timestamp, on this clock). */
  listeningAt: number;
  logLines: number;
  logByLevel: Record<string, number>;
  problems: string[];
  stop(): Promise<void>;
  /** SIGTERM, then wait for the exit (SIGKILL after `graceMs`). */
  terminate(graceMs: number): Promise<void>;
}

async function startProcess(args: string[], extraEnv: Record<string, string>, onExit: () => void): Promise<ServerProc> {
  const prof = SERVER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${SERVER_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, ...args], { cwd: root, env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const proc: ServerProc = {
    url: '',
    child,
    pid: child.pid!,
    exited: null,
    exitedAt: 0,
    listeningAt: 0,
    logLines: 0,
    logByLevel: {},
    problems: [],
    async stop() {
      if (proc.exited) return;
      if (SERVER_PROF) {
        // A CPU profile is written only on a normal exit: ask, then insist.
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(30_000)]);
        if (proc.exited) return;
      }
      child.kill('SIGKILL');
      await exited;
    },
    async terminate(graceMs: number) {
      if (proc.exited) return;
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(graceMs)]);
      if (!proc.exited) {
        proc.problems.push(`no exit within ${graceMs / 1000} s of SIGTERM: killed`);
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      proc.exitedAt = now();
      proc.exited = signal ?? `exit code ${code}`;
      children.delete(child);
      resolve();
      onExit();
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000);
  });
  proc.url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      proc.logLines += 1;
      try {
        const rec = JSON.parse(line) as { msg?: string; port?: number; level?: number; time?: number; err?: { message?: string } };
        if (rec.msg === 'listening') {
          // The server's own timestamp (Date.now() there), moved onto this process's clock.
          proc.listeningAt = typeof rec.time === 'number' ? rec.time - (Date.now() - now()) : now();
          resolve(`http://127.0.0.1:${rec.port}`);
        }
        // An idle server compacts the heap a storm left behind (IdleHeapTrim): say when, since it moves the RSS figures.
        if (rec.msg === 'idle: heap trimmed') process.stdout.write(`server: ${line}\n`);
        const level = String(rec.level ?? 'none');
        proc.logByLevel[level] = (proc.logByLevel[level] ?? 0) + 1;
        if ((rec.level ?? 0) >= 50 && proc.problems.length < 5) proc.problems.push(`${rec.msg}${rec.err?.message ? `: ${rec.err.message}` : ''}`);
      } catch {
        /* not a log line */
      }
    });
    void exited.then(() => reject(new Error(`server exited (${proc.exited}) before listening: ${stderr}`)));
  });
  void exited.then(() => {
    if (stderr.trim()) proc.problems.push(`stderr: ${stderr.trim().slice(-500)}`);
  });
  return proc;
}

class Generator {
  readonly child: ChildProcess;
  progress: Progress | null = null;
  private next = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  readonly ready: Promise<void>;

  constructor() {
    this.child = fork(join(root, 'bench/plenary/generator.ts'), [], {
      cwd: root,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    children.add(this.child);
    let ready!: () => void;
    this.ready = new Promise((r) => (ready = r));
    this.child.on('message', (msg: FromGenerator) => {
      if (msg.type === 'ready') ready();
      else if (msg.type === 'progress') this.progress = msg;
      else if (msg.type === 'reply') {
        const w = this.waiting.get(msg.id);
        this.waiting.delete(msg.id);
        if (msg.error) w?.reject(new Error(msg.error));
        else w?.resolve(msg.body);
      }
    });
    this.child.on('exit', (code, signal) => {
      children.delete(this.child);
      for (const w of this.waiting.values()) w.reject(new Error(`load generator exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  request<T>(req: Request): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...req, id });
    });
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------- one target

interface Result {
  mode: Mode;
  serverExited: string | null;
  logs: string;
  problems: string[];
  join: {
    allSeconds: number | null;
    lastViewSeconds: number | null;
    viewed: number;
    notViewed: number;
    failures: Record<string, number>;
    retries: number;
    retryReasons: Record<string, number>;
    toView: Pct;
    http: Pct;
    viewBytes: number | null;
    cpuSeconds: number | null;
  };
  bytesPerCitizenJoin: number | null;
  tallies: Record<string, Tally>;
  facilitatorTally: Tally;
  rssBeforeKb: number | null;
  rssAfterKb: number | null;
  perCitizenKb: number | null;
  fanout: {
    /** Citizens holding a view in the phases after the join storm. */
    citizens: number;
    done: number;
    errors: string[];
    latency: Pct;
    missing: number;
    windowSeconds: number | null;
    cpuPerActionMs: number | null;
    idleCpuPerActionMs: number | null;
    idleCorePercent: number | null;
  };
  upvote: {
    sent: number;
    notConnected: number;
    acked: number;
    ok: number;
    codes: Record<string, number>;
    perSecond: number | null;
    seconds: number | null;
    latency: Pct;
    finalCount: number | null;
    matches: boolean | null;
    cpuSeconds: number | null;
    note: string | null;
  };
  restart: RestartResult | null;
  status: StatusReply | null;
  cpu: PhaseCpu[];
  loadavg: string;
  /** Worst event-loop delay of any generator, per phase, ms. */
  generatorLag: Record<string, { p99: number; max: number }>;
  disconnectReasons: Record<string, number>;
  connectErrorReasons: Record<string, number>;
}

interface RestartResult {
  /** Citizens holding a view when the server was stopped, watched through the restart. */
  armed: number;
  /** Of them, not connected at that moment. */
  armedNotConnected: number;
  /** How the stopped server ended (`exit code 0` is a clean shutdown). */
  oldExit: string | null;
  /** SIGTERM until the old process exited. */
  shutdownSeconds: number | null;
  /** The old process's exit until the new one listened. */
  startSeconds: number | null;
  resynced: number;
  /** From the new server listening until every watched citizen was resynced; null if not all were by the deadline. */
  allFromListening: number | null;
  /** From the SIGTERM until every watched citizen was resynced; null if not all were. */
  allFromKill: number | null;
  /** The last resync, from the new server listening, whether or not all came. */
  lastFromListening: number | null;
  /** Per citizen: new server listening to its first view from it. */
  fromListening: Pct;
  /** Per citizen: its own disconnect to its first view from the new server (the outage it saw). */
  outage: Pct;
  /** Per citizen: reconnection attempts. */
  attempts: Pct;
  /** Per citizen: from the start of the reconnection attempt that succeeded to the view (the server's part, back-off aside). */
  lastAttempt: Pct;
  notResynced: Record<string, number>;
  /** Townhall: the upvote storm's count, which every resynced view should show. */
  upvotesExpected: number | null;
  /** Resynced citizens whose first view shows exactly that count. */
  upvotesShown: number | null;
  /** Upvote counts in the resynced views, by value. */
  upvotes: Record<string, number>;
  connectErrors: Record<string, number>;
  /** Server CPU: the old process from SIGTERM to exit; the new one until listening; the new one from listening until all resynced (or the deadline). */
  shutdownCpu: number | null;
  startCpu: number | null;
  resyncCpu: number | null;
  rssAfterKb: number | null;
  /** The new server still running once the phase was over. */
  serverUp: boolean | null;
  note: string | null;
}

const log = (mode: Mode, text: string) => console.log(`plenary[${mode}]: ${text}`);

function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

async function runTarget(mode: Mode, viewBytes: number): Promise<Result> {
  const dataDir = mode === 'townhall' ? mkdtempSync(join(tmpdir(), 'townhall-plenary-')) : null;
  const gens: Generator[] = [];
  let onServerExit: () => void = () => undefined;
  const result: Result = {
    mode,
    serverExited: null,
    logs: '',
    problems: [],
    join: {
      allSeconds: null,
      lastViewSeconds: null,
      viewed: 0,
      notViewed: N,
      failures: {},
      retries: 0,
      retryReasons: {},
      toView: null,
      http: null,
      viewBytes: null,
      cpuSeconds: null,
    },
    bytesPerCitizenJoin: null,
    tallies: {},
    facilitatorTally: {},
    rssBeforeKb: null,
    rssAfterKb: null,
    perCitizenKb: null,
    fanout: { citizens: 0, done: 0, errors: [], latency: null, missing: 0, windowSeconds: null, cpuPerActionMs: null, idleCpuPerActionMs: null, idleCorePercent: null },
    upvote: {
      sent: 0,
      notConnected: 0,
      acked: 0,
      ok: 0,
      codes: {},
      perSecond: null,
      seconds: null,
      latency: null,
      finalCount: null,
      matches: null,
      cpuSeconds: null,
      note: null,
    },
    restart: null,
    status: null,
    cpu: [],
    generatorLag: {},
    disconnectReasons: {},
    connectErrorReasons: {},
    loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
  let server: ServerProc | null = null;
  /** Every server process of this target, the one stopped by the restart phase included. */
  const servers: ServerProc[] = [];
  let facilitator: Socket | null = null;
  let watchdog: NodeJS.Timeout | null = null;
  let endPhase: () => void = () => {};
  // The restart phase starts the server again with the same environment and data directory, on the port it had.
  const launch = async (port: number): Promise<ServerProc> => {
    const p =
      mode === 'townhall'
        ? await startProcess(
            [...(process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'server/src/main.ts'],
            {
              PORT: String(port),
              HOST: '127.0.0.1',
              TOWNHALL_DATA_DIR: dataDir!,
              LOG_LEVEL: 'info',
              TOWNHALL_AUDIO: 'off',
              TOWNHALL_JOIN_RATE_PER_ADDRESS: '100000',
              TOWNHALL_JOIN_BURST_PER_ADDRESS: '100000',
              TOWNHALL_COMMANDS_PER_SECOND: '1000',
              TOWNHALL_COMMAND_BURST: '1000',
              ...(process.env.BENCH_BROADCAST_MS ? { TOWNHALL_BROADCAST_MS: process.env.BENCH_BROADCAST_MS } : {}),
            },
            () => onServerExit(),
          )
        : await startProcess(
            ['--import', 'tsx', 'bench/plenary/baseline-server.ts'],
            { PORT: String(port), HOST: '127.0.0.1', BASELINE_VIEW_BYTES: String(viewBytes) },
            () => onServerExit(),
          );
    servers.push(p);
    return p;
  };
  try {
    server = await launch(0);
    let srv = server;
    /** CPU seconds of the server processes that have ended (the one stopped by the restart). */
    let endedServersCpu = 0;
    const serverCpu = () => endedServersCpu + (cpuSeconds(srv.pid) ?? 0);
    const watchServer = () => {
      onServerExit = () => {
        log(mode, `the server process ended (${srv.exited}) during the run`);
        for (const g of gens) void g.request({ type: 'abort' }).catch(() => undefined);
      };
    };
    watchServer();
    log(mode, `server pid ${srv.pid} at ${srv.url}`);

    // Session and facilitator (townhall) or nothing to set up (baseline).
    let sessionId = '';
    let citizenInvite = '';
    let nextRequest = 0;
    const command = async (name: string, payload: Record<string, unknown>, timeoutMs = 30_000) => {
      const ack = (await facilitator!.timeout(timeoutMs).emitWithAck(name, { ...payload, requestId: `fac-${nextRequest++}` })) as
        | { ok: true; seq: number }
        | { ok: false; error: { code: string; message: string } };
      return ack;
    };
    if (mode === 'townhall') {
      const base = sessionInput();
      const settings: Record<string, unknown> = { ...base.settings, maxParticipants: 20_000 };
      if ('qaPremoderation' in settingsSchema.shape) settings.qaPremoderation = false;
      const created = await postJson(`${srv.url}/api/sessions`, { ...base, settings });
      if (created.status !== 201) throw new Error(`creating the session failed: ${created.status} ${JSON.stringify(created.body)}`);
      const body = created.body as { sessionId: string; invites: Record<string, { invite: string }> };
      sessionId = body.sessionId;
      citizenInvite = body.invites.citizen!.invite;
      const fac = await postJson(`${srv.url}/api/sessions/${sessionId}/join`, { invite: body.invites.facilitator!.invite, displayName: 'Facilitator' });
      if (fac.status !== 201) throw new Error(`the facilitator's join failed: ${fac.status} ${JSON.stringify(fac.body)}`);
      // The facilitator's views (with every participant) and rosters are counted, not parsed.
      facilitator = openSocket(srv.url, { sessionId, token: (fac.body as { token: string }).token }, (name, bytes) => {
        addTo(result.facilitatorTally, name, bytes);
        return name !== 'session.view' && name !== 'session.roster' && name !== 'session.viewPatch';
      });
      await new Promise<void>((resolve, reject) => {
        facilitator!.once('connect', () => resolve());
        facilitator!.once('connect_error', (err) => reject(err));
      });
    }

    for (let i = 0; i < PROCESSES; i++) gens.push(new Generator());
    await Promise.all(gens.map((g) => g.ready));
    await sleep(1000);
    result.rssBeforeKb = rssKb(srv.pid);
    log(mode, `server RSS before any citizen: ${kb(result.rssBeforeKb)}`);

    // Nothing here may take the machine down: past BENCH_MAX_RSS_MB (server + generators) the server is killed.
    watchdog = setInterval(() => {
      const total = [srv.pid, ...gens.map((g) => g.child.pid!)].reduce((n, pid) => n + (rssKb(pid) ?? 0), 0) / 1024;
      if (total > MAX_RSS_MB && !srv.exited) {
        const why = `server + generators RSS reached ${total.toFixed(0)} MB (server ${kb(rssKb(srv.pid))}), over BENCH_MAX_RSS_MB=${MAX_RSS_MB}: the bench killed the server`;
        log(mode, why);
        result.problems.push(why);
        srv.child.kill('SIGKILL');
      }
    }, 1000);

    const all = <T>(req: Request) => Promise.all(gens.map((g) => g.request<T>(req)));
    const pids = gens.map((g) => g.child.pid!);
    let phaseName = 'setup';
    let phaseStart = snapshot(serverCpu(), pids);
    const phase = async (name: string, record = false) => {
      const at = snapshot(serverCpu(), pids);
      result.cpu.push(between(phaseName, phaseStart, at));
      phaseName = name;
      phaseStart = at;
      // The server's profile is on the same monotonic clock (microseconds): this cuts it by phase (bench/drafting/profile.ts).
      if (SERVER_PROF) log(mode, `phase ${name} starts at ${(Number(process.hrtime.bigint() / 1000n) / 1000).toFixed(0)} ms on the monotonic clock`);
      await all({ type: 'phase', phase: name, record });
    };
    endPhase = () => {
      if (phaseName !== 'setup') result.cpu.push(between(phaseName, phaseStart, snapshot(serverCpu(), pids)));
      phaseName = 'setup';
    };

    // 1. Join storm.
    await phase('join');
    const cpuJoin0 = cpuSeconds(srv.pid);
    const joinStart = Date.now();
    const counts = split(N, PROCESSES);
    let lastCpu = cpuJoin0 ?? 0;
    let lastAt = now();
    const ticker = setInterval(() => {
      const p = gens.map((g) => g.progress).filter((x): x is Progress => x !== null);
      const sum = (k: keyof Omit<Progress, 'type'>) => p.reduce((n, x) => n + x[k], 0);
      const cpu = cpuSeconds(srv.pid) ?? lastCpu;
      const t = now();
      log(
        mode,
        `  ${((Date.now() - joinStart) / 1000).toFixed(0)} s: ${sum('started')} started, ${sum('joined')} joined over HTTP, ${sum('viewed')} hold a view, ` +
          `${sum('connected')} connected, ${sum('failed')} failed; server RSS ${kb(rssKb(srv.pid))}, CPU ${(((cpu - lastCpu) / ((t - lastAt) / 1000)) * 100).toFixed(0)}%`,
      );
      lastCpu = cpu;
      lastAt = t;
    }, 5000);
    const joins = await Promise.all(
      gens.map((g, i) =>
        g.request<JoinReply>({
          type: 'join',
          mode,
          url: srv.url,
          sessionId,
          invite: citizenInvite,
          first: counts.slice(0, i).reduce((a, b) => a + b, 0),
          count: counts[i]!,
          concurrency: CONCURRENCY,
          deadlineAt: joinStart + JOIN_DEADLINE_MS,
          slotTimeoutMs: 30_000,
        }),
      ),
    ).finally(() => clearInterval(ticker));
    const cpuJoin1 = cpuSeconds(srv.pid);
    const firstStart = Math.min(...joins.map((j) => j.firstStart).filter(Number.isFinite));
    const viewedAt = joins.flatMap((j) => j.viewedAt);
    const j = result.join;
    j.viewed = viewedAt.length;
    j.notViewed = joins.reduce((n, x) => n + x.notViewed, 0);
    j.lastViewSeconds = viewedAt.length ? (Math.max(...viewedAt) - firstStart) / 1000 : null;
    j.allSeconds = j.notViewed === 0 ? j.lastViewSeconds : null;
    for (const x of joins) for (const [k, v] of Object.entries(x.failures)) j.failures[k] = (j.failures[k] ?? 0) + v;
    j.retries = joins.reduce((n, x) => n + x.retries, 0);
    for (const x of joins) for (const [k, v] of Object.entries(x.retryReasons)) j.retryReasons[k] = (j.retryReasons[k] ?? 0) + v;
    j.toView = pct(joins.flatMap((x) => x.toView));
    j.http = pct(joins.flatMap((x) => x.httpMs));
    const vb = pct(joins.flatMap((x) => x.viewBytes));
    j.viewBytes = vb ? vb.p50 : null;
    j.cpuSeconds = cpuJoin0 != null && cpuJoin1 != null ? cpuJoin1 - cpuJoin0 : null;
    log(
      mode,
      `join storm: ${j.viewed} of ${N} hold a view; ` +
        (j.allSeconds != null
          ? `all in ${sec(j.allSeconds)}`
          : `NOT all within ${JOIN_DEADLINE_MS / 1000} s (last view at ${sec(j.lastViewSeconds)}); why: ${JSON.stringify(j.failures)}`) +
        `; per citizen, join start to first view p50 ${ms(j.toView?.p50)}, p99 ${ms(j.toView?.p99)}; HTTP join p50 ${ms(j.http?.p50)}, p99 ${ms(j.http?.p99)}; ` +
        `HTTP retries ${j.retries}${j.retries ? ` ${JSON.stringify(j.retryReasons)}` : ''}; first view ${int(j.viewBytes)} bytes; server CPU ${sec(j.cpuSeconds)}`,
    );

    // 2. Settle, memory.
    await phase('settle');
    await sleep(SETTLE_MS);
    result.rssAfterKb = rssKb(srv.pid);
    if (result.rssBeforeKb != null && result.rssAfterKb != null) result.perCitizenKb = (result.rssAfterKb - result.rssBeforeKb) / N;
    log(mode, `server RSS after ${j.viewed} citizens connected and ${SETTLE_MS / 1000} s idle: ${kb(result.rssAfterKb)}; per citizen ${kb(result.perCitizenKb)}`);
    if (mode === 'townhall') log(mode, `server memory by kind (its /metrics): ${await heapBreakdown(srv.url)}`);
    if (srv.exited) throw new Error(`the server is gone (${srv.exited})`);

    // 3. Fan-out.
    await phase('start');
    const action = async (first: boolean): Promise<number> => {
      if (mode === 'baseline') {
        const res = await postJson(`${srv.url}/broadcast`, {});
        return (res.body as { seq: number }).seq;
      }
      const ack = first ? await command('agenda.start', {}) : await command('agenda.extend', { minutes: 1 });
      if (!ack.ok) throw new Error(`${first ? 'agenda.start' : 'agenda.extend'} refused: ${ack.error.code} ${ack.error.message}`);
      return ack.seq;
    };
    const startSeq = await action(true);
    const warm = await all<WaitSeqReply>({ type: 'waitSeq', seq: startSeq, deadlineAt: Date.now() + FANOUT_DEADLINE_MS });
    log(
      mode,
      `${mode === 'townhall' ? 'agenda.start' : 'first broadcast'} reached ${warm.reduce((n, w) => n + w.reached, 0)} of ${warm.reduce((n, w) => n + w.holding, 0)} citizens holding a view`,
    );
    await sleep(1000);
    await phase('fanout', true);
    const t0s: number[] = [];
    const seqs: number[] = [];
    const cpuFan0 = cpuSeconds(srv.pid);
    const threadsFan0 = threadCpu(srv.pid);
    const fanStart = now();
    for (let k = 0; k < ACTIONS; k++) {
      await sleep(fanStart + k * 1000 - now());
      const t0 = now();
      try {
        seqs.push(await action(false));
        t0s.push(t0);
      } catch (err) {
        result.fanout.errors.push(String((err as Error).message));
        if (/timed out|timeout/i.test(String((err as Error).message)) || srv.exited) break;
      }
    }
    if (seqs.length) await all<WaitSeqReply>({ type: 'waitSeq', seq: Math.max(...seqs), deadlineAt: Date.now() + FANOUT_DEADLINE_MS });
    const fanEnd = now();
    const cpuFan1 = cpuSeconds(srv.pid);
    const threadsFan1 = threadCpu(srv.pid);
    await phase('idle');
    const arrivals = await all<ArrivalsReply>({ type: 'arrivals', seqs });
    const samples: number[] = [];
    let missing = 0;
    for (const a of arrivals) {
      a.arrivals.forEach((list, k) => {
        for (const t of list) {
          if (t < 0) missing += 1;
          else samples.push(t - t0s[k]!);
        }
      });
    }
    const f = result.fanout;
    f.done = seqs.length;
    f.citizens = arrivals.reduce((n, a) => n + a.holding, 0);
    f.latency = pct(samples);
    f.missing = missing;
    f.windowSeconds = (fanEnd - fanStart) / 1000;
    if (cpuFan0 != null && cpuFan1 != null && seqs.length) f.cpuPerActionMs = ((cpuFan1 - cpuFan0) * 1000) / seqs.length;
    // An idle window as long as the fan-out's.
    const cpuIdle0 = cpuSeconds(srv.pid);
    const threadsIdle0 = threadCpu(srv.pid);
    const idleStart = now();
    await sleep(fanEnd - fanStart);
    const cpuIdle1 = cpuSeconds(srv.pid);
    log(
      mode,
      `server CPU per action by thread: ${threadCpuBetween(threadsFan0, threadsFan1, Math.max(1, seqs.length))}; idle, per action's second: ${threadCpuBetween(threadsIdle0, threadCpu(srv.pid), ACTIONS)}`,
    );
    if (cpuIdle0 != null && cpuIdle1 != null) {
      f.idleCpuPerActionMs = ((cpuIdle1 - cpuIdle0) * 1000) / ACTIONS;
      f.idleCorePercent = ((cpuIdle1 - cpuIdle0) / ((now() - idleStart) / 1000)) * 100;
    }
    log(
      mode,
      `fan-out: ${seqs.length} actions × ${arrivals.reduce((n, a) => n + a.holding, 0)} citizens: action to citizen p50 ${ms(f.latency?.p50)}, p99 ${ms(f.latency?.p99)}, max ${ms(f.latency?.max)}; ` +
        `${missing} changes never arrived; window ${sec(f.windowSeconds)}; server CPU per action ${ms(f.cpuPerActionMs)} (idle over an equal window: ${ms(f.idleCpuPerActionMs)} per action, ${f.idleCorePercent?.toFixed(1)}% of a core)` +
        (f.errors.length ? `; errors: ${f.errors.join('; ')}` : ''),
    );
    if (srv.exited) throw new Error(`the server is gone (${srv.exited})`);

    // 4. Upvote storm.
    await phase('upvote');
    const asked = (await gens[0]!.request({ type: 'ask', text: `Plenary bench question ${Date.now()}: who decides the bus routes?`, ackTimeoutMs: ACK_TIMEOUT_MS })) as
      | { ok: true; seq: number; result?: { questionId?: string } }
      | { ok: false; error: { code: string; message: string } };
    const u = result.upvote;
    let questionId: string | null = null;
    if (!asked.ok || !asked.result?.questionId) {
      u.note = `qa.ask failed: ${JSON.stringify(asked)}`;
    } else {
      questionId = asked.result.questionId;
      if (mode === 'townhall') {
        const mod = await command('qa.moderate', { questionId, status: 'approved' });
        if (!mod.ok && mod.error.code !== 'CONFLICT') u.note = `qa.moderate failed: ${mod.error.code} ${mod.error.message}`;
        // Citizens upvote a question they can see: the storm starts once the approval has reached them,
        // not while its broadcast is still going out (the baseline has no such broadcast to wait for).
        else if (mod.ok) await all<WaitSeqReply>({ type: 'waitSeq', seq: mod.seq, deadlineAt: Date.now() + FANOUT_DEADLINE_MS });
      }
      const cpuUp0 = cpuSeconds(srv.pid);
      const votes = await all<UpvoteReply>({ type: 'upvote', questionId, ackTimeoutMs: ACK_TIMEOUT_MS });
      const cpuUp1 = cpuSeconds(srv.pid);
      u.sent = votes.reduce((n, v) => n + v.sent, 0);
      u.notConnected = votes.reduce((n, v) => n + v.notConnected, 0);
      u.ok = votes.reduce((n, v) => n + v.ok, 0);
      for (const v of votes) for (const [k, c] of Object.entries(v.codes)) u.codes[k] = (u.codes[k] ?? 0) + c;
      const lats = votes.flatMap((v) => v.latencies);
      u.acked = lats.length;
      u.latency = pct(lats);
      const first = Math.min(...votes.map((v) => v.firstSend));
      const last = Math.max(...votes.map((v) => v.lastAck));
      if (u.acked > 0 && last > first) {
        u.seconds = (last - first) / 1000;
        u.perSecond = u.acked / u.seconds;
      }
      u.cpuSeconds = cpuUp0 != null && cpuUp1 != null ? cpuUp1 - cpuUp0 : null;
      try {
        const synced = (await gens[0]!.request({ type: 'sync', questionId, ackTimeoutMs: ACK_TIMEOUT_MS })) as { upvotes: number | null };
        u.finalCount = synced.upvotes;
        u.matches = synced.upvotes === u.ok;
      } catch (err) {
        u.note = `state.sync failed: ${(err as Error).message}`;
      }
    }
    log(
      mode,
      `upvote storm: ${u.sent} sent${u.notConnected ? ` (${u.notConnected} holding a view were not connected)` : ''}, ${u.acked} acked (${u.ok} ok) in ${sec(u.seconds)} = ${int(u.perSecond)} acks/s; ack p50 ${ms(u.latency?.p50)}, p99 ${ms(u.latency?.p99)}; ` +
        `errors ${JSON.stringify(u.codes)}; final count = ok acks: ${finalCount(result)}; server CPU ${sec(u.cpuSeconds)}` +
        (u.note ? `; ${u.note}` : ''),
    );

    // 5. Restart under load: stop the server (SIGTERM, wait for the exit), start it again on the same
    // port with the same environment and data directory; every citizen reconnects on its own.
    if (RESTART) {
      if (srv.exited) throw new Error(`the server is gone (${srv.exited})`);
      await phase('restart');
      const r: RestartResult = (result.restart = {
        armed: 0,
        armedNotConnected: 0,
        oldExit: null,
        shutdownSeconds: null,
        startSeconds: null,
        resynced: 0,
        allFromListening: null,
        allFromKill: null,
        lastFromListening: null,
        fromListening: null,
        outage: null,
        attempts: null,
        lastAttempt: null,
        notResynced: {},
        upvotesExpected: mode === 'townhall' && questionId ? (u.finalCount ?? u.ok) : null,
        upvotesShown: null,
        upvotes: {},
        connectErrors: {},
        shutdownCpu: null,
        startCpu: null,
        resyncCpu: null,
        rssAfterKb: null,
        serverUp: null,
        note: null,
      });
      const armed = await all<RestartArmReply>({ type: 'restartArm', questionId: mode === 'townhall' ? questionId : null });
      r.armed = armed.reduce((n, a) => n + a.armed, 0);
      r.armedNotConnected = armed.reduce((n, a) => n + a.notConnected, 0);
      const old = srv;
      const port = Number(new URL(old.url).port);
      onServerExit = () => undefined;
      const reaped0 = reapedChildrenCpuSeconds();
      const oldCpu0 = cpuSeconds(old.pid);
      const killAt = now();
      await old.terminate(SHUTDOWN_GRACE_MS);
      r.oldExit = old.exited;
      r.shutdownSeconds = (old.exitedAt - killAt) / 1000;
      // The old process is reaped: its whole CPU time is now in this process's cutime.
      const reaped1 = reapedChildrenCpuSeconds();
      const oldTotal = reaped0 != null && reaped1 != null ? reaped1 - reaped0 : oldCpu0;
      endedServersCpu += oldTotal ?? 0;
      r.shutdownCpu = oldTotal != null && oldCpu0 != null ? oldTotal - oldCpu0 : null;
      if (old.exited !== 'exit code 0') result.problems.push(`the server stopped for the restart ended with ${old.exited}`);
      // The same port: the citizens reconnect to the URL they know. Another process may take it in
      // the meantime (or it may not be free yet); try a few times.
      let next: ServerProc | null = null;
      for (let attempt = 0; !next; attempt++) {
        try {
          next = await launch(port);
        } catch (err) {
          if (attempt >= 9 || !/EADDRINUSE/.test((err as Error).message)) throw new Error(`restarting the server failed: ${(err as Error).message}`);
          await sleep(500);
        }
      }
      srv = server = next;
      watchServer();
      const listeningAt = srv.listeningAt;
      const cpuListening = cpuSeconds(srv.pid);
      r.startSeconds = (listeningAt - old.exitedAt) / 1000;
      r.startCpu = cpuListening;
      log(
        mode,
        `restart: SIGTERM to exit ${sec(r.shutdownSeconds)} (${r.oldExit}), exit to listening ${sec(r.startSeconds)}; new server pid ${srv.pid} at ${srv.url}; ` +
          `${r.armed} citizens to resync${r.armedNotConnected ? ` (${r.armedNotConnected} were not connected when it began)` : ''}`,
      );
      const ticker = setInterval(() => log(mode, `  ${((now() - listeningAt) / 1000).toFixed(0)} s after listening: server RSS ${kb(rssKb(srv.pid))}`), 5000);
      const waits = await all<RestartReply>({
        type: 'restartWait',
        exitedAt: old.exitedAt,
        deadlineAt: Date.now() + RESTART_DEADLINE_MS - (now() - listeningAt),
      }).finally(() => clearInterval(ticker));
      const cpuDone = cpuSeconds(srv.pid);
      r.resyncCpu = cpuDone != null && cpuListening != null ? cpuDone - cpuListening : null;
      r.rssAfterKb = rssKb(srv.pid);
      const resyncedAt = waits.flatMap((w) => w.resyncedAt);
      r.resynced = resyncedAt.length;
      const last = resyncedAt.length ? Math.max(...resyncedAt) : null;
      r.lastFromListening = last != null ? (last - listeningAt) / 1000 : null;
      if (r.resynced === r.armed && last != null) {
        r.allFromListening = (last - listeningAt) / 1000;
        r.allFromKill = (last - killAt) / 1000;
      }
      r.fromListening = pct(resyncedAt.map((t) => t - listeningAt));
      r.outage = pct(waits.flatMap((w) => w.outageMs));
      r.attempts = pct(waits.flatMap((w) => w.attempts));
      r.lastAttempt = pct(waits.flatMap((w) => w.lastAttemptMs));
      for (const w of waits) {
        for (const [k, v] of Object.entries(w.notResynced)) r.notResynced[k] = (r.notResynced[k] ?? 0) + v;
        for (const [k, v] of Object.entries(w.upvotes)) r.upvotes[k] = (r.upvotes[k] ?? 0) + v;
        for (const [k, v] of Object.entries(w.connectErrors)) r.connectErrors[k] = (r.connectErrors[k] ?? 0) + v;
      }
      if (r.upvotesExpected != null) r.upvotesShown = r.upvotes[String(r.upvotesExpected)] ?? 0;
      r.serverUp = !srv.exited;
      log(
        mode,
        `restart under load: ${r.resynced} of ${r.armed} resynced; ` +
          (r.allFromListening != null
            ? `all ${sec(r.allFromListening)} after the new server listened (${sec(r.allFromKill)} after SIGTERM)`
            : `NOT all within ${RESTART_DEADLINE_MS / 1000} s of listening (last at ${sec(r.lastFromListening)}); why: ${JSON.stringify(r.notResynced)}`) +
          `; per citizen, listening to resync p50 ${ms(r.fromListening?.p50)}, p99 ${ms(r.fromListening?.p99)}, max ${ms(r.fromListening?.max)}; ` +
          `own outage p50 ${ms(r.outage?.p50)}, p99 ${ms(r.outage?.p99)}; start of the attempt that succeeded to view p50 ${ms(r.lastAttempt?.p50)}, p99 ${ms(r.lastAttempt?.p99)}; reconnection attempts p50 ${int(r.attempts?.p50)}, max ${int(r.attempts?.max)}; ` +
          `connect errors ${JSON.stringify(r.connectErrors)}; ` +
          (r.upvotesExpected != null
            ? `views showing the storm's ${r.upvotesExpected} upvotes: ${r.upvotesShown} of ${r.resynced} (counts seen ${JSON.stringify(r.upvotes)}); `
            : '') +
          `server CPU: shutdown ${sec(r.shutdownCpu)}, start-up ${sec(r.startCpu)}, listening to all resynced ${sec(r.resyncCpu)}; RSS after ${kb(r.rssAfterKb)}; ` +
          `server ${r.serverUp ? 'up' : `DOWN (${srv.exited})`}`,
      );
    }
  } catch (err) {
    log(mode, `stopped early: ${(err as Error).message}`);
    result.problems.push(`stopped early: ${(err as Error).message}`);
  } finally {
    if (watchdog) clearInterval(watchdog);
    endPhase();
    try {
      const tallies = await Promise.race([Promise.all(gens.map((g) => g.request<TallyReply>({ type: 'tally' }))), sleep(30_000).then(() => null)]);
      if (tallies) {
        for (const t of tallies) {
          for (const [phase, tally] of Object.entries(t.tallies)) mergeTallies((result.tallies[phase] ??= {}), tally);
          for (const [phase, lag] of Object.entries(t.lagByPhase)) {
            const x = (result.generatorLag[phase] ??= { p99: 0, max: 0 });
            x.p99 = Math.max(x.p99, lag.p99);
            x.max = Math.max(x.max, lag.max);
          }
          for (const [k, v] of Object.entries(t.disconnectReasons)) result.disconnectReasons[k] = (result.disconnectReasons[k] ?? 0) + v;
          for (const [k, v] of Object.entries(t.connectErrorReasons)) result.connectErrorReasons[k] = (result.connectErrorReasons[k] ?? 0) + v;
        }
        result.status = tallies.reduce<StatusReply>(
          (s, t) => ({
            connected: s.connected + t.connected,
            holding: s.holding + t.holding,
            disconnects: s.disconnects + t.disconnects,
            connectErrors: s.connectErrors + t.connectErrors,
          }),
          { connected: 0, holding: 0, disconnects: 0, connectErrors: 0 },
        );
      }
    } catch {
      /* a generator is gone */
    }
    const joinTally = result.tallies.join;
    if (joinTally) result.bytesPerCitizenJoin = Object.values(joinTally).reduce((n, t) => n + t.bytes, 0) / N;
    for (const g of gens) g.stop();
    (facilitator as Socket | null)?.close();
    if (server) {
      result.serverExited = server.exited;
      const byLevel: Record<string, number> = {};
      for (const p of servers) for (const [level, n] of Object.entries(p.logByLevel)) byLevel[level] = (byLevel[level] ?? 0) + n;
      result.logs =
        Object.entries(byLevel)
          .map(([level, n]) => `${n} at level ${level}`)
          .join(', ') + (servers.length > 1 ? ` (${servers.length} processes)` : '');
      for (const p of servers) result.problems.push(...p.problems);
      onServerExit = () => undefined;
      await server.stop();
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  return result;
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

// ---------------------------------------------------------------- report

function bytesTable(r: Result): string {
  const lines: string[] = [];
  for (const [phase, tally] of Object.entries(r.tallies)) {
    const total = Object.values(tally).reduce((n, t) => n + t.bytes, 0);
    if (total === 0) continue;
    const parts = Object.entries(tally)
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .map(([name, t]) => `${name} ${fmtBytes(t.bytes)} in ${int(t.n)} (${((t.bytes / total) * 100).toFixed(0)}%)`);
    lines.push(`  ${phase}: ${fmtBytes(total)} to citizens, ${fmtBytes(total / N)} per citizen: ${parts.join(', ')}`);
  }
  const fac = Object.entries(r.facilitatorTally).sort((a, b) => b[1].bytes - a[1].bytes);
  if (fac.length) lines.push(`  facilitator (whole run): ${fac.map(([name, t]) => `${name} ${fmtBytes(t.bytes)} in ${int(t.n)}`).join(', ')}`);
  return lines.join('\n');
}

function fmtBytes(b: number): string {
  if (b >= 1e9) return `${(b / 1e9).toFixed(2)} GB`;
  if (b >= 1e6) return `${(b / 1e6).toFixed(2)} MB`;
  if (b >= 1e3) return `${(b / 1e3).toFixed(1)} kB`;
  return `${b.toFixed(0)} B`;
}

function finalCount(r: Result | null): string {
  if (!r) return 'not run';
  const u = r.upvote;
  if (u.finalCount == null) return `not read${u.note ? ` (${u.note})` : ''}`;
  if (u.matches) return `yes (${int(u.finalCount)})`;
  // Upvotes whose ack never came (a disconnect or a timeout) may still have been counted.
  const unanswered = u.sent - u.acked;
  const extra = u.finalCount - u.ok;
  const why =
    extra > 0 && extra <= unanswered
      ? `; the ${int(extra)} more are upvotes whose ack was lost (${int(unanswered)} unanswered), none counted twice`
      : extra > unanswered
        ? `; more than the ${int(unanswered)} unanswered: something counted twice`
        : '; fewer than acknowledged: acknowledged votes were lost';
  return `NO: ${int(u.finalCount)} counted, ${int(u.ok)} ok acks${why}`;
}

function report(th: Result | null, base: Result | null): void {
  const rows: [string, string, string, string][] = [];
  const add = (label: string, a: number | null | undefined, b: number | null | undefined, f: (x: number | null | undefined) => string, r = true) =>
    rows.push([label, th ? f(a) : 'not run', base ? f(b) : 'not run', r ? ratio(a, b) : '']);
  const joinAll = (x: Result | null) => x?.join.allSeconds ?? null;
  rows.push([
    `Join storm: first HTTP join until all ${int(N)} hold a view`,
    th ? (th.join.allSeconds != null ? sec(th.join.allSeconds) : `not all within ${JOIN_DEADLINE_MS / 1000} s`) : 'not run',
    base ? (base.join.allSeconds != null ? sec(base.join.allSeconds) : `not all within ${JOIN_DEADLINE_MS / 1000} s`) : 'not run',
    ratio(joinAll(th), joinAll(base)),
  ]);
  add('Join storm: citizens without a view at the deadline', th?.join.notViewed, base?.join.notViewed, int, false);
  add('Join storm: last view after first join', th?.join.lastViewSeconds, base?.join.lastViewSeconds, sec);
  add('Join storm: per citizen, join start to first view p50', th?.join.toView?.p50, base?.join.toView?.p50, ms);
  add('Join storm: per citizen, join start to first view p99', th?.join.toView?.p99, base?.join.toView?.p99, ms);
  add('Join storm: server CPU', th?.join.cpuSeconds, base?.join.cpuSeconds, sec);
  add('Join storm: bytes received per citizen', th?.bytesPerCitizenJoin, base?.bytesPerCitizenJoin, (x) => (x == null ? 'n/a' : fmtBytes(x)));
  add('Citizens holding a view after the join storm (they take part in what follows)', th?.fanout.citizens, base?.fanout.citizens, int, false);
  add('Fan-out (10 actions × citizens): p50', th?.fanout.latency?.p50, base?.fanout.latency?.p50, ms);
  add('Fan-out: p99', th?.fanout.latency?.p99, base?.fanout.latency?.p99, ms);
  add('Fan-out: max', th?.fanout.latency?.max, base?.fanout.latency?.max, ms);
  add('Fan-out: changes that never arrived', th?.fanout.missing, base?.fanout.missing, int, false);
  add('Server CPU per facilitator action', th?.fanout.cpuPerActionMs, base?.fanout.cpuPerActionMs, ms);
  add('Server CPU idle, same window, per action', th?.fanout.idleCpuPerActionMs, base?.fanout.idleCpuPerActionMs, ms);
  add('Server RSS before any citizen', th ? th.rssBeforeKb! / 1024 : null, base ? base.rssBeforeKb! / 1024 : null, (x) =>
    x == null || Number.isNaN(x) ? 'n/a' : `${x.toFixed(0)} MB`,
  );
  add('Server RSS with all citizens, idle', th ? th.rssAfterKb! / 1024 : null, base ? base.rssAfterKb! / 1024 : null, (x) =>
    x == null || Number.isNaN(x) ? 'n/a' : `${x.toFixed(0)} MB`,
  );
  add('Server RSS per citizen', th?.perCitizenKb, base?.perCitizenKb, kb);
  add('Upvote storm: acknowledged commands/s', th?.upvote.perSecond, base?.upvote.perSecond, int);
  add('Upvote storm: ok acks', th?.upvote.ok, base?.upvote.ok, int, false);
  add('Upvote storm: ack p99', th?.upvote.latency?.p99, base?.upvote.latency?.p99, ms);
  rows.push(['Upvote storm: errors', th ? JSON.stringify(th.upvote.codes) : 'not run', base ? JSON.stringify(base.upvote.codes) : 'not run', '']);
  rows.push(['Upvote storm: final count = ok acks', finalCount(th), finalCount(base), '']);
  if (RESTART) {
    const rs = (x: Result | null) => x?.restart ?? null;
    const allResynced = (x: Result | null, seconds: (r: RestartResult) => number | null) => {
      if (!x) return 'not run';
      const r = rs(x);
      if (!r) return 'n/a';
      const s = seconds(r);
      return s != null ? sec(s) : `not all within ${RESTART_DEADLINE_MS / 1000} s`;
    };
    rows.push([
      'Restart: new server listening until every citizen is resynced',
      allResynced(th, (r) => r.allFromListening),
      allResynced(base, (r) => r.allFromListening),
      ratio(rs(th)?.allFromListening, rs(base)?.allFromListening),
    ]);
    rows.push([
      'Restart: SIGTERM until every citizen is resynced',
      allResynced(th, (r) => r.allFromKill),
      allResynced(base, (r) => r.allFromKill),
      ratio(rs(th)?.allFromKill, rs(base)?.allFromKill),
    ]);
    add('Restart: SIGTERM to exit of the old server', rs(th)?.shutdownSeconds, rs(base)?.shutdownSeconds, sec);
    add('Restart: exit to the new server listening', rs(th)?.startSeconds, rs(base)?.startSeconds, sec);
    add('Restart: per citizen, listening to resync p50', rs(th)?.fromListening?.p50, rs(base)?.fromListening?.p50, ms);
    add('Restart: per citizen, listening to resync p99', rs(th)?.fromListening?.p99, rs(base)?.fromListening?.p99, ms);
    add('Restart: per citizen, own disconnect to resync p99', rs(th)?.outage?.p99, rs(base)?.outage?.p99, ms);
    add('Restart: per citizen, start of the reconnection attempt that succeeded to resync p50', rs(th)?.lastAttempt?.p50, rs(base)?.lastAttempt?.p50, ms);
    add('Restart: per citizen, start of the reconnection attempt that succeeded to resync p99', rs(th)?.lastAttempt?.p99, rs(base)?.lastAttempt?.p99, ms);
    const notResynced = (x: Result | null) => (rs(x) ? rs(x)!.armed - rs(x)!.resynced : null);
    add(`Restart: citizens not resynced within ${RESTART_DEADLINE_MS / 1000} s of listening`, notResynced(th), notResynced(base), int, false);
    const shown = (x: Result | null) => {
      if (!x) return 'not run';
      const r = rs(x);
      if (!r) return 'n/a';
      if (r.upvotesExpected == null) return x.mode === 'baseline' ? 'n/a (keeps no state)' : 'n/a (no question)';
      return `${int(r.upvotesShown)} of ${int(r.resynced)} (count ${int(r.upvotesExpected)})`;
    };
    rows.push(["Restart: resynced views showing the upvote storm's count", shown(th), shown(base), '']);
    add('Restart: server CPU, listening until all resynced', rs(th)?.resyncCpu, rs(base)?.resyncCpu, sec);
    add(
      'Restart: server CPU, shutdown + start-up',
      th?.restart ? (th.restart.shutdownCpu ?? 0) + (th.restart.startCpu ?? 0) : null,
      base?.restart ? (base.restart.shutdownCpu ?? 0) + (base.restart.startCpu ?? 0) : null,
      sec,
    );
    rows.push([
      'Restart: connect errors by reason',
      th ? JSON.stringify(rs(th)?.connectErrors ?? {}) : 'not run',
      base ? JSON.stringify(rs(base)?.connectErrors ?? {}) : 'not run',
      '',
    ]);
  }
  add('Plenary view (first `session.view`), bytes', th?.join.viewBytes, base?.join.viewBytes, int);

  const date = new Date().toISOString().slice(0, 10);
  let nproc = String(availableParallelism());
  try {
    nproc = execSync('nproc').toString().trim();
  } catch {
    /* keep availableParallelism */
  }
  console.log('');
  console.log(
    `### Plenary (${date}): N = ${int(N)} citizens, ${PROCESSES} load generators × ≤${CONCURRENCY} joins in flight, nproc ${nproc} (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.versions.node}`,
  );
  console.log('');
  console.log('| Figure | townhall | bare Socket.IO | ratio |');
  console.log('|---|---|---|---|');
  for (const [a, b, c, d] of rows) console.log(`| ${a} | ${b} | ${c} | ${d} |`);
  console.log('');
  // The bench cannot keep other work off the machine, but it can say when there was some.
  const cores = Number(nproc) || availableParallelism();
  const busy: string[] = [];
  for (const r of [th, base]) {
    for (const c of r?.cpu ?? []) {
      const share = c.wall > 0 ? c.other / (c.wall * cores) : 0;
      if (['join', 'fanout', 'idle', 'upvote', 'restart'].includes(c.phase) && share > 0.2) busy.push(`${r!.mode} ${c.phase} ${(share * 100).toFixed(0)}%`);
    }
  }
  if (busy.length) {
    console.log(`Warning: processes outside the bench used much of the machine during: ${busy.join(', ')}. Those figures are inflated; run again on a quiet machine.`);
    console.log('');
  }
  for (const r of [th, base]) {
    if (!r) continue;
    console.log(`plenary[${r.mode}]: bytes received by phase and message (text frames, characters ≈ bytes):`);
    console.log(bytesTable(r));
    if (r.status)
      console.log(
        `plenary[${r.mode}]: at the end ${r.status.connected} citizens connected; ${r.status.disconnects} disconnects and ${r.status.connectErrors} connect errors over the run`,
      );
    console.log(
      `plenary[${r.mode}]: CPU seconds by phase (load average at the start ${r.loadavg}; "other" is every process on the machine that is not part of this bench):`,
    );
    for (const c of r.cpu) {
      const lag = r.generatorLag[c.phase];
      console.log(
        `  ${c.phase.padEnd(8)} wall ${c.wall.toFixed(1).padStart(6)} s: server ${c.server.toFixed(2).padStart(6)}, generators ${c.generators.toFixed(2).padStart(6)}, driver ${c.driver.toFixed(2).padStart(5)}, other ${c.other.toFixed(2).padStart(6)}` +
          (lag ? `; worst generator event-loop delay p99 ${ms(lag.p99)}, max ${ms(lag.max)}` : ''),
      );
    }
    if (Object.keys(r.disconnectReasons).length) console.log(`plenary[${r.mode}]: citizen disconnects by phase and reason: ${JSON.stringify(r.disconnectReasons)}`);
    if (Object.keys(r.connectErrorReasons).length)
      console.log(`plenary[${r.mode}]: citizen connect errors by phase and reason: ${JSON.stringify(r.connectErrorReasons)}`);
    if (r.logs) console.log(`plenary[${r.mode}]: server log lines: ${r.logs}`);
    if (r.problems.length) console.log(`plenary[${r.mode}]: problems: ${r.problems.join(' | ')}`);
    if (r.serverExited) console.log(`plenary[${r.mode}]: the server process had ended before the bench stopped it: ${r.serverExited}`);
  }
}

export async function plenary(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  console.log(`plenary: ${int(N)} citizens over ${PROCESSES} load generators; townhall first, then a bare Socket.IO server with a payload of the townhall view's size`);
  let th: Result | null = null;
  let base: Result | null = null;
  try {
    if (only !== 'baseline') th = await runTarget('townhall', 0);
    const viewBytes = th?.join.viewBytes ?? env('BENCH_VIEW_BYTES', 3000);
    if (th) await sleep(3000);
    if (only !== 'townhall') base = await runTarget('baseline', Math.round(viewBytes));
  } finally {
    killAll();
  }
  report(th, base);
}
