import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Gives back the memory a burst left committed, once the server is idle again.
 *
 * A join storm of thousands makes a great deal of short-lived garbage, and V8 grows the
 * old generation to match. When the storm is over the survivors are spread thinly over
 * those pages, and V8 keeps them all: a plenary of 10 000 held 297 MB of old space for
 * 147 MB of objects (docs/BENCHMARKS.md). Node gives V8 no idle time in which to shrink
 * it, and a plain full collection does not move objects, so it frees objects but not
 * pages (measured: committed space unchanged).
 *
 * So, when the old space has grown by `minGrowthBytes` since the last trim and the event
 * loop was idle for a whole interval, this runs one compacting full collection: the
 * garbage goes, the survivors are moved together, and the empty pages go back to the
 * system. (What the old space "uses" counts garbage until a collection has run, so growth
 * is the signal, not the gap between committed and used.) It blocks the loop while it runs
 * (about half a second per 50 MB of live objects on the benchmark machine), which is
 * why it waits for an idle loop, and at most once per `cooldownMs`.
 *
 * Node offers no compacting collection to JavaScript. The collector is reached with V8's
 * `--expose-gc`, and compaction is asked for with `--compact-on-every-full-gc` for that
 * one collection only; both flags are set at run time so that `npm start`, the image and
 * the cluster scripts need nothing extra. TOWNHALL_IDLE_HEAP_TRIM_MB=0 switches it off.
 */
export class IdleHeapTrim {
  private readonly collect: () => void;
  private readonly timer: NodeJS.Timeout;
  private last = performance.eventLoopUtilization();
  private lastTrimAt = Number.NEGATIVE_INFINITY;
  /** Old space committed after the last trim (or at start, or its lowest since): growth is counted from here. */
  private floor = oldSpace().committed;
  /** Trims made. */
  trims = 0;

  constructor(
    private readonly opts: {
      /** How often to look, in ms. */
      intervalMs: number;
      /** Growth of the old space since the last trim that makes one worth a pause. */
      minGrowthBytes: number;
      /** Event-loop utilisation over an interval below which the server counts as idle. */
      idleBelow: number;
      /** The least time between two trims. */
      cooldownMs: number;
      /** Old space before and after (bytes committed and used), and how long the collection blocked the loop. */
      onTrim?: (trim: { before: OldSpace; after: OldSpace; ms: number }) => void;
    },
  ) {
    setFlagsFromString('--expose-gc');
    this.collect = runInNewContext('gc') as () => void;
    this.timer = setInterval(() => this.check(), opts.intervalMs);
    this.timer.unref();
  }

  private check(): void {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, this.last).utilization;
    this.last = now;
    const before = oldSpace();
    if (before.committed < this.floor) this.floor = before.committed;
    if (busy >= this.opts.idleBelow || performance.now() - this.lastTrimAt < this.opts.cooldownMs) return;
    if (before.committed - this.floor < this.opts.minGrowthBytes) return;
    const started = performance.now();
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      this.collect();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
    const ms = performance.now() - started;
    this.lastTrimAt = performance.now();
    this.trims += 1;
    const after = oldSpace();
    this.floor = after.committed;
    this.opts.onTrim?.({ before, after, ms });
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface OldSpace {
  committed: number;
  used: number;
}

function oldSpace(): OldSpace {
  const s = getHeapSpaceStatistics().find((x) => x.space_name === 'old_space');
  return { committed: s?.space_size ?? 0, used: s?.space_used_size ?? 0 };
}
