/**
 * Breakout content back to the plenary (issue 11): one command copies a breakout room's
 * recommendations into the plenary document, each under a new id with its origin, in
 * the log and in the signed export. A repeat copies only what changed; a copy that a
 * crash kept out of the document is made when the document loads again.
 */
import Database from 'better-sqlite3';
import { join as joinPath } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type * as Y from 'yjs';
import type { ControlClient } from '../client/src/ControlClient.js';
import { addRecommendation, findRecommendation, readRecommendations, type OutcomeDocument } from '../shared/src/index.js';
import { connect, createSession, join, sessionLog, type CreatedSession, type Joined } from './helpers/clients.js';
import { draftClient, eventually, storedDoc, synced, type DraftClient } from './helpers/drafting.js';
import { ok, refused } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { startServer, type RunningServer } from './helpers/server.js';

describe('breakout content back to the plenary', () => {
  let server: RunningServer;
  let session: CreatedSession;
  let fac: Joined, c1: Joined;
  let facControl: ControlClient, k1: ControlClient;
  const open: DraftClient[] = [];
  const client = (who: Joined, roomId: string) => {
    const c = draftClient(server.url, session.sessionId, roomId, who.token);
    open.push(c);
    return c;
  };
  const stored = (roomId: string) => storedDoc(server.dataDir, session.sessionId, roomId).doc;
  const log = () => sessionLog(server.url, session.sessionId, fac.token);

  beforeAll(async () => {
    server = await startServer();
    session = await createSession(server.url);
    fac = await join(server.url, session, 'facilitator', assembly.facilitators[0]!);
    c1 = await join(server.url, session, 'citizen', assembly.citizens[0]!);
    [facControl, k1] = await Promise.all([connect(server.url, fac), connect(server.url, c1)]);
    ok(await facControl.send('rooms.create', { count: 2 }));
    await facControl.caughtUp(ok(await facControl.send('rooms.assign', { assignments: [{ participantId: c1.participantId, roomId: 'room-1' }] })));
  });
  afterAll(async () => {
    open.forEach((c) => c.destroy());
    [facControl, k1].forEach((c) => c.close());
    await server.stop();
  });

  test('one command copies the room’s texts under new ids, with their origin; a repeat copies only what changed', async () => {
    const breakout = client(c1, 'room-1');
    const plenary = client(fac, 'plenary');
    await Promise.all([synced(breakout), synced(plenary)]);
    const [r1, r2] = assembly.recommendations;
    addRecommendation(breakout.doc, { id: 'rec-1', ...r1! });
    addRecommendation(breakout.doc, { id: 'rec-2', ...r2! });
    await eventually(() => readRecommendations(stored('room-1')).length === 2, 'the breakout texts stored');

    refused(await k1.send('drafting.bringBack', { roomId: 'room-1' }), 'FORBIDDEN');
    refused(await facControl.send('drafting.bringBack', { roomId: 'plenary' }), 'CONFLICT');
    refused(await facControl.send('drafting.bringBack', { roomId: 'room-9' }), 'NOT_FOUND');
    // An empty room has nothing to bring.
    refused(await facControl.send('drafting.bringBack', { roomId: 'room-2' }), 'CONFLICT');

    const first = await facControl.send('drafting.bringBack', { roomId: 'room-1' });
    const copies = (first as { result: { recommendationIds: string[] } }).result.recommendationIds;
    expect(copies).toHaveLength(2);
    expect(copies.every((id) => id.startsWith('rec_'))).toBe(true);
    await eventually(() => readRecommendations(stored('plenary')).length === 2, 'the copies stored in the plenary document');
    expect(readRecommendations(stored('plenary')).map(({ title, body, rationale }) => ({ title, body, rationale }))).toEqual([r1, r2]);
    await eventually(() => readRecommendations(plenary.doc).length === 2, 'the copies reach the plenary editors');
    await facControl.caughtUp(ok(first));
    expect(facControl.room('plenary')!.origins.map((o) => [o.sourceId, o.fromRoomId, o.fromRoomName])).toEqual([
      ['rec-1', 'room-1', 'Room 1'],
      ['rec-2', 'room-1', 'Room 1'],
    ]);

    // Nothing changed: nothing to copy. rec-2 edited: only it is copied again.
    refused(await facControl.send('drafting.bringBack', { roomId: 'room-1' }), 'CONFLICT');
    (findRecommendation(breakout.doc, 'rec-2')!.get('body') as Y.Text).insert(0, 'Revised: ');
    await eventually(() => readRecommendations(stored('room-1'))[1]!.body.startsWith('Revised: '), 'the edit stored');
    const second = await facControl.send('drafting.bringBack', { roomId: 'room-1' }, 'bring-back-2');
    expect(await facControl.send('drafting.bringBack', { roomId: 'room-1' }, 'bring-back-2')).toEqual(second);
    expect((second as { result: { recommendationIds: string[] } }).result.recommendationIds).toHaveLength(1);
    await eventually(() => readRecommendations(stored('plenary')).length === 3, 'the revised copy stored');

    const events = (await log()).filter((e) => e.type === 'drafting.brought-back');
    expect(events.map((e) => e.payload.items.map((i) => i.sourceId))).toEqual([['rec-1', 'rec-2'], ['rec-2']]);
  });

  test('the export says where each copy came from, and a copy agreed in the plenary is traceable to its room', async () => {
    const plenaryIds = facControl.room('plenary')!.origins.map((o) => o.recommendationId);
    const opened = await facControl.send('round.open', { roomId: 'plenary', recommendationIds: [plenaryIds[0]!] });
    const roundId = (opened as { result: { roundId: string } }).result.roundId;
    await facControl.caughtUp(ok(await facControl.send('rooms.recall', {})));
    ok(await k1.send('round.rate', { roundId, recommendationId: plenaryIds[0]!, level: 'full-support' }));
    ok(await facControl.send('round.close', { roundId }));
    const res = await fetch(`${server.url}/api/sessions/${session.sessionId}/outcome.json`, { headers: { authorization: `Bearer ${fac.token}` } });
    const exported = (await res.json()) as OutcomeDocument;
    expect(exported.outcome.broughtBack.map((b) => [b.recommendationId, b.fromRoomId, b.sourceId])).toEqual(
      facControl.room('plenary')!.origins.map((o) => [o.recommendationId, 'room-1', o.sourceId]),
    );
    const agreed = exported.outcome.recommendations.agreed.find((r) => r.id === plenaryIds[0]);
    expect(agreed).toBeDefined();
    expect(exported.outcome.broughtBack[0]!.textHash).toBe(agreed!.textHash);
  });

  test('copies the log has and the document lacks (a crash between the two) are made when the document loads', async () => {
    const expected = readRecommendations(stored('plenary')).length;
    expect(expected).toBe(3);
    open.splice(0).forEach((c) => c.destroy());
    [facControl, k1].forEach((c) => c.close());
    const dataDir = server.dataDir;
    await server.stop();
    // The plenary document as it was before any copy: its stored updates are gone, the log still says what was copied.
    const db = new Database(joinPath(dataDir, 'townhall.sqlite'));
    db.prepare('DELETE FROM doc_updates WHERE doc = ?').run(`${session.sessionId}:plenary`);
    db.close();
    expect(readRecommendations(stored('plenary'))).toEqual([]);

    server = await startServer({ dataDir });
    facControl = await connect(server.url, fac);
    k1 = await connect(server.url, c1);
    const plenary = client(fac, 'plenary');
    await synced(plenary);
    await eventually(() => readRecommendations(stored('plenary')).length === expected, 'the copies made again from the log');
    expect(
      readRecommendations(plenary.doc)
        .map((r) => r.id)
        .sort(),
    ).toEqual(
      facControl
        .room('plenary')!
        .origins.map((o) => o.recommendationId)
        .sort(),
    );
  });
});
