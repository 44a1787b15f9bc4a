import Database from 'better-sqlite3';
import { join as joinPath } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { addRecommendation, findRecommendation, readRecommendations } from '../shared/src/index.js';
import { connect, createSession, join } from './helpers/clients.js';
import { draftClient, eventually, synced, until, type DraftClient } from './helpers/drafting.js';
import { ok } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { startServer, TestServers } from './helpers/server.js';

const servers = new TestServers();
const clients: DraftClient[] = [];
afterEach(() => {
  clients.splice(0).forEach((c) => c.destroy());
  servers.cleanUp();
});

const rows = (dataDir: string, doc: string) => {
  const db = new Database(joinPath(dataDir, 'townhall.sqlite'), { readonly: true });
  const n = (db.prepare('SELECT COUNT(*) AS n FROM doc_updates WHERE doc = ?').get(doc) as { n: number }).n;
  db.close();
  return n;
};

describe('drafting durability', () => {
  test('kill -9: every edit any client saw echoed survives, and the restarted server serves it', async () => {
    const dataDir = servers.dataDir();
    const first = await servers.spawn(dataDir);
    const session = await createSession(first.url);
    const [w1, w2, reader] = await Promise.all(assembly.citizens.slice(0, 3).map((n) => join(first.url, session, 'citizen', n)));
    const c = (who: { token: string }, url: string) => {
      const d = draftClient(url, session.sessionId, 'plenary', who.token);
      clients.push(d);
      return d;
    };
    const a = c(w1!, first.url);
    const b = c(w2!, first.url);
    const watcher = c(reader!, first.url);
    await Promise.all([synced(a), synced(b), synced(watcher)]);
    addRecommendation(a.doc, { id: 'rec-1', title: 'Shuttle', body: '', rationale: '' });
    await until(b.doc, (d) => findRecommendation(d, 'rec-1') !== null, 10_000, 'b has rec-1');

    // Both writers type, one character per update; the watcher records what it has seen.
    let seen = '';
    watcher.doc.on('update', () => {
      seen = readRecommendations(watcher.doc)[0]?.body ?? '';
    });
    const typeInto = (d: DraftClient, prefix: string) => {
      const body = findRecommendation(d.doc, 'rec-1')!.get('body') as Y.Text;
      let i = 0;
      const timer = setInterval(() => body.insert(body.length, `${prefix}${i++} `), 2);
      return () => clearInterval(timer);
    };
    const stopA = typeInto(a, 'a');
    const stopB = typeInto(b, 'b');
    await eventually(() => seen.split(' ').length > 80, 'the watcher sees 80 edits');
    const seenBeforeKill = seen;
    first.child.kill('SIGKILL');
    await first.exited;
    stopA();
    stopB();

    const second = await servers.spawn(dataDir);
    const fresh = c(reader!, second.url);
    await synced(fresh);
    const after = readRecommendations(fresh.doc)[0]!.body;
    // Everything the watcher saw was stored before it was sent; the order of concurrent inserts is the CRDT's.
    for (const word of seenBeforeKill.trim().split(' ')) expect(after.split(' ')).toContain(word);
    expect(after.length).toBeGreaterThanOrEqual(seenBeforeKill.length);
  });

  test('a document leaves memory when its last connection closes, is compacted, and comes back the same', async () => {
    const dataDir = servers.dataDir();
    const env = { TOWNHALL_YJS_COMPACT_EVERY: '10' };
    const server = await startServer({ dataDir, env });
    const session = await createSession(server.url);
    const cit = await join(server.url, session, 'citizen', assembly.citizens[3]!);
    const name = `${session.sessionId}:plenary`;
    const d = draftClient(server.url, session.sessionId, 'plenary', cit.token);
    clients.push(d);
    await synced(d);
    expect(server.townhall.drafting.loadedDocuments()).toEqual([name]);
    addRecommendation(d.doc, { id: 'rec-1', ...assembly.recommendations[0]! });
    const body = findRecommendation(d.doc, 'rec-1')!.get('body') as Y.Text;
    for (let i = 0; i < 25; i++) body.insert(body.length, ` ${i}`);
    const expected = readRecommendations(d.doc);
    // Every edit stored (the server echoes each one after storing it), and compaction ran as
    // they accumulated, so the store holds fewer rows than updates sent.
    const observer = draftClient(server.url, session.sessionId, 'plenary', cit.token);
    clients.push(observer);
    await synced(observer);
    await until(observer.doc, (doc) => JSON.stringify(readRecommendations(doc)) === JSON.stringify(expected), 10_000, 'every edit stored');
    observer.destroy();
    await eventually(() => rows(dataDir, name) < 26 && rows(dataDir, name) > 0, 'compaction');
    d.destroy();
    clients.length = 0;
    await eventually(() => server.townhall.drafting.loadedDocuments().length === 0, 'document unloaded');
    expect(rows(dataDir, name)).toBe(1);
    await server.stop();

    const again = await startServer({ dataDir, env });
    const e = draftClient(again.url, session.sessionId, 'plenary', cit.token);
    clients.push(e);
    await synced(e);
    expect(readRecommendations(e.doc)).toEqual(expected);
    await again.stop();
  });

  test('a citizen moved to a breakout room loses the plenary document at once, and opens the new one', async () => {
    const dataDir = servers.dataDir();
    const server = await startServer({ dataDir });
    const session = await createSession(server.url);
    const fac = await join(server.url, session, 'facilitator', assembly.facilitators[0]!);
    const cit = await join(server.url, session, 'citizen', assembly.citizens[4]!);
    const control = await connect(server.url, fac);
    const plenary = draftClient(server.url, session.sessionId, 'plenary', cit.token);
    clients.push(plenary);
    await synced(plenary);
    ok(await control.send('rooms.create', { count: 1 }));
    ok(await control.send('rooms.assign', { assignments: [{ participantId: cit.participantId, roomId: 'room-1' }] }));
    await eventually(() => plenary.closes.some((c) => c.code === 4403), 'closed with 4403');
    const breakout = draftClient(server.url, session.sessionId, 'room-1', cit.token);
    clients.push(breakout);
    await synced(breakout);
    addRecommendation(breakout.doc, { id: 'rec-b', title: 'Night buses', body: 'Run night buses on Fridays.', rationale: '' });
    const facDoc = draftClient(server.url, session.sessionId, 'room-1', fac.token);
    clients.push(facDoc);
    await until(facDoc.doc, (d) => findRecommendation(d, 'rec-b') !== null, 10_000, 'facilitator reads the breakout');
    control.close();
    await server.stop();
  });

  test('a document that missed the change an event implies (a crash in between) is brought in line when it loads', async () => {
    const dataDir = servers.dataDir();
    const a = await startServer({ dataDir });
    const session = await createSession(a.url);
    const fac = await join(a.url, session, 'facilitator', assembly.facilitators[0]!);
    const cit = await join(a.url, session, 'citizen', assembly.citizens[6]!);
    const control = await connect(a.url, fac);
    const d = draftClient(a.url, session.sessionId, 'plenary', cit.token);
    clients.push(d);
    await synced(d);
    addRecommendation(d.doc, { id: 'rec-1', ...assembly.recommendations[0]! });
    d.doc.transact(() => {
      const m = new Y.Map<unknown>();
      for (const [k, v] of Object.entries({
        recommendationId: 'rec-1',
        field: 'title',
        text: 'Car-free market square every weekend',
        rationale: '',
        authorId: cit.participantId,
        status: 'open',
      }))
        m.set(k, v);
      d.doc.getMap('amendments').set('am-1', m);
    });
    await eventually(() => rows(dataDir, `${session.sessionId}:plenary`) >= 2, 'stored');
    // The document as it was before the decision: what the store would hold had the server died right after the event.
    const before = Y.encodeStateAsUpdate(d.doc);
    ok(await control.send('amendment.decide', { roomId: 'plenary', amendmentId: 'am-1', decision: 'accepted' }));
    await until(d.doc, (x) => readRecommendations(x)[0]!.title === 'Car-free market square every weekend', 10_000, 'applied');
    control.close();
    d.destroy();
    clients.length = 0;
    await a.stop();

    const db = new Database(joinPath(dataDir, 'townhall.sqlite'));
    db.prepare('DELETE FROM doc_updates WHERE doc = ?').run(`${session.sessionId}:plenary`);
    db.prepare('INSERT INTO doc_updates (doc, data) VALUES (?, ?)').run(`${session.sessionId}:plenary`, Buffer.from(before));
    db.close();

    const b = await startServer({ dataDir });
    const e = draftClient(b.url, session.sessionId, 'plenary', cit.token);
    clients.push(e);
    await synced(e);
    expect(readRecommendations(e.doc)[0]!.title).toBe('Car-free market square every weekend');
    expect((e.doc.getMap('amendments').get('am-1') as Y.Map<unknown>).get('status')).toBe('accepted');
    e.destroy();
    clients.length = 0;
    await b.stop();
  });
});
