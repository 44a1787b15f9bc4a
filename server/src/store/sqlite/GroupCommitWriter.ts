import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ExpectedSeqMismatch, type WriteOp } from './writeOps.js';
import type { WriterRequest, WriterResponse } from './writerThread.js';

/** Ops per transaction at most: a storm is written in several commits rather than one huge one. */
export const MAX_BATCH = 2000;

interface Queued {
  op: WriteOp;
  resolve: (value: number | null) => void;
  reject: (err: Error) => void;
}

/**
 * Group commit. Writes go to one writer thread; while a batch is being committed
 * (and fsynced) there, every write that arrives waits, and they all go together in
 * the next batch: one transaction, one fsync. Each write's promise settles only once
 * its batch is on disk, in the order the writes were made. The first write after a
 * quiet moment goes at once, so a lone command pays one fsync and no waiting.
 *
 * A full batch goes at once too, even while another is out: in a storm the main
 * thread may learn of a commit only after it has read every socket that was ready
 * before the answer came (most of a second at 10 000 citizens), and the writer thread
 * can commit what was decided meanwhile instead of waiting for that. The thread takes
 * batches in the order they were sent, so order and the store's fence hold.
 */
export class GroupCommitWriter {
  private worker: Worker | null = null;
  private readonly queue: Queued[] = [];
  /** Sent to the writer thread and not answered yet, oldest first. */
  private readonly inFlight: { id: number; batch: Queued[] }[] = [];
  private nextId = 1;
  private closing: Promise<void> | null = null;
  /** Batches committed, ops written, and the most batches out at once, for metrics, benchmarks and tests. */
  readonly stats = { batches: 0, ops: 0, mostInFlight: 0 };

  constructor(private readonly path: string) {}

  write(op: WriteOp): Promise<number | null> {
    if (this.closing) return Promise.reject(new Error('store is closing'));
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.kick();
    });
  }

  /** Waits for every write made so far, then stops the writer thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.inFlight.length || this.queue.length) await new Promise((r) => setTimeout(r, 5));
      const worker = this.worker;
      this.worker = null;
      if (!worker) return;
      await new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.once('exit', () => resolve());
        worker.postMessage('close');
      });
      await worker.terminate();
    })();
    return this.closing;
  }

  private kick(): void {
    while (this.queue.length > 0 && (this.inFlight.length === 0 || this.queue.length >= MAX_BATCH)) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const id = this.nextId++;
      this.inFlight.push({ id, batch });
      this.stats.mostInFlight = Math.max(this.stats.mostInFlight, this.inFlight.length);
      const thread = this.thread();
      // Referenced only while a batch is out, so an idle writer never keeps the process alive.
      thread.ref();
      thread.postMessage({ id, ops: batch.map((q) => q.op) } satisfies WriterRequest);
    }
  }

  private settle(res: WriterResponse): void {
    const current = this.inFlight[0];
    if (!current || current.id !== res.id) return;
    this.inFlight.shift();
    this.stats.batches += 1;
    this.stats.ops += current.batch.length;
    current.batch.forEach((q, i) => {
      const r = res.results[i]!;
      if (r.ok) q.resolve(r.value);
      else q.reject(r.conflict ? new ExpectedSeqMismatch(r.message) : new Error(r.message));
    });
    this.kick();
    if (this.inFlight.length === 0) this.worker?.unref();
  }

  /** The writer thread dies only on a bug or a crash of SQLite: what was in flight fails, and a new thread takes over. */
  private fail(err: Error): void {
    const lost = this.inFlight.splice(0).flatMap((b) => b.batch);
    this.worker = null;
    for (const q of lost) q.reject(err);
    this.kick();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = spawnThread(this.path);
    worker.on('message', (m: WriterResponse | 'closed') => m !== 'closed' && this.settle(m));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.worker === worker && this.fail(new Error(`writer thread exited with ${code}`)));
    this.worker = worker;
    return worker;
  }
}

/**
 * Start writerThread next to this file. Compiled, it is plain JavaScript. From source
 * (tsx, vitest), a worker does not inherit the TypeScript loader, so it registers tsx's
 * hooks before importing the thread's module.
 */
function spawnThread(path: string): Worker {
  const here = import.meta.url;
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const entry = new URL(`./writerThread${ext}`, here);
  if (ext === '.js') return new Worker(entry, { workerData: { path } });
  const tsx = pathToFileURL(tsxEsmApi(here)).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: { path } });
}

/** The ES module entry of tsx's API, read from its package's exports (require.resolve would give the CommonJS one). */
function tsxEsmApi(from: string): string {
  const manifest = createRequire(from).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  return join(dirname(manifest), exports['./esm/api']!.import.default);
}
