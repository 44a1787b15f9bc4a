import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join as joinPath } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { outcomeDocumentSchema } from '../shared/src/index.js';
import { verifyExport } from '../server/src/outcome/verifyExport.js';
import { api, connect, createSession, join } from './helpers/clients.js';
import { eventually } from './helpers/drafting.js';
import { must } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { removeDir, spawnServer, startServer, tempDataDir, type ServerProcess } from './helpers/server.js';
import { receiver } from './helpers/webhookReceiver.js';

const procs: ServerProcess[] = [];
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) p.child.kill('SIGKILL');
  for (const c of cleanups.splice(0)) await c();
});

// The receivers here listen on 127.0.0.1, which a server refuses unless told otherwise (tests/webhook-targets.test.ts).
const FAST_RETRIES = { TOWNHALL_WEBHOOK_BASE_DELAY_MS: '200', TOWNHALL_WEBHOOK_MAX_DELAY_MS: '400', TOWNHALL_WEBHOOK_ALLOW_PRIVATE: 'true' };

async function deliveries(url: string, sessionId: string, token: string) {
  const res = await api<{
    deliveries: { id: number; status: string; attempts: number; idempotencyKey: string; log: { statusCode: number | null; error: string | null }[] }[];
  }>(url, `/api/sessions/${sessionId}/deliveries`, { token });
  expect(res.status).toBe(200);
  return res.body.deliveries;
}

/** A server process with a session whose facilitator registered `rx` and published once. */
async function publishTo(failures: number) {
  const dataDir = tempDataDir();
  cleanups.push(() => removeDir(dataDir));
  let secret = '';
  const rx = await receiver(failures, () => secret);
  cleanups.push(rx.close);
  const first = await spawnServer(dataDir, FAST_RETRIES);
  procs.push(first);
  const session = await createSession(first.url);
  const fac = await join(first.url, session, 'facilitator', assembly.facilitators[0]!);
  const added = await api<{ id: string; secret: string }>(first.url, `/api/sessions/${session.sessionId}/webhooks`, { body: { url: rx.url }, token: fac.token });
  expect(added.status).toBe(201);
  secret = added.body.secret;
  const keyBefore = (await api<{ keyId: string }>(first.url, '/.well-known/townhall-signing-key')).body.keyId;
  const client = await connect(first.url, fac);
  await must(client.send('outcome.publish', {}), 'publish');
  client.close();
  return { dataDir, rx, first, session, fac, webhook: added.body, keyBefore };
}

