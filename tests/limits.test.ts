/**
 * Limits that keep one client from costing the server what a plenary needs: readers
 * that stop reading are cut off on both channels and memory stays bounded (measured,
 * on a server in its own process), connections per participant are capped, and a
 * flood of joins from one address runs dry while joins from a crowd do not.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { addRecommendation } from '../shared/src/index.js';
import { CLOSE } from '../server/src/drafting/closeCodes.js';
import { ControlClient } from '../client/src/ControlClient.js';
import { api, connect, createSession, join } from './helpers/clients.js';
import { draftClient, eventually, synced } from './helpers/drafting.js';
import { assembly } from './helpers/fixtures.js';
import { metrics } from './helpers/metrics.js';
import { syncStep1 } from './helpers/rawDraft.js';
import { removeDir, spawnServer, startServer, tempDataDir, type RunningServer, type ServerProcess } from './helpers/server.js';

const procs: ServerProcess[] = [];
const servers: RunningServer[] = [];
const dirs: string[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  sockets.splice(0).forEach((s) => s.terminate());
  for (const p of procs.splice(0)) p.child.kill('SIGKILL');
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) removeDir(d);
});

const MB = 1024 * 1024;

/** Poll an async condition; the deadline only turns a hang into a failure. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A WebSocket that never reads again once `stall()` is called: its kernel buffer fills, then the server's queue would. */
function stalling(url: string): Promise<{ ws: WebSocket; stall: () => void; closed: Promise<number> }> {
  const ws = new WebSocket(url);
  sockets.push(ws);
  ws.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, stall: () => (ws as unknown as { _socket: { pause(): void } })._socket.pause(), closed }));
    ws.once('error', reject);
  });
}

describe('readers that stop reading', () => {
  test('a control connection that asks for views and never reads them is cut off; memory stays bounded', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const server = await spawnServer(dataDir, { TOWNHALL_MAX_QUEUED_BYTES: String(256 * 1024), TOWNHALL_COMMANDS_PER_SECOND: '10000', TOWNHALL_COMMAND_BURST: '10000' });
    procs.push(server);
    const session = await createSession(server.url);
    const fac = await join(server.url, session, 'facilitator', assembly.facilitators[0]!);
    // A staff view with 300 people in it is about 50 KB: every state.sync without a revision sends it whole.
    for (let i = 0; i < 300; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => join(server.url, session, 'citizen', `Citizen ${i + k}`)));
    const other = await connect(server.url, fac);

    const before = await metrics(server.url);
    const { ws, stall, closed } = await stalling(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    ws.send(`40${JSON.stringify({ sessionId: session.sessionId, token: fac.token })}`);
    await new Promise((r) => ws.once('message', r));
    stall();
    // 3 000 requests for the whole view: about 150 MB that a server without the limit would queue for this one socket.
    for (let i = 0; i < 3000; i++) ws.send(`42${i}["state.sync",{}]`);

    await until(async () => (await metrics(server.url)).get('townhall_slow_readers_cut_total{channel="control"}') === 1, 'the reader to be cut off');
    const after = await metrics(server.url);
    const grew = after.get('process_resident_memory_bytes')! - before.get('process_resident_memory_bytes')!;
    expect(grew, `resident memory grew by ${(grew / MB).toFixed(1)} MB`).toBeLessThan(64 * MB);
    // The cut-off connection is gone; once it reads again it finds the socket closed.
    (ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBeGreaterThan(0);
    // Everyone else is unaffected.
    expect(other.socket.connected).toBe(true);
    expect(await other.send('state.sync', {})).toMatchObject({ ok: true });
    other.close();
  });

  test('a drafting connection that asks for the document and never reads it is cut off with 4429; memory stays bounded', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const server = await spawnServer(dataDir, { TOWNHALL_YJS_MAX_QUEUED_BYTES: String(MB), TOWNHALL_YJS_SYNC_PER_SECOND: '10000', TOWNHALL_YJS_SYNC_BURST: '10000' });
    procs.push(server);
    const session = await createSession(server.url);
    const cit = await join(server.url, session, 'citizen', assembly.citizens[0]!);
    const obs = await join(server.url, session, 'observer', assembly.observers[0]!);
    // A document of about 200 KB.
    const writer = draftClient(server.url, session.sessionId, 'plenary', cit.token);
    await synced(writer);
    for (let i = 0; i < 40; i++) addRecommendation(writer.doc, { id: `rec-${i}`, title: `Title ${i}`, body: 'x'.repeat(5000), rationale: '' });
    const witness = draftClient(server.url, session.sessionId, 'plenary', cit.token);
    await synced(witness);
    await eventually(() => witness.doc.getArray('recommendations').length === 40, 'the document stored and sent');

    const before = await metrics(server.url);
    const { ws, stall, closed } = await stalling(`${server.url.replace('http', 'ws')}/yjs/${session.sessionId}:plenary?token=${obs.token}`);
    stall();
    // 1 000 whole-document requests: about 200 MB for one socket without the limit.
    for (let i = 0; i < 1000; i++) ws.send(syncStep1(Y.encodeStateVector(new Y.Doc())));
    await until(async () => (await metrics(server.url)).get('townhall_slow_readers_cut_total{channel="drafting"}') === 1, 'the reader to be cut off');
    const after = await metrics(server.url);
    const grew = after.get('process_resident_memory_bytes')! - before.get('process_resident_memory_bytes')!;
    expect(grew, `resident memory grew by ${(grew / MB).toFixed(1)} MB`).toBeLessThan(64 * MB);
    (ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBeGreaterThan(0);
    // The writer's connection is unaffected and still drafts.
    writer.doc.getText('liveness').insert(0, 'still here');
    await eventually(() => witness.doc.getText('liveness').toString() === 'still here', 'an edit after the cut-off');
    expect(writer.closes).toEqual([]);
    writer.destroy();
    witness.destroy();
  });
});

