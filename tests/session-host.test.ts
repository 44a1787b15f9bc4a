import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { textHash } from '../server/src/drafting/RoomDoc.js';
import type { DraftReader } from '../server/src/ports/DraftReader.js';
import { SessionHost } from '../server/src/session/SessionHost.js';
import { addRecommendation, createSessionSchema, readRecommendations, type SessionEvent } from '../shared/src/index.js';
import { sessionInput } from './helpers/fixtures.js';
import { hostsOnDisk } from './helpers/hostOnDisk.js';

/** The session host on a real SQLite file with a clock we control, so agenda and turn timers need no waiting. */
describe('session host timers and restarts', () => {
  const onDisk = hostsOnDisk();

  function setup(settings: Record<string, unknown> = {}) {
    const { store, clock, opts } = onDisk();
    const input = createSessionSchema.parse(sessionInput({ settings: { queueRule: 'first-come-first-served', turnSeconds: 60, warnSeconds: 10, ...settings } }));
    return { store, clock, opts, input };
  }

  async function populated(settings: Record<string, unknown> = {}) {
    const env = setup(settings);
    const { host, invites } = await SessionHost.create(env.input, env.opts);
    const fac = await host.join(invites.facilitator, 'Mariam Haddad');
    const cit = await host.join(invites.citizen, 'Øystein Berg');
    return { ...env, host, invites, fac: fac.participant.id, cit: cit.participant.id };
  }

  test('an agenda item that runs past its time box is flagged once, and again after an extension runs out', async () => {
    const { host, clock, fac, store } = await populated();
    await host.execute(fac, 'agenda.start', {});
    const item = host.state.agenda[0]!;
    clock.now = item.deadline! - 1;
    await host.tick();
    expect(host.state.agenda[0]!.overran).toBe(false);
    clock.now = item.deadline!;
    await host.tick();
    await host.tick();
    expect(host.state.agenda[0]!.overran).toBe(true);
    await host.execute(fac, 'agenda.extend', { minutes: 2 });
    expect(host.state.agenda[0]!).toMatchObject({ overran: false, deadline: clock.now + 120_000 });
    clock.now += 120_000;
    await host.tick();
    const events = await store.readEvents(host.id);
    expect(events.filter((e) => e.type === 'agenda.item-overran').map((e) => e.actor)).toEqual([{ kind: 'system' }, { kind: 'system' }]);
    host.dispose();
  });

  test('in "flag" mode an expired turn keeps going and is flagged as overrun, once', async () => {
    const { host, clock, fac, cit, store } = await populated({ onTurnExpiry: 'flag' });
    await host.execute(fac, 'floor.give', { roomId: 'plenary', participantId: cit });
    const floor = host.state.rooms.plenary!.floor!;
    clock.now = floor.warnAt;
    await host.tick();
    expect(host.state.rooms.plenary!.floor).toMatchObject({ warned: true, overran: false });
    clock.now = floor.endsAt + 5000;
    await host.tick();
    await host.tick();
    expect(host.state.rooms.plenary!.floor).toMatchObject({ participantId: cit, overran: true });
    await host.execute(fac, 'floor.end', { roomId: 'plenary' });
    expect(host.state.turns.at(-1)).toMatchObject({ overran: true, reason: 'ended-by-facilitator', endedAt: floor.endsAt + 5000 });
    expect(host.state.participants[cit]!.speakingMs).toBe(65_000);
    const types = (await store.readEvents(host.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'floor.overran')).toHaveLength(1);
    host.dispose();
  });

  test('a turn that expired while the server was down ends at its deadline on restart, not at restart time', async () => {
    const { host, clock, fac, cit, opts } = await populated();
    await host.execute(fac, 'floor.give', { roomId: 'plenary', participantId: cit, seconds: 30 });
    const endsAt = host.state.rooms.plenary!.floor!.endsAt;
    host.dispose();
    clock.now = endsAt + 3_600_000;
    const reloaded = await SessionHost.load(host.id, opts);
    await reloaded.tick();
    expect(reloaded.state.rooms.plenary!.floor).toBeNull();
    expect(reloaded.state.turns.at(-1)).toMatchObject({ participantId: cit, endedAt: endsAt, reason: 'expired' });
    expect(reloaded.state.participants[cit]!.speakingMs).toBe(30_000);
    reloaded.dispose();
  });

  test('joining needs a valid invite and yields a distinct identity per joiner; a rotated invite stops working', async () => {
    const { host, invites, fac } = await populated();
    await expect(host.join('inv_not-a-real-invite-at-all', 'Zoë')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const a = await host.join(invites.citizen, 'Zoë Lefèvre');
    const b = await host.join(invites.citizen, 'Zoë Lefèvre');
    expect(a.participant.id).not.toBe(b.participant.id);
    expect(a.token).not.toBe(b.token);
    expect(host.authenticate(a.token)!.id).toBe(a.participant.id);
    expect(a.token.length).toBeGreaterThanOrEqual(43);
    const rotated = await host.execute(fac, 'invite.rotate', { role: 'citizen' });
    const fresh = (rotated.result as { invite: string }).invite;
    await expect(host.join(invites.citizen, 'Late')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await host.join(fresh, 'Late')).participant.role).toBe('citizen');
    // Existing identities are untouched by the rotation.
    expect(host.authenticate(a.token)).not.toBeNull();
    host.dispose();
  });

  test('a full session refuses joins, and a closed session refuses joins and commands', async () => {
    const { host, invites, fac, cit } = await populated({ maxParticipants: 3 });
    await host.join(invites.observer, 'Local newspaper');
    await expect(host.join(invites.citizen, 'One too many')).rejects.toMatchObject({ code: 'CONFLICT' });
    await host.execute(fac, 'floor.give', { roomId: 'plenary', participantId: cit });
    const closed = await host.execute(fac, 'session.close', {});
    expect(closed.seq).toBe(host.state.seq);
    expect(host.state.closedAt).not.toBeNull();
    expect(host.state.rooms.plenary!.floor).toBeNull();
    await expect(host.execute(cit, 'queue.raise', { kind: 'normal' })).rejects.toMatchObject({ code: 'SESSION_CLOSED' });
    await expect(host.join(invites.facilitator, 'Another')).rejects.toMatchObject({ code: 'SESSION_CLOSED' });
    host.dispose();
  });

  test('a stale writer is refused with CONFLICT and catches up instead of forking the log', async () => {
    const { host, opts, fac, cit } = await populated();
    // A second host on the same log stands in for a second node.
    const other = await SessionHost.load(host.id, opts);
    await other.execute(cit, 'queue.raise', { kind: 'normal' });
    await expect(host.execute(fac, 'agenda.start', {})).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(host.state.seq).toBe(other.state.seq);
    expect(host.state.rooms.plenary!.queue.map((e) => e.participantId)).toEqual([cit]);
    await host.execute(fac, 'agenda.start', {});
    const log: SessionEvent[] = await opts.store.readEvents(host.id);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    host.dispose();
    other.dispose();
  });

  /**
   * The drafting port read from a Y.Doc held here: the real document model and hash,
   * without a socket server (the drafting suites cover that adapter end to end).
   */
  function draftsOf(doc: Y.Doc): DraftReader {
    return {
      snapshot: async (_sessionId, roomId) => ({
        roomId,
        recommendations: readRecommendations(doc).map((r) => ({ ...r, textHash: textHash(r) })),
        amendments: [],
      }),
    };
  }

  async function withRound(settings: Record<string, unknown> = {}) {
    const env = setup({ agreementRule: { minShare: 0.75, topLevels: 2, maxBlocks: 0, minRatings: 1 }, ...settings });
    const doc = new Y.Doc();
    addRecommendation(doc, { id: 'rec-1', title: 'Car-free Saturdays', body: 'Close the centre to cars on Saturdays.', rationale: '' });
    addRecommendation(doc, { id: 'rec-2', title: 'Night buses', body: 'Run night buses on Fridays.', rationale: '' });
    const opts = { ...env.opts, drafts: draftsOf(doc) };
    const { host, invites } = await SessionHost.create(env.input, opts);
    const fac = (await host.join(invites.facilitator, 'Mariam Haddad')).participant.id;
    const cit = (await host.join(invites.citizen, 'Øystein Berg')).participant.id;
    const opened = await host.execute(fac, 'round.open', { roomId: 'plenary', closesInMinutes: 5 });
    const roundId = (opened.result as { roundId: string }).roundId;
    return { ...env, opts, host, fac, cit, roundId };
  }

  test('a round closes itself at its deadline, as the facilitator would close it, and refuses ratings from then on', async () => {
    const { host, clock, cit, roundId, store } = await withRound();
    const closesAt = host.state.rounds[roundId]!.closesAt!;
    expect(closesAt).toBe(clock.now + 5 * 60_000);
    await host.execute(cit, 'round.rate', { roundId, recommendationId: 'rec-1', level: 'full-support' });
    await host.execute(cit, 'round.rate', { roundId, recommendationId: 'rec-2', level: 'block', reason: 'Too late at night.' });
    clock.now = closesAt - 1;
    await host.tick();
    expect(host.state.rounds[roundId]!.closedAt).toBeNull();
    // Between the deadline and the clock's tick, a rating no longer counts.
    clock.now = closesAt;
    await expect(host.execute(cit, 'round.rate', { roundId, recommendationId: 'rec-2', level: 'full-support' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await host.tick();
    await host.tick();
    const round = host.state.rounds[roundId]!;
    expect(round.closedAt).toBe(closesAt);
    expect(round.results!.map((r) => [r.recommendationId, r.agreed])).toEqual([
      ['rec-1', true],
      ['rec-2', false],
    ]);
    expect(Object.values(host.state.locks).map((l) => l.recommendationId)).toEqual(['rec-1']);
    const events = await store.readEvents(host.id);
    const closing = events.filter((e) => e.type === 'round.closed' || e.type === 'recommendation.locked');
    expect(closing.map((e) => [e.type, e.actor.kind])).toEqual([
      ['round.closed', 'system'],
      ['recommendation.locked', 'system'],
    ]);
    host.dispose();
  });

  test('a round whose deadline passed while the server was down is closed when it starts again', async () => {
    const { host, clock, cit, roundId, opts } = await withRound();
    await host.execute(cit, 'round.rate', { roundId, recommendationId: 'rec-1', level: 'full-support' });
    host.dispose();
    clock.now += 60 * 60_000;
    const restarted = await SessionHost.load(host.id, opts);
    await restarted.tick();
    expect(restarted.state.rounds[roundId]).toMatchObject({ closedAt: clock.now, cancelled: false });
    expect(Object.keys(restarted.state.locks)).toHaveLength(1);
    restarted.dispose();
  });

  test('a withdrawn or cancelled round is not closed by its deadline', async () => {
    const { host, clock, fac, roundId, store } = await withRound();
    await host.execute(fac, 'round.withdraw', { roundId, recommendationId: 'rec-2' });
    await host.execute(fac, 'round.cancel', { roundId });
    clock.now += 10 * 60_000;
    await host.tick();
    const types = (await store.readEvents(host.id)).map((e) => e.type);
    expect(types.filter((t) => t.startsWith('round.'))).toEqual(['round.opened', 'round.withdrawn', 'round.cancelled']);
    expect(host.state.rounds[roundId]).toMatchObject({ cancelled: true, withdrawn: ['rec-2'], results: [] });
    host.dispose();
  });
});
