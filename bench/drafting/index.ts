/**
 * Drafting bench: server CPU per drafting update, townhall against the reference Yjs
 * WebSocket server (@y/websocket-server's own bin), both measured in the same run.
 *
 * Scenario: E editors each type R entries a second (an entry: a few characters appended
 * to their own recommendation's body, a Y.Text) while V read-only viewers watch, all on
 * one document, for S seconds of typing after everyone has synced. Every client is the
 * stock y-websocket WebsocketProvider with the `ws` package; the clients are spread over
 * P generator processes (generator.ts), and each server runs in a process of its own.
 * On townhall the editors are citizens and the viewers observers (read-only on the plenary).
 *
 * Measured per server:
 * - its CPU (utime + stime from /proc/<pid>/stat, all threads) per update typed, from the
 *   first entry until every client holds every entry;
 * - its CPU over an idle window of S seconds before that: everyone connected, nobody typing.
 *   What it spends there is awareness: each stock provider renews its state every 15 s and
 *   re-sends every awareness change it receives, so V+E clients make (V+E)² messages per
 *   round. "Net of background" takes away the idle window's CPU per awareness message
 *   delivered, times the awareness messages delivered while typing;
 * - the latency from an editor's insert to a sample of viewers seeing it (each entry carries
 *   its counter; CLOCK_MONOTONIC is shared by the processes);
 * - its RSS at the end, and whether every client ends with the same document (canonical JSON).
 * For townhall also: store commits (fsyncs) and writes while typing, from its /metrics.
 *
 * Environment (defaults): BENCH_EDITORS (50), BENCH_VIEWERS (500), BENCH_SECONDS (20),
 * BENCH_RATE (5 entries/s per editor), BENCH_PROCS (4 generator processes),
 * BENCH_SAMPLED (20 viewers record arrival times), BENCH_SERVERS ('townhall,reference'),
 * BENCH_SETTLE (3: least seconds to wait for the server to go quiet after set-up),
 * BENCH_DRAIN_TIMEOUT (180: most seconds to wait after typing for every client to hold every entry),
 * BENCH_RAMP (18: seconds over which the clients connect; one awareness renewal period or more keeps that load steady),
 * BENCH_VIEWER_AWARENESS (0: viewers publish no awareness state, which leaves mostly the drafting traffic),
 * BENCH_CPU_PROF (1: run the servers with --cpu-prof and summarise the typing window).
 *
 * Benchmarks print; they never pass or fail.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { assembly, sessionInput } from '../../tests/helpers/fixtures.js';
import { printSummary, summarize } from './profile.js';
import { monoMs, type ClientSpec, type DrainedResult, type Message, type ReportResult, type Reply, type Request, type TypedResult } from './protocol.js';
import {
  clockTicks,
  cpuSeconds,
  cpuSplit,
  installCleanup,
  machineBusySeconds,
  memoryMiB,
  profileFiles,
  referenceBin,
  root,
  startReference,
  startTownhall,
  track,
  type ServerUnderTest,
} from './servers.js';

const num = (name: string, def: number) => {
  const v = Number(process.env[name] ?? def);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`);
  return v;
};

interface Settings {
  editors: number;
  viewers: number;
  seconds: number;
  rate: number;
  procs: number;
  sampled: number;
  settle: number;
  drainTimeout: number;
  ramp: number;
  viewersQuiet: boolean;
  servers: ('townhall' | 'reference')[];
  profile: boolean;
}

function settings(): Settings {
  const servers = (process.env.BENCH_SERVERS ?? 'townhall,reference').split(',').map((s) => s.trim());
  for (const s of servers) if (s !== 'townhall' && s !== 'reference') throw new Error(`BENCH_SERVERS: unknown server ${s}`);
  const editors = Math.max(1, Math.floor(num('BENCH_EDITORS', 50)));
  const viewers = Math.floor(num('BENCH_VIEWERS', 500));
  return {
    editors,
    viewers,
    seconds: num('BENCH_SECONDS', 20),
    rate: num('BENCH_RATE', 5),
    procs: Math.max(1, Math.min(editors + viewers, Math.floor(num('BENCH_PROCS', 4)))),
    sampled: Math.min(viewers, Math.floor(num('BENCH_SAMPLED', 20))),
    settle: num('BENCH_SETTLE', 3),
    drainTimeout: num('BENCH_DRAIN_TIMEOUT', 180),
    ramp: num('BENCH_RAMP', 18),
    viewersQuiet: process.env.BENCH_VIEWER_AWARENESS === '0',
    servers: servers as Settings['servers'],
    profile: process.env.BENCH_CPU_PROF === '1',
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** One load-generator process, spoken to one request at a time. */
class Generator {
  readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; op: string }>();

  constructor(readonly index: number) {
    this.child = track(
      fork(fileURLToPath(new URL('./generator.ts', import.meta.url)), [], {
        cwd: root,
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    this.child.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new Error(`generator ${this.index}, ${p.op}: ${reply.error}`));
    });
    this.child.once('exit', (code, signal) => {
      for (const p of this.pending.values()) p.reject(new Error(`generator ${this.index} exited (${code ?? signal}) during ${p.op}`));
      this.pending.clear();
    });
  }

  call<T>(request: Request): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, op: request.op });
      this.child.send({ id, request } satisfies Message, (err) => {
        if (!err) return;
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    await Promise.race([this.call({ op: 'stop' }).catch(() => undefined), sleep(5000)]);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Result {
  server: 'townhall' | 'reference';
  setupSeconds: number;
  connectSeconds: number;
  typed: number;
  typingSeconds: number;
  drainSeconds: number;
  drained: boolean;
  windowSeconds: number;
  cpuTyping: number;
  /** Of cpuTyping, the main thread's (the rest: SQLite writer and other worker threads, GC helpers, libuv). */
  cpuTypingMain: number;
  cpuIdle: number;
  idleSeconds: number;
  cpuPerUpdateMs: number;
  /** CPU per update less the background work (awareness renewals) measured in the idle window. */
  netCpuPerUpdateMs: number;
  netBy: 'awareness' | 'time';
  idleShare: number;
  typingShare: number;
  generatorsShare: number;
  /** Cores kept busy during typing by processes outside this bench (other work on the machine). */
  othersShare: number;
  latency: { p50: number; p90: number; p99: number; max: number; samples: number; missing: number };
  rss: number;
  peakRss: number;
  converged: boolean;
  distinct: number;
  complete: number;
  clients: number;
  connected: number;
  closes: number;
  denied: string[];
  sent: { sync: number; awareness: number };
  sentIdle: { sync: number; awareness: number };
  profiles: string[];
  diagnostics: { count: number; first: string[] };
  /** Townhall only: store commits (one fsync each) and writes during the typing window, drafting connections cut as slow readers. */
  store: { commits: number; writes: number; slowCut: number } | null;
}

/** Townhall's own counters (GET /metrics): store commits and the writes they carried, slow readers cut off. */
async function townhallCounters(url: string): Promise<{ commits: number; writes: number; slowCut: number } | null> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (re: RegExp) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
    return {
      commits: value(/^townhall_store_commits_total(?:\{[^}]*\})? (\S+)$/gm),
      writes: value(/^townhall_store_writes_total(?:\{[^}]*\})? (\S+)$/gm),
      slowCut: value(/^townhall_slow_readers_cut_total\{[^}]*channel="drafting"[^}]*\} (\S+)$/gm),
    };
  } catch {
    return null;
  }
}

