import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AudioEventRecord, ControlClient } from '../client/src/ControlClient.js';
import { PLENARY, type AudioJoined } from '../shared/src/index.js';
import { DTLS_PARAMETERS, OPUS_RTP_CAPABILITIES, OPUS_RTP_PARAMETERS, someMediaId } from './helpers/audio.js';
import { createSession, joinAndConnect, type CreatedSession } from './helpers/clients.js';
import { eventually } from './helpers/drafting.js';
import { must, ok, refused } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { AUDIO_ON, removeDir, spawnServer, startServer, tempDataDir, type RunningServer } from './helpers/server.js';

/*
 * Audio signalling and floor control through the real control channel and real
 * mediasoup workers. No media flows here (the browser suite plays real audio); what
 * is tested is what the server allows: who may create a send transport and produce,
 * who may consume what, and that the server closes a producer when the floor moves.
 */

type Person = Awaited<ReturnType<typeof joinAndConnect>>;

let server: RunningServer;
let session: CreatedSession;
let fac: Person, c1: Person, c2: Person, c3: Person, obs: Person;
let other: Person;
let otherSession: CreatedSession;

const events = <E extends AudioEventRecord['event']>(c: ControlClient, name: E) =>
  c.audioEvents.filter((e): e is Extract<AudioEventRecord, { event: E }> => e.event === name);
const lastProducers = (c: ControlClient) => events(c, 'audio.producers').at(-1)?.payload;
const join = async (p: Person) => (await must(p.client.send('audio.join', {}), `${p.displayName} joins audio`)).result as AudioJoined;

/** Give the floor, make a send transport, connect it and produce: what a browser does when it may speak. */
let lastSendTransport = '';
async function speak(p: Person): Promise<string> {
  const t = await must(p.client.send('audio.createSendTransport', {}), 'send transport');
  const transportId = (t.result as { id: string }).id;
  lastSendTransport = transportId;
  ok(await p.client.send('audio.connect', { transportId, dtlsParameters: DTLS_PARAMETERS }));
  const produced = await must(p.client.send('audio.produce', { transportId, kind: 'audio', rtpParameters: OPUS_RTP_PARAMETERS }), 'produce');
  return (produced.result as { producerId: string }).producerId;
}

beforeAll(async () => {
  server = await startServer({ env: AUDIO_ON });
  session = await createSession(server.url);
  fac = await joinAndConnect(server.url, session, 'facilitator', assembly.facilitators[0]!);
  c1 = await joinAndConnect(server.url, session, 'citizen', assembly.citizens[0]!);
  c2 = await joinAndConnect(server.url, session, 'citizen', assembly.citizens[1]!);
  c3 = await joinAndConnect(server.url, session, 'citizen', assembly.citizens[2]!);
  obs = await joinAndConnect(server.url, session, 'observer', assembly.observers[0]!);
  otherSession = await createSession(server.url);
  other = await joinAndConnect(server.url, otherSession, 'citizen', 'Someone elsewhere');
}, 30_000);

afterAll(async () => {
  for (const p of [fac, c1, c2, c3, obs, other]) p?.client.close();
  await server?.stop();
});

