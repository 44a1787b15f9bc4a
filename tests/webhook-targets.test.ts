/**
 * Webhooks cannot be turned against the host (issue 14 §6). A facilitator chooses the
 * URL; the server refuses to send to loopback, private, link-local, metadata and other
 * non-public addresses, checked after DNS on every attempt, and follows no redirect.
 *
 * Every server here runs WITHOUT TOWNHALL_WEBHOOK_ALLOW_PRIVATE (or, for the redirect,
 * with it narrowed to one address), and a "trap" listens on every loopback address a
 * refused request would reach: it must never be called.
 */
import { lookup } from 'node:dns/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../server/src/config.js';
import { postToTarget, TargetRefusedError } from '../server/src/outcome/postToTarget.js';
import { addressRefusal, parsePrivateTargets, refusedKind, registrationRefusal } from '../server/src/outcome/webhookTargets.js';
import { api, connect, createSession, join } from './helpers/clients.js';
import { must } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { startServer, tempDataDir, removeDir, type RunningServer } from './helpers/server.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An HTTP server that records what reaches it and answers with `answer`. */
async function listener(host: string, answer: (req: IncomingMessage) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 })) {
  const reached: { host: string | undefined; url: string | undefined }[] = [];
  const http: Server = createServer((req, res) => {
    req.resume();
    reached.push({ host: req.headers.host, url: req.url });
    const a = answer(req);
    res.writeHead(a.status, a.headers).end();
  });
  await new Promise<void>((r) => http.listen(0, host, r));
  cleanups.push(() => new Promise<void>((r) => http.close(() => r())));
  return { port: (http.address() as AddressInfo).port, reached };
}

async function server(env: Record<string, string> = {}, dataDir?: string): Promise<RunningServer> {
  const s = await startServer({
    dataDir,
    env: { TOWNHALL_WEBHOOK_BASE_DELAY_MS: '50', TOWNHALL_WEBHOOK_MAX_DELAY_MS: '100', TOWNHALL_WEBHOOK_TIMEOUT_MS: '2000', ...env },
  });
  cleanups.push(() => s.stop());
  return s;
}

type DeliveryRow = { webhookId: string; status: string; attempts: number; event: string; log: { statusCode: number | null; error: string | null }[] };

