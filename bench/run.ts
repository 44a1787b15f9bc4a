/**
 * Benchmarks print figures; they never pass or fail. Run one with
 * `npm run bench -- <name>` or all with `npm run bench`.
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { ControlClient } from '../client/src/ControlClient.js';
import { SessionHost } from '../server/src/session/SessionHost.js';
import { SqliteStore } from '../server/src/store/SqliteStore.js';
import { createSessionSchema } from '../shared/src/index.js';
import { connect, createSession, join } from '../tests/helpers/clients.js';
import { sessionInput } from '../tests/helpers/fixtures.js';
import { removeDir, startServer, tempDataDir } from '../tests/helpers/server.js';
import { AGREEMENT_LEVELS, canonicalRecommendation, replay as replayLog, type EventDraft, type SessionEvent } from '../shared/src/index.js';
import { seal, sha256Hex } from '../server/src/session/chain.js';
import { sessionCreated } from '../server/src/session/decide.js';
import { exportState } from '../server/src/outcome/exportDocument.js';
import { SigningKey } from '../server/src/outcome/SigningKey.js';
import { verifyExport } from '../server/src/outcome/verifyExport.js';
import { ratingsCsv, recommendationsCsv } from '../server/src/outcome/formats/csv.js';
import { renderMarkdown } from '../server/src/outcome/formats/markdown.js';
import { renderPdf } from '../server/src/outcome/formats/pdf.js';
import { createSocket } from 'node:dgram';
import { availableParallelism } from 'node:os';
import { drafting } from './drafting/index.js';

function percentiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
  return { p50: at(50).toFixed(2), p95: at(95).toFixed(2), p99: at(99).toFixed(2), max: s.at(-1)!.toFixed(2) };
}

async function connectMany(url: string, session: Awaited<ReturnType<typeof createSession>>, n: number): Promise<ControlClient[]> {
  const clients: ControlClient[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, async (_, k) => connect(url, await join(url, session, 'citizen', `Citizen ${i + k}`))));
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

/** A large session's log, built without a server: what exporting and verifying it cost. */
function largeSessionLog(citizens: number, turns: number, recommendations: number): SessionEvent[] {
  const input = createSessionSchema.parse(sessionInput());
  const hashes = { facilitator: 'a'.repeat(64), citizen: 'b'.repeat(64), observer: 'c'.repeat(64), official: 'd'.repeat(64) };
  const events: SessionEvent[] = [];
  let at = Date.UTC(2026, 10, 23, 9);
  const add = (drafts: EventDraft[], actor: SessionEvent['actor'] = { kind: 'operator' }) => {
    const head = events.at(-1);
    events.push(...seal('s_bench', { seq: head?.seq ?? 0, head: head?.hash ?? '0'.repeat(64) }, drafts, actor, (at += 1000)));
  };
  add([sessionCreated(input, hashes)]);
  const ids = Array.from({ length: citizens }, (_, i) => `p_${i}`);
  for (const id of ids)
    add([
      { type: 'participant.joined', payload: { participantId: id, role: 'citizen', displayName: `Citizen ${id}`, credentialHash: 'e'.repeat(64), roomId: 'plenary' } },
    ]);
  add([
    {
      type: 'participant.joined',
      payload: { participantId: 'p_off', role: 'official', displayName: 'Head of Planning', credentialHash: 'f'.repeat(64), roomId: 'plenary' },
    },
  ]);
  add([{ type: 'agenda.item-started', payload: { itemId: 'item-1', deadline: at + 600_000 } }]);
  for (let t = 0; t < turns; t++) {
    const participantId = ids[(t * 7) % Math.max(1, Math.floor(citizens / 2))]!;
    add([{ type: 'floor.granted', payload: { roomId: 'plenary', participantId, endsAt: at + 90_000, warnAt: at + 75_000 } }]);
    add([{ type: 'floor.ended', payload: { roomId: 'plenary', participantId, endedAt: at + 30_000 + (t % 60) * 1000, reason: 'yielded' } }]);
  }
  for (let q = 0; q < 200; q++) {
    add([
      {
        type: 'qa.asked',
        payload: { roomId: 'plenary', questionId: `q_${q}`, authorId: ids[q % citizens]!, anonymous: false, text: `Question ${q} about the plan?`, approved: true },
      },
    ]);
    for (let u = 0; u < q % 20; u++) add([{ type: 'qa.upvoted', payload: { questionId: `q_${q}`, participantId: ids[u]! } }]);
  }
  const items = Array.from({ length: recommendations }, (_, i) => {
    const text = {
      id: `rec-${i}`,
      title: `Recommendation ${i}`,
      body: 'Close the market square to private cars on weekends. '.repeat(4),
      rationale: 'Because people asked for it.',
    };
    return { recommendationId: text.id, text, textHash: sha256Hex(canonicalRecommendation(text)) };
  });
  const rule = { minShare: 0.75, topLevels: 2, maxBlocks: 0, minRatings: 1 };
  add([{ type: 'round.opened', payload: { roundId: 'round_1', roomId: 'plenary', rule, items } }]);
  for (const item of items) {
    const n = Number(item.recommendationId.slice(4));
    for (const [k, participantId] of ids.entries()) {
      const level = AGREEMENT_LEVELS[n % 3 === 0 ? (k % 10 === 0 ? 5 : 0) : k % 2]!;
      add([
        {
          type: 'round.rated',
          payload: { roundId: 'round_1', recommendationId: item.recommendationId, participantId, level, reason: level === 'block' ? 'Not like this.' : null },
        },
      ]);
    }
  }
  const currentHashes = Object.fromEntries(items.map((i) => [i.recommendationId, i.textHash]));
  add([{ type: 'round.closed', payload: { roundId: 'round_1', currentHashes } }]);
  const state = replayLog(events)!;
  const agreed = state.rounds.round_1!.results!.filter((r) => r.agreed);
  add(
    agreed.map((r) => {
      const item = items.find((i) => i.recommendationId === r.recommendationId)!;
      return {
        type: 'recommendation.locked' as const,
        payload: { roomId: 'plenary', recommendationId: item.recommendationId, roundId: 'round_1', textHash: item.textHash, text: item.text },
      };
    }),
  );
  for (const r of agreed) {
    add([{ type: 'response.given', payload: { roomId: 'plenary', recommendationId: r.recommendationId, status: 'accepted', reason: null, dueDate: '2027-06-30' } }], {
      kind: 'participant',
      participantId: 'p_off',
      role: 'official',
    });
  }
  return events;
}