async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Citizens who type, observers who watch, in one session sized for all of them (the HTTP API, as tests/helpers/clients.ts uses it). */
async function townhallClients(url: string, s: Settings): Promise<{ room: string; editors: ClientSpec[]; viewers: ClientSpec[] }> {
  const session = await post<{ sessionId: string; invites: Record<string, { invite: string }> }>(
    `${url}/api/sessions`,
    sessionInput({ settings: { queueRule: assembly.queueRule, turnSeconds: assembly.turnSeconds, maxParticipants: Math.min(100_000, s.editors + s.viewers + 10) } }),
  );
  const roles: { role: 'citizen' | 'observer'; name: string }[] = [
    ...Array.from({ length: s.editors }, (_, k) => ({ role: 'citizen' as const, name: `Editor ${k}` })),
    ...Array.from({ length: s.viewers }, (_, j) => ({ role: 'observer' as const, name: `Viewer ${j}` })),
  ];
  const tokens: string[] = new Array(roles.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < roles.length) {
        const i = next++;
        const { role, name } = roles[i]!;
        const invite = session.invites[role]?.invite;
        if (!invite) throw new Error(`the session has no ${role} invite`);
        tokens[i] = (await post<{ token: string }>(`${url}/api/sessions/${session.sessionId}/join`, { invite, displayName: name })).token;
      }
    }),
  );
  return {
    room: `${session.sessionId}:plenary`,
    editors: Array.from({ length: s.editors }, (_, k) => ({ kind: 'editor', editor: k, token: tokens[k]! })),
    viewers: Array.from({ length: s.viewers }, (_, j) => ({ kind: 'viewer', token: tokens[s.editors + j]! })),
  };
}

