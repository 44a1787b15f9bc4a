import { get as httpGet } from 'node:http';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { PLENARY, type OutcomeDocument } from '../shared/src/index.js';
import { verifyExport } from '../server/src/outcome/verifyExport.js';
import { escapeHtml, escapeXml } from '../server/src/publicPage/escape.js';
import { api, connect, createSession, join, joinAndConnect } from './helpers/clients.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { assembly } from './helpers/fixtures.js';
import { must, refused } from './helpers/expect.js';
import { PLANTED, runScriptedSession, type ScriptedSession } from './helpers/outcome.js';
import { rawAck } from './helpers/raw.js';
import { startServer, type RunningServer } from './helpers/server.js';

/**
 * The public accountability page /p/<id>, its signed JSON and its Atom feed, over plain
 * HTTP against a real server: who may publish it, that nothing but a published page
 * exists, that it names nobody, and that its twins verify and parse.
 */

let server: RunningServer;
let s: ScriptedSession;
let official: Awaited<ReturnType<typeof joinAndConnect>>;
let observer: Awaited<ReturnType<typeof joinAndConnect>>;
let trustedKey: string;

/** Distinctive, so that finding one in a body can only mean it leaked. */
const OFFICIAL_NAME = 'Ottilie Quarzfeld-Vernon';
const OBSERVER_NAME = `Bartholomew Zinnkraut ${PLANTED.sql}`;
const PAST_DUE = '2021-03-01';
const FUTURE_DUE = '2099-04-01';
const PROGRESS = `The council approved the budget line. ${PLANTED.svg}`;

const routes = (id: string) => [`/p/${id}`, `/p/${id}/outcome.json`, `/p/${id}/feed.atom`];

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Every way a name could appear in a body: as typed, escaped for HTML or XML, or inside a JSON string. */
const forms = (name: string) => [name, escapeHtml(name), escapeXml(name), JSON.stringify(name).slice(1, -1)];

beforeAll(async () => {
  server = await startServer();
  s = await runScriptedSession(server.url, {
    beforeClose: async (session) => {
      observer = await joinAndConnect(server.url, session, 'observer', OBSERVER_NAME);
    },
  });
  official = await joinAndConnect(server.url, s.session, 'official', OFFICIAL_NAME);
  trustedKey = (await api<{ publicKey: string }>(server.url, '/.well-known/townhall-signing-key')).body.publicKey;
}, 60_000);

afterAll(async () => {
  official?.client.close();
  observer?.client.close();
  s?.close();
  await server?.stop();
});

