/**
 * Bulk Q&A moderation (qa.moderateMany, issue 13): a facilitator approves or hides a
 * crowd's questions in one command, over real sockets on a real server. One command is
 * one decision: all of its ids are known or nothing happens; what is already as asked
 * is left alone and counted; the log gets the same qa.status-set events one-by-one
 * moderation writes, one per question changed, so the record reads the same.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ControlClient } from '../client/src/ControlClient.js';
import { PLENARY, type QuestionStatus, type SessionState } from '../shared/src/index.js';
import { connect, createSession, join, sessionLog, type CreatedSession, type Joined } from './helpers/clients.js';
import { must, ok, refused } from './helpers/expect.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { startServer, type RunningServer } from './helpers/server.js';

let server: RunningServer;
let session: CreatedSession;
let fac: Joined;
let facClient: ControlClient;
/** Eight citizens who ask; a ninth who only watches (it asked nothing, so it sees only what is approved). */
const askers: { joined: Joined; client: ControlClient }[] = [];
let watcher: ControlClient;

/** A copy: the host's own state is live and changes in place. */
const hostState = (): SessionState => server.townhall.registry.get(session.sessionId)!.snapshot();
const statusOf = (id: string): QuestionStatus => hostState().questions[id]!.status;
const logOf = () => sessionLog(server.url, session.sessionId, fac.token);

/** `count` new questions from the askers in turn (pending: pre-moderation is on by default); their ids in the order asked. */
async function ask(count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const asker = askers[i % askers.length]!;
    const asked = await must(asker.client.send('qa.ask', { text: `${tag} question ${i}: who pays for the new bus lanes?`, anonymous: i % 3 === 0 }), 'ask');
    ids.push((asked.result as { questionId: string }).questionId);
  }
  return ids;
}

/** What the watching citizen is shown, once its view has caught up with `seq`. */
async function watcherSees(seq: number): Promise<Map<string, QuestionStatus>> {
  await watcher.caughtUp(seq);
  return new Map(watcher.room(PLENARY)!.questions.map((q) => [q.id, q.status]));
}

beforeAll(async () => {
  server = await startServer();
  session = await createSession(server.url);
  fac = await join(server.url, session, 'facilitator', 'Mariam Haddad');
  facClient = await connect(server.url, fac);
  expect(hostState().settings.qaPremoderation).toBe(true);
  for (let i = 0; i < 8; i++) {
    const joined = await join(server.url, session, 'citizen', `Asker ${i}`);
    askers.push({ joined, client: await connect(server.url, joined) });
  }
  watcher = await connect(server.url, await join(server.url, session, 'citizen', 'Watcher'));
});

afterAll(async () => {
  for (const a of askers) a.client.close();
  watcher?.close();
  facClient?.close();
  await server?.stop();
});

