import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ControlClient } from '../client/src/ControlClient.js';
import { PLENARY, addRecommendation, type AgreedView, type OutcomeDocument, type PanelVerdict, type SessionEvent } from '../shared/src/index.js';
import { verifyExport } from '../server/src/outcome/verifyExport.js';
import { api, connect, createSession, joinAndConnect, sessionLog, type CreatedSession } from './helpers/clients.js';
import { draftClient, eventually, synced, type DraftClient } from './helpers/drafting.js';
import { must, refused } from './helpers/expect.js';
import { hostileStrings } from './helpers/fixtures.js';
import { rawAck, rawEmit } from './helpers/raw.js';
import { startServer, type RunningServer } from './helpers/server.js';

/**
 * The panel answers back (issue 14 §2): citizens say whether each official answer
 * addresses their recommendation. Real server, real sockets, real SQLite: who may say
 * it, what is refused, that each citizen counts once per answer however they send, and
 * that the session's views and the signed export agree on the counts.
 */

type Member = Awaited<ReturnType<typeof joinAndConnect>>;

const SCRIPT = hostileStrings.find((s) => s.startsWith('<script>'))!;
const SQL = hostileStrings.find((s) => s.startsWith("'; DROP"))!;

let server: RunningServer;
let session: CreatedSession;
let fac: Member;
let obs: Member;
let off: Member;
/** c1–c4 stay; c5 is removed during the session. */
let citizens: Member[];
let draft: DraftClient;
const extraClients: ControlClient[] = [];

const log = () => sessionLog(server.url, session.sessionId, fac.token);
const assessed = (events: SessionEvent[]) => events.filter((e): e is Extract<SessionEvent, { type: 'response.assessed' }> => e.type === 'response.assessed');
const agreedIn = (c: ControlClient, recommendationId: string): AgreedView => c.view!.outcome.agreed.find((a) => a.recommendationId === recommendationId)!;
const currentAt = (c: ControlClient, recommendationId: string) => agreedIn(c, recommendationId).response!.at;

function assess(c: Member, verdict: PanelVerdict, opts: { answeredAt: number; reason?: string; recommendationId?: string; requestId?: string }) {
  const payload = {
    roomId: PLENARY,
    recommendationId: opts.recommendationId ?? 'rec-bus',
    answeredAt: opts.answeredAt,
    verdict,
    ...(opts.reason === undefined ? {} : { reason: opts.reason }),
  };
  return opts.requestId ? c.client.send('response.assess', payload, opts.requestId) : c.client.send('response.assess', payload);
}

