import { type Logger, pino } from 'pino';
import { afterEach } from 'vitest';
import { SqliteStore } from '../../server/src/store/SqliteStore.js';
import { removeDir, tempDataDir } from './server.js';

/**
 * What a SessionHost needs to run on a real SQLite file with a clock the test moves, so
 * that timers need no waiting. Each call gives a fresh file; all of them are closed and
 * removed after each test of the describe block that called this.
 */
export function hostsOnDisk(): () => {
  store: SqliteStore;
  clock: { now: number };
  opts: { store: SqliteStore; logger: Logger; snapshotEvery: number; now: () => number };
} {
  const dirs: string[] = [];
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) removeDir(d);
  });
  return () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const store = new SqliteStore(dir);
    stores.push(store);
    const clock = { now: 1_800_000_000_000 };
    return { store, clock, opts: { store, logger: pino({ level: 'silent' }), snapshotEvery: 1000, now: () => clock.now } };
  };
}