describe('qa.moderateMany', () => {
  test('40 questions waiting for approval, approved in one command: one qa.status-set each, in the order named; citizens see all 40', async () => {
    const ids = await ask(40, 'Approve');
    expect(ids.every((id) => statusOf(id) === 'pending')).toBe(true);
    // The watching citizen is not shown questions that wait for approval.
    const before = await watcherSees(hostState().seq);
    expect(ids.filter((id) => before.has(id))).toEqual([]);

    const seqBefore = hostState().seq;
    const logBefore = (await logOf()).length;
    const named = [...ids].reverse();
    const ack = await facClient.send('qa.moderateMany', { questionIds: named, status: 'approved' });
    expect(ack).toMatchObject({ ok: true, seq: seqBefore + 40, result: { changed: 40, unchanged: 0 } });
    expect(ids.every((id) => statusOf(id) === 'approved')).toBe(true);

    const written = (await logOf()).slice(logBefore);
    expect(written.map((e) => [e.type, e.payload])).toEqual(named.map((questionId) => ['qa.status-set', { questionId, status: 'approved' }]));
    // One command: one actor, one moment.
    expect(new Set(written.map((e) => e.at)).size).toBe(1);
    expect(written.every((e) => e.actor.kind === 'participant' && e.actor.participantId === fac.participantId)).toBe(true);

    const after = await watcherSees(ok(ack));
    expect(ids.map((id) => after.get(id))).toEqual(ids.map(() => 'approved'));
  });

  test('a repeat under the same requestId is answered with the first reply, not done again; the id with another payload is refused', async () => {
    const ids = await ask(12, 'Repeat');
    const first = await facClient.send('qa.moderateMany', { questionIds: ids, status: 'hidden' }, 'bulk-hide-1');
    expect(first).toMatchObject({ ok: true, result: { changed: 12, unchanged: 0 } });
    const state = hostState();
    // Meanwhile one is approved again: a replay would hide it; an answered repeat does not.
    ok(await facClient.send('qa.moderate', { questionId: ids[0]!, status: 'approved' }));
    const seq = hostState().seq;
    const again = await facClient.send('qa.moderateMany', { questionIds: ids, status: 'hidden' }, 'bulk-hide-1');
    expect(again).toEqual(first);
    expect(hostState().seq).toBe(seq);
    expect(statusOf(ids[0]!)).toBe('approved');
    expect(ids.slice(1).every((id) => state.questions[id]!.status === 'hidden' && statusOf(id) === 'hidden')).toBe(true);
    // The same requestId with a different payload is refused rather than answered with the old reply.
    refused(await facClient.send('qa.moderateMany', { questionIds: ids, status: 'approved' }, 'bulk-hide-1'), 'VALIDATION_FAILED');
    expect(hostState().seq).toBe(seq);
  });

  test('an unknown id refuses the whole batch, naming it; nothing changes', async () => {
    const ids = await ask(5, 'Unknown');
    const before = hostState();
    const ack = await facClient.send('qa.moderateMany', { questionIds: [...ids.slice(0, 3), 'q_nosuchquestion', ...ids.slice(3)], status: 'approved' });
    refused(ack, 'NOT_FOUND');
    if (!ack.ok) expect(ack.error.message).toBe('There is no such question: q_nosuchquestion.');
    expect(hostState()).toEqual(before);
    expect(ids.every((id) => statusOf(id) === 'pending')).toBe(true);
  });

  test('approving a mixed batch approves what waits or is hidden, and leaves the live and the answered question as they are', async () => {
    const [pending, hidden, approved, live, answered] = await ask(5, 'Mixed');
    ok(await facClient.send('qa.moderate', { questionId: hidden!, status: 'hidden' }));
    ok(await facClient.send('qa.moderate', { questionId: approved!, status: 'approved' }));
    ok(await facClient.send('qa.moderate', { questionId: live!, status: 'live' }));
    ok(await facClient.send('qa.moderate', { questionId: answered!, status: 'answered' }));
    const seq = hostState().seq;
    const logBefore = (await logOf()).length;

    const ack = await facClient.send('qa.moderateMany', { questionIds: [live!, pending!, answered!, hidden!, approved!], status: 'approved' });
    expect(ack).toMatchObject({ ok: true, seq: seq + 2, result: { changed: 2, unchanged: 3 } });
    expect([pending, hidden, approved, live, answered].map((id) => statusOf(id!))).toEqual(['approved', 'approved', 'approved', 'live', 'answered']);
    const written = (await logOf()).slice(logBefore);
    expect(written.map((e) => e.payload)).toEqual([
      { questionId: pending, status: 'approved' },
      { questionId: hidden, status: 'approved' },
    ]);

    // Nothing left to approve in the same batch: a conflict that says so, and nothing written.
    const again = await facClient.send('qa.moderateMany', { questionIds: [live!, pending!, answered!, hidden!, approved!], status: 'approved' });
    refused(again, 'CONFLICT');
    if (!again.ok) expect(again.error.message).toBe('None of these questions is waiting for approval or hidden.');
    expect(hostState().seq).toBe(seq + 2);
  });

  test('hiding a mixed batch hides the live and the answered question too, skips what is hidden already, and citizens no longer see them', async () => {
    const [pending, approved, live, answered, hidden] = await ask(5, 'Hide');
    ok(await facClient.send('qa.moderate', { questionId: approved!, status: 'approved' }));
    ok(await facClient.send('qa.moderate', { questionId: live!, status: 'live' }));
    ok(await facClient.send('qa.moderate', { questionId: answered!, status: 'answered' }));
    ok(await facClient.send('qa.moderate', { questionId: hidden!, status: 'hidden' }));
    const shown = await watcherSees(hostState().seq);
    expect([approved, live, answered].map((id) => shown.get(id!))).toEqual(['approved', 'live', 'answered']);

    const all = [pending!, approved!, live!, answered!, hidden!];
    const ack = await facClient.send('qa.moderateMany', { questionIds: all, status: 'hidden' });
    expect(ack).toMatchObject({ ok: true, result: { changed: 4, unchanged: 1 } });
    expect(all.map(statusOf)).toEqual(all.map(() => 'hidden'));
    // The room has no live question any more.
    expect(Object.values(hostState().questions).some((q) => q.status === 'live')).toBe(false);
    const after = await watcherSees(ok(ack));
    expect(all.filter((id) => after.has(id))).toEqual([]);

    const again = await facClient.send('qa.moderateMany', { questionIds: all, status: 'hidden' });
    refused(again, 'CONFLICT');
    if (!again.ok) expect(again.error.message).toBe('All of these questions are already hidden.');
  });

  test('200 questions, the most one command names, in one decision; 201, a repeated id, live, or a citizen sending it are refused', async () => {
    const ids = await ask(200, 'Crowd');
    const seq = hostState().seq;
    const ack = await facClient.send('qa.moderateMany', { questionIds: ids, status: 'approved' });
    expect(ack).toMatchObject({ ok: true, seq: seq + 200, result: { changed: 200, unchanged: 0 } });
    expect(ids.every((id) => statusOf(id) === 'approved')).toBe(true);

    const before = hostState();
    const over = await facClient.send('qa.moderateMany', { questionIds: [...ids, 'q_onetoomany'], status: 'hidden' });
    refused(over, 'VALIDATION_FAILED');
    const twice = await facClient.send('qa.moderateMany', { questionIds: [ids[0]!, ids[1]!, ids[0]!], status: 'hidden' });
    refused(twice, 'VALIDATION_FAILED');
    if (!twice.ok) expect(twice.error.message).toBe('Invalid payload: questionIds must not name a question twice');
    refused(await facClient.send('qa.moderateMany', { questionIds: ids.slice(0, 2), status: 'live' as never }), 'VALIDATION_FAILED');
    refused(await askers[0]!.client.send('qa.moderateMany', { questionIds: ids.slice(0, 2), status: 'hidden' }), 'FORBIDDEN');
    expect(hostState()).toEqual(before);
  }, 60_000);
});

