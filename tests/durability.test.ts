import Database from 'better-sqlite3';
import { join as joinPath } from 'node:path';
import { SqliteStore } from '../server/src/store/SqliteStore.js';
import { afterEach, describe, expect, test } from 'vitest';
import { verifyChain } from '../server/src/session/chain.js';
import { replay, type Ack, type SessionEvent } from '../shared/src/index.js';
import { api, connect, createSession, join } from './helpers/clients.js';
import { ok } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { startServer, TestServers } from './helpers/server.js';

const servers = new TestServers();
afterEach(() => {
  servers.cleanUp();
});

async function fetchLog(url: string, sessionId: string, token: string): Promise<SessionEvent[]> {
  const res = await api<string>(url, `/api/sessions/${sessionId}/log`, { token });
  expect(res.status).toBe(200);
  return String(res.body)
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SessionEvent);
}

describe('durability', () => {
  test('kill -9 mid-session loses no acknowledged event, and the chain verifies after restart', async () => {
    const dataDir = servers.dataDir();
    const first = await servers.spawn(dataDir);
    const session = await createSession(first.url);
    const fac = await join(first.url, session, 'facilitator', assembly.facilitators[0]!);
    const citizens = await Promise.all(assembly.citizens.slice(0, 4).map((n) => join(first.url, session, 'citizen', n)));
    const clients = await Promise.all(citizens.map((c) => connect(first.url, c)));
    const facClient = await connect(first.url, fac);
    ok(await facClient.send('settings.update', { patch: { qaPremoderation: false } }));

    // Every citizen keeps asking questions; we kill the server while they are in flight.
    const acked: { seq: number; questionId: string; text: string }[] = [];
    const pump = async (i: number) => {
      for (let n = 0; ; n++) {
        const text = `Question ${n} from citizen ${i}: ${assembly.questions[n % assembly.questions.length]}`;
        let ack: Ack;
        try {
          ack = await clients[i]!.send('qa.ask', { text, anonymous: n % 2 === 0 }, undefined);
        } catch {
          return; // no ack: the server died first; this one may or may not be stored
        }
        if (!ack.ok) return;
        acked.push({ seq: ack.seq, questionId: (ack.result as { questionId: string }).questionId, text });
      }
    };
    for (const c of clients) c.socket.io.opts.reconnection = false;
    const pumps = clients.map((_, i) => pump(i));
    await facClient.waitFor(() => acked.length >= 40, 20_000, '40 acknowledged questions');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    await Promise.all(pumps);
    clients.forEach((c) => c.close());
    facClient.close();
    expect(acked.length).toBeGreaterThanOrEqual(40);

    const second = await servers.spawn(dataDir);
    const log = await fetchLog(second.url, session.sessionId, fac.token);
    const check = verifyChain(log);
    expect(check.ok).toBe(true);
    const asked = new Map(log.filter((e) => e.type === 'qa.asked').map((e) => [e.payload.questionId, e]));
    for (const a of acked) {
      expect(asked.get(a.questionId)?.payload.text, `acknowledged question at seq ${a.seq}`).toBe(a.text);
      expect(log[a.seq - 1]!.type).toBe('qa.asked');
    }
    // The restarted server serves the same state, and everyone's credentials still work.
    const again = await connect(second.url, citizens[0]!);
    const room = again.view!.rooms[0]!;
    expect(again.view!.seq).toBe(log.length);
    expect(room.questions.length).toBe(asked.size);
    const more = await again.send('queue.raise', { kind: 'normal' });
    expect(ok(more)).toBe(log.length + 1);
    again.close();
  });

  test('SIGTERM finishes in-flight writes, closes cleanly, and the log is intact', async () => {
    const dataDir = servers.dataDir();
    const proc = await servers.spawn(dataDir);
    const session = await createSession(proc.url);
    const fac = await join(proc.url, session, 'facilitator', 'Mariam Haddad');
    const cit = await join(proc.url, session, 'citizen', 'Kwame Mensah');
    const client = await connect(proc.url, cit);
    const inflight = Array.from({ length: 20 }, (_, i) => client.send('qa.ask', { text: `Graceful ${i}`, anonymous: false }).catch(() => null));
    proc.child.kill('SIGTERM');
    const acks = await Promise.all(inflight);
    expect(await proc.exited).toBe(0);
    client.close();

    const next = await servers.spawn(dataDir);
    const log = await fetchLog(next.url, session.sessionId, fac.token);
    expect(verifyChain(log).ok).toBe(true);
    const stored = new Set(log.filter((e) => e.type === 'qa.asked').map((e) => e.payload.questionId));
    for (const a of acks) {
      if (a?.ok) expect(stored.has((a.result as { questionId: string }).questionId)).toBe(true);
      // Refused during shutdown means refused: not stored half-way.
      else if (a) expect(a.error.code).toBe('UNAVAILABLE');
    }
  });

  test('snapshots: a restart loads the latest snapshot plus the tail, and gets the same state as a full replay', async () => {
    const dataDir = servers.dataDir();
    const env = { TOWNHALL_SNAPSHOT_EVERY: '7' };
    const a = await startServer({ dataDir, env });
    const session = await createSession(a.url);
    const fac = await join(a.url, session, 'facilitator', 'Mariam Haddad');
    const cits = await Promise.all(assembly.citizens.slice(0, 5).map((n) => join(a.url, session, 'citizen', n)));
    const facClient = await connect(a.url, fac);
    const clients = await Promise.all(cits.map((c) => connect(a.url, c)));
    for (const c of clients) ok(await c.send('queue.raise', { kind: 'normal' }));
    ok(await facClient.send('floor.give', { roomId: 'plenary' }));
    ok(await facClient.send('rooms.create', { count: 2 }));
    ok(await facClient.send('rooms.shuffle', {}));
    ok(await facClient.send('agenda.start', {}));
    clients.forEach((c) => c.close());
    facClient.close();
    const before = a.townhall.registry.get(session.sessionId)!.snapshot();
    await a.stop();

    const db = new Database(joinPath(dataDir, 'townhall.sqlite'), { readonly: true });
    const snap = db.prepare('SELECT seq FROM snapshots WHERE session_id = ?').get(session.sessionId) as { seq: number } | undefined;
    db.close();
    // Through the store: the names live beside the events, and a full replay needs them too.
    const store = new SqliteStore(dataDir);
    const events = await store.readEvents(session.sessionId);
    await store.close();
    expect(snap).toBeDefined();
    expect(snap!.seq).toBeGreaterThan(0);
    expect(snap!.seq).toBeLessThan(events.length + 1);

    const b = await startServer({ dataDir, env });
    const after = b.townhall.registry.get(session.sessionId)!.state;
    expect(after).toEqual(before);
    expect(after).toEqual(replay(events));
    await b.stop();
  });

  test('a log altered behind the server’s back is refused at start, and the other sessions are still served', async () => {
    const dataDir = servers.dataDir();
    const a = await startServer({ dataDir });
    const good = await createSession(a.url);
    const bad = await createSession(a.url);
    const goodFac = await join(a.url, good, 'facilitator', 'Mariam Haddad');
    const badFac = await join(a.url, bad, 'facilitator', 'Mariam Haddad');
    await join(a.url, bad, 'citizen', 'Tomás O’Connor');
    await a.stop();

    const db = new Database(joinPath(dataDir, 'townhall.sqlite'));
    const row = db.prepare("SELECT seq, body FROM events WHERE session_id = ? AND type = 'participant.joined' ORDER BY seq DESC").get(bad.sessionId) as {
      seq: number;
      body: string;
    };
    const edited = JSON.parse(row.body) as SessionEvent & { payload: { role: string } };
    edited.payload.role = 'facilitator';
    db.prepare('UPDATE events SET body = ? WHERE session_id = ? AND seq = ?').run(JSON.stringify(edited), bad.sessionId, row.seq);
    db.close();

    const b = await startServer({ dataDir });
    expect(b.townhall.registry.get(bad.sessionId)).toBeUndefined();
    expect((await api(b.url, `/api/sessions/${bad.sessionId}/me`, { token: badFac.token })).status).toBe(404);
    expect((await api(b.url, `/api/sessions/${good.sessionId}/me`, { token: goodFac.token })).status).toBe(200);
    expect((await api(b.url, '/readyz')).status).toBe(200);
    await b.stop();
  });
});
