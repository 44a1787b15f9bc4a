import Database from 'better-sqlite3';
import { join as joinPath } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import type { ControlClient } from '../client/src/ControlClient.js';
import { addRecommendation, findRecommendation, readRecommendations } from '../shared/src/index.js';
import { connect, createSession, join, sessionLog, type CreatedSession, type Joined } from './helpers/clients.js';
import { draftClient, eventually, storedDoc as storedDocOf, synced, until, type DraftClient } from './helpers/drafting.js';
import { ok, refused } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { startServer, type RunningServer } from './helpers/server.js';

const text = (c: DraftClient, id: string, field: 'title' | 'body' | 'rationale' = 'body') =>
  (findRecommendation(c.doc, id)?.get(field) as Y.Text | undefined)?.toString();
const edit = (c: DraftClient, id: string, f: (t: Y.Text) => void, field: 'title' | 'body' | 'rationale' = 'body') =>
  f(findRecommendation(c.doc, id)!.get(field) as Y.Text);

describe('drafting over the stock y-websocket provider', () => {
  let server: RunningServer;
  let session: CreatedSession;
  let fac: Joined, c1: Joined, c2: Joined, c3: Joined, obs: Joined;
  let facControl: ControlClient;
  const open: DraftClient[] = [];
  const controls: ControlClient[] = [];
  const client = (who: Joined, roomId = 'plenary') => {
    const c = draftClient(server.url, session.sessionId, roomId, who.token);
    open.push(c);
    return c;
  };
  const control = async (who: Joined) => {
    const c = await connect(server.url, who);
    controls.push(c);
    return c;
  };
  const storedDoc = (roomId = 'plenary') => storedDocOf(server.dataDir, session.sessionId, roomId);
  const log = () => sessionLog(server.url, session.sessionId, fac.token);

  beforeAll(async () => {
    server = await startServer();
    session = await createSession(server.url);
    fac = await join(server.url, session, 'facilitator', assembly.facilitators[0]!);
    c1 = await join(server.url, session, 'citizen', assembly.citizens[0]!);
    c2 = await join(server.url, session, 'citizen', assembly.citizens[1]!);
    c3 = await join(server.url, session, 'citizen', assembly.citizens[2]!);
    obs = await join(server.url, session, 'observer', assembly.observers[0]!);
    facControl = await control(fac);
  });
  afterAll(async () => {
    open.forEach((c) => c.destroy());
    controls.forEach((c) => c.close());
    await server.stop();
  });

  test('citizens and a facilitator converge on the same text, and every edit is stored before it is sent on', async () => {
    const a = client(c1);
    const b = client(c2);
    const f = client(fac);
    await Promise.all([synced(a), synced(b), synced(f)]);
    assembly.recommendations.forEach((r, i) => addRecommendation(a.doc, { id: `rec-${i + 1}`, ...r }));
    await until(b.doc, (d) => readRecommendations(d).length === 3, 10_000, 'b sees the recommendations');
    await until(f.doc, (d) => readRecommendations(d).length === 3, 10_000, 'f sees the recommendations');
    edit(b, 'rec-1', (t) => t.insert(0, 'Trial: '));
    edit(f, 'rec-2', (t) => t.insert(t.length, ' Review after a year.'));
    await until(a.doc, (d) => readRecommendations(d)[0]!.body.startsWith('Trial: ') && readRecommendations(d)[1]!.body.endsWith('year.'), 10_000, 'a sees both edits');
    await until(f.doc, (d) => readRecommendations(d)[0]?.body.startsWith('Trial: ') ?? false, 10_000, 'f sees b');
    await until(b.doc, (d) => readRecommendations(d)[1]?.body.endsWith('year.') ?? false, 10_000, 'b sees f');
    expect(readRecommendations(a.doc)).toEqual(readRecommendations(b.doc));
    expect(readRecommendations(f.doc)).toEqual(readRecommendations(b.doc));
    // What every client has seen is in the store already.
    expect(readRecommendations(storedDoc().doc)).toEqual(readRecommendations(a.doc));
  });

  test('an observer reads but its edits reach neither other clients nor the store, and it is told', async () => {
    const o = client(obs);
    const a = client(c1);
    await Promise.all([synced(o), synced(a)]);
    expect(readRecommendations(o.doc)).toHaveLength(3);
    edit(o, 'rec-3', (t) => t.insert(0, 'OBSERVER WAS HERE '));
    await eventually(() => o.denied.length > 0, 'permission denied');
    expect(o.denied[0]).toMatch(/read, not edit/);
    // Read-only is not an error: the connection stays open.
    expect(o.provider.wsconnected).toBe(true);
    // A later, legitimate edit gets through, and the observer's never did.
    edit(a, 'rec-3', (t) => t.insert(0, '[draft] '));
    await until(o.doc, (d) => text({ doc: d } as DraftClient, 'rec-3')!.includes('[draft] '), 10_000, 'observer sees the citizen edit');
    expect(text(a, 'rec-3')).not.toContain('OBSERVER');
    expect(readRecommendations(storedDoc().doc).find((r) => r.id === 'rec-3')!.body).not.toContain('OBSERVER');
    const fresh = client(c2);
    await synced(fresh);
    expect(text(fresh, 'rec-3')).toMatch(/^\[draft\] /);
    expect(text(fresh, 'rec-3')).not.toContain('OBSERVER');
  });

  test('while drafting is closed citizens only read, and a facilitator still writes', async () => {
    const a = client(c1);
    const f = client(fac);
    await Promise.all([synced(a), synced(f)]);
    ok(await facControl.send('drafting.setOpen', { roomId: 'plenary', open: false }));
    edit(a, 'rec-2', (t) => t.insert(0, 'CLOSED '));
    await eventually(() => a.denied.length > 0, 'permission denied');
    expect(a.denied.at(-1)).toMatch(/Drafting is closed/);
    edit(f, 'rec-2', (t) => t.insert(0, 'Facilitator note: '));
    await until(a.doc, (d) => text({ doc: d } as DraftClient, 'rec-2')!.includes('Facilitator note: '), 10_000, 'facilitator edit arrives');
    expect(readRecommendations(storedDoc().doc).find((r) => r.id === 'rec-2')!.body).not.toContain('CLOSED');
    ok(await facControl.send('drafting.setOpen', { roomId: 'plenary', open: true }));
  });

  test('agreement rounds: exact text hashed, one rating per citizen, rules as data, locks and minority notes', async () => {
    const [k1, k2, k3] = [await control(c1), await control(c2), await control(c3)];
    const a = client(c1);
    await synced(a);
    const current = readRecommendations(a.doc);

    const opened = await facControl.send('round.open', { roomId: 'plenary', recommendationIds: ['rec-1', 'rec-2', 'rec-3'] });
    const roundId = (opened as { result: { roundId: string; textHashes: Record<string, string> } }).result.roundId;
    const hashes = (opened as { result: { textHashes: Record<string, string> } }).result.textHashes;
    await k1.caughtUp(ok(opened));
    const round = k1.room()!.rounds.find((r) => r.id === roundId)!;
    // The exact words put to the vote, and their SHA-256 over a documented canonical form.
    expect(round.items.map((i) => i.text)).toEqual(current);
    const { createHash } = await import('node:crypto');
    for (const item of round.items) {
      const canonical = JSON.stringify({ id: item.text.id, title: item.text.title, body: item.text.body, rationale: item.text.rationale });
      expect(item.textHash).toBe(createHash('sha256').update(canonical).digest('hex'));
      expect(hashes[item.recommendationId]).toBe(item.textHash);
    }
    refused(await facControl.send('round.open', { roomId: 'plenary' }), 'CONFLICT');

    // 50 concurrent ratings from one citizen count once; the last one stands.
    const burst = await Promise.all(
      Array.from({ length: 50 }, (_, i) => k1.send('round.rate', { roundId, recommendationId: 'rec-1', level: i % 2 ? 'full-support' : 'support-with-reservations' })),
    );
    expect(burst.filter((x) => x.ok).length).toBeGreaterThan(0);
    for (const x of burst) if (!x.ok) expect(x.error.code).toBe('CONFLICT');
    ok(await k2.send('round.rate', { roundId, recommendationId: 'rec-1', level: 'full-support' }));
    ok(await k3.send('round.rate', { roundId, recommendationId: 'rec-1', level: 'can-live-with', reason: 'Deliveries need a later cut-off.' }));
    // Changeable until the round closes.
    ok(await k3.send('round.rate', { roundId, recommendationId: 'rec-1', level: 'support-with-reservations', reason: 'Deliveries need a later cut-off.' }));
    ok(await k1.send('round.rate', { roundId, recommendationId: 'rec-2', level: 'full-support' }));
    ok(await k2.send('round.rate', { roundId, recommendationId: 'rec-2', level: 'block', reason: 'Costs are not covered.' }));
    ok(await k1.send('round.rate', { roundId, recommendationId: 'rec-3', level: 'full-support' }));
    const last = ok(await k2.send('round.rate', { roundId, recommendationId: 'rec-3', level: 'full-support' }));
    refused(await facControl.send('round.rate', { roundId, recommendationId: 'rec-1', level: 'block' } as never), 'FORBIDDEN');

    await Promise.all([k1.caughtUp(last), facControl.caughtUp(last)]);
    const live = facControl.room('plenary')!.rounds.find((r) => r.id === roundId)!;
    expect(live.ratingCounts).toEqual({ 'rec-1': 3, 'rec-2': 2, 'rec-3': 2 });
    expect(live.results!.find((r) => r.recommendationId === 'rec-1')!.tally.total).toBe(3);
    // Citizens do not see results while the round is open (resultsLive is off by default) ...
    expect(k1.room()!.rounds.find((r) => r.id === roundId)!.results).toBeNull();
    expect(Object.keys(k1.me!.myRatings[roundId]!).sort()).toEqual(['rec-1', 'rec-2', 'rec-3']);

    // A text under vote is frozen: an edit is refused and corrected, and never stored.
    edit(a, 'rec-3', (t) => t.insert(t.length, ' FROZEN?'));
    await eventually(() => a.denied.some((d) => /rec-3 is under vote and frozen/.test(d)), 'frozen refusal');
    await eventually(() => text(a, 'rec-3') === round.items[2]!.text.body, 'sender corrected');
    expect(readRecommendations(storedDoc().doc).find((r) => r.id === 'rec-3')!.body).toBe(round.items[2]!.text.body);
    // Withdrawn, rec-3 is drafted again, and no longer rated.
    ok(await facControl.send('round.withdraw', { roundId, recommendationId: 'rec-3' }));
    refused(await k1.send('round.rate', { roundId, recommendationId: 'rec-3', level: 'block' }), 'CONFLICT');
    edit(a, 'rec-3', (t) => t.insert(t.length, ' Including the bridge.'));
    await eventually(
      () =>
        readRecommendations(storedDoc().doc)
          .find((r) => r.id === 'rec-3')!
          .body.endsWith('bridge.'),
      'stored edit',
    );

    const closed = await facControl.send('round.close', { roundId });
    expect((closed as { result: { agreed: string[] } }).result.agreed).toEqual(['rec-1']);
    await k1.caughtUp(ok(closed));
    const results = k1.room()!.rounds.find((r) => r.id === roundId)!.results!;
    const byId = Object.fromEntries(results.map((r) => [r.recommendationId, r]));
    // rec-1: all three at the two top levels and no block: the session's default rule (75%, top two, no block) holds.
    expect(byId['rec-1']).toMatchObject({ agreed: true, textChanged: false, tally: { total: 3, supportShare: 1, blocks: 0 } });
    expect(byId['rec-2']).toMatchObject({ agreed: false, textChanged: false, minorityNotes: [{ level: 'block', reason: 'Costs are not covered.' }] });
    expect(byId['rec-3']).toBeUndefined();
    refused(await k3.send('round.rate', { roundId, recommendationId: 'rec-1', level: 'block' }), 'CONFLICT');

    // The agreed text is locked with the hash it was voted on.
    expect(k1.room()!.locks).toEqual([expect.objectContaining({ recommendationId: 'rec-1', roundId, textHash: hashes['rec-1'] })]);
    const events = await log();
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['round.opened', 'round.rated', 'round.closed', 'recommendation.locked']));
    const mine = events.filter((e) => e.type === 'round.rated' && e.payload.participantId === c1.participantId && e.payload.recommendationId === 'rec-1');
    expect(mine.length).toBe(burst.filter((x) => x.ok).length);

    // Editing a locked recommendation is refused: others never see it, the store never holds it,
    // and the sender's copy is corrected back to the locked text (so its later edits still apply).
    const b = client(c2);
    await synced(b);
    const seenByB: string[] = [];
    b.doc.on('update', () => seenByB.push(text(b, 'rec-1') ?? ''));
    edit(a, 'rec-1', (t) => t.insert(0, 'SNEAKY '));
    await eventually(() => a.denied.some((d) => /rec-1 is agreed and locked/.test(d)), 'lock refusal');
    await eventually(() => text(a, 'rec-1') === round.items[0]!.text.body, 'sender corrected');
    edit(a, 'rec-1', (t) => t.delete(0, 10));
    await eventually(() => a.denied.length >= 2 && text(a, 'rec-1') === round.items[0]!.text.body, 'deletion corrected');
    expect(seenByB.some((t) => t.includes('SNEAKY') || t !== round.items[0]!.text.body)).toBe(false);
    const db = new Database(joinPath(server.dataDir, 'townhall.sqlite'), { readonly: true });
    const raw = db.prepare('SELECT data FROM doc_updates WHERE doc = ?').all(`${session.sessionId}:plenary`) as { data: Buffer }[];
    db.close();
    expect(raw.some((r) => r.data.includes('SNEAKY'))).toBe(false);
    edit(a, 'rec-2', (t) => t.insert(0, 'Revised: '));
    await until(b.doc, (d) => text({ doc: d } as DraftClient, 'rec-2')!.startsWith('Revised: '), 10_000, 'later edit arrives');
    expect(text(b, 'rec-1')).not.toContain('SNEAKY');
    expect(readRecommendations(storedDoc().doc).find((r) => r.id === 'rec-1')!.body).toBe(round.items[0]!.text.body);
    // rec-3 goes to a new round with its new text; locked rec-1 is not put to the vote again.
    const again = await facControl.send('round.open', { roomId: 'plenary' });
    await facControl.caughtUp(ok(again));
    const second = facControl.room('plenary')!.rounds.at(-1)!;
    expect(second.items.map((i) => i.recommendationId)).toEqual(['rec-2', 'rec-3']);
    expect(second.items[1]!.text.body.endsWith('Including the bridge.')).toBe(true);
    refused(await facControl.send('round.open', { roomId: 'plenary', recommendationIds: ['rec-1'] }), 'CONFLICT');
    ok(await facControl.send('round.close', { roundId: second.id }));
  });

  test('the agreement rule is data, fixed when a round opens, and results can be shown live', async () => {
    const k1 = await control(c1);
    const k2 = await control(c2);
    ok(await facControl.send('settings.update', { patch: { agreementRule: { minShare: 0.5, topLevels: 1, maxBlocks: 1, minRatings: 2 }, resultsLive: true } }));
    const opened = await facControl.send('round.open', { roomId: 'plenary', recommendationIds: ['rec-2'] });
    const roundId = (opened as { result: { roundId: string } }).result.roundId;
    // Changing the rule mid-vote does not change this round's rule.
    ok(await facControl.send('settings.update', { patch: { agreementRule: { minShare: 1, topLevels: 1, maxBlocks: 0, minRatings: 3 } } }));
    ok(await k1.send('round.rate', { roundId, recommendationId: 'rec-2', level: 'full-support' }));
    const seq = ok(await k2.send('round.rate', { roundId, recommendationId: 'rec-2', level: 'block', reason: 'Still too costly.' }));
    await k1.caughtUp(seq);
    const shown = k1.room()!.rounds.find((r) => r.id === roundId)!;
    expect(shown.rule).toEqual({ minShare: 0.5, topLevels: 1, maxBlocks: 1, minRatings: 2 });
    expect(shown.results![0]).toMatchObject({ agreed: true, tally: { total: 2, supportShare: 0.5, blocks: 1 } });
    const closed = await facControl.send('round.close', { roundId });
    expect((closed as { result: { agreed: string[] } }).result.agreed).toEqual(['rec-2']);
    ok(await facControl.send('settings.update', { patch: { resultsLive: false } }));
  });

  test('amendments: an accepted one replaces the field everywhere; a rejected one changes nothing', async () => {
    const a = client(c3);
    const b = client(c1);
    await Promise.all([synced(a), synced(b)]);
    const propose = (id: string, proposed: string) =>
      a.doc.transact(() => {
        const m = new Y.Map<unknown>();
        const fields = { recommendationId: 'rec-3', field: 'title', text: proposed, rationale: 'Clearer.', authorId: c3.participantId, status: 'open' };
        for (const [k, v] of Object.entries(fields)) m.set(k, v);
        a.doc.getMap('amendments').set(id, m);
      });
    const amended = 'Protected cycle lanes on the three radial roads and the bridge';
    propose('am-1', amended);
    propose('am-2', 'Painted cycle lanes');
    await eventually(() => b.doc.getMap('amendments').size === 2, 'amendments reach b');
    // A writer can scribble on the status field; the log, not the document, decides.
    (a.doc.getMap('amendments').get('am-1') as Y.Map<unknown>).set('status', 'rejected');
    await eventually(() => (b.doc.getMap('amendments').get('am-1') as Y.Map<unknown>).get('status') === 'rejected', 'scribble arrives');
    const decidedSeq = ok(await facControl.send('amendment.decide', { roomId: 'plenary', amendmentId: 'am-1', decision: 'accepted' }));
    await facControl.caughtUp(decidedSeq);
    expect(facControl.room('plenary')!.amendments).toEqual([expect.objectContaining({ amendmentId: 'am-1', decision: 'accepted' })]);
    await until(b.doc, (d) => text({ doc: d } as DraftClient, 'rec-3', 'title') === amended, 10_000, 'amended title');
    expect((b.doc.getMap('amendments').get('am-1') as Y.Map<unknown>).get('status')).toBe('accepted');
    ok(await facControl.send('amendment.decide', { roomId: 'plenary', amendmentId: 'am-2', decision: 'rejected' }));
    await eventually(() => (b.doc.getMap('amendments').get('am-2') as Y.Map<unknown>).get('status') === 'rejected', 'rejected status');
    expect(text(b, 'rec-3', 'title')).toBe(amended);
    refused(await facControl.send('amendment.decide', { roomId: 'plenary', amendmentId: 'am-1', decision: 'rejected' }), 'CONFLICT');
    const decided = (await log()).filter((e) => e.type === 'amendment.decided');
    expect(decided.map((e) => [e.payload.amendmentId, e.payload.decision, e.payload.previousText])).toEqual([
      ['am-1', 'accepted', assembly.recommendations[2]!.title],
      ['am-2', 'rejected', amended],
    ]);
    expect(readRecommendations(storedDoc().doc).find((r) => r.id === 'rec-3')!.title).toBe(amended);
  });

  test('the same recommendation id in two rooms is two recommendations: a lock in one does not touch the other', async () => {
    ok(await facControl.send('rooms.create', { count: 1 }));
    const moved = ok(await facControl.send('rooms.assign', { assignments: [{ participantId: c2.participantId, roomId: 'room-1' }] }));
    await facControl.caughtUp(moved);
    const r = client(c2, 'room-1');
    await synced(r);
    // rec-1 is agreed and locked in the plenary; room-1 drafts its own rec-1.
    addRecommendation(r.doc, { id: 'rec-1', title: 'Night buses', body: 'Run night buses on Fridays and Saturdays.', rationale: '' });
    await eventually(() => readRecommendations(storedDoc('room-1').doc).length === 1, 'stored in room-1');
    const opened = await facControl.send('round.open', { roomId: 'room-1', recommendationIds: ['rec-1'] });
    const roundId = (opened as { result: { roundId: string } }).result.roundId;
    expect(ok(opened)).toBeGreaterThan(0);
    // Frozen under vote in room-1, whatever the plenary's rec-1 is; drafted again once the round closes unagreed.
    edit(r, 'rec-1', (t) => t.insert(0, 'Pilot: '));
    await eventually(() => r.denied.some((d) => /rec-1 is under vote/.test(d)), 'room-1 frozen refusal');
    ok(await facControl.send('round.close', { roundId }));
    await eventually(() => text(r, 'rec-1') === 'Run night buses on Fridays and Saturdays.', 'room-1 edit corrected');
    edit(r, 'rec-1', (t) => t.insert(0, 'Pilot: '));
    await eventually(() => readRecommendations(storedDoc('room-1').doc)[0]!.body.startsWith('Pilot: '), 'room-1 edit stored');
    // The plenary's lock is untouched, and a rule change must give the whole rule.
    await facControl.caughtUp(ok(await facControl.send('state.sync', {})));
    expect(facControl.room('plenary')!.locks.map((l) => l.recommendationId)).toEqual(['rec-1', 'rec-2']);
    expect(facControl.room('room-1')!.locks).toEqual([]);
    refused(await facControl.send('settings.update', { patch: { agreementRule: { minShare: 0.9 } } } as never), 'VALIDATION_FAILED');
    const rule = facControl.view!.settings.agreementRule;
    refused(await facControl.send('settings.update', { patch: { agreementRule: { ...rule } } }), 'CONFLICT');
  });
});
