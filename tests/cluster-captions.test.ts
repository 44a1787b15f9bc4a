/**
 * Captions across nodes (issue 15 in a cluster): a captioner's line in progress, pushed
 * to the clients of their own node, also reaches listeners connected to another node
 * over the node bus; a committed line reaches them through the log. Garbage announced
 * on the bus is ignored.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { ControlClient } from '../client/src/ControlClient.js';
import { PLENARY } from '../shared/src/index.js';
import { connect, createSession, join, type CreatedSession, type Joined } from './helpers/clients.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { must, ok } from './helpers/expect.js';

let cluster: TestCluster;
let session: CreatedSession;
let fac: Joined, captioner: Joined, speaker: Joined, listener: Joined;
const clients: ControlClient[] = [];
const open = async (url: string, who: Joined) => {
  const c = await connect(url, who);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  cluster = await startCluster(2);
  const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
  session = await createSession(a);
  fac = await join(a, session, 'facilitator', 'Facilitator');
  captioner = await join(a, session, 'observer', 'Captioner on node 0');
  speaker = await join(a, session, 'citizen', 'Speaker');
  listener = await join(b, session, 'citizen', 'Listener on node 1');
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('captions in a cluster', () => {
  test('a line in progress typed on one node is seen live on the other; the committed line arrives through the log', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const f = await open(a, fac);
    const cap = await open(a, captioner);
    const s = await open(a, speaker);
    const l = await open(b, listener);
    ok(await f.send('captions.assign', { participantId: captioner.participantId, roomId: PLENARY, language: null }));
    ok(await s.send('queue.raise', {}));
    await must(f.send('floor.give', { roomId: PLENARY, participantId: speaker.participantId }), 'floor.give');
    await cap.caughtUp(f.view!.seq);

    // Garbage on the bus first: whatever arrives there is checked, and nothing reaches a client.
    const bus = createClient({ url: cluster.redis.url });
    await bus.connect();
    await bus.publish(
      'th:nodes',
      JSON.stringify({
        k: 'b',
        from: 'intruder',
        topic: 'captions.live',
        payload: { sessionId: session.sessionId, line: { roomId: PLENARY, participantId: 'p_x', text: 'x'.repeat(10_000), at: 1 } },
      }),
    );
    await bus.publish('th:nodes', 'not json');
    await bus.close();

    ok(await cap.send('captions.typing', { text: 'We should clo' }));
    await vi.waitFor(() => expect(l.liveCaptions.map((line) => line.text)).toContain('We should clo'), 10_000);
    expect(l.liveCaptions.every((line) => line.participantId === captioner.participantId)).toBe(true);

    await must(cap.send('captions.add', { text: 'We should close the bridge to cars.' }), 'captions.add');
    await vi.waitFor(() => {
      expect(l.view!.rooms[0]!.captions.map((c) => c.text)).toContain('We should close the bridge to cars.');
      // Committing clears the line in progress, on the other node too.
      expect(l.liveCaptions.at(-1)?.text).toBe('');
    }, 10_000);
  });
});
