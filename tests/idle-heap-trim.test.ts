import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, expect, test } from 'vitest';
import { IdleHeapTrim, type OldSpace } from '../server/src/common/IdleHeapTrim.js';

/**
 * The idle trim, measured on this process's own heap: a burst leaves the old space
 * sparsely used; once the loop is idle one compacting collection hands the empty pages
 * back, and never while the loop is busy.
 */

let trim: IdleHeapTrim | null = null;
const kept: unknown[][] = [];
afterEach(() => {
  trim?.stop();
  trim = null;
  kept.length = 0;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const oldCommitted = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_size;

/**
 * What a storm leaves: many objects that lived long enough to reach the old space (a full
 * collection moves them there), of which one in ten survives it, spread over every page.
 */
async function burst(objects: number): Promise<void> {
  let all: unknown[] | null = [];
  for (let i = 0; i < objects; i++) {
    all.push({ i, text: `participant ${i} `.repeat(8), list: [i, i + 1, i + 2] });
    if (i % 50_000 === 0) await sleep(0);
  }
  fullCollection();
  kept.push(all.filter((_, i) => i % 10 === 0));
  all = null;
  // The nine in ten are dead; a plain full collection frees them but keeps their pages.
  fullCollection();
}

setFlagsFromString('--expose-gc');
const fullCollection = runInNewContext('gc') as () => void;

test('after a burst, once idle, one compacting collection gives the empty pages back', async () => {
  const trims: { before: OldSpace; after: OldSpace }[] = [];
  trim = new IdleHeapTrim({ intervalMs: 100, minGrowthBytes: 16 * 2 ** 20, idleBelow: 0.5, cooldownMs: 60_000, onTrim: (t) => trims.push(t) });
  await burst(600_000);
  const grown = oldCommitted();
  await expect.poll(() => trims.length, { timeout: 10_000 }).toBeGreaterThan(0);
  const { before, after } = trims[0]!;
  // Not only the garbage is gone (a plain full collection does that), the pages it left half empty are too:
  // what the old space commits beyond its objects is less than a quarter of what it was.
  expect(after.committed - after.used).toBeLessThan((before.committed - before.used) / 4);
  expect(oldCommitted()).toBeLessThan(grown);
  // The survivors are still there, moved, not lost.
  expect(kept[0]).toHaveLength(60_000);
  // Within the cool-down it does not collect again, however the heap looks.
  await burst(300_000);
  await sleep(500);
  expect(trim.trims).toBe(1);
});

test('while the loop is busy it waits, however much could be given back', async () => {
  trim = new IdleHeapTrim({ intervalMs: 100, minGrowthBytes: 16 * 2 ** 20, idleBelow: 0.5, cooldownMs: 0 });
  await burst(600_000);
  expect(trim.trims).toBe(0);
  // Busy: 30 ms of work in every 31 ms for a second, so every interval's utilisation is near 1.
  const until = Date.now() + 1_000;
  while (Date.now() < until) {
    const end = Date.now() + 30;
    while (Date.now() < end) Math.sqrt(Math.random());
    await sleep(1);
  }
  expect(trim.trims).toBe(0);
  // Idle again: now it trims.
  await expect.poll(() => trim!.trims, { timeout: 10_000 }).toBeGreaterThan(0);
});
