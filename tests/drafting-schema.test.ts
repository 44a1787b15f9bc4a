import { pino } from 'pino';
import { afterAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { createTownhall, type Townhall } from '../server/src/app.js';
import { loadConfig } from '../server/src/config.js';
import { SqliteStore } from '../server/src/store/SqliteStore.js';
import { addRecommendation, findRecommendation, readAmendments, readRecommendations, reduce, type SessionEvent } from '../shared/src/index.js';
import { createSession, join } from './helpers/clients.js';
import { draftClient, eventually, synced, until, type DraftClient } from './helpers/drafting.js';
import { assembly } from './helpers/fixtures.js';
import { removeDir, tempDataDir } from './helpers/server.js';

const clients: DraftClient[] = [];
const servers: Townhall[] = [];
const dirs: string[] = [];
afterAll(async () => {
  clients.forEach((c) => c.destroy());
  for (const s of servers) await s.close();
  dirs.forEach(removeDir);
});

/** SQLite whose document loads take a while, as a remote store's would. */
class SlowLoadingStore extends SqliteStore {
  loads = 0;
  override async loadDoc(name: string) {
    this.loads += 1;
    await new Promise((r) => setTimeout(r, 300));
    return super.loadDoc(name);
  }
}

async function start(store: SqliteStore, dataDir: string) {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', TOWNHALL_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const townhall = await createTownhall(config, pino({ level: 'silent' }), store);
  servers.push(townhall);
  const { port } = await townhall.listen();
  return `http://127.0.0.1:${port}`;
}

describe('the drafting document contract', () => {
  test('a client never receives a document before its stored state has loaded', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const store = new SlowLoadingStore(dataDir);
    const url = await start(store, dataDir);
    const session = await createSession(url);
    const cit = await join(url, session, 'citizen', assembly.citizens[5]!);
    const writer = draftClient(url, session.sessionId, 'plenary', cit.token);
    clients.push(writer);
    await synced(writer);
    assembly.recommendations.forEach((r, i) => addRecommendation(writer.doc, { id: `rec-${i + 1}`, ...r }));
    const watcher = draftClient(url, session.sessionId, 'plenary', cit.token);
    clients.push(watcher);
    await until(watcher.doc, (d) => readRecommendations(d).length === 3, 10_000, 'watcher has the recommendations');
    writer.destroy();
    watcher.destroy();
    await eventually(() => servers[0]!.drafting.loadedDocuments().length === 0, 'document unloaded');

    // The document is out of memory; a new client connects while the slow load runs.
    const loadsBefore = store.loads;
    const late = draftClient(url, session.sessionId, 'plenary', cit.token);
    clients.push(late);
    const atSync: number[] = [];
    late.provider.once('sync', () => atSync.push(readRecommendations(late.doc).length));
    await synced(late);
    expect(store.loads).toBe(loadsBefore + 1);
    expect(atSync).toEqual([3]);
  });

  test('comments anchored with relative positions keep their text through concurrent edits, and amendments read back', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const url = await start(new SqliteStore(dataDir), dataDir);
    const session = await createSession(url);
    const [x, y] = await Promise.all([join(url, session, 'citizen', 'Priya Raghunathan'), join(url, session, 'citizen', 'Kwame Mensah')]);
    const a = draftClient(url, session.sessionId, 'plenary', x!.token);
    const b = draftClient(url, session.sessionId, 'plenary', y!.token);
    clients.push(a, b);
    await Promise.all([synced(a), synced(b)]);
    addRecommendation(a.doc, { id: 'rec-1', ...assembly.recommendations[1]! });
    const body = findRecommendation(a.doc, 'rec-1')!.get('body') as Y.Text;
    const quoted = 'every 10 minutes';
    const at = body.toString().indexOf(quoted);
    a.doc.transact(() => {
      const c = new Y.Map<unknown>();
      const fields = {
        id: 'c-1',
        recommendationId: 'rec-1',
        field: 'body',
        start: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(body, at)),
        end: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(body, at + quoted.length)),
        text: 'Every 10 minutes is too rare in the evening.',
        authorId: x!.participantId,
        createdAt: Date.now(),
        resolved: false,
      };
      for (const [k, v] of Object.entries(fields)) c.set(k, v);
      a.doc.getMap('comments').set('c-1', c);
      const m = new Y.Map<unknown>();
      const amendment = { recommendationId: 'rec-1', field: 'body', text: 'Run it every 5 minutes.', rationale: 'Evenings.', authorId: x!.participantId, status: 'open' };
      for (const [k, v] of Object.entries(amendment)) m.set(k, v);
      a.doc.getMap('amendments').set('am-1', m);
    });
    await until(b.doc, (d) => d.getMap('comments').has('c-1'), 10_000, 'comment reaches b');
    // b inserts text before the anchor; the anchor moves with the words it marks.
    (findRecommendation(b.doc, 'rec-1')!.get('body') as Y.Text).insert(0, 'From 2027, ');
    await until(a.doc, () => body.toString().startsWith('From 2027, '), 10_000, 'edit reaches a');
    const comment = b.doc.getMap('comments').get('c-1') as Y.Map<unknown>;
    const resolve = (doc: Y.Doc, key: 'start' | 'end') =>
      Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(comment.get(key) as Uint8Array), doc)!.index;
    const bBody = (findRecommendation(b.doc, 'rec-1')!.get('body') as Y.Text).toString();
    expect(bBody.slice(resolve(b.doc, 'start'), resolve(b.doc, 'end'))).toBe(quoted);
    expect(readAmendments(b.doc)).toEqual([
      { id: 'am-1', recommendationId: 'rec-1', field: 'body', text: 'Run it every 5 minutes.', rationale: 'Evenings.', authorId: x!.participantId, status: 'open' },
    ]);
  });

  test('the reader skips malformed entries that any writer could put in the document', () => {
    const doc = new Y.Doc();
    const recs = doc.getArray<unknown>('recommendations');
    addRecommendation(doc, { id: 'good', title: 'T', body: 'B', rationale: 'R' });
    const noText = new Y.Map<unknown>();
    noText.set('id', 'plain-strings');
    noText.set('title', 'not a Y.Text');
    const proto = new Y.Map<unknown>();
    proto.set('id', '__proto__');
    for (const f of ['title', 'body', 'rationale']) proto.set(f, new Y.Text('x'));
    recs.push(['just a string', noText, proto]);
    addRecommendation(doc, { id: 'good', title: 'Duplicate', body: '', rationale: '' });
    expect(readRecommendations(doc)).toEqual([{ id: 'good', title: 'T', body: 'B', rationale: 'R' }]);
  });

  test('a session logged before a setting existed gets its default when replayed', () => {
    const created = {
      type: 'session.created' as const,
      sessionId: 's_old',
      seq: 1,
      at: 1,
      actor: { kind: 'operator' as const },
      prevHash: '0'.repeat(64),
      hash: 'h',
      payload: {
        title: 'Old',
        question: 'Q?',
        agenda: [],
        // As written by an earlier version: no agreementRule, no resultsLive.
        settings: { queueRule: 'first-come-first-served', turnSeconds: 90, warnSeconds: 15, onTurnExpiry: 'end', qaPremoderation: true, maxParticipants: 10 },
        inviteHashes: { facilitator: 'a', citizen: 'b', observer: 'c', official: 'd' },
      },
    } as unknown as SessionEvent;
    const state = reduce(null, created);
    expect(state.settings.agreementRule).toEqual({ minShare: 0.75, topLevels: 2, maxBlocks: 0, minRatings: 1 });
    expect(state.settings.resultsLive).toBe(false);
    expect(state.settings.maxParticipants).toBe(10);
  });

  test('a store that fails closes the writer with 1011 (try again), changes nothing, and serves on', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    class FlakyStore extends SqliteStore {
      failing = false;
      override async appendUpdate(name: string, update: Uint8Array) {
        if (this.failing) throw new Error('disk full');
        return super.appendUpdate(name, update);
      }
    }
    const store = new FlakyStore(dataDir);
    const url = await start(store, dataDir);
    const session = await createSession(url);
    const who = await join(url, session, 'citizen', 'Øystein Berg');
    const a = draftClient(url, session.sessionId, 'plenary', who.token);
    clients.push(a);
    await synced(a);
    addRecommendation(a.doc, { id: 'rec-1', title: 'Kept', body: '', rationale: '' });
    const b = draftClient(url, session.sessionId, 'plenary', who.token);
    clients.push(b);
    await until(b.doc, (d) => readRecommendations(d).length === 1, 10_000, 'b has rec-1');
    store.failing = true;
    (findRecommendation(a.doc, 'rec-1')!.get('title') as Y.Text).insert(0, 'LOST? ');
    await eventually(() => a.closes.some((c) => c.code === 1011), 'closed with 1011');
    expect(readRecommendations(b.doc)[0]!.title).toBe('Kept');
    // The stock provider reconnects by itself; once the store is back, its edit arrives.
    store.failing = false;
    await until(b.doc, (d) => readRecommendations(d)[0]!.title === 'LOST? Kept', 15_000, 'edit after recovery');
  });
});

describe('the agreement rule in plain words', () => {
  test('describes the default rule and a custom one as the protocol documents them', async () => {
    const { describeAgreementRule, agreementRuleSchema } = await import('../shared/src/index.js');
    expect(describeAgreementRule(agreementRuleSchema.parse({}))).toBe(
      'Agreed when at least 75% answer “I fully support this.” or “I support this, with minor reservations.”, and nobody blocks it (at least 1 rating).',
    );
    expect(describeAgreementRule({ minShare: 0.5, topLevels: 1, maxBlocks: 1, minRatings: 2 })).toBe(
      'Agreed when at least 50% answer “I fully support this.”, and at most 1 block it (at least 2 ratings).',
    );
  });
});