function referenceClients(s: Settings): { room: string; editors: ClientSpec[]; viewers: ClientSpec[] } {
  return {
    room: 'bench:plenary',
    editors: Array.from({ length: s.editors }, (_, k) => ({ kind: 'editor', editor: k })),
    viewers: Array.from({ length: s.viewers }, () => ({ kind: 'viewer' })),
  };
}

async function runOne(name: 'townhall' | 'reference', s: Settings): Promise<Result> {
  const log = (line: string) => console.log(`drafting [${name}]: ${line}`);
  const entries = Math.max(1, Math.round(s.rate * s.seconds));
  const periodMs = 1000 / Math.max(s.rate, 1e-9);
  let t = monoMs();
  const server: ServerUnderTest = name === 'townhall' ? await startTownhall({ profile: s.profile }) : await startReference({ profile: s.profile });
  const generators: Generator[] = [];
  try {
    const { room, editors, viewers } = name === 'townhall' ? await townhallClients(server.url, s) : referenceClients(s);
    // Sampled viewers spread evenly over the viewers, and so over the generators.
    for (let i = 0; i < s.sampled; i++) viewers[Math.floor((i * s.viewers) / s.sampled)]!.sampled = true;
    const setupSeconds = (monoMs() - t) / 1000;
    log(`server pid ${server.pid} at ${server.url}; set-up ${setupSeconds.toFixed(1)} s`);

    t = monoMs();
    for (let g = 0; g < s.procs; g++) generators.push(new Generator(g));
    const share = (g: number) => [...editors.filter((_, k) => k % s.procs === g), ...viewers.filter((_, j) => j % s.procs === g)];
    await Promise.all(
      generators.map((gen) =>
        gen.call({
          op: 'connect',
          wsUrl: server.wsUrl,
          room,
          clients: share(gen.index),
          rampMs: s.ramp * 1000,
          phase: gen.index / s.procs,
          timeoutMs: 120_000,
          viewersQuiet: s.viewersQuiet,
        }),
      ),
    );
    await Promise.all(generators.map((gen) => gen.call({ op: 'create' })));
    await Promise.all(generators.map((gen) => gen.call({ op: 'awaitRecommendations', editors: s.editors, timeoutMs: 120_000 })));
    const connectSeconds = (monoMs() - t) / 1000;
    log(`${s.editors + s.viewers} clients in ${s.procs} processes synced, ${s.editors} recommendations everywhere, in ${connectSeconds.toFixed(1)} s`);

    // Joining clients set off a storm of awareness messages; wait for it to pass.
    const settleStart = monoMs();
    let last = cpuSplit(server.pid).total;
    let prevRate = Infinity;
    for (;;) {
      await sleep(1000);
      const now = cpuSplit(server.pid).total;
      const rate = now - last;
      last = now;
      const waited = (monoMs() - settleStart) / 1000;
      // Settled once the server's CPU per second stops falling.
      if ((waited >= s.settle && (rate >= prevRate * 0.8 || prevRate - rate < 0.03)) || waited > 60) break;
      prevRate = rate;
    }
    log(`settled after ${((monoMs() - settleStart) / 1000).toFixed(0)} s`);

    // Idle: everyone connected, nobody typing.
    const countersIdle = await Promise.all(generators.map((g) => g.call<Record<string, number>>({ op: 'counters' })));
    const idleFrom = monoMs();
    const idleCpu0 = cpuSplit(server.pid).total;
    await sleep(s.seconds * 1000);
    const idleCpu1 = cpuSplit(server.pid).total;
    const idleSeconds = (monoMs() - idleFrom) / 1000;
    const cpuIdle = idleCpu1 - idleCpu0;

    // Typing.
    const countersBefore = await Promise.all(generators.map((g) => g.call<Record<string, number>>({ op: 'counters' })));
    const startAt = monoMs() + 500;
    const typing = Promise.all(generators.map((gen) => gen.call<TypedResult>({ op: 'type', startAt, entries, periodMs, editors: s.editors })));
    await sleep(startAt - monoMs());
    const cpu0 = cpuSplit(server.pid);
    const metrics0 = name === 'townhall' ? await townhallCounters(server.url) : null;
    const gen0 = generators.reduce((n, g) => n + cpuSeconds(g.child.pid!), 0);
    const machine0 = machineBusySeconds();
    const self0 = cpuSeconds(process.pid);
    const typed = await typing;
    const drained = await Promise.all(
      generators.map((gen) => gen.call<DrainedResult>({ op: 'awaitDrained', editors: s.editors, entries, timeoutMs: s.drainTimeout * 1000 })),
    );
    const cpu1 = cpuSplit(server.pid);
    const metrics1 = name === 'townhall' ? await townhallCounters(server.url) : null;
    const gen1 = generators.reduce((n, g) => n + cpuSeconds(g.child.pid!), 0);
    const machine1 = machineBusySeconds();
    const self1 = cpuSeconds(process.pid);
    const endAt = monoMs();
    const allDrained = drained.every((d) => d.drainedAt !== null);
    const drainedAt = allDrained ? Math.max(...drained.map((d) => d.drainedAt!)) : endAt;
    const lastSentAt = Math.max(...typed.map((r) => r.lastSentAt));
    const countersAfter = await Promise.all(generators.map((g) => g.call<Record<string, number>>({ op: 'counters' })));
    const delta = (type: string, after = countersAfter, before = countersBefore) => after.reduce((n, c, i) => n + (c[type] ?? 0) - (before[i]![type] ?? 0), 0);

    const reports = await Promise.all(generators.map((gen) => gen.call<ReportResult>({ op: 'report' })));
    const mem = memoryMiB(server.pid);

    const sends: Record<number, number[]> = Object.assign({}, ...typed.map((r) => r.sends));
    const updates = typed.reduce((n, r) => n + r.typed, 0);
    const latencies: number[] = [];
    let missing = 0;
    for (const viewer of reports.flatMap((r) => r.arrivals)) {
      viewer.forEach((arrivals, k) =>
        arrivals.forEach((at, i) => {
          const sent = sends[k]?.[i];
          if (at === null || sent === undefined) missing += 1;
          else latencies.push(at - sent);
        }),
      );
    }
    latencies.sort((a, b) => a - b);
    const hashes = reports.flatMap((r) => r.hashes);
    const distinct = new Set(hashes).size;
    const complete = drained.reduce((n, d) => n + d.complete, 0);
    const clients = drained.reduce((n, d) => n + d.clients, 0);

    const windowSeconds = (endAt - startAt) / 1000;
    const cpuTyping = cpu1.total - cpu0.total;
    const idleRate = cpuIdle / idleSeconds;
    const result: Result = {
      server: name,
      setupSeconds,
      connectSeconds,
      typed: updates,
      typingSeconds: (lastSentAt - startAt) / 1000,
      drainSeconds: (drainedAt - lastSentAt) / 1000,
      drained: allDrained,
      windowSeconds,
      cpuTyping,
      cpuTypingMain: cpu1.main - cpu0.main,
      cpuIdle,
      idleSeconds,
      cpuPerUpdateMs: (cpuTyping / updates) * 1000,
      netCpuPerUpdateMs: 0,
      idleShare: idleRate,
      typingShare: cpuTyping / windowSeconds,
      generatorsShare: (gen1 - gen0) / windowSeconds,
      othersShare: Math.max(0, machine1 - machine0 - (cpu1.total + cpu1.profiler - cpu0.total - cpu0.profiler) - (gen1 - gen0) - (self1 - self0)) / windowSeconds,
      latency: {
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? NaN,
        samples: latencies.length,
        missing,
      },
      rss: mem.rss,
      peakRss: mem.peak,
      converged: distinct === 1 && complete === clients,
      distinct,
      complete,
      clients,
      connected: reports.reduce((n, r) => n + r.connected, 0),
      closes: reports.reduce((n, r) => n + r.closes, 0),
      denied: [...new Set(reports.flatMap((r) => r.denied))],
      sent: { sync: delta('sync'), awareness: delta('awareness') },
      sentIdle: { sync: delta('sync', countersBefore, countersIdle), awareness: delta('awareness', countersBefore, countersIdle) },
      profiles: [],
      netBy: 'time',
      diagnostics: { count: server.diagnostics.count, first: [...server.diagnostics.first] },
      store:
        metrics0 && metrics1
          ? { commits: metrics1.commits - metrics0.commits, writes: metrics1.writes - metrics0.writes, slowCut: metrics1.slowCut - metrics0.slowCut }
          : null,
    };
    // Awareness renewals (each client every ~15 s, echoed back by every other stock provider) go on while typing, in
    // rounds that fall unevenly into a window. The idle window gives their cost per awareness message delivered; take
    // that much away for the awareness messages delivered while typing (by time instead, if the idle window had none).
    const awarenessCost = result.sentIdle.awareness > 0 ? cpuIdle / result.sentIdle.awareness : null;
    const background = awarenessCost !== null ? awarenessCost * result.sent.awareness : idleRate * windowSeconds;
    // When the background is most of the window, the server is saturated and its cost per awareness message is no
    // longer what it was idle (more is written per syscall): the difference means nothing, so none is given.
    result.netCpuPerUpdateMs = background < 0.8 * cpuTyping ? ((cpuTyping - background) / updates) * 1000 : NaN;
    result.netBy = awarenessCost !== null ? 'awareness' : 'time';
    printResult(result, s);

    for (const gen of generators.splice(0)) await gen.stop();
    await server.stop();
    if (s.profile) {
      result.profiles = profileFiles(server.profileDir);
      if (result.profiles.length === 0) log('no CPU profile was written');
      result.profiles.forEach((file, thread) => {
        const typing = summarize(file, [startAt, endAt], thread === 0 ? 25 : 8);
        // Worker threads that did next to nothing while typing (a module loader, say) are only named.
        if (thread > 0 && typing.sampledMs < 0.02 * typing.windowMs) {
          log(`profile, thread ${thread}: ${typing.sampledMs.toFixed(0)} ms of samples in the typing window (${file})`);
          return;
        }
        log(`profile, thread ${thread}${thread === 0 ? ' (main)' : ''}: ${file}`);
        printSummary(`drafting [${name}] profile, thread ${thread}, typing window`, thread === 0 ? typing : { ...typing, total: typing.total.slice(0, 8) });
        if (thread === 0) {
          const idle = summarize(file, [idleFrom, idleFrom + idleSeconds * 1000], 10);
          printSummary(`drafting [${name}] profile, thread 0, idle window`, { ...idle, total: [] });
        }
      });
    }
    return result;
  } finally {
    await Promise.all(generators.map((g) => g.stop().catch(() => undefined)));
    await server.stop().catch(() => undefined);
  }
}

