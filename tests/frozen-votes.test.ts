/**
 * Votes on a frozen text (issue 11). While a round is open, the texts in it read exactly
 * as they were put to the vote, for every writer; the facilitator can withdraw one (back
 * to drafting) or cancel the round; other texts in the same document are drafted on.
 * Real server, stock y-websocket providers, the SQLite file read back.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import type { ControlClient } from '../client/src/ControlClient.js';
import { addRecommendation, findRecommendation, readRecommendations } from '../shared/src/index.js';
import { connect, createSession, join, sessionLog, type CreatedSession, type Joined } from './helpers/clients.js';
import { draftClient, eventually, storedDoc, synced, until, type DraftClient } from './helpers/drafting.js';
import { ok, refused } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { startServer, type RunningServer } from './helpers/server.js';

const body = (c: DraftClient, id: string) => (findRecommendation(c.doc, id)?.get('body') as Y.Text | undefined)?.toString();
const edit = (c: DraftClient, id: string, f: (t: Y.Text) => void) => f(findRecommendation(c.doc, id)!.get('body') as Y.Text);

describe('votes on a frozen text', () => {
  let server: RunningServer;
  let session: CreatedSession;
  let fac: Joined, c1: Joined, c2: Joined;
  let facControl: ControlClient, k1: ControlClient, k2: ControlClient;
  const open: DraftClient[] = [];
  const client = (who: Joined) => {
    const c = draftClient(server.url, session.sessionId, 'plenary', who.token);
    open.push(c);
    return c;
  };
  /** Every stored update of the plenary document, raw, and the document they make. */
  const stored = () => {
    const { doc, raw } = storedDoc(server.dataDir, session.sessionId, 'plenary');
    return { raw, recs: readRecommendations(doc), amendments: doc.getMap('amendments').size };
  };
  const log = () => sessionLog(server.url, session.sessionId, fac.token);
  const roundView = (c: ControlClient, roundId: string) => c.room('plenary')!.rounds.find((r) => r.id === roundId)!;
  const openRound = async (recommendationIds: string[]) => {
    const opened = await facControl.send('round.open', { roomId: 'plenary', recommendationIds });
    await Promise.all([k1.caughtUp(ok(opened)), facControl.caughtUp(ok(opened))]);
    return (opened as { result: { roundId: string } }).result.roundId;
  };

  beforeAll(async () => {
    server = await startServer();
    session = await createSession(server.url);
    fac = await join(server.url, session, 'facilitator', assembly.facilitators[0]!);
    c1 = await join(server.url, session, 'citizen', assembly.citizens[0]!);
    c2 = await join(server.url, session, 'citizen', assembly.citizens[1]!);
    [facControl, k1, k2] = await Promise.all([connect(server.url, fac), connect(server.url, c1), connect(server.url, c2)]);
    const a = client(c1);
    await synced(a);
    assembly.recommendations.forEach((r, i) => addRecommendation(a.doc, { id: `rec-${i + 1}`, ...r }));
    await eventually(() => stored().recs.length === 3, 'the three texts stored');
  });
  afterAll(async () => {
    open.forEach((c) => c.destroy());
    [facControl, k1, k2].forEach((c) => c.close());
    await server.stop();
  });

  test('edits to a text under vote, by a citizen and by the facilitator, are corrected for every peer and never stored; other texts are drafted on', async () => {
    const [a, b, f] = [client(c1), client(c2), client(fac)];
    await Promise.all([synced(a), synced(b), synced(f)]);
    const roundId = await openRound(['rec-1', 'rec-2']);
    const frozen = roundView(k1, roundId).items.map((i) => i.text.body);
    const seenByB: string[] = [];
    b.doc.on('update', () => seenByB.push(`${body(b, 'rec-1')}|${body(b, 'rec-2')}`));

    edit(a, 'rec-1', (t) => t.insert(t.length, ' CITIZEN-SNEAK'));
    edit(f, 'rec-2', (t) => t.delete(0, 5));
    edit(a, 'rec-3', (t) => t.insert(0, 'Still drafting: '));
    await eventually(() => a.denied.some((d) => /rec-1 is under vote and frozen/.test(d)), 'the citizen is told why');
    await eventually(() => f.denied.some((d) => /rec-2 is under vote and frozen/.test(d)), 'the facilitator is told why');
    await eventually(() => body(a, 'rec-1') === frozen[0] && body(f, 'rec-2') === frozen[1], 'both writers corrected');
    await until(b.doc, (d) => readRecommendations(d)[2]!.body.startsWith('Still drafting: '), 10_000, 'the other text goes on');
    expect(seenByB.every((s) => s === `${frozen[0]}|${frozen[1]}`)).toBe(true);
    const disk = stored();
    expect(disk.raw.includes('CITIZEN-SNEAK')).toBe(false);
    expect(disk.recs.slice(0, 2).map((r) => r.body)).toEqual(frozen);
    expect(disk.recs[2]!.body.startsWith('Still drafting: ')).toBe(true);

    // A writer that reconnects mid-round is still held to the frozen text.
    a.provider.disconnect();
    a.provider.connect();
    await synced(a);
    edit(a, 'rec-1', (t) => t.insert(0, 'AFTER-RECONNECT '));
    await eventually(() => a.denied.filter((d) => /rec-1 is under vote/.test(d)).length >= 2, 'refused after reconnecting');
    await eventually(() => body(a, 'rec-1') === frozen[0], 'corrected after reconnecting');
    expect(stored().raw.includes('AFTER-RECONNECT')).toBe(false);

    // A proposed change to a text under vote waits: accepting it is refused until the round ends; rejecting is not.
    for (const id of ['amend-frozen-1', 'amend-frozen-2']) {
      a.doc.transact(() => {
        const m = new Y.Map<unknown>();
        for (const [k, v] of Object.entries({
          id,
          recommendationId: 'rec-1',
          field: 'body',
          text: 'A rewrite mid-vote.',
          rationale: '',
          authorId: c1.participantId,
          createdAt: 1,
          status: 'open',
        }))
          m.set(k, v);
        a.doc.getMap('amendments').set(id, m);
      });
    }
    await eventually(() => f.doc.getMap('amendments').size >= 2, 'the proposals reach the facilitator');
    await eventually(() => stored().amendments >= 2, 'the proposals stored');
    refused(await facControl.send('amendment.decide', { roomId: 'plenary', amendmentId: 'amend-frozen-1', decision: 'accepted' }), 'CONFLICT');
    ok(await facControl.send('amendment.decide', { roomId: 'plenary', amendmentId: 'amend-frozen-2', decision: 'rejected' }));
    expect(stored().recs[0]!.body).toBe(frozen[0]);

    ok(await k1.send('round.rate', { roundId, recommendationId: 'rec-1', level: 'full-support' }));
    ok(await k2.send('round.rate', { roundId, recommendationId: 'rec-1', level: 'full-support' }));
    const closed = await facControl.send('round.close', { roundId });
    await k1.caughtUp(ok(closed));
    // Frozen, the text could not change: what was rated is what is judged.
    expect(roundView(k1, roundId).results!.every((r) => !r.textChanged)).toBe(true);
    // rec-2 was not agreed: drafted again.
    edit(a, 'rec-2', (t) => t.insert(0, 'Reworked: '));
    await eventually(() => stored().recs[1]!.body.startsWith('Reworked: '), 'rec-2 editable after the round');
  });

  test('a withdrawn text goes back to drafting and is not judged; a repeat is answered the same, a second withdrawal is refused', async () => {
    const a = client(c1);
    await synced(a);
    const roundId = await openRound(['rec-2', 'rec-3']);
    ok(await k1.send('round.rate', { roundId, recommendationId: 'rec-3', level: 'block', reason: 'Not like this.' }));

    refused(await k1.send('round.withdraw', { roundId, recommendationId: 'rec-3' }), 'FORBIDDEN');
    const first = await facControl.send('round.withdraw', { roundId, recommendationId: 'rec-3' }, 'withdraw-rec-3');
    const repeat = await facControl.send('round.withdraw', { roundId, recommendationId: 'rec-3' }, 'withdraw-rec-3');
    expect(repeat).toEqual(first);
    refused(await facControl.send('round.withdraw', { roundId, recommendationId: 'rec-3' }), 'CONFLICT');
    refused(await facControl.send('round.withdraw', { roundId, recommendationId: 'rec-1' }), 'NOT_FOUND');
    // The last text cannot be withdrawn: that is cancelling.
    refused(await facControl.send('round.withdraw', { roundId, recommendationId: 'rec-2' }), 'CONFLICT');
    refused(await k2.send('round.rate', { roundId, recommendationId: 'rec-3', level: 'full-support' }), 'CONFLICT');
    await k1.caughtUp(ok(first));
    expect(roundView(k1, roundId).withdrawn).toEqual(['rec-3']);

    edit(a, 'rec-3', (t) => t.insert(0, 'Redrafted: '));
    await eventually(() => stored().recs[2]!.body.startsWith('Redrafted: '), 'the withdrawn text is drafted again');
    edit(a, 'rec-2', (t) => t.insert(0, 'STILL-FROZEN '));
    await eventually(() => a.denied.some((d) => /rec-2 is under vote/.test(d)), 'the rest of the round stays frozen');

    const closed = await facControl.send('round.close', { roundId });
    await facControl.caughtUp(ok(closed));
    expect(roundView(facControl, roundId).results!.map((r) => r.recommendationId)).toEqual(['rec-2']);
    const events = await log();
    expect(events.filter((e) => e.type === 'round.withdrawn').map((e) => e.payload)).toEqual([{ roundId, recommendationId: 'rec-3' }]);
  });

  test('a cancelled round decides nothing and frees its texts; it cannot be closed, rated or cancelled again', async () => {
    const a = client(c2);
    await synced(a);
    const roundId = await openRound(['rec-2', 'rec-3']);
    ok(await k1.send('round.rate', { roundId, recommendationId: 'rec-2', level: 'full-support' }));
    ok(await k2.send('round.rate', { roundId, recommendationId: 'rec-2', level: 'full-support' }));
    refused(await k2.send('round.cancel', { roundId }), 'FORBIDDEN');
    const cancelled = await facControl.send('round.cancel', { roundId });
    await k1.caughtUp(ok(cancelled));
    expect(roundView(k1, roundId)).toMatchObject({ cancelled: true, results: [] });
    expect(k1.room('plenary')!.locks.map((l) => l.recommendationId)).not.toContain('rec-2');
    refused(await facControl.send('round.cancel', { roundId }), 'CONFLICT');
    refused(await facControl.send('round.close', { roundId }), 'CONFLICT');
    refused(await k1.send('round.rate', { roundId, recommendationId: 'rec-3', level: 'block' }), 'CONFLICT');
    refused(await facControl.send('round.withdraw', { roundId, recommendationId: 'rec-3' }), 'CONFLICT');

    edit(a, 'rec-2', (t) => t.insert(0, 'After cancelling: '));
    await eventually(() => stored().recs[1]!.body.startsWith('After cancelling: '), 'texts drafted again');
    // A new round can open in the room at once.
    const next = await openRound(['rec-2']);
    expect(roundView(k1, next).items[0]!.text.body.startsWith('After cancelling: ')).toBe(true);

    // The facilitator says what the room decided once a round has ended, not while it is open; the latest statement counts.
    refused(await facControl.send('round.setStatement', { roundId: next, text: 'Too early.' }), 'CONFLICT');
    refused(await k1.send('round.setStatement', { roundId, text: 'A citizen’s own summary.' }), 'FORBIDDEN');
    ok(await facControl.send('round.setStatement', { roundId, text: 'Cancelled: the texts were not ready.' }));
    refused(await facControl.send('round.setStatement', { roundId, text: 'Cancelled: the texts were not ready.' }), 'CONFLICT');
    const revised = await facControl.send('round.setStatement', { roundId, text: 'Cancelled so that rec-2 could be reworked first.' });
    await k1.caughtUp(ok(revised));
    expect(roundView(k1, roundId).statement).toMatchObject({ text: 'Cancelled so that rec-2 could be reworked first.' });
    ok(await facControl.send('round.cancel', { roundId: next }));
  });

  test('the deadline closes the round on the server, by itself, as an event in the log', async () => {
    const opened = await facControl.send('round.open', { roomId: 'plenary', recommendationIds: ['rec-3'], closesInMinutes: 1 });
    const roundId = (opened as { result: { roundId: string } }).result.roundId;
    ok(await k1.send('round.rate', { roundId, recommendationId: 'rec-3', level: 'full-support' }));
    ok(await k2.send('round.rate', { roundId, recommendationId: 'rec-3', level: 'support-with-reservations' }));
    await k1.caughtUp(ok(opened));
    const closesAt = roundView(k1, roundId).closesAt!;
    // Nobody closes it: the server's clock does, and every client sees the results.
    await k1.waitFor((c) => roundView(c, roundId).closedAt !== null, 90_000, 'the round closed by its deadline');
    const round = roundView(k1, roundId);
    expect(round.closedAt).toBeGreaterThanOrEqual(closesAt);
    expect(round.results!.map((r) => [r.recommendationId, r.agreed])).toEqual([['rec-3', true]]);
    const closing = (await log()).find((e) => e.type === 'round.closed' && e.payload.roundId === roundId)!;
    expect(closing.actor).toEqual({ kind: 'system' });
    refused(await k2.send('round.rate', { roundId, recommendationId: 'rec-3', level: 'block' }), 'CONFLICT');
  }, 120_000);

  test('a round with a deadline shows it to everyone', async () => {
    const before = Date.now();
    const opened = await facControl.send('round.open', { roomId: 'plenary', recommendationIds: ['rec-2'], closesInMinutes: 10 });
    await k1.caughtUp(ok(opened));
    const roundId = (opened as { result: { roundId: string } }).result.roundId;
    const closesAt = roundView(k1, roundId).closesAt!;
    expect(closesAt).toBeGreaterThanOrEqual(before + 10 * 60_000);
    expect(closesAt).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
    refused(await facControl.send('round.open', { roomId: 'plenary', closesInMinutes: 0 } as never), 'VALIDATION_FAILED');
    ok(await facControl.send('round.cancel', { roundId }));
  });
});
