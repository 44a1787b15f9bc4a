/**
 * Reminders of overdue answers (issue 14 §3): when an official's answer has a due date
 * and the end of that day (UTC) passes with no progress reported since the answer, the
 * server's clock logs response.overdue and every webhook is sent one reminder, through
 * the durable outbox, also across a kill -9.
 *
 * The clock is never faked: an answer recorded late, with a due date already past, is
 * overdue at the server's next tick. The rules about what keeps an answer from being
 * overdue (progress in time, a new answer) are checked on the pure clock function with
 * a `now` the test chooses, where they do not depend on when a tick happens to run.
 */
import { join as joinPath } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import {
  PLENARY,
  createSessionSchema,
  dueDatePassesAt,
  nextOverdueAt,
  overdueEvents,
  reduce,
  type Actor,
  type EventDraft,
  type SessionEvent,
  type SessionState,
} from '../shared/src/index.js';
import { GENESIS_HASH, seal, sha256Hex } from '../server/src/session/chain.js';
import type { ControlClient } from '../client/src/ControlClient.js';
import { api, connect, join, sessionLog } from './helpers/clients.js';
import { eventually } from './helpers/drafting.js';
import { must } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { runScriptedSession } from './helpers/outcome.js';
import { removeDir, spawnServer, tempDataDir, type ServerProcess } from './helpers/server.js';
import { receiver } from './helpers/webhookReceiver.js';

describe('the overdue clock and the reducer', () => {
  const OFFICIAL: Actor = { kind: 'participant', participantId: 'p-official', role: 'official' };
  const SYSTEM: Actor = { kind: 'system' };

  function session() {
    const parsed = createSessionSchema.parse({ title: 'Overdue', question: 'When?' });
    let state: SessionState | null = null;
    const log: SessionEvent[] = [];
    const append = (drafts: EventDraft[], actor: Actor, at: number) => {
      for (const e of seal('s-overdue', state ?? { seq: 0, head: GENESIS_HASH }, drafts, actor, at)) {
        state = reduce(state, e);
        log.push(e);
      }
    };
    const inviteHashes = { facilitator: sha256Hex('f'), citizen: sha256Hex('c'), observer: sha256Hex('o'), official: sha256Hex('x') };
    append(
      [{ type: 'session.created', payload: { title: parsed.title, question: parsed.question, agenda: [], settings: parsed.settings, inviteHashes } }],
      { kind: 'operator' },
      0,
    );
    const at = Date.UTC(2026, 0, 10);
    return {
      get state() {
        return state!;
      },
      give: (dueDate: string | null, when = at) =>
        append([{ type: 'response.given', payload: { roomId: PLENARY, recommendationId: 'rec-1', status: 'accepted', reason: null, dueDate } }], OFFICIAL, when),
      progress: (text: string, when = at) => append([{ type: 'response.progressed', payload: { roomId: PLENARY, recommendationId: 'rec-1', text } }], OFFICIAL, when),
      /** What the server's tick does at `now`. */
      tick: (now: number) => {
        const due = overdueEvents(state!, now);
        append(due, SYSTEM, now);
        return due;
      },
      log,
    };
  }

  test('a due date passes at the end of its day in UTC', () => {
    expect(dueDatePassesAt('2026-01-31')).toBe(Date.UTC(2026, 1, 1));
    expect(dueDatePassesAt('2028-02-29')).toBe(Date.UTC(2028, 2, 1));
  });

  test('overdue once, at the end of the due date, and not again', () => {
    const s = session();
    s.give('2026-01-31');
    const end = Date.UTC(2026, 1, 1);
    expect(nextOverdueAt(s.state)).toBe(end);
    expect(s.tick(end - 1)).toEqual([]);
    expect(s.tick(end)).toEqual([{ type: 'response.overdue', payload: { roomId: PLENARY, recommendationId: 'rec-1', dueDate: '2026-01-31' } }]);
    const r = Object.values(s.state.responses)[0]!;
    expect(r.overdue).toEqual({ dueDate: '2026-01-31', since: end });
    expect(r.reminders).toEqual([{ dueDate: '2026-01-31', at: end, seq: s.log.at(-1)!.seq }]);
    expect(s.tick(end + 86_400_000 * 400)).toEqual([]);
    expect(nextOverdueAt(s.state)).toBeNull();
  });

  test('progress before the due date keeps it from ever being overdue; no due date, none at all', () => {
    const s = session();
    s.give('2026-01-31');
    s.progress('Tender published.');
    expect(nextOverdueAt(s.state)).toBeNull();
    expect(s.tick(Date.UTC(2030, 0, 1))).toEqual([]);
    s.give(null);
    expect(s.tick(Date.UTC(2030, 0, 1))).toEqual([]);
  });

  test('progress clears the flag; a new answer resets it, and its own due date can become overdue again', () => {
    const s = session();
    s.give('2026-01-31');
    s.tick(Date.UTC(2026, 1, 2));
    const response = () => Object.values(s.state.responses)[0]!;
    expect(response().overdue).not.toBeNull();
    s.progress('Works started.', Date.UTC(2026, 1, 3));
    expect(response().overdue).toBeNull();
    expect(s.tick(Date.UTC(2027, 0, 1))).toEqual([]);

    // A new answer is a new commitment: progress on the old one does not count for it.
    s.give('2026-03-31', Date.UTC(2026, 2, 1));
    expect(response().progressedSinceAnswer).toBe(false);
    expect(nextOverdueAt(s.state)).toBe(Date.UTC(2026, 3, 1));
    expect(s.tick(Date.UTC(2026, 3, 1))).toHaveLength(1);
    expect(response().overdue).toEqual({ dueDate: '2026-03-31', since: Date.UTC(2026, 3, 1) });
    // A newer answer clears the flag at once; its due date, already past, is overdue at the next tick.
    s.give('2026-02-28', Date.UTC(2026, 3, 2));
    expect(response().overdue).toBeNull();
    expect(s.tick(Date.UTC(2026, 3, 2))).toHaveLength(1);
    expect(response().reminders.map((r) => r.dueDate)).toEqual(['2026-01-31', '2026-03-31', '2026-02-28']);
    expect(s.log.filter((e) => e.type === 'response.overdue').every((e) => e.actor.kind === 'system')).toBe(true);
  });
});