describe('qa.moderateMany in a cluster', () => {
  let cluster: TestCluster;
  const clients: ControlClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster(2);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  test('sent through the node that does not own the session: decided once by the owner, and a repeat through the other node is answered', async () => {
    const urls = cluster.nodes.map((n) => n.url);
    const created = await createSession(urls[0]!);
    const owner = (await cluster.lease(created.sessionId))!.nodeId;
    const [ownerUrl, otherUrl] = owner === cluster.nodes[0]!.nodeId ? [urls[0]!, urls[1]!] : [urls[1]!, urls[0]!];
    const f = await join(otherUrl, created, 'facilitator', 'Mariam Haddad');
    const c = await join(otherUrl, created, 'citizen', 'Jonas Müller');
    const [onOther, onOwner, citizen] = [await connect(otherUrl, f), await connect(ownerUrl, f), await connect(otherUrl, c)];
    clients.push(onOther, onOwner, citizen);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(((await must(citizen.send('qa.ask', { text: `Clustered question ${i}`, anonymous: false }), 'ask')).result as { questionId: string }).questionId);

    const first = await onOther.send('qa.moderateMany', { questionIds: ids, status: 'approved' }, 'bulk-cluster-1');
    expect(first).toMatchObject({ ok: true, result: { changed: 6, unchanged: 0 } });
    const again = await onOwner.send('qa.moderateMany', { questionIds: ids, status: 'approved' }, 'bulk-cluster-1');
    expect(again).toMatchObject({ ok: true, seq: (first as { seq: number }).seq, result: { changed: 6, unchanged: 0 } });
    // Refused at the edge of the node that does not own the session, as on one server.
    refused(await onOther.send('qa.moderateMany', { questionIds: [ids[0]!, ids[0]!], status: 'hidden' }), 'VALIDATION_FAILED');
    refused(await onOther.send('qa.moderateMany', { questionIds: [ids[0]!, 'q_nosuchquestion'], status: 'hidden' }), 'NOT_FOUND');
    const log = await sessionLog(otherUrl, created.sessionId, f.token);
    expect(log.filter((e) => e.type === 'qa.status-set').map((e) => e.payload)).toEqual(ids.map((questionId) => ({ questionId, status: 'approved' })));
    await citizen.caughtUp(ok(first));
    expect(citizen.room(PLENARY)!.questions.map((q) => [q.id, q.status])).toEqual(ids.map((id) => [id, 'approved']));
  }, 60_000);
});