describe('connections per participant', () => {
  test('a participant may hold at most the configured number of connections on each channel', async () => {
    const server = await startServer({ env: { TOWNHALL_MAX_CONNECTIONS_PER_PARTICIPANT: '3' } });
    servers.push(server);
    const session = await createSession(server.url);
    const obs = await join(server.url, session, 'observer', assembly.observers[0]!);
    const control = await Promise.all([0, 1, 2].map(() => connect(server.url, obs)));
    const fourth = new ControlClient({ url: server.url, sessionId: session.sessionId, token: obs.token, socket: { reconnection: false } });
    await fourth.waitFor((c) => c.connectError !== null, 10_000, 'the fourth connection refused');
    expect(fourth.connectError!.code).toBe('RATE_LIMITED');
    expect(fourth.connectError!.message).toMatch(/3 connections/);
    fourth.close();
    // Closing one makes room again (once the server has seen it go).
    control[0]!.close();
    let again: ControlClient | null = null;
    await until(async () => {
      again?.close();
      again = new ControlClient({ url: server.url, sessionId: session.sessionId, token: obs.token, socket: { reconnection: false } });
      await again.waitFor((c) => (c.view !== null && c.me !== null) || c.connectError !== null, 10_000, 'an answer');
      return again.connectError === null;
    }, 'room for a new connection');

    const docs = [0, 1, 2].map(() => draftClient(server.url, session.sessionId, 'plenary', obs.token));
    await Promise.all(docs.map((d) => synced(d)));
    const extra = draftClient(server.url, session.sessionId, 'plenary', obs.token);
    await eventually(() => extra.closes.length > 0, 'the fourth document connection closed');
    expect(extra.closes[0]).toEqual({ code: CLOSE.tooManyAwarenessUpdates, reason: 'too many connections' });
    [...docs, extra].forEach((d) => d.destroy());
    [...control, again!].forEach((c) => c.close());
  });
});

describe('joins per address', () => {
  test('a flood of joins from one address runs dry with 429 and Retry-After; the burst admits a crowd behind one NAT', async () => {
    const server = await startServer({ env: { TOWNHALL_JOIN_RATE_PER_ADDRESS: '2', TOWNHALL_JOIN_BURST_PER_ADDRESS: '40' } });
    servers.push(server);
    const session = await createSession(server.url);
    const attempt = (i: number) =>
      api<{ error?: { code: string } }>(server.url, `/api/sessions/${session.sessionId}/join`, {
        body: { invite: session.invites.citizen.invite, displayName: `Citizen ${i}` },
      });
    const results = [];
    for (let i = 0; i < 60; i++) results.push(await attempt(i));
    const admitted = results.filter((r) => r.status === 201).length;
    const refused = results.filter((r) => r.status === 429);
    // The burst, and the trickle the refill allowed while the loop ran; never all 60.
    expect(admitted).toBeGreaterThanOrEqual(40);
    expect(refused.length).toBeGreaterThan(0);
    expect(admitted + refused.length).toBe(60);
    expect(refused[0]!.body.error?.code).toBe('RATE_LIMITED');
    expect(refused[0]!.headers.get('retry-after')).toBe('1');
    // Nothing refused reached the log: only the admitted joined.
    expect(Object.values(server.townhall.registry.get(session.sessionId)!.state.participants).length).toBe(admitted);
  });
});