beforeAll(async () => {
  server = await startServer();
  session = await createSession(server.url);
  fac = await joinAndConnect(server.url, session, 'facilitator', 'Fatima Facilitator');
  obs = await joinAndConnect(server.url, session, 'observer', 'Otto Observer');
  off = await joinAndConnect(server.url, session, 'official', 'Head of Transport');
  citizens = [];
  for (const name of ['Ada', 'Björn', '李小龙', 'Dana', 'Eve']) citizens.push(await joinAndConnect(server.url, session, 'citizen', name));

  draft = draftClient(server.url, session.sessionId, PLENARY, citizens[0]!.token);
  await synced(draft);
  addRecommendation(draft.doc, { id: 'rec-bus', title: 'A night bus to the villages', body: 'Run a bus every hour until 1:00.', rationale: 'Shift workers.' });
  addRecommendation(draft.doc, { id: 'rec-park', title: 'Park and ride', body: 'A car park at the ring road.', rationale: 'Fewer cars in town.' });
  await eventually(() => draft.doc.getArray('recommendations').length === 2, 'drafts typed');
  const opened = await (async () => {
    for (let i = 0; ; i++) {
      const ack = await fac.client.send('round.open', { roomId: PLENARY, recommendationIds: ['rec-bus', 'rec-park'] });
      if (ack.ok) return ack;
      if (i > 200) throw new Error(`round.open kept failing: ${JSON.stringify(ack.error)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const roundId = (opened.result as { roundId: string }).roundId;
  for (const c of citizens) {
    await must(c.client.send('round.rate', { roundId, recommendationId: 'rec-bus', level: 'full-support' }), 'rate');
    await must(c.client.send('round.rate', { roundId, recommendationId: 'rec-park', level: 'full-support' }), 'rate');
  }
  const closed = await must(fac.client.send('round.close', { roundId }), 'round.close');
  expect(closed.result).toEqual({ agreed: ['rec-bus', 'rec-park'] });
  // rec-bus is answered; rec-park stays unanswered.
  const given = await must(off.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-bus', status: 'under-consideration' }), 'response.give');
  for (const c of [...citizens, fac, obs, off]) await c.client.caughtUp(given.seq);
}, 60_000);

afterAll(async () => {
  draft?.destroy();
  for (const c of extraClients) c.close();
  for (const m of [fac, obs, off, ...(citizens ?? [])]) m?.client.close();
  await server?.stop();
});

describe('who may assess an answer, and what is refused', () => {
  test('officials, facilitators and observers are refused FORBIDDEN, and nothing is written', async () => {
    const before = (await log()).length;
    const at = currentAt(fac.client, 'rec-bus');
    for (const m of [off, fac, obs]) {
      refused(await m.client.send('response.assess', { roomId: PLENARY, recommendationId: 'rec-bus', answeredAt: at, verdict: 'addressed' }), 'FORBIDDEN');
    }
    expect((await log()).length).toBe(before);
  });

  test('malformed and oversized payloads are refused VALIDATION_FAILED, each naming the field', async () => {
    const [c1] = citizens as [Member];
    const at = currentAt(c1.client, 'rec-bus');
    const before = (await log()).length;
    const valid = { roomId: PLENARY, recommendationId: 'rec-bus', answeredAt: at, verdict: 'addressed' };
    const cases: [string, unknown, string][] = [
      ['a verdict outside the three', { ...valid, verdict: 'mostly' }, 'verdict'],
      ['no verdict', { roomId: PLENARY, recommendationId: 'rec-bus', answeredAt: at }, 'verdict'],
      ['no answeredAt', { roomId: PLENARY, recommendationId: 'rec-bus', verdict: 'addressed' }, 'answeredAt'],
      ['answeredAt as text', { ...valid, answeredAt: String(at) }, 'answeredAt'],
      ['a reason of 1001 characters', { ...valid, reason: 'x'.repeat(1001) }, 'reason'],
      ['a reason of 4001 characters (over the raw cap)', { ...valid, reason: 'y'.repeat(4001) }, 'reason'],
      ['a reason of nothing visible', { ...valid, reason: '\u200b \u3164' }, 'reason'],
      ['a participantId of someone else', { ...valid, participantId: citizens[1]!.participantId }, ''],
      ['a roomId that is not an id', { ...valid, roomId: '../plenary' }, 'roomId'],
    ];
    for (const [label, payload, field] of cases) {
      const ack = await rawAck(c1.client, 'response.assess', payload);
      expect(ack.ok, label).toBe(false);
      if (ack.ok) continue;
      expect(ack.error.code, label).toBe('VALIDATION_FAILED');
      if (field)
        expect(
          ack.error.issues?.map((i) => i.path),
          label,
        ).toContain(field);
    }
    // Exactly 1000 characters is the limit, not over it.
    const longest = await assess(c1, 'partly', { answeredAt: at, reason: 'z'.repeat(1000) });
    expect(longest.ok).toBe(true);
    const events = await log();
    expect(events.length).toBe(before + 1);
    expect(assessed(events).at(-1)!.payload).toMatchObject({ participantId: c1.participantId, verdict: 'partly', reason: 'z'.repeat(1000) });
  });

  test('an unknown room or recommendation, one with no answer yet, and an answer time that never was are NOT_FOUND', async () => {
    const [, c2] = citizens as [Member, Member];
    const at = currentAt(c2.client, 'rec-bus');
    const before = (await log()).length;
    refused(await assess(c2, 'addressed', { answeredAt: at, recommendationId: 'rec-nothing' }), 'NOT_FOUND');
    const noAnswer = await assess(c2, 'addressed', { answeredAt: at, recommendationId: 'rec-park' });
    refused(noAnswer, 'NOT_FOUND');
    expect(!noAnswer.ok && noAnswer.error.message).toBe('This recommendation has no answer to assess yet.');
    refused(await c2.client.send('response.assess', { roomId: 'room-9', recommendationId: 'rec-bus', answeredAt: at, verdict: 'not' }), 'NOT_FOUND');
    const never = await assess(c2, 'addressed', { answeredAt: at - 1 });
    refused(never, 'NOT_FOUND');
    expect((await log()).length).toBe(before);
  });
});

describe('one citizen, one verdict per answer', () => {
  test('an identical repeat writes nothing; a change of mind replaces the verdict and counts once', async () => {
    const [, c2] = citizens as [Member, Member];
    const at = currentAt(c2.client, 'rec-bus');
    const first = await must(assess(c2, 'not', { answeredAt: at, reason: SCRIPT }), 'assess');
    const repeat = await assess(c2, 'not', { answeredAt: at, reason: SCRIPT });
    expect(repeat).toMatchObject({ ok: true, seq: first.seq });
    let mine = assessed(await log()).filter((e) => e.payload.participantId === c2.participantId);
    expect(mine).toHaveLength(1);

    const changed = await must(assess(c2, 'addressed', { answeredAt: at }), 'change of mind');
    mine = assessed(await log()).filter((e) => e.payload.participantId === c2.participantId);
    expect(mine.map((e) => [e.payload.verdict, e.payload.reason])).toEqual([
      ['not', SCRIPT],
      ['addressed', null],
    ]);
    await c2.client.caughtUp(changed.seq);
    // c1 said partly (above), c2 now addressed: two citizens, two verdicts.
    expect(agreedIn(c2.client, 'rec-bus').response!.panel).toEqual({ counts: { addressed: 1, partly: 1, not: 0 }, total: 2, reasons: null });
    expect(c2.client.me!.myAssessments).toEqual([{ roomId: PLENARY, recommendationId: 'rec-bus', answeredAt: at, verdict: 'addressed', reason: null }]);
  });

  test('parallel submits from two sockets of the same citizen count once', async () => {
    const [, , c3] = citizens as [Member, Member, Member];
    const tab2 = await connect(server.url, c3);
    extraClients.push(tab2);
    const at = currentAt(c3.client, 'rec-bus');
    const payload = (verdict: PanelVerdict, reason?: string) => ({
      roomId: PLENARY,
      recommendationId: 'rec-bus',
      answeredAt: at,
      verdict,
      ...(reason ? { reason } : {}),
    });
    // The same verdict from both tabs at once: one event.
    const same = await Promise.all([c3.client.send('response.assess', payload('not', SQL)), tab2.send('response.assess', payload('not', SQL))]);
    expect(same.every((a) => a.ok)).toBe(true);
    expect(assessed(await log()).filter((e) => e.payload.participantId === c3.participantId)).toHaveLength(1);
    // Different verdicts from both tabs, many times over, all at once: whichever came last is theirs, and it is one.
    const verdicts: PanelVerdict[] = ['addressed', 'partly', 'not', 'partly', 'addressed', 'partly'];
    const acks = await Promise.all(verdicts.map((v, i) => (i % 2 ? tab2 : c3.client).send('response.assess', payload(v, `${v} ${i}`))));
    expect(acks.every((a) => a.ok)).toBe(true);
    const mine = assessed(await log()).filter((e) => e.payload.participantId === c3.participantId);
    const last = mine.at(-1)!;
    const seq = Math.max(...acks.map((a) => (a.ok ? a.seq : 0)));
    await c3.client.caughtUp(seq);
    const panel = agreedIn(c3.client, 'rec-bus').response!.panel;
    // c1 partly, c2 addressed, c3 once: three citizens in all.
    expect(panel.total).toBe(3);
    expect(c3.client.me!.myAssessments).toEqual([
      { roomId: PLENARY, recommendationId: 'rec-bus', answeredAt: at, verdict: last.payload.verdict, reason: last.payload.reason },
    ]);
  });

  test('a retry with the same requestId after a reconnect is answered, not done twice', async () => {
    const [, , , c4] = citizens as [Member, Member, Member, Member];
    const at = currentAt(c4.client, 'rec-bus');
    const before = assessed(await log()).filter((e) => e.payload.participantId === c4.participantId).length;
    expect(before).toBe(0);
    const requestId = 'panel-retry-1';
    const payload = { roomId: PLENARY, recommendationId: 'rec-bus', answeredAt: at, verdict: 'partly', reason: 'Only a study, no date.', requestId };
    // Sent without asking for the answer, and the connection dropped once it is written: the citizen never learns that it counted.
    rawEmit(c4.client, 'response.assess', payload);
    let events = await log();
    for (let i = 0; i < 400 && !assessed(events).some((e) => e.payload.participantId === c4.participantId); i++) {
      await new Promise((r) => setTimeout(r, 25));
      events = await log();
    }
    c4.client.close();
    const firstRun = assessed(events).filter((e) => e.payload.participantId === c4.participantId);
    expect(firstRun).toHaveLength(1);

    const again = await connect(server.url, c4);
    extraClients.push(again);
    const { requestId: _r, ...body } = payload;
    const retry = await again.send('response.assess', body as never, requestId);
    expect(retry).toMatchObject({ ok: true, seq: firstRun[0]!.seq });
    expect(assessed(await log()).filter((e) => e.payload.participantId === c4.participantId)).toHaveLength(1);
    // The same id with another payload is refused, not guessed at.
    refused(await again.send('response.assess', { ...(body as object), verdict: 'not' } as never, requestId), 'VALIDATION_FAILED');
    citizens[3] = { ...c4, client: again };
  });

  test('a verdict on an answer that was replaced is refused CONFLICT; the replaced answer keeps its verdicts', async () => {
    const [c1, , , c4] = citizens as [Member, Member, Member, Member];
    const old = currentAt(c1.client, 'rec-bus');
    const oldPanel = agreedIn(c1.client, 'rec-bus').response!.panel;
    expect(oldPanel.total).toBe(4);
    const given = await must(off.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-bus', status: 'accepted', dueDate: '2027-09-01' }), 'answer');
    const before = (await log()).length;
    const stale = await assess(c1, 'not', { answeredAt: old });
    refused(stale, 'CONFLICT');
    expect(!stale.ok && stale.error.message).toBe('This answer was replaced; read the new one.');
    expect((await log()).length).toBe(before);

    await c1.client.caughtUp(given.seq);
    const response = agreedIn(c1.client, 'rec-bus').response!;
    expect(response.at).toBeGreaterThan(old);
    expect(response.panel).toEqual({ counts: { addressed: 0, partly: 0, not: 0 }, total: 0, reasons: null });
    expect(response.history.map((h) => h.panel)).toEqual([oldPanel]);
    // The new answer is judged afresh, by the same citizens.
    const fresh = await must(assess(c4, 'addressed', { answeredAt: response.at, reason: 'A date at last.' }), 'assess the new answer');
    await c4.client.caughtUp(fresh.seq);
    expect(c4.client.me!.myAssessments.map((a) => [a.answeredAt, a.verdict])).toEqual([
      [old, 'partly'],
      [response.at, 'addressed'],
    ]);
  });

  test('a removed citizen can no longer assess; what they said before stays counted', async () => {
    const c5 = citizens[4]!;
    const at = currentAt(c5.client, 'rec-bus');
    const said = await must(assess(c5, 'not', { answeredAt: at, reason: 'Too late in the evening.' }), 'assess');
    await must(fac.client.send('participant.remove', { participantId: c5.participantId }), 'remove');
    const events = await log();
    await expect(connect(server.url, c5)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(
      assessed(events)
        .filter((e) => e.payload.participantId === c5.participantId)
        .map((e) => e.seq),
    ).toEqual([said.seq]);
    await fac.client.caughtUp(events.at(-1)!.seq);
    expect(agreedIn(fac.client, 'rec-bus').response!.panel.counts.not).toBe(1);
  });
});

describe('the counts agree everywhere', () => {
  let doc: OutcomeDocument;
  let events: SessionEvent[];

  beforeAll(async () => {
    const [c1, c2, c3] = citizens as [Member, Member, Member];
    const at = currentAt(c1.client, 'rec-bus');
    await must(assess(c1, 'partly', { answeredAt: at, reason: SQL }), 'assess');
    // Answers come after the session: the panel can still answer back once it has ended.
    await must(fac.client.send('session.close', {}), 'close');
    await must(assess(c2, 'not', { answeredAt: at, reason: SCRIPT }), 'assess after close');
    await must(assess(c3, 'addressed', { answeredAt: at }), 'assess after close');
    const pub = await must(fac.client.send('outcome.publish', {}), 'publish');
    for (const m of [c1, c2, c3, citizens[3]!, fac, obs, off]) await m.client.caughtUp(pub.seq);
    const res = await fetch(`${server.url}/api/sessions/${session.sessionId}/outcome.json?publication=1`, { headers: { authorization: `Bearer ${off.token}` } });
    expect(res.status).toBe(200);
    doc = (await res.json()) as OutcomeDocument;
    events = await log();
  });

  test('citizens and observers see the counts; facilitators and officials also the reasons, nameless and in the same order', () => {
    // c4 and c3 addressed, c1 partly, c2 not, and c5, removed since, not: each once.
    const expected = { counts: { addressed: 2, partly: 1, not: 2 }, total: 5 };
    const reasons = [
      { verdict: 'addressed', reason: 'A date at last.' },
      { verdict: 'partly', reason: SQL },
      { verdict: 'not', reason: SCRIPT },
      { verdict: 'not', reason: 'Too late in the evening.' },
    ];
    for (const m of [...citizens.slice(0, 4), obs]) expect(agreedIn(m.client, 'rec-bus').response!.panel, m.role).toEqual({ ...expected, reasons: null });
    for (const m of [fac, off]) expect(agreedIn(m.client, 'rec-bus').response!.panel, m.role).toEqual({ ...expected, reasons });
    // The replaced answer too, with its own verdicts.
    const history = agreedIn(fac.client, 'rec-bus').response!.history[0]!.panel;
    expect(history.total).toBe(4);
    expect(agreedIn(obs.client, 'rec-bus').response!.history[0]!.panel).toEqual({ ...history, reasons: null });
  });

  test('the signed export carries the same counts, for the current answer and the replaced one, and verifies against the log', async () => {
    const answer = doc.outcome.recommendations.agreed.find((r) => r.id === 'rec-bus')!.response!;
    const staff = agreedIn(fac.client, 'rec-bus').response!;
    expect(answer.panel).toEqual(staff.panel);
    expect(answer.history.map((h) => h.panel)).toEqual(staff.history.map((h) => h.panel));
    expect(doc.outcome.recommendations.agreed.find((r) => r.id === 'rec-park')!.response).toBeNull();
    // Nothing in the panel names or points at a citizen.
    const panels = JSON.stringify([answer.panel, ...answer.history.map((h) => h.panel)]);
    for (const c of citizens) {
      expect(panels).not.toContain(c.participantId);
      expect(panels).not.toContain(c.displayName);
    }
    const { body: key } = await api<{ publicKey: string }>(server.url, '/.well-known/townhall-signing-key');
    const report = verifyExport(doc, { log: events, trustedPublicKey: key.publicKey });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.find((c) => c.name === 'replay')?.ok).toBe(true);
    // The open data carries the current answer's counts too, in its last three columns.
    const csv = await fetch(`${server.url}/api/sessions/${session.sessionId}/outcome/recommendations.csv?publication=1`, {
      headers: { authorization: `Bearer ${off.token}` },
    });
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]!.split(',').slice(-3)).toEqual(['panel_addressed', 'panel_partly', 'panel_not']);
    const row = (id: string) =>
      lines
        .find((l) => l.split(',')[1] === id)!
        .split(',')
        .slice(-3);
    expect(row('rec-bus')).toEqual([answer.panel.counts.addressed, answer.panel.counts.partly, answer.panel.counts.not].map(String));
    expect(row('rec-park')).toEqual(['', '', '']);
    // The Markdown brief shows the counts and the reasons, the hostile one inert.
    const md = await (
      await fetch(`${server.url}/api/sessions/${session.sessionId}/outcome.md?publication=1`, { headers: { authorization: `Bearer ${off.token}` } })
    ).text();
    expect(md).toContain('Panel\\: 2 addressed · 1 partly addressed · 2 not addressed \\(5 citizens\\)');
    expect(md).toContain("- *not addressed:* &lt;script&gt;alert\\('x'\\)&lt;/script&gt;");
    expect(md).not.toContain('<script');
    // An edited count is caught by the signature and by the replay.
    const edited = structuredClone(doc);
    edited.outcome.recommendations.agreed.find((r) => r.id === 'rec-bus')!.response!.panel.counts.addressed += 1;
    expect(verifyExport(edited, { log: events }).ok).toBe(false);
  });

  test('each verdict is an event in the log naming the answer it judges', () => {
    const all = assessed(events);
    expect(all.length).toBeGreaterThan(5);
    const answers = events.filter((e) => e.type === 'response.given').map((e) => e.at);
    for (const e of all) {
      expect(answers).toContain(e.payload.answeredAt);
      expect(e.actor).toMatchObject({ kind: 'participant', participantId: e.payload.participantId, role: 'citizen' });
    }
  });
});