describe('publishing the page', () => {
  test('unknown, malformed, unpublished and withdrawn all answer the same 404; published answers 200', async () => {
    const id = s.session.sessionId;
    const unknown = await Promise.all(routes('s_NoSuchSession').map((p) => get(p)));
    const malformed = await Promise.all(routes('__proto__').map((p) => get(p)));
    const unpublished = await Promise.all(routes(id).map((p) => get(p)));
    const shape = (r: Awaited<ReturnType<typeof get>>) => ({ status: r.status, type: r.headers.get('content-type'), body: r.text });
    for (const [i, r] of unpublished.entries()) {
      expect(r.status).toBe(404);
      expect(shape(r)).toEqual(shape(unknown[i]!));
      expect(shape(r)).toEqual(shape(malformed[i]!));
      expect(r.headers.get('cache-control')).toBe('no-store');
    }

    await must(s.fac.client.send('publicPage.set', { published: true }), 'publish the page');
    for (const path of routes(id)) expect((await get(path)).status, path).toBe(200);

    await must(s.fac.client.send('publicPage.set', { published: false }), 'withdraw the page');
    const withdrawn = await Promise.all(routes(id).map((p) => get(p)));
    for (const [i, r] of withdrawn.entries()) expect(shape(r)).toEqual(shape(unknown[i]!));

    const log = await s.log();
    expect(log.filter((e) => e.type === 'public-page.set').map((e) => e.payload)).toEqual([{ published: true }, { published: false }]);
  });

  test('only facilitators may publish; malformed and repeated commands are refused and change nothing', async () => {
    const before = (await s.log()).length;
    for (const who of [s.citizens[0]!, official, observer]) {
      refused(await who.client.send('publicPage.set', { published: true }), 'FORBIDDEN');
    }
    refused(await s.fac.client.send('publicPage.set', {} as never), 'VALIDATION_FAILED');
    refused(await s.fac.client.send('publicPage.set', { published: 'yes' } as never), 'VALIDATION_FAILED');
    refused(await s.fac.client.send('publicPage.set', { published: true, by: 'me' } as never), 'VALIDATION_FAILED');
    refused(await rawAck(s.fac.client, 'publicPage.set', null), 'VALIDATION_FAILED');
    refused(await rawAck(s.fac.client, 'publicPage.set', { published: true, padding: 'x'.repeat(10_000) }), 'VALIDATION_FAILED');
    // Withdrawing a page that is not up is a mistake worth saying, not a silent no-op.
    refused(await s.fac.client.send('publicPage.set', { published: false }), 'CONFLICT');
    expect((await s.log()).length).toBe(before);
    expect((await get(`/p/${s.session.sessionId}`)).status).toBe(404);
  });

  test('a retry after a reconnect is answered, not done twice; a second publish is a CONFLICT', async () => {
    const requestId = 'publish-page-retry-1';
    const first = await s.fac.client.send('publicPage.set', { published: true }, requestId);
    expect(first.ok).toBe(true);
    // The answer was "lost": the client reconnects and sends the same request again.
    const again = await connect(server.url, s.fac);
    try {
      const retried = await again.send('publicPage.set', { published: true }, requestId);
      expect(retried).toEqual(first);
      refused(await again.send('publicPage.set', { published: true }), 'CONFLICT');
    } finally {
      again.close();
    }
    const sets = (await s.log()).filter((e) => e.type === 'public-page.set');
    expect(sets.map((e) => e.payload)).toEqual([{ published: true }, { published: false }, { published: true }]);
    expect(s.fac.client.view?.outcome.publicPage.published).toBe(true);
  });
});