/** Cost of building, signing, rendering and verifying the outcome of a large session. */
async function outcome(): Promise<void> {
  const citizens = Number(process.env.BENCH_CITIZENS ?? 500);
  const events = largeSessionLog(citizens, 2000, 40);
  const key = SigningKey.loadOrCreate(`${tempDataDir()}/bench-key.pem`);
  const time = async <T>(what: string, f: () => T | Promise<T>, runs = 3): Promise<T> => {
    let result!: T;
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      result = await f();
      samples.push(performance.now() - t);
    }
    console.log(`outcome: ${what}: ${Math.min(...samples).toFixed(0)} ms (best of ${runs})`);
    return result;
  };
  console.log(`outcome: a log of ${events.length} events (${citizens} citizens, 2000 turns, 200 questions, 40 recommendations rated by everyone)`);
  const state = await time('replay the log', () => replayLog(events)!);
  const doc = await time('build and sign the export', () => exportState(state, key));
  const json = await time('JSON', () => JSON.stringify(doc));
  const md = await time('Markdown', () => renderMarkdown(doc));
  const csv = await time('CSV (recommendations + ratings)', () => recommendationsCsv(doc) + ratingsCsv(doc));
  const pdf = await time('PDF brief', () => renderPdf(doc));
  const report = await time('verify with the log (chain + replay)', () => verifyExport(doc, { log: events }));
  if (!report.ok) throw new Error('the benchmark export does not verify');
  console.log(
    `outcome: sizes: JSON ${(json.length / 1024).toFixed(0)} KiB, Markdown ${(md.length / 1024).toFixed(0)} KiB, CSV ${(csv.length / 1024).toFixed(0)} KiB, PDF ${(pdf.length / 1024).toFixed(0)} KiB`,
  );
}

/**
 * One speaker to many listeners over plain RTP (no browser): a Node UDP socket sends
 * 50 Opus-sized packets a second into a producer; listeners are added in steps, each a
 * PlainTransport consumer, spread over routers and workers by the same AudioRoom the
 * server uses (pipeToRouter beyond TOWNHALL_AUDIO_CONSUMERS_PER_ROUTER). Every listener's
 * packets come back to one UDP socket, told apart by SSRC, and are counted.
 */
