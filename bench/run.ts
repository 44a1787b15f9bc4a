/**
 * Benchmarks print figures; they never pass or fail. Run one with
 * `npm run bench -- <name>` or all with `npm run bench`.
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { ControlClient } from '../client/src/ControlClient.js';
import { SessionHost } from '../server/src/session/SessionHost.js';
import { SqliteStore } from '../server/src/store/SqliteStore.js';
import * as Y from 'yjs';
import { addRecommendation, createSessionSchema, findRecommendation } from '../shared/src/index.js';
import { connect, createSession, join } from '../tests/helpers/clients.js';
import { draftClient, synced, until } from '../tests/helpers/drafting.js';
import { sessionInput } from '../tests/helpers/fixtures.js';
import { removeDir, startServer, tempDataDir } from '../tests/helpers/server.js';

function percentiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
  return { p50: at(50).toFixed(2), p95: at(95).toFixed(2), p99: at(99).toFixed(2), max: s.at(-1)!.toFixed(2) };
}

async function connectMany(url: string, session: Awaited<ReturnType<typeof createSession>>, n: number): Promise<ControlClient[]> {
  const clients: ControlClient[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async (_, k) => connect(url, await join(url, session, 'citizen', `Citizen ${i + k}`))),
    );
    clients.push(...batch);
  }
  return clients;
}

/** Acknowledged commands per second with every ack after an fsync'd SQLite commit. */
async function commands(): Promise<void> {
  const server = await startServer({ env: { TOWNHALL_BROADCAST_MS: '50' } });
  const session = await createSession(server.url);
  const citizens = await connectMany(server.url, session, 50);
  const latencies: number[] = [];
  const rounds = 20;
  const start = performance.now();
  await Promise.all(
    citizens.map(async (c) => {
      for (let r = 0; r < rounds; r++) {
        for (const name of ['queue.raise', 'queue.lower'] as const) {
          const t = performance.now();
          const ack = await c.send(name, name === 'queue.raise' ? { kind: 'normal' } : {});
          if (!ack.ok) throw new Error(ack.error.message);
          latencies.push(performance.now() - t);
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  console.log(`commands: ${latencies.length} acked by 50 concurrent citizens in ${seconds.toFixed(2)} s = ${(latencies.length / seconds).toFixed(0)} commands/s`);
  console.log(`commands: ack latency ms`, percentiles(latencies));
  citizens.forEach((c) => c.close());
  await server.stop();
  removeDir(server.dataDir);
}

/** How long until every connected citizen sees a change (floor given), with N clients in this process. */
async function fanout(n = Number(process.env.BENCH_CLIENTS ?? 500)): Promise<void> {
  const server = await startServer({ env: { TOWNHALL_BROADCAST_MS: '50' } });
  const session = await createSession(server.url);
  const fac = await connect(server.url, await join(server.url, session, 'facilitator', 'Facilitator'));
  const citizens = await connectMany(server.url, session, n);
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const speaker = citizens[i]!;
    const t = performance.now();
    const ack = await fac.send('floor.give', { roomId: 'plenary', participantId: speaker.me!.participantId });
    if (!ack.ok) throw new Error(ack.error.message);
    await Promise.all(citizens.map((c) => c.caughtUp(ack.seq)));
    samples.push(performance.now() - t);
  }
  const bytes = JSON.stringify(citizens[0]!.view).length;
  console.log(`fanout: ${n} citizens in one room, view ${bytes} bytes; ms from command to the last client's view`, percentiles(samples));
  citizens.forEach((c) => c.close());
  fac.close();
  await server.stop();
  removeDir(server.dataDir);
}

/** Start-up cost of a long session: full replay against snapshot plus tail. */
async function replay(): Promise<void> {
  const dir = tempDataDir();
  const store = new SqliteStore(dir);
  const opts = { store, logger: pino({ level: 'silent' }), snapshotEvery: 1_000_000 };
  const { host, invites } = await SessionHost.create(createSessionSchema.parse(sessionInput()), opts);
  const fac = (await host.join(invites.facilitator, 'Facilitator')).participant.id;
  const ids: string[] = [];
  for (let i = 0; i < 200; i++) ids.push((await host.join(invites.citizen, `Citizen ${i}`)).participant.id);
  for (let r = 0; r < 25; r++) {
    for (const id of ids) await host.execute(id, 'queue.raise', { kind: 'normal' });
    for (let k = 0; k < 20; k++) await host.execute(fac, 'floor.give', { roomId: 'plenary' });
    await host.execute(fac, 'queue.clear', { roomId: 'plenary' });
    await host.execute(fac, 'floor.end', { roomId: 'plenary' });
  }
  const events = host.state.seq;
  host.dispose();
  let t = performance.now();
  (await SessionHost.load(host.id, opts)).dispose();
  const full = performance.now() - t;
  await store.saveSnapshot({ sessionId: host.id, seq: host.state.seq, reducerVersion: 1, state: host.state });
  t = performance.now();
  (await SessionHost.load(host.id, opts)).dispose();
  const snap = performance.now() - t;
  console.log(`replay: ${events} events; full replay ${full.toFixed(0)} ms, from snapshot ${snap.toFixed(0)} ms`);
  await store.close();
  removeDir(dir);
}

/** Drafting: edits per second through store-then-broadcast, and the time from one editor's keystroke to another's screen. */
async function drafting(): Promise<void> {
  const server = await startServer();
  const session = await createSession(server.url);
  const writers = await Promise.all(Array.from({ length: 10 }, (_, i) => join(server.url, session, 'citizen', `Writer ${i}`)));
  const clients = writers.map((w) => draftClient(server.url, session.sessionId, 'plenary', w.token));
  await Promise.all(clients.map((c) => synced(c)));
  addRecommendation(clients[0]!.doc, { id: 'rec-1', title: 'Bench', body: '', rationale: '' });
  await Promise.all(clients.map((c) => until(c.doc, (d) => findRecommendation(d, 'rec-1') !== null)));
  const reader = clients[9]!;
  const readerBody = findRecommendation(reader.doc, 'rec-1')!.get('body') as Y.Text;
  const latencies: number[] = [];
  for (let i = 0; i < 200; i++) {
    const body = findRecommendation(clients[i % 9]!.doc, 'rec-1')!.get('body') as Y.Text;
    const marker = `<${i}>`;
    const t = performance.now();
    body.insert(body.length, marker);
    await until(reader.doc, () => readerBody.toString().includes(marker));
    latencies.push(performance.now() - t);
  }
  console.log('drafting: keystroke to another editor, ms (10 editors, each update fsync-stored first)', percentiles(latencies));
  const perWriter = 100;
  const expected = readerBody.length + 9 * perWriter;
  const start = performance.now();
  await Promise.all(
    clients.slice(0, 9).map(async (c, k) => {
      const body = findRecommendation(c.doc, 'rec-1')!.get('body') as Y.Text;
      for (let i = 0; i < perWriter; i++) {
        body.insert(body.length, String.fromCharCode(97 + k));
        await new Promise((r) => setImmediate(r));
      }
    }),
  );
  await until(reader.doc, () => readerBody.length >= expected, 60_000);
  const seconds = (performance.now() - start) / 1000;
  console.log(`drafting: ${9 * perWriter} concurrent single-character updates stored and delivered in ${seconds.toFixed(2)} s = ${((9 * perWriter) / seconds).toFixed(0)} updates/s`);
  clients.forEach((c) => c.destroy());
  await server.stop();
  removeDir(server.dataDir);
}

const all = { commands, fanout, replay, drafting } as const;
const wanted = process.argv.slice(2).filter((a) => a in all) as (keyof typeof all)[];
for (const name of wanted.length ? wanted : (Object.keys(all) as (keyof typeof all)[])) {
  await all[name]();
}
process.exit(0);