/** Polls until an asynchronous condition holds (the test's own timeout bounds it). */
async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 25));
}

describe('response.overdue reaches every webhook once, through the outbox', () => {
  const procs: ServerProcess[] = [];
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) p.child.kill('SIGKILL');
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  // The receivers listen on 127.0.0.1, which a server refuses unless told otherwise.
  const ENV = { TOWNHALL_WEBHOOK_BASE_DELAY_MS: '200', TOWNHALL_WEBHOOK_MAX_DELAY_MS: '400', TOWNHALL_WEBHOOK_ALLOW_PRIVATE: 'true' };

  type DeliveryRow = { id: number; event: string; publication: number | null; status: string; attempts: number; idempotencyKey: string };

  async function deliveries(url: string, sessionId: string, token: string): Promise<DeliveryRow[]> {
    const res = await api<{ deliveries: DeliveryRow[] }>(url, `/api/sessions/${sessionId}/deliveries`, { token });
    expect(res.status).toBe(200);
    return res.body.deliveries;
  }

  /** A closed session with two agreed recommendations, two webhooks, and an official connected. */
  async function setUp(failures: number) {
    const dataDir = tempDataDir();
    cleanups.push(() => removeDir(dataDir));
    const first = await spawnServer(dataDir, ENV);
    procs.push(first);
    const s = await runScriptedSession(first.url);
    cleanups.push(() => s.close());
    const secrets: Record<string, string> = {};
    const rxs = [await receiver(failures, () => secrets.a!), await receiver(0, () => secrets.b!)];
    for (const rx of rxs) cleanups.push(rx.close);
    const hooks: { id: string; secret: string }[] = [];
    for (const rx of rxs) {
      const made = await api<{ id: string; secret: string }>(first.url, `/api/sessions/${s.session.sessionId}/webhooks`, { body: { url: rx.url }, token: s.fac.token });
      expect(made.status).toBe(201);
      hooks.push(made.body);
    }
    secrets.a = hooks[0]!.secret;
    secrets.b = hooks[1]!.secret;
    const official = await join(first.url, s.session, 'official', assembly.officials[0]!);
    const client = await connect(first.url, official);
    cleanups.push(() => client.close());
    return { dataDir, first, s, rxs, hooks, official, client };
  }

  const key = (sessionId: string, recommendationId: string, dueDate: string, webhookId: string) =>
    `${sessionId}:overdue:${PLENARY}:${recommendationId}:${dueDate}:${webhookId}`;

  test('an answer recorded with a due date already past: one signed reminder per webhook, naming no one; progress clears the flag and sends nothing; a new due date, one more', async () => {
    const { first, s, rxs, hooks, client } = await setUp(0);
    const sid = s.session.sessionId;
    const reason = 'Budget approved; works in spring.';
    await must(client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-square', status: 'accepted', reason, dueDate: '2020-01-31' }), 'answer');
    for (const rx of rxs) await eventually(() => rx.accepted.size === 1, 'the reminder', 20_000);

    const log = await sessionLog(first.url, sid, s.fac.token);
    const overdue = log.filter((e) => e.type === 'response.overdue');
    expect(overdue).toHaveLength(1);
    expect(overdue[0]).toMatchObject({ actor: { kind: 'system' }, payload: { roomId: PLENARY, recommendationId: 'rec-square', dueDate: '2020-01-31' } });
    for (const [i, rx] of rxs.entries()) {
      expect(rx.received).toHaveLength(1);
      const got = rx.received[0]!;
      expect(got).toMatchObject({ event: 'response.overdue', signatureOk: true, answeredWith: 200, key: key(sid, 'rec-square', '2020-01-31', hooks[i]!.id) });
      const body = JSON.parse(got.body) as Record<string, unknown>;
      expect(body).toEqual({
        event: 'response.overdue',
        sessionId: sid,
        session: { title: expect.any(String) },
        recommendation: { id: 'rec-square', roomId: PLENARY, roomName: expect.any(String), title: s.agreedTitles[0], textHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
        response: { status: 'accepted', reason, dueDate: '2020-01-31', answeredAt: expect.any(String), answeredBy: 'an official' },
        overdueSince: new Date(overdue[0]!.at).toISOString(),
        page: `/p/${sid}`,
        log: { sessionId: sid, seq: overdue[0]!.seq, head: overdue[0]!.hash },
      });
      // No one is named: not the official, not a citizen, not the facilitator.
      for (const name of [assembly.officials[0]!, assembly.facilitators[0]!, assembly.citizens[6]!, assembly.citizens[9]!]) expect(got.body).not.toContain(name);
    }
    expect(rxs[0]!.received[0]!.body).toBe(rxs[1]!.received[0]!.body);
    const listed = await deliveries(first.url, sid, s.fac.token);
    expect(listed.map((d) => [d.event, d.publication, d.status])).toEqual([
      ['response.overdue', null, 'delivered'],
      ['response.overdue', null, 'delivered'],
    ]);

    // The view and the export flag it.
    const flagged = () => client.view?.outcome?.agreed.find((a) => a.recommendationId === 'rec-square')?.response?.overdue ?? null;
    await client.waitFor(() => flagged() !== null, 5_000, 'overdue in the view');
    expect(flagged()).toEqual({ dueDate: '2020-01-31', since: overdue[0]!.at });
    const exported = async () =>
      (
        await api<{ outcome: { recommendations: { agreed: { id: string; response: { overdue: unknown } | null }[] } } }>(
          first.url,
          `/api/sessions/${sid}/outcome.json?publication=current`,
          { token: s.fac.token },
        )
      ).body.outcome.recommendations.agreed.find((a) => a.id === 'rec-square')!.response!.overdue;
    expect(await exported()).toEqual({ dueDate: '2020-01-31', since: new Date(overdue[0]!.at).toISOString() });

    // Progress clears the flag, and the same due date is not reminded of again.
    await must(client.send('response.progress', { roomId: PLENARY, recommendationId: 'rec-square', text: 'Contract signed.' }), 'progress');
    await client.waitFor(() => flagged() === null, 5_000, 'flag cleared');
    expect(await exported()).toBeNull();

    // A new answer with a new due date, already past: one more reminder, under its own key.
    await must(client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-square', status: 'partially-accepted', reason, dueDate: '2020-02-29' }), 'answer');
    for (const rx of rxs) await eventually(() => rx.accepted.size === 2, 'the second reminder', 20_000);
    const after = await sessionLog(first.url, sid, s.fac.token);
    expect(after.filter((e) => e.type === 'response.overdue').map((e) => (e.payload as { dueDate: string }).dueDate)).toEqual(['2020-01-31', '2020-02-29']);
    expect(rxs[0]!.received.map((r) => r.key)).toEqual([key(sid, 'rec-square', '2020-01-31', hooks[0]!.id), key(sid, 'rec-square', '2020-02-29', hooks[0]!.id)]);
    // An answer with a due date still to come is not reminded of.
    await must(client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-lanes', status: 'accepted', dueDate: '2999-12-31' }), 'answer');
    await must(client.send('state.sync', {}), 'sync');
    expect((await sessionLog(first.url, sid, s.fac.token)).filter((e) => e.type === 'response.overdue')).toHaveLength(2);
    expect(rxs.map((rx) => rx.received.length)).toEqual([2, 2]);
  }, 120_000);

  test('killed with -9 after the first attempt failed, and again with the outbox rows lost: delivered once, under one key, with the same body', async () => {
    const { dataDir, first, s, rxs, hooks, client } = await setUp(1);
    const sid = s.session.sessionId;
    const [flaky] = rxs as [Awaited<ReturnType<typeof receiver>>];
    await must(
      client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-lanes', status: 'rejected', reason: 'No budget this year.', dueDate: '2021-06-30' }),
      'answer',
    );
    // The first attempt reached the flaky receiver and was answered 500: now the server dies.
    await eventually(() => flaky.received.length >= 1, 'the first attempt', 20_000);
    client.close();
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await spawnServer(dataDir, ENV);
    procs.push(second);
    await eventually(() => flaky.accepted.size === 1, 'delivered after the restart', 20_000);
    const k = key(sid, 'rec-lanes', '2021-06-30', hooks[0]!.id);
    expect(new Set(flaky.received.map((r) => r.key))).toEqual(new Set([k]));
    expect(new Set(flaky.received.map((r) => r.body)).size).toBe(1);
    expect(flaky.received.map((r) => r.answeredWith)).toEqual([500, 200]);
    // The restarted clock did not log the reminder a second time.
    const log = await sessionLog(second.url, sid, s.fac.token);
    expect(log.filter((e) => e.type === 'response.overdue')).toHaveLength(1);
    await eventually(() => rxs[1]!.accepted.size === 1, 'the other webhook', 20_000);

    // As if the server had died between logging the reminder and writing the outbox: the log brings it back.
    second.child.kill('SIGKILL');
    await second.exited;
    const db = new Database(joinPath(dataDir, 'townhall.sqlite'));
    db.exec(
      "DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM outbox WHERE event = 'response.overdue'); DELETE FROM outbox WHERE event = 'response.overdue';",
    );
    db.close();
    const third = await spawnServer(dataDir, ENV);
    procs.push(third);
    await eventually(() => flaky.received.length === 3, 'sent again from the log', 20_000);
    // The same key and the same bytes: the receiver recognises the repeat and accepts it once.
    expect(flaky.received[2]!.key).toBe(k);
    expect(flaky.received[2]!.body).toBe(flaky.received[0]!.body);
    expect(flaky.accepted.size).toBe(1);
    await until(async () => (await deliveries(third.url, sid, s.fac.token)).every((d) => d.status === 'delivered'));
    const listed = await deliveries(third.url, sid, s.fac.token);
    expect(listed.map((d) => d.idempotencyKey).sort()).toEqual([k, key(sid, 'rec-lanes', '2021-06-30', hooks[1]!.id)].sort());
  }, 120_000);

  test('around response.give: wrong roles, malformed due dates, duplicates and a retried request; nobody can send the reminder event', async () => {
    const { first, s, client } = await setUp(0);
    const sid = s.session.sessionId;
    const refused = async (c: ControlClient, name: string, payload: unknown, code: string) => {
      const ack = await c.send(name as never, payload as never);
      expect(ack.ok, `${name} ${JSON.stringify(payload).slice(0, 80)}`).toBe(false);
      if (!ack.ok) expect(ack.error.code).toBe(code);
    };
    const give = { roomId: PLENARY, recommendationId: 'rec-square', status: 'accepted' as const };
    await refused(s.fac.client, 'response.give', { ...give, dueDate: '2020-01-31' }, 'FORBIDDEN');
    const citizen = s.citizens[0]!;
    await refused(citizen.client, 'response.give', { ...give, dueDate: '2020-01-31' }, 'FORBIDDEN');
    for (const dueDate of ['2020-13-01', '2020-02-30', '31/01/2020', '2020-01-31T00:00:00Z', '', 20200131, null, 'x'.repeat(5_000)]) {
      await refused(client, 'response.give', { ...give, dueDate }, 'VALIDATION_FAILED');
    }
    // The reminder is the server's clock's alone.
    await refused(client, 'response.overdue', { roomId: PLENARY, recommendationId: 'rec-square', dueDate: '2020-01-31' }, 'UNKNOWN_COMMAND');

    // A retry with the same request id (a reconnect mid-action) is answered, not done twice; the same answer again is a conflict.
    const payload = { ...give, dueDate: '2020-01-31' } as const;
    const once = await must(client.send('response.give', payload, 'req-overdue-1'), 'answer');
    const retried = await must(client.send('response.give', payload, 'req-overdue-1'), 'retried');
    expect(retried.seq).toBe(once.seq);
    await refused(client, 'response.give', payload, 'CONFLICT');
    await until(async () => (await sessionLog(first.url, sid, s.fac.token)).some((e) => e.type === 'response.overdue'));
    const log = await sessionLog(first.url, sid, s.fac.token);
    expect(log.filter((e) => e.type === 'response.given')).toHaveLength(1);
    expect(log.filter((e) => e.type === 'response.overdue')).toHaveLength(1);
  }, 120_000);
});
