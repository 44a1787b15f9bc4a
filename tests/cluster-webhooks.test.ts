/**
 * Webhook delivery in a cluster (issue 12): every node enqueues a publication (the outbox
 * dedupes by idempotency key) and every node's dispatcher looks for due deliveries, but
 * a claim in Redis lets one sender at a time have each; across the death of a node, the
 * delivery goes on from another.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { api, connect, createSession, join } from './helpers/clients.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { eventually } from './helpers/drafting.js';
import { must } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { receiver } from './helpers/webhookReceiver.js';

let cluster: TestCluster | null = null;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await cluster?.stop();
  cluster = null;
});

// The receiver listens on 127.0.0.1, which a server refuses unless told otherwise.
const FAST = { TOWNHALL_WEBHOOK_BASE_DELAY_MS: '200', TOWNHALL_WEBHOOK_MAX_DELAY_MS: '400', TOWNHALL_WEBHOOK_TIMEOUT_MS: '1000', TOWNHALL_WEBHOOK_ALLOW_PRIVATE: 'true' };

async function publishThroughTheCluster(failures: number) {
  cluster = await startCluster(3, FAST);
  const urls = cluster.nodes.map((n) => n.url);
  let secret = '';
  const rx = await receiver(failures, () => secret);
  cleanups.push(rx.close);
  const session = await createSession(urls[0]!);
  const fac = await join(urls[1]!, session, 'facilitator', assembly.facilitators[0]!);
  // The webhook is added through one node, the outcome published through another: neither owns the session.
  const added = await api<{ id: string; secret: string }>(urls[2]!, `/api/sessions/${session.sessionId}/webhooks`, { body: { url: rx.url }, token: fac.token });
  expect(added.status).toBe(201);
  secret = added.body.secret;
  const client = await connect(urls[1]!, fac);
  await must(client.send('outcome.publish', {}), 'publish');
  client.close();
  return { urls, rx, session, fac };
}

describe('webhooks in a cluster', () => {
  test('three dispatchers, one publication: the receiver is sent it once', async () => {
    const { urls, rx, session, fac } = await publishThroughTheCluster(0);
    await eventually(() => rx.accepted.size === 1, 'the delivery', 20_000);
    // Every node looks for due deliveries several times a second; none sends it again.
    await new Promise((r) => setTimeout(r, 2000));
    expect(rx.received.length).toBe(1);
    expect(rx.received[0]!.signatureOk).toBe(true);
    // Any node lists it as delivered.
    for (const url of urls) {
      const list = await api<{ deliveries: { status: string; attempts: number }[] }>(url, `/api/sessions/${session.sessionId}/deliveries`, { token: fac.token });
      expect(list.body.deliveries.map((d) => [d.status, d.attempts])).toEqual([['delivered', 1]]);
    }
  }, 60_000);

  test('the node sending a failing delivery killed: another node retries it, under the same key, until it is accepted once', async () => {
    const { urls, rx, session, fac } = await publishThroughTheCluster(2);
    await eventually(() => rx.received.length >= 1, 'the first attempt', 20_000);
    // Kill the owner now (it may or may not be the node that sent the attempt; a claim it held runs out).
    cluster!.nodes[0]!.child.kill('SIGKILL');
    await eventually(() => rx.accepted.size === 1, 'acceptance after the kill', 60_000);
    await new Promise((r) => setTimeout(r, 2000));
    // Two refusals and one acceptance: no attempt sent twice, one key throughout.
    expect(rx.received.map((r) => r.answeredWith)).toEqual([500, 500, 200]);
    expect(new Set(rx.received.map((r) => r.key)).size).toBe(1);
    const list = await api<{ deliveries: { status: string }[] }>(urls[1]!, `/api/sessions/${session.sessionId}/deliveries`, { token: fac.token });
    expect(list.body.deliveries.map((d) => d.status)).toEqual(['delivered']);
  }, 90_000);
});