/** The session's deliveries once none is pending any more. */
async function settledDeliveries(url: string, sessionId: string, token: string, count: number): Promise<DeliveryRow[]> {
  for (;;) {
    const res = await api<{ deliveries: DeliveryRow[] }>(url, `/api/sessions/${sessionId}/deliveries`, { token });
    expect(res.status).toBe(200);
    const list = res.body.deliveries;
    if (list.length === count && list.every((d) => d.status !== 'pending')) return list;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('which addresses are refused', () => {
  test('loopback, private, link-local, CGNAT, metadata, unspecified, multicast, broadcast, and their IPv4-mapped forms; public unicast passes', () => {
    const refused: Record<string, string> = {
      '127.0.0.1': 'loopback',
      '127.255.0.9': 'loopback',
      '10.1.2.3': 'private',
      '172.16.0.1': 'private',
      '192.168.1.1': 'private',
      '169.254.169.254': 'cloud metadata',
      '169.254.1.1': 'link-local',
      '100.64.0.1': 'shared (carrier-grade NAT)',
      '100.100.100.200': 'cloud metadata',
      '0.0.0.0': 'unspecified',
      '224.0.0.1': 'multicast',
      '255.255.255.255': 'broadcast',
      '::1': 'loopback',
      '::': 'unspecified',
      'fe80::1': 'link-local',
      'fc00::1': 'private',
      'fd00:ec2::254': 'cloud metadata',
      'ff02::1': 'multicast',
      '::ffff:127.0.0.1': 'loopback',
      '::ffff:10.0.0.5': 'private',
      '::ffff:169.254.169.254': 'cloud metadata',
      '::7f00:1': 'IPv4-compatible',
      '64:ff9b::a00:1': 'IPv4-translated',
      'fec0::1': 'site-local',
      'not an address': 'unparseable',
    };
    for (const [address, kind] of Object.entries(refused)) expect(refusedKind(address), address).toBe(kind);
    for (const address of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700::1111', '2a00:1450:4001:80b::200e']) expect(refusedKind(address), address).toBeNull();
  });

  test('the switch allows all non-public addresses, or only the ranges listed', () => {
    expect(addressRefusal('db.internal', '10.0.0.5', parsePrivateTargets(undefined))).toBe('refused: db.internal resolves to a private address 10.0.0.5');
    expect(addressRefusal('10.0.0.5', '10.0.0.5', parsePrivateTargets('false'))).toBe('refused: 10.0.0.5 is a private address');
    expect(addressRefusal('x', '127.0.0.1', parsePrivateTargets('true'))).toBeNull();
    const intranet = parsePrivateTargets('10.20.0.0/16, fd12::/16');
    expect(addressRefusal('x', '10.20.3.4', intranet)).toBeNull();
    expect(addressRefusal('x', '::ffff:10.20.3.4', intranet)).toBeNull();
    expect(addressRefusal('x', 'fd12::1', intranet)).toBeNull();
    expect(addressRefusal('x', '10.21.0.1', intranet)).toMatch(/^refused: x resolves to a private address/);
    expect(addressRefusal('x', '169.254.169.254', intranet)).toMatch(/cloud metadata address 169\.254\.169\.254$/);
    expect(() => parsePrivateTargets('yes')).toThrow(/CIDR/);
    // A typo in the switch stops the server at start rather than silently refusing or allowing.
    expect(() => loadConfig({ TOWNHALL_WEBHOOK_ALLOW_PRIVATE: 'yes' })).toThrow(/TOWNHALL_WEBHOOK_ALLOW_PRIVATE: not "true", "false" or a list of CIDR ranges/);
    expect(loadConfig({}).webhooks.privateTargets).toEqual({ kind: 'refuse' });
    expect(loadConfig({ TOWNHALL_WEBHOOK_ALLOW_PRIVATE: 'true' }).webhooks.privateTargets).toEqual({ kind: 'allow-all' });
    expect(() => parsePrivateTargets('10.0.0.0/33')).toThrow(/CIDR/);
    // Registration: IP literals in every spelling the URL parser accepts, and localhost; other names wait for DNS.
    const none = parsePrivateTargets('false');
    for (const url of [
      'http://127.0.0.1/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://localhost:8/',
      'http://LOCALHOST./',
      'http://a.localhost/',
    ]) {
      expect(registrationRefusal(url, none), url).toMatch(/^refused: /);
    }
    expect(registrationRefusal('https://example.org/hook', none)).toBeNull();
    expect(registrationRefusal('http://localhost/', parsePrivateTargets('true'))).toBeNull();
  });
});

describe('postToTarget: one lookup, checked, and connected to', () => {
  test('a public-looking name is connected to at exactly the address its single lookup gave', async () => {
    const rx = await listener('127.0.0.2');
    let lookups = 0;
    // An injected resolver stands in for DNS here (no network); the allow-list admits only 127.0.0.2.
    const status = await postToTarget(`http://hooks.example.org:${rx.port}/in`, {
      headers: { 'content-type': 'application/json' },
      body: '{}',
      timeoutMs: 2000,
      privateTargets: parsePrivateTargets('127.0.0.2/32'),
      resolve: async () => {
        lookups += 1;
        return [{ address: '127.0.0.2', family: 4 }];
      },
    });
    expect(status).toBe(200);
    expect(lookups).toBe(1);
    expect(rx.reached).toEqual([{ host: `hooks.example.org:${rx.port}`, url: '/in' }]);
  });

  test('a name with one refused address among public ones is refused, and nothing is sent', async () => {
    const trap = await listener('::');
    const attempt = postToTarget(`http://rebind.example.org:${trap.port}/`, {
      headers: {},
      body: '{}',
      timeoutMs: 2000,
      privateTargets: parsePrivateTargets(undefined),
      resolve: async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
    });
    await expect(attempt).rejects.toThrow(TargetRefusedError);
    await expect(attempt).rejects.toThrow('refused: rebind.example.org resolves to a loopback address 127.0.0.1');
    expect(trap.reached).toEqual([]);
  });
});

describe('postToTarget: timeouts', () => {
  test('a receiver that never answers is cut off at the timeout, as an AbortError (the delivery log says "no answer within")', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => silent.close(() => r())));
    cleanups.push(() => silent.closeAllConnections());
    const attempt = postToTarget(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, {
      headers: {},
      body: '{}',
      timeoutMs: 200,
      privateTargets: parsePrivateTargets('true'),
    });
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('a server without the switch', () => {
  test('refuses private IP literals and localhost when a webhook is registered, and accepts names', async () => {
    const s = await server();
    const session = await createSession(s.url);
    const fac = await join(s.url, session, 'facilitator', assembly.facilitators[0]!);
    const hooks = `/api/sessions/${session.sessionId}/webhooks`;
    for (const url of [
      'http://127.0.0.1:9/',
      'http://10.1.2.3/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:9/',
      'http://[::ffff:10.0.0.5]/',
      'http://[fd00:ec2::254]/',
      'http://100.100.100.200/',
      'http://0.0.0.0/',
      'http://2130706433/',
      'https://localhost:8443/hook',
    ]) {
      const res = await api<{ error: { code: string; message: string } }>(s.url, hooks, { body: { url }, token: fac.token });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.message, url).toMatch(/^Private targets are refused: /);
    }
    expect((await api(s.url, hooks, { body: { url: 'https://hooks.example.org/townhall' }, token: fac.token })).status).toBe(201);
    const listed = await api<{ webhooks: unknown[] }>(s.url, hooks, { token: fac.token });
    expect(listed.body.webhooks).toHaveLength(1);
  });

  test('a DNS name that resolves to this machine is accepted when registered and refused on delivery; nothing reaches it', async () => {
    // The machine's own name: /etc/hosts maps it to loopback (or, in a container, to a private address). Either is refused.
    const name = hostname();
    const addresses = await lookup(name, { all: true });
    expect(addresses.length, `${name} should resolve here`).toBeGreaterThan(0);
    expect(
      addresses.every((a) => refusedKind(a.address) !== null),
      `${name} resolves to ${JSON.stringify(addresses)}`,
    ).toBe(true);
    const trap = await listener('::');
    const s = await server();
    const session = await createSession(s.url);
    const fac = await join(s.url, session, 'facilitator', assembly.facilitators[0]!);
    const made = await api<{ id: string }>(s.url, `/api/sessions/${session.sessionId}/webhooks`, { body: { url: `http://${name}:${trap.port}/hook` }, token: fac.token });
    expect(made.status).toBe(201);
    const client = await connect(s.url, fac);
    cleanups.push(() => client.close());
    await must(client.send('outcome.publish', {}), 'publish');

    const [d] = await settledDeliveries(s.url, session.sessionId, fac.token, 1);
    // Refused once, then given up: a refusal is not retried by itself (the facilitator can).
    expect(d).toMatchObject({ status: 'failed', attempts: 1, event: 'outcome.published' });
    expect(d!.log).toHaveLength(1);
    expect(d!.log[0]!.statusCode).toBeNull();
    expect(d!.log[0]!.error).toMatch(new RegExp(`^refused: ${name.toLowerCase()} resolves to an? [a-z -]+ address `));
    expect(trap.reached).toEqual([]);
  });

  test('webhooks to 127.0.0.1, [::1], 10.x and 169.254.169.254 registered while allowed are refused on every attempt once the switch is off', async () => {
    const trap = await listener('::');
    const dataDir = tempDataDir();
    cleanups.push(() => removeDir(dataDir));
    // Registered on a server that allowed private targets (an intranet), then restarted without the switch.
    const before = await startServer({ dataDir, env: { TOWNHALL_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    const session = await createSession(before.url);
    const fac = await join(before.url, session, 'facilitator', assembly.facilitators[0]!);
    const targets = [`http://127.0.0.1:${trap.port}/`, `http://[::1]:${trap.port}/`, 'http://10.1.2.3/hook', 'http://169.254.169.254/latest/meta-data/'];
    const ids = new Map<string, string>();
    for (const url of targets) {
      const made = await api<{ id: string }>(before.url, `/api/sessions/${session.sessionId}/webhooks`, { body: { url }, token: fac.token });
      expect(made.status, url).toBe(201);
      ids.set(made.body.id, url);
    }
    await before.stop();

    const s = await server({}, dataDir);
    const client = await connect(s.url, fac);
    cleanups.push(() => client.close());
    await must(client.send('outcome.publish', {}), 'publish');
    const list = await settledDeliveries(s.url, session.sessionId, fac.token, targets.length);
    const errors = Object.fromEntries(list.map((d) => [ids.get(d.webhookId)!, d.log.map((a) => a.error)]));
    expect(errors).toEqual({
      [targets[0]!]: ['refused: 127.0.0.1 is a loopback address'],
      [targets[1]!]: ['refused: ::1 is a loopback address'],
      [targets[2]!]: ['refused: 10.1.2.3 is a private address'],
      [targets[3]!]: ['refused: 169.254.169.254 is a cloud metadata address'],
    });
    expect(list.every((d) => d.status === 'failed')).toBe(true);

    // The facilitator's retry checks again, and is refused again: every attempt is checked.
    const loopback = list.find((d) => ids.get(d.webhookId) === targets[0])! as DeliveryRow & { id: number };
    expect((await api(s.url, `/api/sessions/${session.sessionId}/deliveries/${loopback.id}/retry`, { method: 'POST', body: {}, token: fac.token })).status).toBe(202);
    for (;;) {
      const again = (await settledDeliveries(s.url, session.sessionId, fac.token, targets.length)).find((d) => ids.get(d.webhookId) === targets[0])!;
      if (again.attempts === 2) {
        expect(again.log.map((a) => a.error)).toEqual(['refused: 127.0.0.1 is a loopback address', 'refused: 127.0.0.1 is a loopback address']);
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(trap.reached).toEqual([]);
  });

  test('a redirect to loopback is not followed: the 3xx is a failed attempt, and the loopback receiver is never called', async () => {
    // The only way to have the server reach a receiver at all without the internet is an
    // address it allows: the switch is narrowed to 127.0.0.2, where the redirecting
    // receiver listens. Its redirect points at 127.0.0.1, which stays refused (the
    // registration of that very URL is refused below), and where the trap listens.
    const trap = await listener('127.0.0.1');
    const redirector = await listener('127.0.0.2', () => ({ status: 302, headers: { location: `http://127.0.0.1:${trap.port}/stolen` } }));
    const s = await server({ TOWNHALL_WEBHOOK_ALLOW_PRIVATE: '127.0.0.2/32', TOWNHALL_WEBHOOK_MAX_ATTEMPTS: '2' });
    const session = await createSession(s.url);
    const fac = await join(s.url, session, 'facilitator', assembly.facilitators[0]!);
    const hooks = `/api/sessions/${session.sessionId}/webhooks`;
    expect((await api(s.url, hooks, { body: { url: `http://127.0.0.1:${trap.port}/stolen` }, token: fac.token })).status).toBe(400);
    expect((await api(s.url, hooks, { body: { url: `http://127.0.0.2:${redirector.port}/hook` }, token: fac.token })).status).toBe(201);
    const client = await connect(s.url, fac);
    cleanups.push(() => client.close());
    await must(client.send('outcome.publish', {}), 'publish');

    const [d] = await settledDeliveries(s.url, session.sessionId, fac.token, 1);
    expect(d).toMatchObject({ status: 'failed', attempts: 2 });
    expect(d!.log).toEqual([
      { at: expect.any(Number), statusCode: 302, error: 'HTTP 302' },
      { at: expect.any(Number), statusCode: 302, error: 'HTTP 302' },
    ]);
    expect(redirector.reached).toHaveLength(2);
    expect(trap.reached).toEqual([]);
  });
});
