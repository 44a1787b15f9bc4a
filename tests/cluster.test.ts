/**
 * Cluster mode (issue 12): three real server processes on one real redis-server, each
 * on its own port, clients spread over them as a round-robin load balancer would.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { verifyChain } from '../server/src/session/chain.js';
import type { ControlClient } from '../client/src/ControlClient.js';
import { api, connect, createSession, join, sessionLog } from './helpers/clients.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { must, ok } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';

let cluster: TestCluster | null = null;
const clients: ControlClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await cluster?.stop();
  cluster = null;
});

function track(c: ControlClient): ControlClient {
  clients.push(c);
  return c;
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
    for (let i = 0; i < 6; i++) {
      const joined = await join(urls[i % 3]!, session, 'citizen', assembly.citizens[i]!);
      citizens.push(track(await connect(urls[(i + 1) % 3]!, joined)));
    }

    // Hands and questions through every node.
    for (const [i, citizen] of citizens.entries()) await must(citizen.send('queue.raise', { kind: 'normal' }), `hand ${i}`);
    const asked = await must(citizens[1]!.send('qa.ask', { text: 'Who pays for the new cycle lanes?', anonymous: false }), 'a question');
    const questionId = (asked.result as { questionId: string }).questionId;
    for (const citizen of citizens) ok(await citizen.send('qa.upvote', { questionId }));
    const last = ok(await fac.send('floor.give', { roomId: 'plenary' }));

    // Every client, on every node, comes to the same queue, floor and question.
    const expected = { speaker: citizens[0]!.me!.participantId, waiting: 5, upvotes: 6 };
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
    // And a hostile retry through another node is answered, not done twice.
    const retried = await citizens[2]!.send('qa.ask', { text: 'A question asked once', anonymous: true }, 'same-request-1');
    ok(retried);
    const other = track(await connect(a, { sessionId: session.sessionId, token: (await join(c, session, 'citizen', 'Late Comer')).token }));
    expect(other.me).not.toBeNull();
    const status = await api<{ node: string; owns: string[] }>(a, '/readyz');
    expect(status.body.owns).toContain(session.sessionId);
  });
});
