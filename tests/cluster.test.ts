/**
 * Cluster mode (issue 12): three real server processes on one real redis-server, each
 * on its own port, clients spread over them as a round-robin load balancer would.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { ControlClient as Client } from '../client/src/ControlClient.js';
import type { Ack, SessionEvent } from '../shared/src/index.js';
import { verifyChain } from '../server/src/session/chain.js';
import type { ControlClient } from '../client/src/ControlClient.js';
import { api, connect, createSession, join, sessionLog } from './helpers/clients.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { must, ok, refused } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';

let cluster: TestCluster | null = null;
const clients: ControlClient[] = [];
afterEach(async () => {
  closing = true;
  for (const c of clients.splice(0)) c.close();
  closing = false;
  await cluster?.stop();
  cluster = null;
});

function track(c: ControlClient): ControlClient {
  clients.push(c);
  return c;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A citizen as a browser behind a round-robin load balancer: when its node goes away it
 * connects to the next one with the same token, and it retries a command with the same
 * requestId until it is answered, as the real client does.
 */
class Citizen {
  client: ControlClient;
  /** Times this citizen's connection was lost. */
  dropped = 0;
  constructor(
    private readonly urls: string[],
    private at: number,
    private readonly who: { sessionId: string; token: string },
  ) {
    this.client = this.open();
  }

  private open(): ControlClient {
    const c = track(new Client({ url: this.urls[this.at]!, sessionId: this.who.sessionId, token: this.who.token, ackTimeoutMs: 3000, socket: { reconnection: false } }));
    c.socket.on('disconnect', () => {
      this.dropped += 1;
      this.at = (this.at + 1) % this.urls.length;
      if (!closing) this.client = this.open();
    });
    c.socket.on('connect_error', () => {
      this.at = (this.at + 1) % this.urls.length;
      if (!closing) setTimeout(() => (this.client = this.open()), 100);
    });
    return c;
  }

  /** Send until answered (not UNAVAILABLE, not lost); the same requestId every time. */
  async send(name: 'qa.ask', payload: { text: string; anonymous: boolean }, requestId: string): Promise<Ack> {
    for (let conflicts = 0; ; ) {
      try {
        const ack = await this.client.send(name, payload, requestId);
        // What a client is told to retry: the server is unavailable, slow down, or (a few times) "changed at the same time".
        if (!ack.ok && ack.error.code === 'CONFLICT' && ++conflicts < 5) continue;
        if (ack.ok || !['UNAVAILABLE', 'RATE_LIMITED'].includes(ack.error.code)) return ack;
      } catch {
        // No answer in time, or the connection went: the command may or may not have been done.
      }
      await pause(100);
    }
  }
}
let closing = false;

type Acked = Map<string, { text: string; seq: number; questionId: string }>;

/** One citizen asks `count` questions, one after another, each retried until answered. */
async function ask(c: Citizen, i: number, count: number, acked: Acked, tag = 'burst'): Promise<void> {
  for (let n = 0; n < count; n++) {
    const requestId = `${tag}-${i}-${n}`;
    const text = `${tag} question ${n} from citizen ${i}`;
    const ack = await c.send('qa.ask', { text, anonymous: false }, requestId);
    if (!ack.ok) {
      if (process.env.CLUSTER_LOGS) await pause(1000);
      throw new Error(`${requestId}: ${ack.error.code} ${ack.error.message}`);
    }
    acked.set(requestId, { text, seq: ack.seq, questionId: (ack.result as { questionId: string }).questionId });
  }
}

/** The log is whole (seq contiguous, chain verifies) and holds every acknowledged question once, at or before its ack's seq. */
function expectExactlyOnce(log: SessionEvent[], acked: Acked): void {
  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  expect(verifyChain(log).ok).toBe(true);
  const asked = log.filter((e): e is Extract<SessionEvent, { type: 'qa.asked' }> => e.type === 'qa.asked');
  for (const [requestId, a] of acked) {
    const copies = asked.filter((e) => e.payload.text === a.text);
    expect(copies.length, `${requestId} in the log`).toBe(1);
    expect(copies[0]!.payload.questionId).toBe(a.questionId);
    expect(copies[0]!.seq).toBeLessThanOrEqual(a.seq);
  }
}