describe('audio rooms bound to the floor', () => {
  test('everyone may listen; the server says who may speak', async () => {
    for (const p of [fac, c1, c2, c3, obs, other]) {
      // Sent right after the first view, so it may trail it.
      await eventually(() => p.client.audioStatus !== null, 'audio status');
      expect(p.client.audioStatus).toEqual({ enabled: true, restart: false, reason: null });
    }
    const joined = await join(c1);
    expect(joined).toMatchObject({ roomId: PLENARY, producers: [], openMic: false, mayProduce: false });
    expect((joined.routerRtpCapabilities as { codecs: { mimeType: string }[] }).codecs.map((c) => c.mimeType)).toContain('audio/opus');
    expect(joined.recvTransport.id).toMatch(/^[0-9a-f-]{36}$/);
    for (const p of [c2, c3, obs]) expect((await join(p)).mayProduce).toBe(false);
    expect((await join(fac)).mayProduce).toBe(true);
  });

  test('a session change that means nothing to audio sends no audio message', async () => {
    const before = events(c2.client, 'audio.producers').length;
    const asked = await must(c1.client.send('qa.ask', { text: 'Will the buses run later on weekends?' }), 'ask');
    ok(await c1.client.send('queue.raise', {}));
    const lowered = await must(c1.client.send('queue.lower', {}), 'lower');
    await c2.client.caughtUp(lowered.seq);
    expect(asked.seq).toBeLessThan(lowered.seq);
    expect(events(c2.client, 'audio.producers')).toHaveLength(before);
  });

  test('a citizen without the floor is refused a send transport and a producer', async () => {
    refused(await c1.client.send('audio.createSendTransport', {}), 'FORBIDDEN');
    refused(await c1.client.send('audio.produce', { transportId: someMediaId(), kind: 'audio', rtpParameters: OPUS_RTP_PARAMETERS }), 'FORBIDDEN');
    refused(await obs.client.send('audio.createSendTransport', {}), 'FORBIDDEN');
    expect(server.townhall.audio!.service.snapshot().find((r) => r.key.endsWith(PLENARY))).toMatchObject({ producers: 0, peers: 5 });
  });

  test('given the floor, a citizen is heard; listeners consume; the turn ends and the server stops the producer', async () => {
    ok(await c1.client.send('queue.raise', {}));
    const given = await must(fac.client.send('floor.give', { roomId: PLENARY }), 'floor.give');
    await eventually(() => lastProducers(c1.client)?.mayProduce === true, 'c1 told it may speak');
    const producerId = await speak(c1);
    // One producer at a time, and no second send transport while producing.
    const transportId = lastSendTransport;
    refused(await c1.client.send('audio.produce', { transportId, kind: 'audio', rtpParameters: OPUS_RTP_PARAMETERS }), 'CONFLICT');
    refused(await c1.client.send('audio.createSendTransport', {}), 'CONFLICT');

    for (const listener of [c2, c3, obs, fac]) {
      await eventually(() => lastProducers(listener.client)?.producers.some((p) => p.producerId === producerId) === true, `${listener.role} sees the speaker`);
      const consumed = await must(listener.client.send('audio.consume', { producerId, rtpCapabilities: OPUS_RTP_CAPABILITIES }), 'consume');
      const { consumerId, participantId } = consumed.result as { consumerId: string; participantId: string };
      expect(participantId).toBe(c1.participantId);
      ok(await listener.client.send('audio.resume', { consumerId }));
      refused(await listener.client.send('audio.consume', { producerId, rtpCapabilities: OPUS_RTP_CAPABILITIES }), 'CONFLICT');
    }
    refused(await c1.client.send('audio.consume', { producerId, rtpCapabilities: OPUS_RTP_CAPABILITIES }), 'CONFLICT');
    // A listener with no codec in common is told so, not crashed.
    refused(await c2.client.send('audio.consume', { producerId, rtpCapabilities: { codecs: [{ kind: 'audio', mimeType: 'audio/PCMU', clockRate: 8000 }] } }), 'CONFLICT');
    // Someone in another session, knowing the producer's id, gets nothing.
    await join(other);
    refused(await other.client.send('audio.consume', { producerId, rtpCapabilities: OPUS_RTP_CAPABILITIES }), 'NOT_FOUND');
    refused(await other.client.send('audio.resume', { consumerId: someMediaId() }), 'NOT_FOUND');
    expect(given.seq).toBeGreaterThan(0);

    await must(fac.client.send('floor.end', { roomId: PLENARY }), 'floor.end');
    await eventually(() => events(c1.client, 'audio.producer-closed').some((e) => e.payload.producerId === producerId), 'producer closed');
    expect(events(c1.client, 'audio.producer-closed').at(-1)!.payload).toEqual({ producerId, reason: 'turn-ended' });
    await eventually(() => lastProducers(c2.client)?.producers.length === 0, 'listeners told the speaker is gone');
    expect(server.townhall.audio!.service.snapshot().find((r) => r.key.endsWith(PLENARY))!.producers).toBe(0);
    // Trying again without the floor: the old transport is gone and a new one is refused.
    refused(await c1.client.send('audio.produce', { transportId, kind: 'audio', rtpParameters: OPUS_RTP_PARAMETERS }), 'FORBIDDEN');
    refused(await c1.client.send('audio.createSendTransport', {}), 'FORBIDDEN');
  });

  test('open mic lets everyone in the room speak, and switching it off silences them', async () => {
    refused(await c2.client.send('audio.setOpenMic', { roomId: PLENARY, open: true } as never), 'FORBIDDEN');
    await must(fac.client.send('audio.setOpenMic', { roomId: PLENARY, open: true }), 'open mic');
    refused(await fac.client.send('audio.setOpenMic', { roomId: PLENARY, open: true }), 'CONFLICT');
    await eventually(() => lastProducers(c2.client)?.openMic === true && lastProducers(c2.client)?.mayProduce === true, 'c2 may speak');
    const a = await speak(c2);
    const b = await speak(c3);
    await eventually(() => lastProducers(c1.client)?.producers.length === 2, 'two speakers at once');
    expect(fac.client.view!.rooms.find((r) => r.id === PLENARY)!.openMic).toBe(true);
    await must(fac.client.send('audio.setOpenMic', { roomId: PLENARY, open: false }), 'open mic off');
    for (const [p, id] of [
      [c2, a],
      [c3, b],
    ] as const) {
      await eventually(() => events(p.client, 'audio.producer-closed').some((e) => e.payload.producerId === id), 'closed');
      expect(events(p.client, 'audio.producer-closed').at(-1)!.payload.reason).toBe('open-mic-off');
    }
  });

  test('a facilitator mutes a speaker until they are given the floor again', async () => {
    ok(await c3.client.send('queue.raise', {}));
    await must(fac.client.send('floor.give', { roomId: PLENARY, participantId: c3.participantId }), 'floor.give');
    await eventually(() => lastProducers(c3.client)?.mayProduce === true, 'c3 may speak');
    const id = await speak(c3);
    refused(await c3.client.send('audio.mute', { participantId: c2.participantId } as never), 'FORBIDDEN');
    ok(await fac.client.send('audio.mute', { participantId: c3.participantId }));
    refused(await fac.client.send('audio.mute', { participantId: c3.participantId }), 'CONFLICT');
    await eventually(() => events(c3.client, 'audio.producer-closed').some((e) => e.payload.producerId === id), 'muted');
    expect(events(c3.client, 'audio.producer-closed').at(-1)!.payload.reason).toBe('muted');
    // Still holding the floor, but muted: refused.
    refused(await c3.client.send('audio.createSendTransport', {}), 'FORBIDDEN');
    await must(fac.client.send('floor.end', { roomId: PLENARY }), 'end');
    ok(await c3.client.send('queue.raise', {}));
    await must(fac.client.send('floor.give', { roomId: PLENARY, participantId: c3.participantId }), 'floor again');
    await eventually(() => lastProducers(c3.client)?.mayProduce === true, 'c3 may speak again');
    await speak(c3);
    await must(fac.client.send('floor.end', { roomId: PLENARY }), 'end');
  });

  test('a facilitator who does not listen still sees whose microphone is live, and only in their own session', async () => {
    // A second facilitator device, not in the audio room at all.
    const console2 = await joinAndConnect(server.url, session, 'facilitator', 'Console only');
    const otherFac = await joinAndConnect(server.url, otherSession, 'facilitator', 'Facilitator elsewhere');
    try {
      refused(await c1.client.send('audio.watchMics', {} as never), 'FORBIDDEN');
      const first = await must(console2.client.send('audio.watchMics', {}), 'watch');
      expect(first.result).toEqual({ rooms: [] });
      ok(await otherFac.client.send('audio.watchMics', {}));
      const mics = (c: ControlClient) => events(c, 'audio.mics').map((e) => e.payload);

      ok(await c2.client.send('queue.raise', {}));
      await must(fac.client.send('floor.give', { roomId: PLENARY, participantId: c2.participantId }), 'floor.give');
      await join(c2);
      await eventually(() => lastProducers(c2.client)?.mayProduce === true, 'c2 may speak');
      await speak(c2);
      await eventually(() => mics(console2.client).some((m) => m.live.includes(c2.participantId)), 'the console sees the microphone on');
      expect(mics(console2.client).at(-1)).toEqual({ roomId: PLENARY, live: [c2.participantId] });
      // Watching again (a reconnect) answers with the current lists at once.
      expect((await must(console2.client.send('audio.watchMics', {}), 'watch again')).result).toEqual({ rooms: [{ roomId: PLENARY, live: [c2.participantId] }] });

      await must(fac.client.send('floor.end', { roomId: PLENARY }), 'end');
      await eventually(() => mics(console2.client).at(-1)?.live.length === 0, 'the console sees the microphone off');
      // Told on change only: on, then off.
      expect(mics(console2.client)).toEqual([
        { roomId: PLENARY, live: [c2.participantId] },
        { roomId: PLENARY, live: [] },
      ]);
      expect(mics(otherFac.client)).toEqual([]);
    } finally {
      console2.client.close();
      otherFac.client.close();
    }
  });

  test('a speaker stops speaking and keeps listening; two joins at once leave one receive transport', async () => {
    ok(await c3.client.send('queue.raise', {}));
    await must(fac.client.send('floor.give', { roomId: PLENARY, participantId: c3.participantId }), 'floor');
    await eventually(() => lastProducers(c3.client)?.mayProduce === true, 'c3 may speak');
    refused(await c3.client.send('audio.stopSpeaking', {}), 'CONFLICT');
    const id = await speak(c3);
    await eventually(() => lastProducers(c1.client)?.producers.some((p) => p.producerId === id) === true, 'heard');
    refused(await c3.client.send('audio.createSendTransport', {}), 'CONFLICT');
    ok(await c3.client.send('audio.stopSpeaking', {}));
    await eventually(() => lastProducers(c1.client)?.producers.length === 0, 'no longer heard');
    // Still may speak (the floor is theirs), so a fresh transport and producer work again.
    await speak(c3);
    await must(fac.client.send('floor.end', { roomId: PLENARY }), 'end');
    const [a, b] = await Promise.all([c3.client.send('audio.join', {}), c3.client.send('audio.join', {})]);
    expect(a.ok && b.ok).toBe(true);
    const room = server.townhall.audio!.service.snapshot().find((r) => r.key === `${session.sessionId}:${PLENARY}`)!;
    expect(room.peers).toBe(5);
  });

  test('a speaker who disconnects mid-turn is no longer heard, and reconnecting starts clean', async () => {
    ok(await c1.client.send('queue.raise', {}));
    await must(fac.client.send('floor.give', { roomId: PLENARY, participantId: c1.participantId }), 'floor');
    await eventually(() => lastProducers(c1.client)?.mayProduce === true, 'c1 may speak');
    const id = await speak(c1);
    await eventually(() => lastProducers(c2.client)?.producers.some((p) => p.producerId === id) === true, 'heard');
    c1.client.socket.disconnect();
    await eventually(() => lastProducers(c2.client)?.producers.length === 0, 'gone after the disconnect');
    c1.client.socket.connect();
    await eventually(() => c1.client.socket.connected, 'reconnected');
    refused(await c1.client.send('audio.produce', { transportId: someMediaId(), kind: 'audio', rtpParameters: OPUS_RTP_PARAMETERS }), 'CONFLICT');
    const again = await join(c1);
    expect(again.mayProduce).toBe(true);
    await speak(c1);
    await must(fac.client.send('floor.end', { roomId: PLENARY }), 'end');
  });

  test('moving to a breakout room ends your audio in the old room and tells you to join the new one', async () => {
    await must(fac.client.send('rooms.create', { count: 1 }), 'rooms');
    await must(fac.client.send('rooms.assign', { assignments: [{ participantId: c2.participantId, roomId: 'room-1' }] }), 'assign');
    await eventually(() => events(c2.client, 'audio.status').some((e) => e.payload.reason === 'moved'), 'told to move');
    expect(events(c2.client, 'audio.status').at(-1)!.payload).toEqual({ enabled: true, restart: true, reason: 'moved' });
    const joined = await join(c2);
    expect(joined.roomId).toBe('room-1');
    const rooms = server.townhall.audio!.service.snapshot().filter((r) => r.key.startsWith(`${session.sessionId}:`));
    expect(rooms.map((r) => r.key.split(':')[1]).sort()).toEqual([PLENARY, 'room-1']);
  });

  test('with bad media parameters mediasoup refuses and the server answers, not crashes', async () => {
    const joined = await join(c3);
    const garbage = { role: 'client' as const, fingerprints: [{ algorithm: 'sha-256' as const, value: 'not-a-fingerprint' }] };
    const res = await c3.client.send('audio.connect', { transportId: joined.recvTransport.id, dtlsParameters: garbage });
    // Either mediasoup accepts it (DTLS fails later) or refuses it; both leave the server serving.
    if (!res.ok) expect(['VALIDATION_FAILED', 'CONFLICT']).toContain(res.error.code);
    refused(await c3.client.send('audio.connect', { transportId: joined.recvTransport.id, dtlsParameters: DTLS_PARAMETERS }), 'CONFLICT');
    refused(await c3.client.send('audio.connect', { transportId: someMediaId(), dtlsParameters: DTLS_PARAMETERS }), 'NOT_FOUND');
    expect(await c3.client.send('state.sync', {})).toMatchObject({ ok: true });
  });
});

