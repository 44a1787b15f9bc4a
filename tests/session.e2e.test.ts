import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ControlClient } from '../client/src/ControlClient.js';
import { verifyChain } from '../server/src/session/chain.js';
import type { SessionEvent } from '../shared/src/index.js';
import { api, connect, createSession, joinAndConnect, type CreatedSession } from './helpers/clients.js';
import { allCaughtUp, ok, refused, sleep } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { startServer, type RunningServer } from './helpers/server.js';

/**
 * One scripted session over real sockets: a facilitator, three citizens and an
 * observer go through every feature of the session engine in order.
 */
describe('a scripted session', () => {
  let server: RunningServer;
  let session: CreatedSession;
  type Member = Awaited<ReturnType<typeof joinAndConnect>>;
  let fac: Member, c1: Member, c2: Member, c3: Member, obs: Member;
  let everyone: ControlClient[];
  const names = { c1: assembly.citizens[0]!, c2: assembly.citizens[6]!, c3: assembly.citizens[9]! };

  const sync = async (seq: number) => allCaughtUp(seq, ...everyone);
  const plenary = (c: Member) => c.client.view!.rooms.find((r) => r.id === 'plenary')!;
  const queueOf = (c: Member, roomId = 'plenary') => c.client.view!.rooms.find((r) => r.id === roomId)!.queue.map((e) => e.participantId);
  const stats = (id: string) => fac.client.view!.participants!.find((p) => p.participantId === id)!;

  beforeAll(async () => {
    server = await startServer();
    session = await createSession(server.url);
    fac = await joinAndConnect(server.url, session, 'facilitator', assembly.facilitators[0]!);
    c1 = await joinAndConnect(server.url, session, 'citizen', names.c1);
    c2 = await joinAndConnect(server.url, session, 'citizen', names.c2);
    c3 = await joinAndConnect(server.url, session, 'citizen', names.c3);
    obs = await joinAndConnect(server.url, session, 'observer', assembly.observers[0]!);
    everyone = [fac.client, c1.client, c2.client, c3.client, obs.client];
  });

  afterAll(async () => {
    everyone.forEach((c) => c.close());
    await server.stop();
  });

  test('joining: everyone is present, online, in the plenary, under their own identity', async () => {
    await fac.client.waitFor((c) => c.view!.participants!.filter((p) => p.online).length === 5, 5000, 'all online');
    // Citizens in the plenary get head counts, not a list of names.
    await c1.client.waitFor((c) => c.presence?.rooms.find((r) => r.id === 'plenary')?.online === 5, 5000, 'all online for c1');
    expect(c1.client.presence).toMatchObject({ members: 5, online: 5 });
    expect(c1.client.members('plenary')).toEqual([]);
    const ids = new Set([fac, c1, c2, c3, obs].map((m) => m.participantId));
    expect(ids.size).toBe(5);
    expect(c2.client.me).toMatchObject({ participantId: c2.participantId, role: 'citizen', displayName: names.c2, roomId: 'plenary', canSpeak: true });
    const members = fac.client.members('plenary');
    expect(members.map((m) => m.displayName).sort()).toEqual([assembly.facilitators[0], names.c1, names.c2, names.c3, assembly.observers[0]].sort());
    expect(members.every((m) => m.online)).toBe(true);
    // Only facilitators get the participant list with speaking-time accounting.
    expect(c1.client.view!.participants).toBeNull();
    expect(obs.client.view!.participants).toBeNull();
  });

  test('agenda: start, extend and advance with absolute server deadlines', async () => {
    const before = Date.now();
    await sync(ok(await fac.client.send('agenda.start', {})));
    const item1 = c1.client.view!.agenda[0]!;
    expect(item1).toMatchObject({ status: 'active', title: assembly.agenda[0]!.title });
    expect(item1.deadline! - item1.startedAt!).toBe(assembly.agenda[0]!.minutes * 60_000);
    expect(item1.startedAt!).toBeGreaterThanOrEqual(before - 1000);
    expect(Math.abs(c1.client.view!.serverTime - Date.now())).toBeLessThan(60_000);

    await sync(ok(await fac.client.send('agenda.extend', { minutes: 5 })));
    expect(c2.client.view!.agenda[0]).toMatchObject({ extendedMinutes: 5, deadline: item1.deadline! + 5 * 60_000 });

    await sync(ok(await fac.client.send('agenda.next', {})));
    expect(obs.client.view!.agenda.map((i) => i.status).slice(0, 3)).toEqual(['done', 'active', 'pending']);
    refused(await c1.client.send('agenda.next', {}), 'FORBIDDEN');
  });

  test('queue: points of order first, each person sees their position and why', async () => {
    ok(await c1.client.send('queue.raise', { kind: 'normal' }));
    ok(await c2.client.send('queue.raise', { kind: 'normal' }));
    const seq = ok(await c3.client.send('queue.raise', { kind: 'point-of-order' }));
    refused(await c1.client.send('queue.raise', { kind: 'normal' }), 'CONFLICT');
    await sync(seq);
    expect(queueOf(c1)).toEqual([c3.participantId, c1.participantId, c2.participantId]);
    const mine = plenary(c2).queue.find((e) => e.participantId === c2.participantId)!;
    expect(mine.position).toBe(3);
    expect(mine.reason).toEqual({ code: 'speaking-time', speakingMs: 0 });
    expect(plenary(c2).queue[0]!.reason).toEqual({ code: 'point-of-order' });
    expect(plenary(c2).rule).toBe('least-speaking-time-first');
    expect(plenary(obs).queue.find((e) => e.participantId === c3.participantId)!.kind).toBe('point-of-order');
  });

  test('floor: next speaker, yield, chosen speaker, end; speaking time is accounted', async () => {
    await sync(ok(await fac.client.send('floor.give', { roomId: 'plenary' })));
    expect(plenary(c3).floor).toMatchObject({ participantId: c3.participantId, displayName: names.c3 });
    expect(plenary(c3).floor!.endsAt - plenary(c3).floor!.startedAt).toBe(assembly.turnSeconds * 1000);
    expect(queueOf(c3)).not.toContain(c3.participantId);
    await sleep(60);
    refused(await c1.client.send('floor.yield', {}), 'CONFLICT');
    await sync(ok(await c3.client.send('floor.yield', {})));
    expect(plenary(c1).floor).toBeNull();

    await sync(ok(await fac.client.send('floor.give', { roomId: 'plenary', participantId: c1.participantId })));
    expect(plenary(c2).floor!.participantId).toBe(c1.participantId);
    await sleep(150);
    await sync(ok(await fac.client.send('floor.end', { roomId: 'plenary' })));

    const s1 = stats(c1.participantId);
    const s3 = stats(c3.participantId);
    expect(s1.turns).toBe(1);
    expect(s3.turns).toBe(1);
    expect(s1.speakingMs).toBeGreaterThanOrEqual(150);
    expect(s3.speakingMs).toBeGreaterThanOrEqual(60);
    expect(stats(c2.participantId)).toMatchObject({ turns: 0, speakingMs: 0 });
    expect(queueOf(fac)).toEqual([c2.participantId]);
  });

  test('ordering rules are data: least time, first come, first-time speakers, and facilitator moves', async () => {
    ok(await fac.client.send('queue.clear', { roomId: 'plenary' }));
    ok(await c1.client.send('queue.raise', { kind: 'normal' }));
    ok(await c3.client.send('queue.raise', { kind: 'normal' }));
    await sync(ok(await c2.client.send('queue.raise', { kind: 'normal' })));
    // Least speaking time: c2 never spoke, then c1 and c3 by the time the server accounted
    // (a loaded machine can stretch c3's short turn, so the order comes from the record, not from the sleeps).
    const spoken = [c1, c3].sort((a, b) => stats(a.participantId).speakingMs - stats(b.participantId).speakingMs);
    expect(stats(spoken[0]!.participantId).speakingMs).toBeLessThan(stats(spoken[1]!.participantId).speakingMs);
    expect(queueOf(c1)).toEqual([c2.participantId, ...spoken.map((m) => m.participantId)]);

    await sync(ok(await fac.client.send('queue.setRule', { roomId: 'plenary', rule: 'first-come-first-served' })));
    expect(queueOf(c1)).toEqual([c1.participantId, c3.participantId, c2.participantId]);
    expect(plenary(c1).queue[0]!.reason).toEqual({ code: 'arrival' });

    await sync(ok(await fac.client.send('queue.setRule', { roomId: 'plenary', rule: 'first-time-speakers-first' })));
    expect(queueOf(c3)).toEqual([c2.participantId, c1.participantId, c3.participantId]);
    expect(plenary(c3).queue.map((e) => e.reason.code)).toEqual(['first-time-speaker', 'has-spoken-before', 'has-spoken-before']);

    await sync(ok(await fac.client.send('queue.move', { roomId: 'plenary', participantId: c2.participantId, position: 3 })));
    expect(queueOf(c2)).toEqual([c1.participantId, c3.participantId, c2.participantId]);
    expect(plenary(c2).queue[2]!.reason).toEqual({ code: 'placed-by-facilitator' });

    await sync(ok(await fac.client.send('queue.remove', { roomId: 'plenary', participantId: c3.participantId })));
    expect(queueOf(c3)).toEqual([c1.participantId, c2.participantId]);
    await sync(ok(await c1.client.send('queue.lower', {})));
    refused(await c1.client.send('queue.lower', {}), 'CONFLICT');
    await sync(ok(await fac.client.send('queue.clear', { roomId: 'plenary' })));
    expect(queueOf(c1)).toEqual([]);
  });

  test('direct replies go ahead of normal requests while someone speaks', async () => {
    ok(await c2.client.send('queue.raise', { kind: 'normal' }));
    ok(await fac.client.send('floor.give', { roomId: 'plenary', participantId: c1.participantId }));
    await sync(ok(await c3.client.send('queue.raise', { kind: 'direct-reply' })));
    expect(queueOf(c1)).toEqual([c3.participantId, c2.participantId]);
    expect(plenary(c1).queue[0]!.reason).toEqual({ code: 'direct-reply' });
    // Giving the floor to the next person ends the current turn.
    await sync(ok(await fac.client.send('floor.give', { roomId: 'plenary' })));
    expect(plenary(c2).floor!.participantId).toBe(c3.participantId);
    expect(stats(c1.participantId).turns).toBe(2);
    await sync(ok(await fac.client.send('queue.clear', { roomId: 'plenary' })));
    await sync(ok(await fac.client.send('floor.end', { roomId: 'plenary' })));
  });

  test('timed turns: a warning, then the turn ends at its deadline', async () => {
    await sync(ok(await fac.client.send('settings.update', { patch: { warnSeconds: 2 } })));
    const turnsBefore = stats(c2.participantId).turns;
    await sync(ok(await fac.client.send('floor.give', { roomId: 'plenary', participantId: c2.participantId, seconds: 10 })));
    const floor = plenary(c2).floor!;
    expect(floor.endsAt - floor.startedAt).toBe(10_000);
    await c2.client.waitFor((c) => c.room()!.floor?.warned === true, 15_000, 'turn warning');
    await c2.client.waitFor((c) => c.room()!.floor === null, 15_000, 'turn expiry');
    await fac.client.waitFor((c) => c.view!.participants!.find((p) => p.participantId === c2.participantId)!.turns === turnsBefore + 1, 5000, 'turn accounted');
    // Ended at the deadline, not whenever the timer happened to fire: exactly the turn length.
    const log = await downloadLog();
    const ended = log.filter((e) => e.type === 'floor.ended' && e.payload.participantId === c2.participantId).at(-1)!;
    expect(ended).toMatchObject({ actor: { kind: 'system' }, payload: { reason: 'expired', endedAt: floor.endsAt } });
    const warned = log.filter((e) => e.type === 'floor.warned' && e.payload.participantId === c2.participantId).at(-1)!;
    expect(warned.actor).toEqual({ kind: 'system' });
    expect(warned.at).toBeGreaterThanOrEqual(floor.endsAt - 2000);
    expect(warned.seq).toBeLessThan(ended.seq);
  });

  test('Q&A: pre-moderation, anonymity towards others, one upvote each, live and answered', async () => {
    const asked = await c1.client.send('qa.ask', { text: assembly.questions[0]!, anonymous: false });
    const q1 = (asked as { result: { questionId: string } }).result.questionId;
    await sync(ok(asked));
    expect(plenary(c2).questions).toEqual([]);
    expect(c1.client.me!.myQuestions).toEqual([{ id: q1, status: 'pending', text: assembly.questions[0] }]);
    expect(plenary(fac).questions.map((q) => q.status)).toEqual(['pending']);
    refused(await c1.client.send('qa.ask', { text: assembly.questions[0]!, anonymous: false }), 'CONFLICT');

    await sync(ok(await fac.client.send('qa.moderate', { questionId: q1, status: 'approved' })));
    expect(plenary(c2).questions).toMatchObject([{ id: q1, authorName: names.c1, status: 'approved', upvotes: 0 }]);

    const asked2 = await c2.client.send('qa.ask', { text: assembly.questions[1]!, anonymous: true });
    const q2 = (asked2 as { result: { questionId: string } }).result.questionId;
    await sync(ok(await fac.client.send('qa.moderate', { questionId: q2, status: 'approved' })));
    const anon = plenary(c1).questions.find((q) => q.id === q2)!;
    expect(anon).toMatchObject({ anonymous: true, authorName: null });
    expect(JSON.stringify(c1.client.view)).not.toContain(`${c2.participantId}","anonymous"`);
    // The author is still in the log.
    const logged = (await downloadLog()).find((e) => e.type === 'qa.asked' && e.payload.questionId === q2)!;
    expect(logged.payload).toMatchObject({ authorId: c2.participantId, anonymous: true });

    ok(await c1.client.send('qa.upvote', { questionId: q2 }));
    refused(await c1.client.send('qa.upvote', { questionId: q2 }), 'CONFLICT');
    // Its author may not upvote it, anonymous or not: support is what others give.
    const own = await c2.client.send('qa.upvote', { questionId: q2 });
    refused(own, 'CONFLICT');
    if (!own.ok) expect(own.error.message).toBe('You cannot upvote your own question.');
    await sync(ok(await c3.client.send('qa.upvote', { questionId: q2 })));
    expect(plenary(obs).questions.find((q) => q.id === q2)!.upvotes).toBe(2);
    expect(c1.client.me!.upvoted).toEqual([q2]);
    await sync(ok(await c3.client.send('qa.unvote', { questionId: q2 })));
    expect(plenary(obs).questions.find((q) => q.id === q2)!.upvotes).toBe(1);

    await sync(ok(await fac.client.send('qa.moderate', { questionId: q1, status: 'live' })));
    await sync(ok(await fac.client.send('qa.moderate', { questionId: q2, status: 'live' })));
    expect(plenary(c3).questions.map((q) => [q.id, q.status])).toEqual([
      [q1, 'approved'],
      [q2, 'live'],
    ]);
    await sync(ok(await fac.client.send('qa.moderate', { questionId: q2, status: 'answered' })));
    await sync(ok(await fac.client.send('qa.moderate', { questionId: q1, status: 'hidden' })));
    expect(plenary(c3).questions.map((q) => q.id)).toEqual([q2]);
    expect(plenary(fac).questions.map((q) => q.status)).toEqual(['hidden', 'answered']);
    await c1.client.waitFor((c) => c.me!.myQuestions[0]?.status === 'hidden', 5000, 'author sees hidden');

    await sync(ok(await fac.client.send('settings.update', { patch: { qaPremoderation: false } })));
    await sync(ok(await c3.client.send('qa.ask', { text: assembly.questions[2]!, anonymous: false })));
    expect(plenary(c2).questions.map((q) => q.text)).toContain(assembly.questions[2]);
  });

  test('moderation: revoking and restoring the right to speak', async () => {
    ok(await c3.client.send('queue.raise', { kind: 'normal' }));
    await sync(ok(await fac.client.send('participant.revokeSpeaking', { participantId: c3.participantId })));
    expect(queueOf(c1)).not.toContain(c3.participantId);
    expect(c3.client.me!.canSpeak).toBe(false);
    refused(await c3.client.send('queue.raise', { kind: 'normal' }), 'FORBIDDEN');
    refused(await fac.client.send('floor.give', { roomId: 'plenary', participantId: c3.participantId }), 'CONFLICT');
    await sync(ok(await fac.client.send('participant.restoreSpeaking', { participantId: c3.participantId })));
    await c3.client.waitFor((c) => c.me!.canSpeak, 5000, 'restored');
    ok(await c3.client.send('queue.raise', { kind: 'normal' }));
    await sync(ok(await c3.client.send('queue.lower', {})));
  });

  test('breakouts: create, assign, shuffle, live moves, separate queues and Q&A, recall', async () => {
    const created = await fac.client.send('rooms.create', { count: 2, names: ['Room Nord', 'Room Süd'] });
    expect((created as { result: { roomIds: string[] } }).result.roomIds).toEqual(['room-1', 'room-2']);
    await sync(ok(created));
    expect(c1.client.view!.roomDirectory.map((r) => r.name)).toEqual(['Plenary', 'Room Nord', 'Room Süd']);

    ok(await c1.client.send('queue.raise', { kind: 'normal' }));
    await sync(ok(await fac.client.send('rooms.assign', { assignments: [{ participantId: c1.participantId, roomId: 'room-1' }] })));
    // The move is live: a new view of the new room, and the plenary hand is dropped.
    expect(c1.client.me!.roomId).toBe('room-1');
    expect(c1.client.view!.rooms.map((r) => r.id)).toEqual(['room-1']);
    expect(queueOf(fac)).not.toContain(c1.participantId);
    expect(c2.client.view!.rooms.map((r) => r.id)).toEqual(['plenary']);
    // Names follow the move: c1 sees its small breakout room's members; the staff list has c1 there; the counts follow.
    await c1.client.waitFor((c) => c.members().length === 1, 5000, 'breakout members');
    expect(c1.client.members().map((m) => m.participantId)).toEqual([c1.participantId]);
    await fac.client.waitFor((c) => c.members('room-1').some((m) => m.participantId === c1.participantId), 5000, 'staff list');
    await c2.client.waitFor((c) => c.presence?.rooms.find((r) => r.id === 'room-1')?.members === 1, 5000, 'counts');

    await sync(ok(await c1.client.send('queue.raise', { kind: 'normal' })));
    expect(queueOf(c1, 'room-1')).toEqual([c1.participantId]);
    expect(queueOf(fac, 'room-1')).toEqual([c1.participantId]);
    expect(queueOf(fac, 'plenary')).toEqual([]);
    const q = await c1.client.send('qa.ask', { text: 'Breakout question: what about night buses?', anonymous: false });
    await sync(ok(q));
    expect(plenary(c2).questions.map((x) => x.text)).not.toContain('Breakout question: what about night buses?');
    await sync(ok(await fac.client.send('floor.give', { roomId: 'room-1' })));
    expect(c1.client.room()!.floor!.participantId).toBe(c1.participantId);

    await sync(ok(await fac.client.send('rooms.shuffle', {})));
    const rooms = [c1, c2, c3].map((c) => c.client.me!.roomId);
    expect(rooms.every((r) => r === 'room-1' || r === 'room-2')).toBe(true);
    expect(new Set(rooms).size).toBe(2);
    for (const c of [c1, c2, c3]) expect(c.client.view!.rooms.map((r) => r.id)).toEqual([c.client.me!.roomId]);
    expect(obs.client.me!.roomId).toBe('plenary');

    await sync(ok(await fac.client.send('rooms.recall', {})));
    for (const c of [c1, c2, c3]) {
      expect(c.client.me!.roomId).toBe('plenary');
      expect(c.client.view!.rooms.map((r) => r.id)).toEqual(['plenary']);
    }
    expect(fac.client.view!.rooms.filter((r) => r.kind === 'breakout').every((r) => !r.open && r.floor === null && r.queue.length === 0)).toBe(true);
    expect(c1.client.view!.roomDirectory.map((r) => r.id)).toEqual(['plenary']);
    refused(await fac.client.send('rooms.recall', {}), 'CONFLICT');
  });

  test('presence: going offline and coming back with the full state', async () => {
    c2.client.close();
    await fac.client.waitFor((c) => c.view!.participants!.find((p) => p.participantId === c2.participantId)!.online === false, 5000, 'c2 offline');
    // While c2 is away, things happen.
    const seq = ok(await c1.client.send('queue.raise', { kind: 'point-of-order' }));
    const back = await connect(server.url, { sessionId: session.sessionId, token: c2.token });
    everyone[everyone.indexOf(c2.client)] = back;
    c2 = { ...c2, client: back };
    expect(back.view!.seq).toBeGreaterThanOrEqual(seq);
    expect(queueOf(c2)).toEqual([c1.participantId]);
    expect(back.me!.participantId).toBe(c2.participantId);
    await fac.client.waitFor((c) => c.view!.participants!.find((p) => p.participantId === c2.participantId)!.online, 5000, 'c2 online');
    await sync(ok(await c1.client.send('queue.lower', {})));
  });

  test('removal: the credential stops working and the connection closes', async () => {
    const seq = ok(await fac.client.send('participant.remove', { participantId: c3.participantId }));
    await c3.client.waitFor((c) => !c.socket.connected, 5000, 'c3 disconnected');
    expect(c3.client.notices).toContainEqual({ kind: 'removed' });
    everyone = everyone.filter((c) => c !== c3.client);
    await sync(seq);
    expect(fac.client.view!.participants!.map((p) => p.participantId)).not.toContain(c3.participantId);
    const me = await api(server.url, `/api/sessions/${session.sessionId}/me`, { token: c3.token });
    expect(me.status).toBe(401);
    await expect(connect(server.url, { sessionId: session.sessionId, token: c3.token })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    refused(await fac.client.send('participant.remove', { participantId: fac.participantId }), 'CONFLICT');
  });

  test('the log is a complete, verifiable hash chain of everything that happened', async () => {
    const log = await downloadLog();
    expect(verifyChain(log)).toEqual({ ok: true, count: log.length, head: log.at(-1)!.hash });
    expect(log.length).toBe(server.townhall.registry.get(session.sessionId)!.state.seq);
    const types = new Set(log.map((e) => e.type));
    for (const t of [
      'session.created',
      'participant.joined',
      'agenda.item-started',
      'agenda.item-extended',
      'queue.hand-raised',
      'queue.moved',
      'floor.granted',
      'floor.warned',
      'floor.ended',
      'qa.asked',
      'qa.upvoted',
      'qa.status-set',
      'rooms.created',
      'rooms.assigned',
      'rooms.recalled',
      'participant.removed',
      'participant.speaking-revoked',
    ]) {
      expect(types, t).toContain(t);
    }
    // Every facilitator action is an event with the facilitator as actor.
    expect(log.filter((e) => e.actor.kind === 'participant' && e.actor.role === 'facilitator').length).toBeGreaterThan(20);
    const forbidden = await api(server.url, `/api/sessions/${session.sessionId}/log`, { token: c1.token });
    expect(forbidden.status).toBe(403);
  });

  async function downloadLog(): Promise<SessionEvent[]> {
    const res = await api<string>(server.url, `/api/sessions/${session.sessionId}/log`, { token: fac.token });
    expect(res.status).toBe(200);
    return String(res.body)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as SessionEvent);
  }
});