/** A session on the cluster with a facilitator (on node 1, connected to node 2) and Q&A without pre-moderation. */
async function openSession(c: TestCluster) {
  const urls = c.nodes.map((n) => n.url);
  const session = await createSession(urls[0]!);
  const fac = await join(urls[1]!, session, 'facilitator', assembly.facilitators[0]!);
  const facClient = track(await connect(urls[2]!, fac));
  ok(await facClient.send('settings.update', { patch: { qaPremoderation: false } }));
  return { urls, session, fac, facClient };
}

/** `n` citizens, joined round-robin through the nodes and connected to them. */
async function citizensOn(urls: string[], session: Awaited<ReturnType<typeof createSession>>, n: number): Promise<Citizen[]> {
  const citizens: Citizen[] = [];
  for (let i = 0; i < n; i++) {
    const joined = await join(urls[i % urls.length]!, session, 'citizen', assembly.citizens[i]!);
    const citizen = new Citizen(urls, i % urls.length, joined);
    await citizen.client.waitFor((c) => c.me !== null, 10_000, 'first view');
    citizens.push(citizen);
  }
  return citizens;
}

describe('cluster', () => {
  test('clients on three nodes see the same session, and commands sent through any node work', async () => {
    cluster = await startCluster(3);
    const [a, b, c] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const session = await createSession(a);
    // The node that created the session owns it.
    expect((await cluster.lease(session.sessionId))?.nodeId).toBe('node-0');

    // Join through one node, connect to another: nothing ties a client to a node.
    const facJoined = await join(b, session, 'facilitator', assembly.facilitators[0]!);
    const fac = track(await connect(c, facJoined));
    ok(await fac.send('settings.update', { patch: { qaPremoderation: false } }));
    const urls = [a, b, c];
    const citizens: ControlClient[] = [];
    const tokens: { sessionId: string; token: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const joined = await join(urls[i % 3]!, session, 'citizen', assembly.citizens[i]!);
      tokens.push(joined);
      citizens.push(track(await connect(urls[(i + 1) % 3]!, joined)));
    }

    // Hands and questions through every node.
    for (const [i, citizen] of citizens.entries()) await must(citizen.send('queue.raise', { kind: 'normal' }), `hand ${i}`);
    const asked = await must(citizens[1]!.send('qa.ask', { text: 'Who pays for the new cycle lanes?', anonymous: false }), 'a question');
    const questionId = (asked.result as { questionId: string }).questionId;
    // Everyone but its author (who may not upvote their own question).
    for (const citizen of citizens) if (citizen !== citizens[1]) ok(await citizen.send('qa.upvote', { questionId }));
    refused(await citizens[1]!.send('qa.upvote', { questionId }), 'CONFLICT');
    const last = ok(await fac.send('floor.give', { roomId: 'plenary' }));

    // Every client, on every node, comes to the same queue, floor and question.
    const expected = { speaker: citizens[0]!.me!.participantId, waiting: 5, upvotes: 5 };
    for (const client of [fac, ...citizens]) {
      await client.caughtUp(last);
      await client.waitFor(
        (x) => x.room('plenary')?.floor?.participantId === expected.speaker && x.room('plenary')?.queue.length === expected.waiting,
        10_000,
        'the same floor and queue',
      );
      const q = client.room('plenary')!.questions.find((x) => x.id === questionId);
      expect(q?.upvotes).toBe(expected.upvotes);
    }

    // One log, contiguous and verifiable, whichever node is asked for it.
    const logs = await Promise.all(urls.map((u) => sessionLog(u, session.sessionId, facJoined.token)));
    for (const log of logs) {
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      expect(verifyChain(log).ok).toBe(true);
      expect(log.at(-1)!.hash).toBe(logs[0]!.at(-1)!.hash);
    }
    // And a retry through another node (the same participant's second device on node b) is answered, not done twice.
    const first = await must(citizens[2]!.send('qa.ask', { text: 'A question asked once', anonymous: true }, 'same-request-1'), 'first');
    const secondDevice = track(await connect(b, tokens[2]!));
    const retried = await must(secondDevice.send('qa.ask', { text: 'A question asked once', anonymous: true }, 'same-request-1'), 'retry');
    expect(retried.seq).toBe(first.seq);
    expect(retried.result).toEqual(first.result);
    const once = (await sessionLog(a, session.sessionId, facJoined.token)).filter((e) => e.type === 'qa.asked' && e.payload.text === 'A question asked once');
    expect(once.length).toBe(1);
    const other = track(await connect(a, { sessionId: session.sessionId, token: (await join(c, session, 'citizen', 'Late Comer')).token }));
    expect(other.me).not.toBeNull();
    const status = await api<{ node: string; owns: string[] }>(a, '/readyz');
    expect(status.body.owns).toContain(session.sessionId);
  });

  test('the owner killed during a burst of 500 commands: every acknowledged command is in the log exactly once, and a new owner carries on', async () => {
    cluster = await startCluster(3);
    const { urls, session, fac, facClient } = await openSession(cluster);
    const before = (await cluster.lease(session.sessionId))!;
    expect(before.nodeId).toBe('node-0');
    // Ten citizens spread over the three nodes (the owner's included), fifty questions each: the most a citizen may ask.
    const citizens = await citizensOn(urls, session, 10);

    const acked: Acked = new Map();
    const pumps = citizens.map((c, i) => ask(c, i, 50, acked));
    await facClient.waitFor(() => acked.size >= 100, 30_000, '100 acknowledged commands');
    const killedAt = Date.now();
    cluster.nodes[0]!.child.kill('SIGKILL');
    await Promise.all(pumps);
    expect(acked.size).toBe(500);

    // A new owner, at a newer epoch, on a node that lived.
    const after = (await cluster.lease(session.sessionId))!;
    expect(after.nodeId).not.toBe('node-0');
    expect(after.epoch).toBeGreaterThan(before.epoch);
    console.log(`failover: all 500 answered ${Date.now() - killedAt} ms after the kill`);

    const log = await sessionLog(urls[1]!, session.sessionId, fac.token);
    expectExactlyOnce(log, acked);
    // Nothing that was not sent: exactly the 500 questions.
    expect(log.filter((e) => e.type === 'qa.asked').length).toBe(500);

    // The facilitator's connection, on a node that lived, never dropped; it sees all 500.
    expect(facClient.socket.connected).toBe(true);
    await facClient.caughtUp(log.at(-1)!.seq);
    expect(facClient.room('plenary')!.questions.length).toBe(500);
    // Citizens of the killed node reconnected elsewhere; the others kept their connections.
    expect(citizens.filter((_, i) => i % 3 !== 0).every((c) => c.dropped === 0)).toBe(true);
    expect(citizens.filter((_, i) => i % 3 === 0).every((c) => c.dropped >= 1)).toBe(true);
  }, 120_000);

  test('the owner paused past its lease, then resumed: it is fenced, steps down, and the chain never forks', async () => {
    cluster = await startCluster(3);
    const { urls, session, fac } = await openSession(cluster);
    const owner = cluster.nodes[0]!;
    const before = (await cluster.lease(session.sessionId))!;
    const citizens = await citizensOn(urls, session, 6);
    const acked: Acked = new Map();
    const first = citizens.map((c, i) => ask(c, i, 5, acked, 'before'));
    await Promise.all(first);

    owner.child.kill('SIGSTOP');
    // Commands through the other nodes: answered once another node has taken the session over.
    const during = citizens.filter((_, i) => i % 3 !== 0).map((c, i) => ask(c, i, 10, acked, 'during'));
    await Promise.all(during);
    const taken = (await cluster.lease(session.sessionId))!;
    expect(taken.nodeId).not.toBe('node-0');
    expect(taken.epoch).toBeGreaterThan(before.epoch);

    // Resumed, the former owner still believes it owns the session until it tries: its clients' commands are fenced or forwarded, never forked.
    owner.child.kill('SIGCONT');
    const after = citizens.map((c, i) => ask(c, i, 5, acked, 'after'));
    await Promise.all(after);
    const status = await api<{ node: string; owns: string[] }>(owner.url, '/readyz');
    expect(status.body.node).toBe('node-0');
    expect(status.body.owns).not.toContain(session.sessionId);
    expect((await cluster.lease(session.sessionId))!.epoch).toBe(taken.epoch);

    const log = await sessionLog(urls[1]!, session.sessionId, fac.token);
    expectExactlyOnce(log, acked);
    expect(log.filter((e) => e.type === 'qa.asked').length).toBe(acked.size);
    // Every node serves the one log.
    for (const url of urls) expect((await sessionLog(url, session.sessionId, fac.token)).at(-1)!.hash).toBe(log.at(-1)!.hash);
    expect(owner.child.exitCode).toBeNull();
  }, 120_000);

  for (const seconds of [3, 10]) {
    test(`Redis paused for ${seconds} s: commands succeed or fail UNAVAILABLE, none is acknowledged and lost, no process dies`, async () => {
      cluster = await startCluster(3);
      const { urls, session, fac, facClient } = await openSession(cluster);
      const citizens = await citizensOn(urls, session, 6);
      const acked: Acked = new Map();
      const refusals: string[] = [];
      // Each command is sent once and its answer recorded: a refusal is allowed, an acknowledgement must stick.
      const once = async (c: Citizen, i: number, n: number) => {
        const text = `paused question ${n} from citizen ${i}`;
        try {
          const ack = await c.client.send('qa.ask', { text, anonymous: false }, `pause-${i}-${n}`);
          if (ack.ok) acked.set(`pause-${i}-${n}`, { text, seq: ack.seq, questionId: (ack.result as { questionId: string }).questionId });
          else refusals.push(ack.error.code);
        } catch {
          refusals.push('no answer');
        }
      };
      let stop = false;
      const pumps = citizens.map(async (c, i) => {
        for (let n = 0; !stop && n < 50; n++) {
          await once(c, i, n);
          await pause(50);
        }
      });
      await facClient.waitFor(() => acked.size >= 12, 20_000, 'some acknowledged commands');
      cluster.redis.child.kill('SIGSTOP');
      await pause(seconds * 1000);
      cluster.redis.child.kill('SIGCONT');
      stop = true;
      await Promise.all(pumps);
      // Every command was answered, by the server: done, or UNAVAILABLE (never silence, never another error).
      expect(
        refusals.every((r) => r === 'UNAVAILABLE'),
        refusals.join(','),
      ).toBe(true);
      expect(refusals.length).toBeGreaterThan(0);

      // Everything resumes: a command through each node is answered.
      const late: Acked = new Map();
      await Promise.all(citizens.slice(0, 3).map((c, i) => ask(c, i, 1, late, 'resumed')));
      for (const [k, v] of late) acked.set(k, v);
      for (const node of cluster.nodes) expect(node.child.exitCode).toBeNull();
      const log = await sessionLog(urls[0]!, session.sessionId, fac.token);
      expectExactlyOnce(log, acked);
    }, 120_000);
  }

  test('Redis killed and restarted from its append-only file: the log is intact and the cluster carries on', async () => {
    cluster = await startCluster(3);
    const { urls, session, fac } = await openSession(cluster);
    const citizens = await citizensOn(urls, session, 6);
    const acked: Acked = new Map();
    const pumps = citizens.map((c, i) => ask(c, i, 30, acked, 'killed'));
    await citizens[0]!.client.waitFor(() => acked.size >= 30, 20_000, 'some acknowledged commands');
    cluster.redis.child.kill('SIGKILL');
    await pause(1000);
    await cluster.redis.restart();
    await Promise.all(pumps);
    expect(acked.size).toBe(180);
    for (const node of cluster.nodes) expect(node.child.exitCode).toBeNull();
    const log = await sessionLog(urls[2]!, session.sessionId, fac.token);
    expectExactlyOnce(log, acked);
    expect(log.filter((e) => e.type === 'qa.asked').length).toBe(180);
  }, 120_000);

  test('presence crosses nodes: who is online anywhere is online everywhere, and a closed connection goes offline everywhere', async () => {
    cluster = await startCluster(3);
    const { urls, session, facClient } = await openSession(cluster);
    // The facilitator is connected to node 2; three citizens, one on each node.
    const joined = await Promise.all([0, 1, 2].map((i) => join(urls[i]!, session, 'citizen', assembly.citizens[i]!)));
    const citizens = await Promise.all(joined.map((j, i) => connect(urls[i]!, j).then(track)));
    const online = (id: string) => facClient.view?.participants?.find((p) => p.participantId === id)?.online;
    await facClient.waitFor((c) => c.presence?.online === 4 && joined.every((j) => online(j.participantId) === true), 15_000, 'four online, on three nodes');
    // Citizens on other nodes count everyone too.
    await citizens[0]!.waitFor((c) => c.presence?.online === 4, 15_000, 'the count on node 0');
    citizens[0]!.close();
    await facClient.waitFor((c) => c.presence?.online === 3 && online(joined[0]!.participantId) === false, 15_000, "node 0's citizen offline everywhere");
    await citizens[1]!.waitFor((c) => c.presence?.online === 3, 15_000, 'the count on node 1');
  }, 60_000);
});