async function audio(): Promise<void> {
  const { WorkerPool } = await import('../server/src/audio/WorkerPool.js');
  const { AudioRoom } = await import('../server/src/audio/AudioRoom.js');
  const workers = Number(process.env.BENCH_AUDIO_WORKERS ?? availableParallelism());
  const perRouter = Number(process.env.BENCH_AUDIO_PER_ROUTER ?? 400);
  const steps = (process.env.BENCH_AUDIO_STEPS ?? '100,200,400,600,800,1000,1200').split(',').map(Number);
  const logger = pino({ level: 'silent' });
  const pool = await WorkerPool.start({ size: workers, rtcMinPort: 40000, rtcMaxPort: 49999, logger });
  const room = new AudioRoom('bench:plenary', pool, perRouter, () => undefined);
  const home = await room.slotForPeer();
  const sendTransport = await home.router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: true });
  const SSRC = 1111;
  const producer = await sendTransport.produce({
    kind: 'audio',
    rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: SSRC }] },
  });
  await room.addProducer(home, producer, 'speaker', 'bench');

  // Listeners' packets come back to a pool of UDP sockets (50 listeners each), so that the
  // kernel's per-socket buffer (net.core.rmem_max) is not what limits the count.
  const received = new Map<number, number>();
  const sockets: ReturnType<typeof createSocket>[] = [];
  const receiverFor = async (i: number) => {
    const k = Math.floor(i / 50);
    if (!sockets[k]) {
      const sock = createSocket('udp4');
      sock.on('message', (msg) => {
        if (msg.length < 12) return;
        const ssrc = msg.readUInt32BE(8);
        received.set(ssrc, (received.get(ssrc) ?? 0) + 1);
      });
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
      try {
        sock.setRecvBufferSize(4 * 1024 * 1024);
      } catch {
        /* capped by net.core.rmem_max */
      }
      sockets[k] = sock;
    }
    return sockets[k]!.address().port;
  };

  const tx = createSocket('udp4');
  let seq = 0;
  let sent = 0;
  const payload = Buffer.alloc(80, 0x55);
  const sendPacket = () => {
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header[1] = 100;
    header.writeUInt16BE(seq++ & 0xffff, 2);
    header.writeUInt32BE((seq * 960) >>> 0, 4);
    header.writeUInt32BE(SSRC, 8);
    tx.send(Buffer.concat([header, payload]), sendTransport.tuple.localPort, '127.0.0.1');
    sent += 1;
  };
  const ticker = setInterval(sendPacket, 20);

  const consumers: { ssrc: number; slot: Awaited<ReturnType<typeof room.slotForPeer>>; stats: () => Promise<number> }[] = [];
  const addListener = async () => {
    const slot = await room.slotForPeer();
    const t = await slot.router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
    await t.connect({ ip: '127.0.0.1', port: await receiverFor(consumers.length) });
    const consumer = await t.consume({ producerId: producer.id, rtpCapabilities: slot.router.rtpCapabilities, paused: false });
    slot.consumers += 1;
    slot.pooled.consumers += 1;
    const stats = async () => ((await consumer.getStats()) as { type: string; packetCount?: number }[]).find((x) => x.type === 'outbound-rtp')?.packetCount ?? 0;
    consumers.push({ ssrc: consumer.rtpParameters.encodings![0]!.ssrc!, slot, stats });
  };

  const cpu = async () =>
    Promise.all(
      pool.workers.map(async (w) => {
        const u = await w.worker.getResourceUsage();
        return u.ru_utime + u.ru_stime;
      }),
    );
  console.log(`audio: ${workers} workers, a router holds up to ${perRouter} listeners, one speaker at 50 packets/s`);
  let best = 0;
  for (const target of steps) {
    while (consumers.length < target) await addListener();
    await new Promise((r) => setTimeout(r, 1000));
    received.clear();
    const sentBefore = sent;
    const cpuBefore = await cpu();
    const outBefore = await Promise.all(consumers.map((c) => c.stats()));
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 3000));
    const seconds = (performance.now() - t0) / 1000;
    const cpuAfter = await cpu();
    const outAfter = await Promise.all(consumers.map((c) => c.stats()));
    // What mediasoup sent, apart from what this one Node process managed to receive.
    const forwarded = outAfter.reduce((n, x, i) => n + x - outBefore[i]!, 0);
    const expected = (sent - sentBefore) * consumers.length;
    const got = consumers.reduce((n, c) => n + (received.get(c.ssrc) ?? 0), 0);
    const loss = expected === 0 ? 0 : Math.max(0, 1 - got / expected);
    const cpuShare = cpuAfter.map((c, i) => ((c - cpuBefore[i]!) / 1000 / seconds) * 100);
    console.log(
      `audio: ${consumers.length} listeners on ${room.slots.length} routers (${pool.workers.map((w) => w.consumers).join(' + ')} per worker): ` +
        `forwarded by mediasoup ${((forwarded / Math.max(1, expected)) * 100).toFixed(1)}%, received ${((1 - loss) * 100).toFixed(1)}% (loss ${(loss * 100).toFixed(2)}%), ` +
        `worker CPU ${cpuShare.map((c) => `${c.toFixed(0)}%`).join(' / ')}`,
    );
    if (loss < 0.01) best = consumers.length;
    else break;
  }
  console.log(`audio: ${best} listeners (${Math.round(best / workers)} per worker) at under 1% packet loss`);
  clearInterval(ticker);
  for (const sock of sockets) sock.close();
  tx.close();
  room.close();
  await pool.close();
}

/** N citizens in one plenary against a bare Socket.IO baseline, in processes of their own (bench/plenary/). */
const plenary = async (): Promise<void> => (await import('./plenary/index.js')).plenary();

/** Three nodes and Redis against one node, and the failover time (bench/cluster/). */
const cluster = async (): Promise<void> => (await import('./cluster/index.js')).cluster();

/** The join page on a throttled phone: bytes and time until usable, against plain HTML and the build before code splitting (bench/client/). */
const client = async (): Promise<void> => (await import('./client/index.js')).client();

/** Automatic captions through the room against pocketsphinx on the WAV itself (bench/captions/). */
const captions = async (): Promise<void> => (await import('./captions/index.js')).captions();

const all = { commands, fanout, replay, drafting, outcome, audio, plenary, cluster, client, captions } as const;
const wanted = process.argv.slice(2).filter((a) => a in all) as (keyof typeof all)[];
for (const name of wanted.length ? wanted : (Object.keys(all) as (keyof typeof all)[])) {
  await all[name]();
}
process.exit(0);
