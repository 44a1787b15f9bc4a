import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api, type createSession, join } from './helpers/clients.js';
import { ensureClientBuilt } from './helpers/browser.js';
import { sessionInput } from './helpers/fixtures.js';
import { startServer, type RunningServer } from './helpers/server.js';

const ADMIN = 'operator-secret-for-tests-0123456789';

describe('HTTP API', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ env: { TOWNHALL_ADMIN_TOKEN: ADMIN, TOWNHALL_PUBLIC_URL: 'https://townhall.example.org' } });
  });
  afterAll(async () => {
    await server.stop();
  });

  const create = (token?: string, body: unknown = sessionInput()) => api(server.url, '/api/sessions', { body, ...(token ? { token } : {}) });

  test('creating a session needs the operator token when one is configured', async () => {
    expect((await create()).status).toBe(401);
    expect((await create('wrong-token-wrong-token-wrong')).status).toBe(401);
    const res = await create(ADMIN);
    expect(res.status).toBe(201);
    const body = res.body as { sessionId: string; invites: Record<string, { invite: string; url: string }> };
    expect(Object.keys(body.invites).sort()).toEqual(['citizen', 'facilitator', 'observer', 'official']);
    // Invite links keep the secret in the fragment, which browsers never send to servers or in Referer.
    expect(body.invites.citizen!.url).toBe(`https://townhall.example.org/join/${body.sessionId}#invite=${body.invites.citizen!.invite}`);
    const secrets = new Set(Object.values(body.invites).map((i) => i.invite));
    expect(secrets.size).toBe(4);
    for (const s of secrets) expect(Buffer.from(s.slice(4), 'base64url').length).toBeGreaterThanOrEqual(16);
  });

  test('session input is validated with clear errors', async () => {
    const res = await create(ADMIN, { ...sessionInput(), agenda: [{ title: 'No time box' }], settings: { queueRule: 'loudest-first' } });
    expect(res.status).toBe(400);
    const err = (res.body as { error: { code: string; issues: { path: string }[] } }).error;
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['agenda.0.minutes', 'settings.queueRule']));
  });

  test('an invite tells its role and the session, without revealing other invites', async () => {
    const s = (await create(ADMIN)).body as { sessionId: string; invites: Record<string, { invite: string }> };
    const info = await api(server.url, `/api/sessions/${s.sessionId}/invite`, { body: { invite: s.invites.observer!.invite } });
    expect(info.status).toBe(200);
    // This server runs without audio (the test default), so the join page is not offered to listen.
    expect(info.body).toMatchObject({ sessionId: s.sessionId, role: 'observer', title: sessionInput().title, closed: false, liveAudio: false });
    expect(JSON.stringify(info.body)).not.toContain('inv_');
    const wrong = await api(server.url, `/api/sessions/${s.sessionId}/invite`, { body: { invite: `inv_${'x'.repeat(43)}` } });
    expect(wrong.status).toBe(401);
    const malformed = await api(server.url, `/api/sessions/${s.sessionId}/invite`, { body: { invite: 'short' } });
    expect(malformed.status).toBe(400);
    const unknown = await api(server.url, '/api/sessions/s_doesnotexist/invite', { body: { invite: s.invites.observer!.invite } });
    expect(unknown.status).toBe(404);
    const hostileId = await api(server.url, `/api/sessions/${encodeURIComponent('../../etc/passwd')}/invite`, { body: { invite: 'x' } });
    expect(hostileId.status).toBe(404);
  });

  test('a joiner keeps their identity across a reload with their token', async () => {
    const s = (await create(ADMIN)).body as { sessionId: string; invites: Record<'citizen' | 'facilitator' | 'observer' | 'official', { invite: string; url: string }> };
    const j = await join(server.url, s, 'citizen', 'Nguyễn Thị Lan');
    const me = await api(server.url, `/api/sessions/${s.sessionId}/me`, { token: j.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ participantId: j.participantId, role: 'citizen', displayName: 'Nguyễn Thị Lan', roomId: 'plenary' });
    // A token is scoped to its session.
    const other = (await create(ADMIN)).body as { sessionId: string };
    expect((await api(server.url, `/api/sessions/${other.sessionId}/me`, { token: j.token })).status).toBe(401);
    expect((await api(server.url, `/api/sessions/${s.sessionId}/me`)).status).toBe(401);
    expect((await api(server.url, `/api/sessions/${s.sessionId}/log`, { token: j.token })).status).toBe(403);
  });

  test('a display name must be visible: blanks, zero-width and filler characters alone are refused', async () => {
    const s = await createSessionWithAdmin();
    for (const name of ['   ', '\u200B\u200C\u200D', '\u3164\u3164', '\u2800', '\u202E\u202D']) {
      const res = await api(server.url, `/api/sessions/${s.sessionId}/join`, { body: { invite: s.invites.citizen.invite, displayName: name } });
      expect(res.status, JSON.stringify(name)).toBe(400);
      expect((res.body as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    }
    // Emoji sequences keep their joiners.
    const family = '👩\u200D👩\u200D👧';
    expect((await join(server.url, s, 'citizen', family)).displayName).toBe(family);
  });

  test('the browser client goes out compressed, and its source maps do not go out at all', async () => {
    await ensureClientBuilt();
    // The page itself is under the 1 KiB below which compressing does not pay; what it loads is not.
    const html = await (await fetch(`${server.url}/`)).text();
    const scripts = [...html.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const [i, path] of scripts.entries()) {
      const encoding = i % 2 === 0 ? 'br' : 'gzip';
      const js = await fetch(`${server.url}${path}`, { headers: { 'accept-encoding': encoding } });
      expect(js.status).toBe(200);
      expect(js.headers.get('content-encoding')).toBe(encoding);
      // The bundle does not point at a map, and the map is not served even when asked for by name.
      expect(await js.text()).not.toMatch(/sourceMappingURL/);
      expect((await fetch(`${server.url}${path}.map`)).status).toBe(404);
    }
    // A client that asks for nothing gets it plain.
    const plain = await fetch(`${server.url}${scripts[0]}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
  });

  test('health, readiness, metrics and security headers', async () => {
    const health = await api(server.url, '/healthz');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await api(server.url, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    const metrics = await api<string>(server.url, '/metrics');
    expect(String(metrics.body)).toContain('townhall_commands_total');
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('content-security-policy')).toContain("default-src 'self'");
    // A plain-HTTP deployment must not have its own scripts rewritten to https.
    expect(health.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    expect(health.headers.get('x-powered-by')).toBeNull();
    expect((await api(server.url, '/api/nothing-here')).status).toBe(404);
  });

  test('a browser on a foreign origin cannot open the control channel', async () => {
    const s = await createSessionWithAdmin();
    const j = await join(server.url, s, 'citizen', 'Kwame Mensah');
    const attempt = (origin: string) =>
      new Promise<string>((resolve) => {
        const socket = io(server.url, {
          auth: { sessionId: s.sessionId, token: j.token },
          transports: ['polling'],
          extraHeaders: { origin },
          reconnection: false,
        });
        socket.on('connect', () => (socket.close(), resolve('connected')));
        socket.on('connect_error', () => (socket.close(), resolve('refused')));
      });
    expect(await attempt('https://evil.example')).toBe('refused');
    // The same credential from the server's own origin gets in.
    expect(await attempt(server.url)).toBe('connected');
  });

  async function createSessionWithAdmin() {
    const res = await api<Awaited<ReturnType<typeof createSession>>>(server.url, '/api/sessions', { body: sessionInput(), token: ADMIN });
    return res.body;
  }
});
