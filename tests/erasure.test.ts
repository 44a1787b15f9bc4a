/**
 * Personal data apart from the chain (issue 14 §5): a participant's display name can be
 * erased, on request or at the end of the retention period, without breaking the hash
 * chain or the signature of any export made before. After erasure the name is in no
 * byte of the database, nor in the log download, any export or any view.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { OutcomeDocument, SessionEvent } from '../shared/src/index.js';
import { verifyChain } from '../server/src/session/chain.js';
import { verifyExport } from '../server/src/outcome/verifyExport.js';
import { api, connect, createSession, join, joinAndConnect, sessionLog } from './helpers/clients.js';
import { must } from './helpers/expect.js';
import { runScriptedSession, type ScriptedSession } from './helpers/outcome.js';
import { startServer, tempDataDir, type RunningServer } from './helpers/server.js';

const run = promisify(execFile);
const root = new URL('../', import.meta.url).pathname;
const OPERATOR = 'operator-token-for-erasure-tests';
const OFFICIAL_NAME = 'Ottilie Quastenberg-Yilmaz';

/** The forms a name takes in stored bytes: as typed, and escaped inside JSON (quotes, backslashes). */
const forms = (text: string) => [...new Set([text, JSON.stringify(text).slice(1, -1)])];

/** Whether a text mentions the name in any of its forms. */
const mentions = (haystack: string, name: string) => forms(name).some((f) => haystack.includes(f));

/** Whether any file of the SQLite database (main file, WAL, shared memory) contains the text. */
function databaseHolds(dataDir: string, text: string): boolean {
  const files = readdirSync(dataDir).filter((f) => f.startsWith('townhall.sqlite'));
  return files.some((f) => {
    const bytes = readFileSync(joinPath(dataDir, f));
    return forms(text).some((form) => bytes.includes(Buffer.from(form, 'utf8')));
  });
}

/** The public page, its signed JSON and its feed, as text. */
async function publicPage(url: string, sessionId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of ['', '/outcome.json', '/feed.atom', '?lang=de']) {
    const res = await fetch(`${url}/p/${sessionId}${path}`);
    expect(res.status, path).toBe(200);
    out[`/p${path}`] = await res.text();
  }
  return out;
}