describe('webhook delivery from a durable outbox', () => {
  test('a receiver that fails twice gets the outcome exactly once, across a kill -9 in between', async () => {
    const { dataDir, rx, first, session, fac, webhook: added, keyBefore } = await publishTo(2);
    expect(added.secret).toMatch(/^whsec_/);
    // The first attempt has reached the receiver and been refused: now the server dies.
    await eventually(() => rx.received.length >= 1, 'first delivery attempt');
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await spawnServer(dataDir, FAST_RETRIES);
    procs.push(second);
    await eventually(() => rx.accepted.size === 1, 'delivery accepted after the restart', 20_000);
    await eventually(() => rx.received.some((r) => r.answeredWith === 200), 'a 200 answer');
    const [d] = await (async () => {
      for (;;) {
        const list = await deliveries(second.url, session.sessionId, fac.token);
        if (list[0]?.status === 'delivered') return list;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const key = `${session.sessionId}:1:${added.id}`;
    expect(d!.idempotencyKey).toBe(key);
    // Every attempt carried the same key, the same signed body, and a valid HMAC.
    expect(new Set(rx.received.map((r) => r.key))).toEqual(new Set([key]));
    expect(new Set(rx.received.map((r) => r.body)).size).toBe(1);
    expect(rx.received.every((r) => r.signatureOk && r.event === 'outcome.published')).toBe(true);
    expect(rx.received.filter((r) => r.answeredWith === 200)).toHaveLength(1);
    expect(rx.received.filter((r) => r.answeredWith === 500)).toHaveLength(2);
    expect(d!.log.map((a) => a.statusCode)).toEqual(d!.log.map((_, i) => (i < d!.log.length - 1 ? 500 : 200)));
    expect(d!.attempts).toBe(d!.log.length);

    // What arrived is the signed export of the session, verifiable with the key the server still publishes.
    const doc = outcomeDocumentSchema.parse(JSON.parse(rx.accepted.get(key)!));
    expect(doc.log.sessionId).toBe(session.sessionId);
    const keyInfo = (await api<{ keyId: string; publicKey: string }>(second.url, '/.well-known/townhall-signing-key')).body;
    expect(keyInfo.keyId).toBe(keyBefore);
    expect(verifyExport(doc, { trustedPublicKey: keyInfo.publicKey }).ok).toBe(true);
  }, 60_000);

  test('a publication whose outbox rows were lost is queued again from the log on start', async () => {
    const { dataDir, rx, first, session, fac } = await publishTo(0);
    await eventually(() => rx.accepted.size === 1, 'first delivery');
    first.child.kill('SIGKILL');
    await first.exited;

    // As if the server had died between logging the publication and writing the outbox.
    const db = new Database(joinPath(dataDir, 'townhall.sqlite'));
    db.exec('DELETE FROM outbox; DELETE FROM delivery_attempts;');
    db.close();

    const second = await spawnServer(dataDir, FAST_RETRIES);
    procs.push(second);
    await eventually(() => rx.received.length === 2, 'redelivery after the start');
    // Same key both times: the receiver accepted it once and recognised the repeat.
    expect(rx.received.map((r) => r.key)).toEqual([rx.received[0]!.key, rx.received[0]!.key]);
    expect(rx.accepted.size).toBe(1);
    const list = await deliveries(second.url, session.sessionId, fac.token);
    expect(list.map((d) => d.idempotencyKey)).toEqual([rx.received[0]!.key]);
  }, 60_000);

  test('a receiver that never answers well is given up on, and the facilitator can retry it', async () => {
    let secret = '';
    let up = false;
    const received: number[] = [];
    const http = createServer((req, res) => {
      req.resume();
      received.push(Date.now());
      res.writeHead(up ? 204 : 503).end();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => http.close(() => r())));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
    const server = await startServer({ env: { ...FAST_RETRIES, TOWNHALL_WEBHOOK_MAX_ATTEMPTS: '3' } });
    cleanups.push(() => server.stop());
    const session = await createSession(server.url);
    const fac = await join(server.url, session, 'facilitator', assembly.facilitators[0]!);
    secret = (await api<{ secret: string }>(server.url, `/api/sessions/${session.sessionId}/webhooks`, { body: { url }, token: fac.token })).body.secret;
    expect(secret).toBeTruthy();
    const client = await connect(server.url, fac);
    cleanups.push(() => client.close());
    await must(client.send('outcome.publish', {}), 'publish');
    let list = await deliveries(server.url, session.sessionId, fac.token);
    for (; list[0]?.status !== 'failed'; list = await deliveries(server.url, session.sessionId, fac.token)) await new Promise((r) => setTimeout(r, 50));
    expect(list[0]).toMatchObject({ status: 'failed', attempts: 3 });
    expect(list[0]!.log.map((a) => a.error)).toEqual(['HTTP 503', 'HTTP 503', 'HTTP 503']);
    expect(received).toHaveLength(3);

    // A retry of a delivery that has not failed is refused; of a failed one, accepted.
    up = true;
    const retried = await api(server.url, `/api/sessions/${session.sessionId}/deliveries/${list[0]!.id}/retry`, { method: 'POST', body: {}, token: fac.token });
    expect(retried.status).toBe(202);
    for (; list[0]?.status !== 'delivered'; list = await deliveries(server.url, session.sessionId, fac.token)) await new Promise((r) => setTimeout(r, 50));
    expect(list[0]!.attempts).toBe(4);
    const again = await api(server.url, `/api/sessions/${session.sessionId}/deliveries/${list[0]!.id}/retry`, { method: 'POST', body: {}, token: fac.token });
    expect(again.status).toBe(404);
  }, 60_000);
});

describe('managing webhooks: only facilitators, only sane URLs', () => {
  test('wrong roles, bad URLs, duplicates, oversized input and foreign ids are refused', async () => {
    const server = await startServer();
    cleanups.push(() => server.stop());
    const session = await createSession(server.url);
    const other = await createSession(server.url);
    const fac = await join(server.url, session, 'facilitator', assembly.facilitators[0]!);
    const otherFac = await join(server.url, other, 'facilitator', 'Someone else');
    const citizen = await join(server.url, session, 'citizen', assembly.citizens[0]!);
    const official = await join(server.url, session, 'official', assembly.officials[0]!);
    const hooks = `/api/sessions/${session.sessionId}/webhooks`;

    for (const who of [citizen, official]) {
      expect((await api(server.url, hooks, { body: { url: 'https://example.org/hook' }, token: who.token })).status).toBe(403);
      expect((await api(server.url, hooks, { token: who.token })).status).toBe(403);
      expect((await api(server.url, `/api/sessions/${session.sessionId}/deliveries`, { token: who.token })).status).toBe(403);
    }
    expect((await api(server.url, hooks, { body: { url: 'https://example.org/hook' } })).status).toBe(401);
    expect((await api(server.url, hooks, { body: { url: 'https://example.org/hook' }, token: otherFac.token })).status).toBe(401);

    const bad = [
      { url: 'javascript:alert(1)' },
      { url: 'ftp://example.org/outcome' },
      { url: 'file:///etc/passwd' },
      { url: 'https://user:pass@example.org/hook' },
      { url: `https://example.org/${'a'.repeat(3000)}` },
      { url: '' },
      { url: 42 },
      { url: ['https://example.org'] },
      { url: 'https://example.org/hook', secret: 'mine' },
      {},
    ];
    for (const body of bad) {
      const res = await api<{ error: { code: string } }>(server.url, hooks, { body, token: fac.token });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    const made = await api<{ id: string; secret: string }>(server.url, hooks, { body: { url: 'https://example.org/hook' }, token: fac.token });
    expect(made.status).toBe(201);
    expect((await api(server.url, hooks, { body: { url: 'https://example.org/hook' }, token: fac.token })).status).toBe(409);
    // The secret is shown once and never listed.
    const listed = await api<{ webhooks: Record<string, unknown>[] }>(server.url, hooks, { token: fac.token });
    expect(listed.body.webhooks).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(made.body.secret);
    // Another session's facilitator cannot remove it through their own session.
    expect((await api(server.url, `/api/sessions/${other.sessionId}/webhooks/${made.body.id}`, { method: 'DELETE', token: otherFac.token })).status).toBe(404);
    expect((await api(server.url, `${hooks}/__proto__`, { method: 'DELETE', token: fac.token })).status).toBe(404);
    expect((await api(server.url, `${hooks}/${made.body.id}`, { method: 'DELETE', token: fac.token })).status).toBe(204);
    expect((await api(server.url, `${hooks}/${made.body.id}`, { method: 'DELETE', token: fac.token })).status).toBe(404);
    expect((await api(server.url, `/api/sessions/${session.sessionId}/deliveries/abc/retry`, { method: 'POST', body: {}, token: fac.token })).status).toBe(404);
  });
});