describe('the published page, its JSON and its feed', () => {
  beforeAll(async () => {
    const answer = (recommendationId: string, status: 'accepted' | 'partially-accepted' | 'under-consideration', extra: { reason?: string; dueDate?: string }) =>
      must(official.client.send('response.give', { roomId: PLENARY, recommendationId, status, ...extra }), `answer ${recommendationId}`);
    await answer('rec-square', 'under-consideration', { reason: `We need a traffic study first. ${PLANTED.svg}` });
    await answer('rec-square', 'accepted', { reason: 'The study supports it.', dueDate: FUTURE_DUE });
    await must(official.client.send('response.progress', { roomId: PLENARY, recommendationId: 'rec-square', text: PROGRESS }), 'progress');
    await answer('rec-lanes', 'partially-accepted', { reason: 'Two of the three lanes.', dueDate: PAST_DUE });
    // Its due date is long past: the server's clock logs it as overdue at its next tick.
    await vi.waitFor(async () => expect((await s.log()).some((e) => e.type === 'response.overdue')).toBe(true), 10_000);
    // Two citizens say what they make of the answer on the lanes.
    const given = (await s.log()).filter((e) => e.type === 'response.given' && e.payload.recommendationId === 'rec-lanes').at(-1)!;
    await must(s.citizens[0]!.client.send('response.assess', { roomId: PLENARY, recommendationId: 'rec-lanes', answeredAt: given.at, verdict: 'partly' }), 'assess');
    await must(s.citizens[1]!.client.send('response.assess', { roomId: PLENARY, recommendationId: 'rec-lanes', answeredAt: given.at, verdict: 'addressed' }), 'assess');
  });

  test('the panel’s counts on the page are those of the signed record and of the session’s view', async () => {
    const page = (await get(`/p/${s.session.sessionId}`)).text;
    const lanes = page.slice(page.indexOf('id="rec-plenary-rec-lanes"'));
    expect(lanes).toContain('What the citizens say');
    expect(lanes).toContain('1 of 2 find that it addresses the recommendation, 1 partly, 0 not.');
    const json = JSON.parse((await get(`/p/${s.session.sessionId}/outcome.json`)).text) as OutcomeDocument;
    const signed = json.outcome.recommendations.agreed.find((r) => r.id === 'rec-lanes')!.response!.panel;
    expect(signed.counts).toEqual({ addressed: 1, partly: 1, not: 0 });
    await vi.waitFor(() => {
      const seen = s.fac.client.view!.outcome.agreed.find((r) => r.recommendationId === 'rec-lanes');
      expect(seen?.response?.panel.counts).toEqual(signed.counts);
    });
  });

  test('the page shows every answer, its history and progress, flags the overdue one, and escapes every text', async () => {
    const res = await get(`/p/${s.session.sessionId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-language')).toBe('en');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).not.toMatch(/script-src|unsafe-inline/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    const page = res.text;
    expect(page).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page).not.toMatch(/<script/i);

    // Texts as the assembly wrote them, inert.
    for (const planted of [PLANTED.script, PLANTED.img, PLANTED.svg]) {
      expect(page).not.toContain(planted);
    }
    expect(page).toContain(escapeHtml(s.agreedTitles[0]!));
    expect(page).toContain(escapeHtml(s.notAgreedTitle));
    expect(page).toContain(escapeHtml(PROGRESS));
    expect(page).toContain(escapeHtml('We need a traffic study first.'));
    expect(page).toContain('Earlier answers (1)');
    expect(page).toContain('Partly accepted');
    expect(page).toContain('1 March 2021');
    // Exactly one answer is overdue: the one whose due date passed with no progress.
    expect(page.match(/class="badge overdue"/g)).toHaveLength(1);
    const lanes = page.slice(page.indexOf('id="rec-plenary-rec-lanes"'));
    expect(lanes.slice(0, lanes.indexOf('</article>'))).toContain('Overdue');

    // Check this record: key, head, the links and the command.
    const doc = JSON.parse((await get(`/p/${s.session.sessionId}/outcome.json`)).text) as OutcomeDocument;
    expect(page).toContain(doc.signature.keyId);
    expect(page).toContain(doc.signature.publicKey);
    expect(page).toContain(doc.log.head);
    expect(page).toContain(`npx townhall verify townhall-${s.session.sessionId}-${doc.log.seq}-outcome.json --server ${server.url}`);
    expect(page).toContain(`href="${server.url}/.well-known/townhall-signing-key"`);
    for (const r of doc.outcome.recommendations.agreed) expect(page).toContain(r.textHash);
  });

  test('the JSON is the signed record as it stands, and it verifies against the log and the server key', async () => {
    const res = await get(`/p/${s.session.sessionId}/outcome.json`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = JSON.parse(res.text) as OutcomeDocument;
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="townhall-${s.session.sessionId}-${doc.log.seq}-outcome.json"`);
    expect(res.headers.get('x-townhall-log-head')).toBe(`${doc.log.seq}:${doc.log.head}`);
    const log = await s.log();
    expect(doc.log.seq).toBe(log.at(-1)!.seq);
    const report = verifyExport(doc, { trustedPublicKey: trustedKey, log });
    expect(report.checks.filter((c) => !c.ok && !c.skipped)).toEqual([]);
    expect(report.ok).toBe(true);
    const square = doc.outcome.recommendations.agreed.find((r) => r.id === 'rec-square')!;
    expect(square.response).toMatchObject({ status: 'accepted', dueDate: FUTURE_DUE, history: [{ status: 'under-consideration' }] });
    expect(square.response!.progress.map((p) => p.text)).toEqual([PROGRESS]);

    // A cache may ask again with the ETag: nothing changed, nothing sent.
    const etag = res.headers.get('etag')!;
    // node:http, not fetch: fetch adds "Cache-Control: no-cache" to conditional requests, which forces a full answer.
    const revalidated = await new Promise<number>((resolve, reject) =>
      httpGet(`${server.url}/p/${s.session.sessionId}/outcome.json`, { headers: { 'if-none-match': etag } }, (r) => {
        r.resume();
        resolve(r.statusCode!);
      }).on('error', reject),
    );
    expect(revalidated).toBe(304);
  });

  test('the feed is Atom with one entry per answer and per progress update, newest first, linked to the page', async () => {
    const res = await get(`/p/${s.session.sessionId}/feed.atom`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/atom\+xml/);
    const feed = res.text;
    expect(feed).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom" xml:lang="en">/);
    const entries = [...feed.matchAll(/<entry>([\s\S]*?)<\/entry>/g)].map((m) => m[1]!);
    const field = (entry: string, name: string) => new RegExp(`<${name}[^>]*>([^<]*)</${name}>`).exec(entry)?.[1];
    const titles = entries.map((e) => field(e, 'title'));
    const square = escapeXml(s.agreedTitles[0]!);
    const lanes = escapeXml(s.agreedTitles[1]!);
    expect(titles).toEqual([
      `Answer to “${lanes}”: Partly accepted`,
      `Progress on “${square}”`,
      `Answer to “${square}”: Accepted`,
      `Answer to “${square}”: Under consideration`,
    ]);
    const updated = entries.map((e) => Date.parse(field(e, 'updated')!));
    expect([...updated].sort((a, b) => b - a)).toEqual(updated);
    const ids = entries.map((e) => field(e, 'id')!);
    expect(new Set(ids).size).toBe(4);
    for (const id of ids)
      expect(id).toMatch(new RegExp(`^tag:127\\.0\\.0\\.1,\\d{4}-\\d{2}-\\d{2}:${s.session.sessionId}/plenary/rec-(square|lanes)/(answer|progress)/\\d+/\\d+$`));
    expect(field(entries[1]!, 'content')).toBe(escapeXml(PROGRESS));
    expect(entries[3]).toContain('A later answer replaced this one.');
    expect(entries[0]).toContain(`href="${server.url}/p/${s.session.sessionId}?lang=en#rec-plenary-rec-lanes"`);
    expect(feed).toContain(`<link rel="self" type="application/atom+xml" href="${server.url}/p/${s.session.sessionId}/feed.atom?lang=en"/>`);
    expect(field(feed.slice(0, feed.indexOf('<entry>')), 'updated')).toBe(field(entries[0]!, 'updated'));

    // Stable ids: a later progress update adds an entry and changes none of the others.
    await must(official.client.send('response.progress', { roomId: PLENARY, recommendationId: 'rec-lanes', text: 'The first lane is marked.' }), 'progress');
    const later = (await get(`/p/${s.session.sessionId}/feed.atom`)).text;
    const laterIds = [...later.matchAll(/<id>([^<]*)<\/id>/g)].map((m) => m[1]!).slice(1);
    expect(laterIds.slice(1)).toEqual(ids);
    expect(laterIds[0]).toMatch(/\/rec-lanes\/progress\/1\//);
    // Progress since the answer: no longer overdue.
    expect((await get(`/p/${s.session.sessionId}`)).text).not.toContain('class="badge overdue"');
  });

  test('no body names anyone who joined', async () => {
    const id = s.session.sessionId;
    const bodies = {
      html: (await get(`/p/${id}`)).text,
      htmlDe: (await get(`/p/${id}?lang=de`)).text,
      feed: (await get(`/p/${id}/feed.atom`)).text,
      json: (await get(`/p/${id}/outcome.json`)).text,
    };
    const people = [s.fac, ...s.citizens, observer];
    for (const person of people) {
      for (const [what, body] of Object.entries(bodies)) {
        for (const form of forms(person.displayName)) expect(body.includes(form), `${person.displayName} in the ${what}`).toBe(false);
      }
    }
    for (const [what, body] of Object.entries(bodies)) {
      if (what === 'json') continue;
      for (const form of forms(OFFICIAL_NAME)) expect(body.includes(form), `the official's name in the ${what}`).toBe(false);
    }
  });

  // The signed export still names officials in answeredBy/progress.by; the pseudonyms part of issue 14
  // replaces them with "Official N". When it lands this starts passing: then drop `.fails`.
  test('the JSON names no official', async () => {
    const json = (await get(`/p/${s.session.sessionId}/outcome.json`)).text;
    expect(json).not.toContain(OFFICIAL_NAME);
  });

  test('German by ?lang=de and by Accept-Language; each version links to the other', async () => {
    const id = s.session.sessionId;
    const byQuery = await get(`/p/${id}?lang=de`);
    const byHeader = await get(`/p/${id}`, { 'accept-language': 'de-CH, de;q=0.9, en;q=0.5' });
    for (const res of [byQuery, byHeader]) {
      expect(res.text).toMatch(/<html lang="de">/);
      expect(res.headers.get('content-language')).toBe('de');
      expect(res.text).toContain('Offizielle Antwort');
      expect(res.text).toContain('Teilweise angenommen');
      expect(res.text).toContain('1. März 2021');
      expect(res.text).toContain(`href="${server.url}/p/${id}?lang=en" hreflang="en" lang="en"`);
    }
    expect(byHeader.headers.get('vary')).toMatch(/Accept-Language/i);
    // The query wins over the header, and an unknown language falls back to the header, then English.
    expect((await get(`/p/${id}?lang=en`, { 'accept-language': 'de' })).text).toMatch(/<html lang="en">/);
    expect((await get(`/p/${id}?lang=xx`, { 'accept-language': 'de' })).text).toMatch(/<html lang="de">/);
    expect((await get(`/p/${id}?lang=${encodeURIComponent('"><script>')}`)).text).toMatch(/<html lang="en">/);
    const en = await get(`/p/${id}`);
    expect(en.text).toContain(`href="${server.url}/p/${id}?lang=de" hreflang="de" lang="de"`);
    const feed = await get(`/p/${id}/feed.atom?lang=de`);
    expect(feed.text).toContain('xml:lang="de"');
    expect(feed.text).toContain('Antwort auf „');
  });
});

describe('in a cluster', () => {
  let cluster: TestCluster | null = null;
  afterAll(async () => {
    await cluster?.stop();
  });

  /** Polls a node until the path answers this status: another node's event reaches it through Redis. */
  async function until(url: string, path: string, status: number) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await fetch(`${url}${path}`);
      if (res.status === status) return res;
      if (Date.now() > deadline) throw new Error(`${url}${path} still answers ${res.status}, not ${status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test('published through one node, every node serves the page and its twins; withdrawn, every node answers 404', async () => {
    cluster = await startCluster(2);
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const session = await createSession(a);
    const fac = await join(a, session, 'facilitator', assembly.facilitators[0]!);
    const client = await connect(a, fac);
    try {
      for (const url of [a, b]) expect((await fetch(`${url}/p/${session.sessionId}`)).status).toBe(404);
      await must(client.send('publicPage.set', { published: true }), 'publish the page');
      for (const url of [a, b]) {
        const page = await until(url, `/p/${session.sessionId}`, 200);
        expect(await page.text()).toContain('Who took part');
        const doc = (await (await until(url, `/p/${session.sessionId}/outcome.json`, 200)).json()) as OutcomeDocument;
        const key = (await api<{ publicKey: string }>(url, '/.well-known/townhall-signing-key')).body.publicKey;
        expect(verifyExport(doc, { trustedPublicKey: key }).ok).toBe(true);
        await until(url, `/p/${session.sessionId}/feed.atom`, 200);
      }
      await must(client.send('publicPage.set', { published: false }), 'withdraw the page');
      for (const url of [a, b]) for (const path of routes(session.sessionId)) await until(url, path, 404);
    } finally {
      client.close();
    }
  });
});

describe('the XML escaper', () => {
  test('the XML escaper escapes markup and drops what XML 1.0 forbids, keeping emoji and other scripts', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
    expect(escapeXml('a\u0000b\u0008c\u000Bd\uFFFEe\uD800f\uDC00g')).toBe('abcdefg');
    expect(escapeXml('tab\tnewline\n👩‍👩‍👧‍👦 محمد 李小龙')).toBe('tab\tnewline\n👩‍👩‍👧‍👦 محمد 李小龙');
  });
});
