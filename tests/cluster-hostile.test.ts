/**
 * Hostile input in a cluster (issue 12): everything a node's edge refuses on one node it
 * refuses on every node, before anything is forwarded; the owner checks forwarded
 * requests again, so that garbage or forgeries on the Redis bus decide nothing; and a
 * client that loses its node mid-command and retries through another gets its command
 * done once.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import type { ControlClient } from '../client/src/ControlClient.js';
import { ControlClient as Client } from '../client/src/ControlClient.js';
import { api, connect, createSession, join, sessionLog, type CreatedSession, type Joined } from './helpers/clients.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { must, ok, refused } from './helpers/expect.js';
import { assembly, hostileStrings } from './helpers/fixtures.js';
import { rawAck, rawEmit } from './helpers/raw.js';

let cluster: TestCluster;
let urls: string[];
let session: CreatedSession;
let fac: Joined;
let citizen: Joined;
const clients: ControlClient[] = [];
const open = async (url: string, who: Joined) => {
  const c = await connect(url, who);
  clients.push(c);
  return c;
};
const logOf = () => sessionLog(urls[0]!, session.sessionId, fac.token);

beforeAll(async () => {
  cluster = await startCluster(3);
  urls = cluster.nodes.map((n) => n.url);
  session = await createSession(urls[0]!);
  fac = await join(urls[1]!, session, 'facilitator', assembly.facilitators[0]!);
  citizen = await join(urls[2]!, session, 'citizen', assembly.citizens[0]!);
  const f = await open(urls[1]!, fac);
  ok(await f.send('settings.update', { patch: { qaPremoderation: false } }));
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('hostile input through nodes that do not own the session', () => {
  test('wrong role, malformed, unknown and oversized messages are refused at the edge and change nothing', async () => {
    const c = await open(urls[2]!, citizen);
    const before = (await logOf()).length;
    refused(await c.send('floor.give' as never, { roomId: 'plenary' } as never), 'FORBIDDEN');
    refused(await rawAck(c, 'qa.ask', { text: 42 }), 'VALIDATION_FAILED');
    refused(await rawAck(c, 'qa.ask', 'not an object'), 'VALIDATION_FAILED');
    refused(await rawAck(c, 'no.such.command', {}), 'UNKNOWN_COMMAND');
    refused(await rawAck(c, 'qa.ask', { text: 'ok', anonymous: false, requestId: 'bad id with spaces' }), 'VALIDATION_FAILED');
    // Hostile strings are text like any other: stored as sent, through the forward and back.
    for (const text of hostileStrings.slice(0, 8).filter((t) => t.trim().length > 0 && t.length <= 500)) {
      const ack = await c.send('qa.ask', { text, anonymous: true });
      if (!ack.ok) expect(['VALIDATION_FAILED', 'CONFLICT']).toContain(ack.error.code);
    }
    const after = await logOf();
    expect(after.slice(before).every((e) => e.type === 'qa.asked')).toBe(true);
    // A message over the size limit closes that connection only.
    const big = new Client({ url: urls[2]!, sessionId: session.sessionId, token: citizen.token, socket: { reconnection: false } });
    clients.push(big);
    await big.waitFor((x) => x.view !== null, 10_000, 'view');
    rawEmit(big, 'qa.ask', { text: 'x'.repeat(200_000), anonymous: false });
    await big.waitFor((x) => !x.socket.connected, 10_000, 'the oversized connection closed');
    ok(await c.send('queue.raise', { kind: 'normal' }));
  }, 60_000);

  test('a requestId repeated through another node is answered, not done twice; reused for another payload it is refused', async () => {
    const [on1, on2] = [await open(urls[1]!, citizen), await open(urls[2]!, citizen)];
    const first = await must(on1.send('qa.ask', { text: 'Asked once, through two nodes', anonymous: false }, 'twice-1'), 'first');
    const again = await must(on2.send('qa.ask', { text: 'Asked once, through two nodes', anonymous: false }, 'twice-1'), 'again');
    expect(again.seq).toBe(first.seq);
    expect(again.result).toEqual(first.result);
    refused(await on2.send('qa.ask', { text: 'Another text under the same id', anonymous: false }, 'twice-1'), 'VALIDATION_FAILED');
    const asked = (await logOf()).filter((e) => e.type === 'qa.asked' && e.payload.text === 'Asked once, through two nodes');
    expect(asked.length).toBe(1);
  }, 60_000);

  test('garbage and forged requests on the bus decide nothing, and the nodes keep serving', async () => {
    const before = (await logOf()).length;
    const bus = createClient({ url: cluster.redis.url });
    await bus.connect();
    const owner = (await cluster.lease(session.sessionId))!.nodeId;
    const channel = `th:node:${owner}`;
    const forged = (req: unknown) => JSON.stringify({ k: 'q', id: 'forged', from: 'nobody', req });
    for (const message of [
      'not json',
      '{"k":"q"}',
      JSON.stringify({ k: 'a', id: 'unknown-answer', ok: true, value: { seq: 999 } }),
      forged({
        sessionId: session.sessionId,
        op: 'execute',
        args: { op: 'execute', participantId: citizen.participantId, name: 'floor.give', payload: { roomId: 'plenary' } },
      }),
      forged({
        sessionId: session.sessionId,
        op: 'execute',
        args: { op: 'execute', participantId: 'p_nobody', name: 'qa.ask', payload: { text: 'forged', anonymous: false } },
      }),
      forged({ sessionId: session.sessionId, op: 'execute', args: { op: 'execute', participantId: citizen.participantId, name: 'qa.ask', payload: { text: 7 } } }),
      forged({ sessionId: session.sessionId, op: 'execute', args: { op: 'execute', participantId: citizen.participantId, name: 'audio.join', payload: {} } }),
      forged({ sessionId: session.sessionId, op: 'nonsense', args: { op: 'nonsense' } }),
      forged({ sessionId: 's_nonexistent', op: 'execute', args: {} }),
      forged(null),
    ]) {
      await bus.publish(channel, message);
    }
    await bus.close();
    const c = await open(urls[0]!, citizen);
    ok(await c.send('queue.lower', {}));
    const after = (await logOf()).slice(before);
    expect(after.map((e) => e.type)).toEqual(['queue.hand-lowered']);
    for (const node of cluster.nodes) expect(node.child.exitCode).toBeNull();
  }, 60_000);

  test('drafting through a relay: a bad credential is refused at the edge (4401), a frame over the limit closes with 1009', async () => {
    const code = (url: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url);
        ws.on('close', (c) => resolve(c));
        ws.on('error', () => undefined);
        ws.on('open', () => {
          if (url.includes('tok=')) return;
          ws.send(Buffer.alloc(2 * 1024 * 1024, 1));
        });
      });
    const base = urls[2]!.replace(/^http/, 'ws');
    expect(await code(`${base}/yjs/${session.sessionId}:plenary?token=tok=forged`)).toBe(4401);
    expect(await code(`${base}/yjs/${session.sessionId}:plenary?token=${citizen.token}`)).toBe(1009);
    // A browser's origin is checked at the edge and again by the owner: its own node's origin passes both, a foreign one neither.
    const opened = (origin: string) =>
      new Promise<'open' | 'refused'>((resolve) => {
        const ws = new WebSocket(`${base}/yjs/${session.sessionId}:plenary?token=${citizen.token}`, { headers: { origin } });
        ws.on('message', () => (ws.close(), resolve('open')));
        ws.on('unexpected-response', () => resolve('refused'));
        ws.on('close', () => resolve('refused'));
        ws.on('error', () => resolve('refused'));
      });
    expect(await opened(urls[2]!)).toBe('open');
    expect(await opened('http://evil.example')).toBe('refused');
    // The endpoint still serves.
    const res = await api(urls[2]!, '/readyz');
    expect(res.status).toBe(200);
  }, 60_000);

  test('a client whose node dies mid-command retries through another node: done once', async () => {
    const late = await join(urls[1]!, session, 'citizen', assembly.citizens[5]!);
    const doomed = new Client({ url: urls[1]!, sessionId: session.sessionId, token: late.token, ackTimeoutMs: 2000, socket: { reconnection: false } });
    clients.push(doomed);
    await doomed.waitFor((x) => x.me !== null, 10_000, 'view');
    // The command leaves; its node dies before (or after) forwarding it.
    const pending = doomed.send('qa.ask', { text: 'Sent as my node died', anonymous: false }, 'mid-1').catch(() => null);
    cluster.nodes[1]!.child.kill('SIGKILL');
    await pending;
    const elsewhere = await open(urls[2]!, late);
    const ack = await must(elsewhere.send('qa.ask', { text: 'Sent as my node died', anonymous: false }, 'mid-1'), 'the retry');
    const asked = (await logOf()).filter((e) => e.type === 'qa.asked' && e.payload.text === 'Sent as my node died');
    expect(asked.length).toBe(1);
    expect(asked[0]!.seq).toBeLessThanOrEqual(ack.seq);
  }, 60_000);
});