describe('audio off', () => {
  test('with audio switched off every other feature works and the client is told audio is off', async () => {
    const off = await startServer();
    try {
      const s = await createSession(off.url);
      const f = await joinAndConnect(off.url, s, 'facilitator', 'Facilitator');
      const c = await joinAndConnect(off.url, s, 'citizen', 'Citizen');
      await eventually(() => c.client.audioStatus !== null, 'audio status');
      expect(c.client.audioStatus).toEqual({ enabled: false, restart: false, reason: 'off' });
      refused(await c.client.send('audio.join', {}), 'UNAVAILABLE');
      ok(await c.client.send('queue.raise', {}));
      ok(await f.client.send('floor.give', { roomId: PLENARY }));
      // Open mic is part of the session record even without audio, so it can be set ahead of time.
      ok(await f.client.send('audio.setOpenMic', { roomId: PLENARY, open: true }));
      f.client.close();
      c.client.close();
    } finally {
      await off.stop();
    }
  });
});

describe('no worker', () => {
  test('audio on but no worker can start (MEDIASOUP_WORKER_BIN pointing nowhere): the server runs with audio off', async () => {
    const dataDir = tempDataDir();
    const proc = await spawnServer(dataDir, { ...AUDIO_ON, MEDIASOUP_WORKER_BIN: '/nonexistent/mediasoup-worker' });
    try {
      const s = await createSession(proc.url);
      const c = await joinAndConnect(proc.url, s, 'citizen', 'Citizen');
      await eventually(() => c.client.audioStatus !== null, 'audio status');
      expect(c.client.audioStatus).toEqual({ enabled: false, restart: false, reason: 'off' });
      refused(await c.client.send('audio.join', {}), 'UNAVAILABLE');
      ok(await c.client.send('queue.raise', {}));
      c.client.close();
    } finally {
      proc.child.kill('SIGKILL');
      await proc.exited;
      removeDir(dataDir);
    }
  }, 30_000);
});