const ms = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

function printResult(r: Result, s: Settings): void {
  const log = (line: string) => console.log(`drafting [${r.server}]: ${line}`);
  log(
    `${r.typed} updates typed in ${r.typingSeconds.toFixed(1)} s (nominal ${s.seconds} s); every client had them all ${r.drained ? `${ms(r.drainSeconds * 1000, 0)} ms after the last` : `NOT within ${s.drainTimeout} s`}`,
  );
  log(
    `clients received ${r.sent.sync} sync and ${r.sent.awareness} awareness messages in the typing window, ` +
      `${r.sentIdle.sync} sync and ${r.sentIdle.awareness} awareness in the idle window`,
  );
  log(
    `server CPU ${ms(r.cpuTyping, 2)} s over ${ms(r.windowSeconds, 1)} s typing (${pct(r.typingShare)} of a core) = ${ms(r.cpuPerUpdateMs)} ms per update; ` +
      `idle ${ms(r.cpuIdle, 2)} s over ${ms(r.idleSeconds, 1)} s (${pct(r.idleShare)} of a core); ` +
      (Number.isFinite(r.netCpuPerUpdateMs)
        ? `net of background ${ms(r.netCpuPerUpdateMs)} ms per update (idle CPU scaled by ${r.netBy === 'awareness' ? 'awareness messages delivered' : 'time'})`
        : `net of background n/a: the idle rate would account for 80% or more of the typing CPU (awareness-bound, saturated)`),
  );
  if (r.store) {
    log(
      `store: ${r.store.writes} writes in ${r.store.commits} commits (fsyncs) while typing, ${ms(r.store.writes / Math.max(1, r.store.commits), 2)} per commit; ` +
        `${r.store.slowCut} drafting connections cut as slow readers`,
    );
  }
  log(`of the typing CPU, main thread ${pct(r.cpuTypingMain / Math.max(1e-9, r.cpuTyping))}, other threads ${pct(1 - r.cpuTypingMain / Math.max(1e-9, r.cpuTyping))}`);
  log(
    `load generators used ${pct(r.generatorsShare)} of a core during typing (${s.procs} processes, nproc ${nproc()}); ` +
      `processes outside this bench kept ${ms(r.othersShare, 2)} cores busy${r.othersShare > 0.2 ? ' — the machine was shared: latencies and drain times suffer, CPU time less so' : ''}`,
  );
  log(
    `propagation editor → viewer, ms: p50 ${ms(r.latency.p50, 1)}, p90 ${ms(r.latency.p90, 1)}, p99 ${ms(r.latency.p99, 1)}, max ${ms(r.latency.max, 1)} ` +
      `(${r.latency.samples} samples from ${s.sampled} viewers${r.latency.missing ? `, ${r.latency.missing} never arrived` : ''})`,
  );
  if (r.diagnostics.count > 0) {
    log(`the server wrote ${r.diagnostics.count} warning/error/stderr line(s); the first:`);
    for (const line of r.diagnostics.first) console.log(`    ${line}`);
  }
  log(`server RSS at the end ${ms(r.rss, 0)} MiB (peak ${ms(r.peakRss, 0)} MiB)`);
  log(
    `converged: ${r.converged ? 'yes' : 'no'} (${r.clients} clients, ${r.distinct} distinct document${r.distinct === 1 ? '' : 's'}, ${r.complete} complete; ` +
      `${r.connected} connected at the end, ${r.closes} connection closes${r.denied.length ? `, denied: ${r.denied.join(' | ')}` : ''})`,
  );
}