/** Every export a participant can download, in every format, as text (the PDF through pdftotext). */
async function everyExport(url: string, sessionId: string, token: string, publication: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of ['outcome.json', 'outcome.md', 'outcome.pdf', 'outcome/recommendations.csv', 'outcome/ratings.csv', 'outcome/README.md']) {
    const res = await fetch(`${url}/api/sessions/${sessionId}/${path}?publication=${publication}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, path).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (path.endsWith('.pdf')) {
      const file = joinPath(tempDataDir(), 'export.pdf');
      writeFileSync(file, bytes);
      out[path] = (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout;
    } else out[path] = bytes.toString('utf8');
  }
  return out;
}

describe('erasing personal data', () => {
  let server: RunningServer;
  let s: ScriptedSession;
  let official: Awaited<ReturnType<typeof joinAndConnect>>;
  let names: string[];
  let before: { doc: OutcomeDocument; log: SessionEvent[] };

  beforeAll(async () => {
    server = await startServer({ env: { TOWNHALL_ADMIN_TOKEN: OPERATOR } });
    s = await runScriptedSession(server.url, { adminToken: OPERATOR });
    official = await joinAndConnect(server.url, s.session, 'official', OFFICIAL_NAME);
    const agreed = s.agreedIds[0]!;
    await must(
      official.client.send('response.give', { roomId: 'plenary', recommendationId: agreed, status: 'accepted', reason: 'We will do it.', dueDate: '2027-06-30' }),
      'response.give',
    );
    await must(official.client.send('response.progress', { roomId: 'plenary', recommendationId: agreed, text: 'Work has started.' }), 'response.progress');
    await must(s.fac.client.send('outcome.publish', {}), 'outcome.publish');
    const pub = await api<OutcomeDocument>(server.url, `/api/sessions/${s.session.sessionId}/outcome.json?publication=1`, { token: official.token });
    before = { doc: pub.body, log: await s.log() };
    names = [s.fac.displayName, ...s.citizens.map((c) => c.displayName), OFFICIAL_NAME];
  }, 90_000);

  afterAll(async () => {
    official?.client.close();
    s?.close();
    await server?.stop();
  });

  test('before erasure the names are held, beside the chain: the log download and every export carry none of them', async () => {
    for (const name of names) expect(databaseHolds(server.dataDir, name), name).toBe(true);
    const logText = before.log.map((e) => JSON.stringify(e)).join('\n');
    await must(s.fac.client.send('publicPage.set', { published: true }), 'publicPage.set');
    const exports = { ...(await everyExport(server.url, s.session.sessionId, official.token, '1')), ...(await publicPage(server.url, s.session.sessionId)) };
    for (const name of names) {
      expect(mentions(logText, name), name).toBe(false);
      for (const [path, text] of Object.entries(exports)) expect(mentions(text, name), `${path} holds ${name}`).toBe(false);
    }
    expect(verifyExport(before.doc, { log: before.log }).ok).toBe(true);
  });

  test('the operator erases a citizen by name, a facilitator erases the official by id: the names leave the database; chain, old export and new export all verify', async () => {
    const [citizen] = s.citizens;
    const byName = await api<{ erased: string[] }>(server.url, `/api/sessions/${s.session.sessionId}/erasures`, {
      token: OPERATOR,
      body: { displayName: citizen!.displayName },
    });
    expect(byName.status).toBe(200);
    expect(byName.body.erased).toEqual([citizen!.participantId]);
    const byId = await api(server.url, `/api/sessions/${s.session.sessionId}/erasures`, { token: s.fac.token, body: { participantIds: [official.participantId] } });
    expect(byId.status).toBe(200);

    expect(databaseHolds(server.dataDir, citizen!.displayName)).toBe(false);
    expect(databaseHolds(server.dataDir, OFFICIAL_NAME)).toBe(false);
    // Those not erased keep their names.
    expect(databaseHolds(server.dataDir, s.citizens[1]!.displayName)).toBe(true);

    // Views show the erased as former participants (an empty name), everyone else as before.
    await vi.waitFor(() => {
      const roster = new Map(s.fac.client.view!.participants!.map((p) => [p.participantId, p.displayName]));
      expect(roster.get(citizen!.participantId)).toBe('');
      expect(roster.get(official.participantId)).toBe('');
      expect(roster.get(s.citizens[1]!.participantId)).toBe(s.citizens[1]!.displayName);
    }, 10_000);
    const log = await s.log();
    const erasures = log.filter((e) => e.type === 'personal-data.erased');
    expect(erasures.map((e) => [e.actor.kind, e.type === 'personal-data.erased' && e.payload.participantIds])).toEqual([
      ['operator', [citizen!.participantId]],
      ['operator', [official.participantId]],
    ]);
    expect(verifyChain(log)).toMatchObject({ ok: true });
    // The export signed before the erasure still verifies against the log after it, replay included.
    const old = verifyExport(before.doc, { log });
    expect(old.checks.filter((c) => !c.ok)).toEqual([]);
    await must(s.fac.client.send('outcome.publish', {}), 'outcome.publish');
    const second = await api<OutcomeDocument>(server.url, `/api/sessions/${s.session.sessionId}/outcome.json?publication=2`, { token: s.fac.token });
    expect(verifyExport(second.body, { log: await s.log() }).ok).toBe(true);
    // The same publication downloaded again is the same document, byte for byte: erasure changed no export.
    const again = await api<OutcomeDocument>(server.url, `/api/sessions/${s.session.sessionId}/outcome.json?publication=1`, { token: s.fac.token });
    expect(again.body).toEqual(before.doc);
    // Nothing anyone can download names them: exports of both publications, the public page and its twins, the log.
    const downloads = {
      ...(await everyExport(server.url, s.session.sessionId, s.fac.token, '2')),
      ...(await publicPage(server.url, s.session.sessionId)),
      log: log.map((e) => JSON.stringify(e)).join('\n'),
    };
    for (const [path, text] of Object.entries(downloads)) {
      for (const name of [citizen!.displayName, OFFICIAL_NAME]) expect(mentions(text, name), `${path} holds ${name}`).toBe(false);
    }

    // And the command-line check an official would run passes on the old export with the new log.
    const dir = tempDataDir();
    writeFileSync(joinPath(dir, 'export.json'), JSON.stringify(before.doc));
    writeFileSync(joinPath(dir, 'log.jsonl'), `${log.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const cli = await run('npx', ['tsx', 'server/src/cli/townhall.ts', 'verify', joinPath(dir, 'export.json'), '--log', joinPath(dir, 'log.jsonl')], { cwd: root });
    expect(cli.stdout).toContain('verified');
    // Runs of the real CLI through tsx: seconds each beside the rest of the suite.
  }, 120_000);

  test('the operator command erases by name from the command line; a refusal says why', async () => {
    const cli = (...args: string[]) =>
      run('npx', ['tsx', 'server/src/cli/townhall.ts', 'erase', '--server', server.url, '--session', s.session.sessionId, ...args], {
        cwd: root,
        env: { ...process.env, TOWNHALL_ADMIN_TOKEN: OPERATOR },
      }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (err: { code: number; stderr: string }) => ({ code: err.code, out: err.stderr }),
      );
    const target = s.citizens[2]!;
    expect(databaseHolds(server.dataDir, target.displayName)).toBe(true);
    const done = await cli('--name', target.displayName);
    expect(done).toMatchObject({ code: 0 });
    expect(done.out).toContain(target.participantId);
    expect(databaseHolds(server.dataDir, target.displayName)).toBe(false);
    const again = await cli('--name', target.displayName);
    expect(again.code).toBe(1);
    expect(again.out).toContain('NOT_FOUND');
    expect((await cli()).code).toBe(2);
    // Runs of the real CLI through tsx: seconds each beside the rest of the suite.
  }, 120_000);

  test('the erased can still take part, under no name; a restart keeps them erased', async () => {
    const citizen = s.citizens[0]!;
    const again = await connect(server.url, citizen);
    expect(again.me!.displayName).toBe('');
    again.close();
    const me = await api<{ displayName: string }>(server.url, `/api/sessions/${s.session.sessionId}/me`, { token: citizen.token });
    expect(me.body.displayName).toBe('');
  });

  test('who may erase, and what is refused: wrong role, no token, malformed, oversized, unknown, ambiguous, twice', async () => {
    const session = await createSession(server.url, {}, OPERATOR);
    const fac = await join(server.url, session, 'facilitator', 'Facilitator F');
    const a = await join(server.url, session, 'citizen', 'Same Name');
    const b = await join(server.url, session, 'citizen', 'Same Name');
    const obs = await join(server.url, session, 'observer', 'Observer O');
    const path = `/api/sessions/${session.sessionId}/erasures`;
    expect((await api(server.url, path, { body: { participantIds: [b.participantId] } })).status).toBe(401);
    expect((await api(server.url, path, { token: 'not-a-token-at-all', body: { participantIds: [b.participantId] } })).status).toBe(401);
    for (const who of [a, obs]) {
      const res = await api<{ error: { code: string } }>(server.url, path, { token: who.token, body: { participantIds: [b.participantId] } });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    const malformed = [
      {},
      { participantIds: [] },
      { participantIds: 'p_x' },
      { displayName: '' },
      { participantIds: [a.participantId], displayName: 'x' },
      { participantIds: Array(1001).fill(a.participantId) },
      '[[[',
    ];
    for (const body of malformed) {
      const res = await api<{ error: { code: string } }>(server.url, path, { token: OPERATOR, body });
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
    }
    // Oversized: past the server's body limit.
    expect((await api(server.url, path, { token: OPERATOR, body: { displayName: 'x'.repeat(300_000) } })).status).toBe(413);
    expect((await api(server.url, path, { token: OPERATOR, body: { participantIds: ['p_nobody'] } })).status).toBe(404);
    expect((await api(server.url, path, { token: OPERATOR, body: { displayName: 'Nobody Here' } })).status).toBe(404);
    // Two hold the name: the operator is told to pick by id, and nothing is erased.
    const ambiguous = await api<{ error: { code: string; message: string } }>(server.url, path, { token: OPERATOR, body: { displayName: 'Same Name' } });
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.error.message).toContain(a.participantId);
    expect(ambiguous.body.error.message).toContain(b.participantId);
    // Sent twice at once: one erasure, the other told it is already done.
    const both = await Promise.all([0, 1].map(() => api(server.url, path, { token: fac.token, body: { participantIds: [b.participantId] } })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const log = await sessionLog(server.url, session.sessionId, fac.token);
    expect(log.filter((e) => e.type === 'personal-data.erased')).toHaveLength(1);
    // Anyone may erase their own name.
    expect((await api(server.url, `/api/sessions/${session.sessionId}/me/erase`, { method: 'POST', token: a.token })).status).toBe(200);
    expect((await api(server.url, `/api/sessions/${session.sessionId}/me/erase`, { method: 'POST', token: a.token })).status).toBe(409);
    const view = await connect(server.url, fac);
    expect(
      view
        .view!.participants!.filter((p) => p.displayName === '')
        .map((p) => p.participantId)
        .sort(),
    ).toEqual([a.participantId, b.participantId].sort());
    view.close();
    expect(databaseHolds(server.dataDir, 'Same Name')).toBe(false);
  });
});

describe('the retention period', () => {
  test('every name is erased once the session has been closed for the period, and stays erased across a restart', async () => {
    const env = { TOWNHALL_RETENTION_DAYS: '0', TOWNHALL_RETENTION_SWEEP_MS: '100' };
    const first = await startServer({ env });
    const session = await createSession(first.url);
    const fac = await joinAndConnect(first.url, session, 'facilitator', 'Retention Facilitator');
    const cit = await join(first.url, session, 'citizen', 'Retention Citizen Q');
    // Open sessions keep their names, however old.
    await new Promise((r) => setTimeout(r, 400));
    expect(fac.client.view!.participants!.every((p) => p.displayName !== '')).toBe(true);
    await must(fac.client.send('session.close', {}), 'session.close');
    await vi.waitFor(() => expect(fac.client.view!.participants!.map((p) => p.displayName)).toEqual(['', '']), 10_000);
    const log = await sessionLog(first.url, session.sessionId, fac.token);
    const erased = log.filter((e) => e.type === 'personal-data.erased');
    expect(erased.map((e) => [e.actor.kind, e.type === 'personal-data.erased' && e.payload.reason])).toEqual([['system', 'retention']]);
    fac.client.close();
    await first.stop();
    expect(databaseHolds(first.dataDir, 'Retention Citizen Q')).toBe(false);
    expect(databaseHolds(first.dataDir, 'Retention Facilitator')).toBe(false);

    const second = await startServer({ dataDir: first.dataDir, env });
    const me = await api<{ displayName: string }>(second.url, `/api/sessions/${session.sessionId}/me`, { token: cit.token });
    expect(me.body.displayName).toBe('');
    // Nothing left to erase: the sweep adds no event.
    await new Promise((r) => setTimeout(r, 400));
    expect((await sessionLog(second.url, session.sessionId, fac.token)).filter((e) => e.type === 'personal-data.erased')).toHaveLength(1);
    await second.stop();
  });
});