describe('scale and faults', () => {
  test('a room that outgrows its router spreads listeners over workers with pipeToRouter', async () => {
    const big = await startServer({ env: { ...AUDIO_ON, TOWNHALL_AUDIO_WORKERS: '2', TOWNHALL_AUDIO_CONSUMERS_PER_ROUTER: '2' } });
    const people: Person[] = [];
    try {
      const s = await createSession(big.url);
      const f = await joinAndConnect(big.url, s, 'facilitator', 'Facilitator');
      people.push(f);
      const speaker = await joinAndConnect(big.url, s, 'citizen', 'Speaker');
      people.push(speaker);
      await must(speaker.client.send('audio.join', {}), 'join');
      ok(await speaker.client.send('queue.raise', {}));
      await must(f.client.send('floor.give', { roomId: PLENARY }), 'floor');
      await eventually(() => lastProducers(speaker.client)?.mayProduce === true, 'may speak');
      const producerId = await speak(speaker);
      for (let i = 0; i < 6; i++) {
        const l = await joinAndConnect(big.url, s, 'citizen', `Listener ${i + 1}`);
        people.push(l);
        const joined = (await must(l.client.send('audio.join', {}), 'join')).result as AudioJoined;
        expect(joined.producers.map((p) => p.producerId)).toEqual([producerId]);
        // Every listener can consume the speaker, whichever router (and worker) it was placed on.
        const consumed = await must(l.client.send('audio.consume', { producerId, rtpCapabilities: OPUS_RTP_CAPABILITIES }), 'consume');
        ok(await l.client.send('audio.resume', { consumerId: (consumed.result as { consumerId: string }).consumerId }));
      }
      const room = big.townhall.audio!.service.snapshot().find((r) => r.key === `${s.sessionId}:${PLENARY}`)!;
      expect(room.routers).toBeGreaterThanOrEqual(3);
      const pool = big.townhall.audio!.pool;
      expect(
        pool.workers.every((w) => w.consumers > 0),
        'both workers carry listeners',
      ).toBe(true);
    } finally {
      for (const p of people) p.client.close();
      await big.stop();
    }
  }, 30_000);

  test('a worker that dies is replaced; its rooms are rebuilt and every peer is told to join again', async () => {
    const srv = await startServer({ env: AUDIO_ON });
    const people: Person[] = [];
    try {
      const s = await createSession(srv.url);
      const f = await joinAndConnect(srv.url, s, 'facilitator', 'Facilitator');
      const a = await joinAndConnect(srv.url, s, 'citizen', 'A');
      const b = await joinAndConnect(srv.url, s, 'citizen', 'B');
      people.push(f, a, b);
      for (const p of people) await must(p.client.send('audio.join', {}), 'join');
      const pool = srv.townhall.audio!.pool;
      const deadPid = pool.workers[0]!.worker.pid;
      process.kill(deadPid, 'SIGKILL');
      for (const p of people) {
        await eventually(() => events(p.client, 'audio.status').some((e) => e.payload.reason === 'worker-died'), 'told to rejoin');
      }
      expect(events(a.client, 'audio.status').at(-1)!.payload.restart).toBe(true);
      await eventually(() => pool.workers.length === 1 && pool.workers[0]!.worker.pid !== deadPid, 'worker replaced', 15_000);
      for (const p of people) {
        const joined = (await must(p.client.send('audio.join', {}), 'rejoin')).result as AudioJoined;
        expect(joined.roomId).toBe(PLENARY);
      }
      ok(await a.client.send('queue.raise', {}));
      await must(f.client.send('floor.give', { roomId: PLENARY }), 'floor');
      await eventually(() => lastProducers(a.client)?.mayProduce === true, 'may speak');
      const producerId = await speak(a);
      await must(b.client.send('audio.consume', { producerId, rtpCapabilities: OPUS_RTP_CAPABILITIES }), 'consume after the rebuild');
    } finally {
      for (const p of people) p.client.close();
      await srv.stop();
    }
  }, 30_000);
});
