/**
 * Client bench: what the join page costs a phone on a slow network. Run it with
 * `npm run bench -- client`. It prints; it never fails.
 *
 * Three pages, each loaded cold (fresh browser profile, empty cache) BENCH_RUNS times
 * (default 7), interleaved so that whatever else the machine does falls on all three alike:
 *  - townhall: this tree's client (built if stale), served by a real townhall server
 *    process, opening a real invitation (/join/<id>#invite=…);
 *  - before the split: the client as built at BENCH_CLIENT_BEFORE (default: the last
 *    commit before code splitting), served by a bare Express server with the same
 *    Helmet and compression middleware, its /api forwarded to the townhall server;
 *  - plain HTML (the baseline): the same join form with the same text and stylesheet and
 *    no JavaScript at all, served by that bare Express server (bench/client/baselinePage.ts).
 *
 * The phone (bench/client/phoneLoad.ts): CPU 4× slower (Emulation.setCPUThrottlingRate),
 * 150 ms latency, 1.6 Mbit/s down, 750 kbit/s up (Network.emulateNetworkConditions),
 * 390×844. Per page it reports the bytes Chromium received (headers included; over plain
 * HTTP Chromium asks for gzip only), the same scripts as the server sends them with
 * brotli (what browsers get over HTTPS), and the time from the start of navigation until
 * the join form is usable: the name field and the Join button rendered, enabled and
 * painted (and, checked afterwards, the field takes typing). Median and p90 of the runs,
 * and ratios against the baseline and against the build before the split.
 *
 * Processes: this driver; the townhall server; one bare Express server per comparison
 * page (bench/client/static-server.ts); Chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureClientBuilt, launchBrowser } from '../../tests/helpers/browser.js';
import { createSession } from '../../tests/helpers/clients.js';
import { assembly } from '../../tests/helpers/fixtures.js';
import { spawnServer, tempDataDir, type ServerProcess } from '../../tests/helpers/server.js';
import { writeBaselinePage } from './baselinePage.js';
import { PHONE, phoneLoad, type PhoneLoad } from './phoneLoad.js';
import { BEFORE_SPLIT, buildClientAt } from './previousBuild.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 7));
const BEFORE = process.env.BENCH_CLIENT_BEFORE ?? BEFORE_SPLIT;

/** A bare Express server for `dir` in a process of its own (static-server.ts). */
async function startStatic(dir: string, apiUpstream: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/client/static-server.ts'], {
    cwd: root,
    env: { ...process.env, STATIC_DIR: dir, API_UPSTREAM: apiUpstream, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const rec = JSON.parse(line) as { msg?: string; port?: number };
        if (rec.msg === 'listening' && rec.port) resolve(rec.port);
      } catch {
        /* not a log line */
      }
    });
    child.on('exit', (code) => reject(new Error(`static server exited (${code}) before listening`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/** Busy and total jiffies of the whole machine (/proc/stat), to say how much else was running. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((n, x) => n + x, 0);
    return { busy: total - fields[3]! - (fields[4] ?? 0), total };
  } catch {
    return null;
  }
}

/** Nearest-rank percentile. */
function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const median = (xs: number[]) => pct(xs, 50);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`;
const ratio = (a: number, b: number) => (b === 0 ? '—' : `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×`);

interface Page {
  name: string;
  url: string;
  loads: PhoneLoad[];
}

export async function client(): Promise<void> {
  const children: ChildProcess[] = [];
  const temp = mkdtempSync(join(tmpdir(), 'townhall-bench-client-'));
  let townhall: ServerProcess | null = null;
  const dataDir = tempDataDir();
  try {
    await ensureClientBuilt();
    const before = await buildClientAt(BEFORE, join(temp, 'before'));
    townhall = await spawnServer(dataDir);
    children.push(townhall.child);
    const session = await createSession(townhall.url);
    const invitePath = session.invites.citizen.url.replace(/^https?:\/\/[^/]+/, '');

    writeBaselinePage(join(temp, 'baseline'), { clientDist: join(root, 'client', 'dist'), title: assembly.title, question: assembly.question });
    const baseline = await startStatic(join(temp, 'baseline'), '');
    children.push(baseline.child);
    const pages: Page[] = [
      { name: 'townhall (this build)', url: `${townhall.url}${invitePath}`, loads: [] },
      { name: 'plain HTML form (baseline)', url: `${baseline.url}${invitePath}`, loads: [] },
    ];
    if (before) {
      const old = await startStatic(before, townhall.url);
      children.push(old.child);
      pages.splice(1, 0, { name: `before the split (${BEFORE.slice(0, 7)})`, url: `${old.url}${invitePath}`, loads: [] });
    } else console.log(`client: no git history here, so no build of ${BEFORE.slice(0, 7)} to compare with`);

    console.log(
      `client: the join page on a phone (CPU ${PHONE.cpuSlowdown}× slower, ${PHONE.latencyMs} ms latency, ` +
        `${(PHONE.downloadBytesPerSecond * 8) / 1e6} Mbit/s down, ${(PHONE.uploadBytesPerSecond * 8) / 1e3} kbit/s up), ${RUNS} cold loads each`,
    );
    const browser = await launchBrowser();
    const ticksBefore = machineTicks();
    try {
      for (let run = 0; run < RUNS; run++) {
        // Rotate the order, so no page always goes first (or last) in a round.
        for (let k = 0; k < pages.length; k++) {
          const page = pages[(run + k) % pages.length]!;
          page.loads.push(await phoneLoad(browser, page.url));
        }
        process.stdout.write(`client: round ${run + 1}/${RUNS} done\n`);
      }
    } finally {
      await browser.close();
    }
    const ticksAfter = machineTicks();
    if (ticksBefore && ticksAfter) {
      const share = (ticksAfter.busy - ticksBefore.busy) / (ticksAfter.total - ticksBefore.total);
      console.log(
        `client: the machine's ${availableParallelism()} cores were ${(share * 100).toFixed(0)}% busy during the loads (Chromium, the servers and anything else running); ` +
          'the throttled CPU is 4× slower than what was left of one core, so a busy machine makes every page slower',
      );
    }

    const rows = pages.map((p) => {
      const usable = p.loads.map((l) => l.usableMs);
      const last = p.loads.at(-1)!;
      const medianOf = (xs: (number | null)[]) => {
        const known = xs.filter((x): x is number => x !== null);
        return known.length ? median(known) : null;
      };
      return {
        name: p.name,
        p50: median(usable),
        p90: pct(usable, 90),
        scriptsIn: medianOf(p.loads.map((l) => l.scriptsInMs)),
        apiAnswered: medianOf(p.loads.map((l) => l.apiAnsweredMs)),
        bytes: last.bytes,
        jsBrotli: last.jsBrotli,
        scripts: last.scripts,
        late: Math.max(...p.loads.map((l) => l.lateScripts)),
      };
    });
    const width = Math.max(...rows.map((r) => r.name.length));
    console.log('client: bytes on the wire as Chromium received them (gzip over plain HTTP, headers included) | JS as sent with brotli');
    for (const r of rows) {
      const b = r.bytes;
      console.log(
        `  ${r.name.padEnd(width)}  JS ${kb(b.js).padStart(9)} (${r.scripts} scripts)  CSS ${kb(b.css).padStart(7)}  HTML ${kb(b.html).padStart(7)}  ` +
          `API ${kb(b.api).padStart(7)}  total ${kb(b.total).padStart(9)} | JS brotli ${kb(r.jsBrotli).padStart(9)}` +
          (r.late ? `  (${r.late} scripts after the form was usable)` : ''),
      );
    }
    console.log('client: time until the join form is usable (from the start of navigation)');
    for (const r of rows) {
      const parts = [r.scriptsIn === null ? null : `last script in ${ms(r.scriptsIn)}`, r.apiAnswered === null ? null : `invite checked ${ms(r.apiAnswered)}`].filter(
        Boolean,
      );
      console.log(`  ${r.name.padEnd(width)}  median ${ms(r.p50).padStart(8)}  p90 ${ms(r.p90).padStart(8)}${parts.length ? `  (medians: ${parts.join(', ')})` : ''}`);
    }
    const [now, ...others] = rows;
    for (const o of others) {
      console.log(
        `client: townhall / ${o.name}: time median ${ratio(now!.p50, o.p50)}, p90 ${ratio(now!.p90, o.p90)}; ` +
          `bytes total ${ratio(now!.bytes.total, o.bytes.total)}` +
          (o.bytes.js > 0 ? `, JS ${ratio(now!.bytes.js, o.bytes.js)}, JS brotli ${ratio(now!.jsBrotli, o.jsBrotli)}` : ''),
      );
    }
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(temp, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}
