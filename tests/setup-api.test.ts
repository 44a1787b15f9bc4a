import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api } from './helpers/clients.js';
import { startServer, type RunningServer } from './helpers/server.js';

const ADMIN = 'operator-secret-for-setup-tests-0123';

/**
 * GET /api/setup: what the "start a town hall" page asks before it shows its form.
 * It tells whether the operator token is needed, and nothing about the token itself.
 */
describe('GET /api/setup', () => {
  let guarded: RunningServer;
  let open: RunningServer;
  beforeAll(async () => {
    [guarded, open] = await Promise.all([startServer({ env: { TOWNHALL_ADMIN_TOKEN: ADMIN } }), startServer()]);
  });
  afterAll(async () => {
    await Promise.all([guarded?.stop(), open?.stop()]);
  });

  test('says the operator token is required when the server has one, without a credential and without revealing it', async () => {
    const res = await api(guarded.url, '/api/setup');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ operatorTokenRequired: true, captionsEngine: null });
    expect(res.headers.get('cache-control')).toBe('no-store');
    // A credential, right or wrong, changes nothing: the answer is the same for everyone.
    expect((await api(guarded.url, '/api/setup', { token: 'wrong-token-wrong-token' })).body).toEqual({ operatorTokenRequired: true, captionsEngine: null });
    expect((await api(guarded.url, '/api/setup', { token: ADMIN })).body).toEqual({ operatorTokenRequired: true, captionsEngine: null });
  });

  test('says it is not required when the server has none, and creating a session then works without one', async () => {
    const res = await api(open.url, '/api/setup');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ operatorTokenRequired: false, captionsEngine: null });
    const created = await api(open.url, '/api/sessions', { body: { title: 'Open server', question: 'Does it work?' } });
    expect(created.status).toBe(201);
  });

  test('the answer matches what creating a session actually requires', async () => {
    const refused = await api(guarded.url, '/api/sessions', { body: { title: 'Guarded', question: 'Is it?' } });
    expect(refused.status).toBe(401);
    const accepted = await api(guarded.url, '/api/sessions', { body: { title: 'Guarded', question: 'Is it?' }, token: ADMIN });
    expect(accepted.status).toBe(201);
  });

  test('hostile requests: other methods, a body, sub-paths and query strings get no setup answer', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await api(guarded.url, '/api/setup', { method, body: { operatorTokenRequired: false } });
      expect(res.status, method).toBe(404);
      expect((res.body as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
    expect((await api(guarded.url, '/api/setup/../sessions')).status).not.toBe(200);
    expect((await api(guarded.url, '/api/setup/x')).status).toBe(404);
    // A query string cannot talk it out of the token.
    expect((await api(guarded.url, '/api/setup?operatorTokenRequired=false&__proto__[x]=1')).body).toEqual({ operatorTokenRequired: true, captionsEngine: null });
    // Request headers are not read: a large one changes nothing.
    const junk = await fetch(`${guarded.url}/api/setup`, { method: 'GET', headers: { 'x-junk': 'y'.repeat(4000) } });
    expect(junk.status).toBe(200);
    expect(await junk.json()).toEqual({ operatorTokenRequired: true, captionsEngine: null });
  });
});