let nprocCache: string | null = null;
function nproc(): string {
  nprocCache ??= execFileSync('nproc', { encoding: 'utf8' }).trim();
  return nprocCache;
}

export async function drafting(): Promise<void> {
  installCleanup();
  const s = settings();
  const ref = referenceBin();
  console.log(
    `drafting: ${s.editors} editors × ${s.rate} entries/s and ${s.viewers} viewers on one document, ${s.seconds} s of typing; ` +
      `${s.procs} generator processes, clients connecting over ${s.ramp} s${s.viewersQuiet ? ', viewers without awareness state' : ''}; townhall vs @y/websocket-server ${ref.version} (y-websocket-server bin); CLK_TCK ${clockTicks()}; nproc ${nproc()}` +
      (s.profile
        ? '; servers under --cpu-prof: CPU figures leave out the profiler threads but still carry sampling overhead ' +
          '(per V8 isolate: townhall runs several, the reference one), so compare servers from a run without it'
        : ''),
  );
  const results: Result[] = [];
  for (const name of s.servers) results.push(await runOne(name, s));

  const th = results.find((r) => r.server === 'townhall');
  const rf = results.find((r) => r.server === 'reference');
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
  if (th && rf) {
    console.log('drafting: townhall / reference');
    console.log(`  CPU per update           ${ms(th.cpuPerUpdateMs)} / ${ms(rf.cpuPerUpdateMs)} ms = ${ratio(th.cpuPerUpdateMs, rf.cpuPerUpdateMs)}`);
    console.log(`  CPU per update, net bg   ${ms(th.netCpuPerUpdateMs)} / ${ms(rf.netCpuPerUpdateMs)} ms = ${ratio(th.netCpuPerUpdateMs, rf.netCpuPerUpdateMs)}`);
    console.log(`  idle CPU (share of core) ${pct(th.idleShare)} / ${pct(rf.idleShare)} = ${ratio(th.idleShare, rf.idleShare)}`);
    console.log(`  propagation p50          ${ms(th.latency.p50, 1)} / ${ms(rf.latency.p50, 1)} ms = ${ratio(th.latency.p50, rf.latency.p50)}`);
    console.log(`  propagation p99          ${ms(th.latency.p99, 1)} / ${ms(rf.latency.p99, 1)} ms = ${ratio(th.latency.p99, rf.latency.p99)}`);
    console.log(`  RSS at the end           ${ms(th.rss, 0)} / ${ms(rf.rss, 0)} MiB = ${ratio(th.rss, rf.rss)}`);
    console.log(`  converged                ${th.converged ? 'yes' : 'no'} / ${rf.converged ? 'yes' : 'no'}`);
  }

  const date = `${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC`;
  console.log('');
  console.log(
    '| date | E | V | duration | nproc | server | CPU/update ms | vs ref | net of background ms | vs ref | idle CPU | p50 ms | p99 ms | vs ref (p99) | RSS MiB | converged | other load (cores) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const vs = (a: number, b: number | undefined) => (!Number.isFinite(a) ? 'n/a' : r.server === 'reference' || b === undefined ? '1.00×' : ratio(a, b));
    console.log(
      `| ${date} | ${s.editors} | ${s.viewers} | ${s.seconds} s | ${nproc()} | ${r.server} | ${ms(r.cpuPerUpdateMs)} | ${vs(r.cpuPerUpdateMs, rf?.cpuPerUpdateMs)} | ` +
        `${ms(r.netCpuPerUpdateMs)} | ${vs(r.netCpuPerUpdateMs, rf?.netCpuPerUpdateMs)} | ${pct(r.idleShare)} | ${ms(r.latency.p50, 1)} | ${ms(r.latency.p99, 1)} | ` +
        `${vs(r.latency.p99, rf?.latency.p99)} | ${ms(r.rss, 0)} | ${r.converged ? 'yes' : 'no'} | ${ms(r.othersShare, 2)} |`,
    );
  }
}
