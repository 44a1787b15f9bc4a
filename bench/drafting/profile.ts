/**
 * A summary of a V8 .cpuprofile (node --cpu-prof), restricted to a time window:
 * self and total time by function, and self time by where the code lives.
 *
 * Profile timestamps are microseconds on the same monotonic clock as
 * process.hrtime() (CLOCK_MONOTONIC on Linux), so a window measured by the parent
 * can be applied to the server's profile.
 *
 * Also runnable on its own: `tsx bench/drafting/profile.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const root = fileURLToPath(new URL('../../', import.meta.url));

function where(url: string): string {
  if (!url) return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(root) ? relative(root, path) : path;
}

/** Where a function's code lives: a package, Node's internals, this repository's code, or V8's own pseudo-frames. */
function area(frame: ProfileNode['callFrame']): string {
  const url = where(frame.url);
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native / builtin)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  return url.split('/').slice(0, 3).join('/');
}

export interface ProfileSummary {
  windowMs: number;
  sampledMs: number;
  self: { name: string; ms: number }[];
  total: { name: string; ms: number }[];
  areas: { name: string; ms: number }[];
}

/** window: [from, to] in ms on the monotonic clock (monoMs()); null for the whole profile. */
export function summarize(file: string, window: [number, number] | null, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => {
    const f = n.callFrame;
    const url = where(f.url);
    return `${f.functionName || '(anonymous)'}${url ? ` ${url}:${f.lineNumber + 1}` : ''}`;
  };
  const from = window ? window[0] * 1000 : -Infinity;
  const to = window ? window[1] * 1000 : Infinity;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areas = new Map<string, number>();
  let t = p.startTime;
  let sampled = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    // A sample stands for the time until the next one.
    const weight = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(p.samples[i]!);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') continue;
    sampled += weight;
    const name = label(node);
    self.set(name, (self.get(name) ?? 0) + weight);
    const a = area(node.callFrame);
    areas.set(a, (areas.get(a) ?? 0) + weight);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      const l = label(n);
      if (l.startsWith('(root)') || seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + weight);
    }
  }
  const ranked = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms }));
  const windowMs = window ? window[1] - window[0] : (p.endTime - p.startTime) / 1000;
  return { windowMs, sampledMs: sampled, self: ranked(self, top), total: ranked(total, top), areas: ranked(areas, 15) };
}

export function printSummary(label: string, s: ProfileSummary): void {
  const pct = (ms: number) => `${((ms / Math.max(1, s.sampledMs)) * 100).toFixed(1).padStart(5)}%`;
  console.log(`${label}: ${s.sampledMs.toFixed(0)} ms of CPU samples (idle excluded) in a ${(s.windowMs / 1000).toFixed(1)} s window`);
  console.log(`${label}: self time by area`);
  for (const a of s.areas) console.log(`  ${pct(a.ms)} ${a.ms.toFixed(0).padStart(7)} ms  ${a.name}`);
  console.log(`${label}: top functions by self time`);
  for (const f of s.self) console.log(`  ${pct(f.ms)} ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}`);
  console.log(`${label}: top functions by total time (self + callees)`);
  for (const f of s.total) console.log(`  ${pct(f.ms)} ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/drafting/profile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  printSummary('profile', summarize(file, null, Number(top ?? 25)));
}
