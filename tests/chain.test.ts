import { describe, expect, test } from 'vitest';
import { PLENARY, createSessionSchema, reduce, replay, type Actor, type EventDraft, type SessionEvent, type SessionState } from '../shared/src/index.js';
import { sessionCreated } from '../server/src/session/decide.js';
import { GENESIS_HASH, hashEvent, seal, sha256Hex, verifyChain } from '../server/src/session/chain.js';

const T0 = Date.UTC(2025, 2, 1, 9, 0, 0);

/** A short but varied log: creation, joins, a hand, a turn, a question. */
function buildLog(sessionId: string): SessionEvent[] {
  const input = createSessionSchema.parse({ title: 'Chain', question: 'Is it intact?', agenda: [{ title: 'Only', minutes: 5 }] });
  const log: SessionEvent[] = [];
  let state: SessionState | null = null;
  let now = T0;
  const append = (drafts: EventDraft[], actor: Actor) => {
    const events = seal(sessionId, state ?? { seq: 0, head: GENESIS_HASH }, drafts, actor, now);
    for (const e of events) {
      state = reduce(state, e);
      log.push(e);
    }
    now += 1_000;
  };
  const fac: Actor = { kind: 'participant', participantId: 'p1', role: 'facilitator' };
  const cit: Actor = { kind: 'participant', participantId: 'p2', role: 'citizen' };
  append([sessionCreated(input, { facilitator: sha256Hex('f'), citizen: sha256Hex('c'), observer: sha256Hex('o'), official: sha256Hex('x') })], { kind: 'operator' });
  append(
    [{ type: 'participant.joined', payload: { participantId: 'p1', role: 'facilitator', displayName: 'Mariam', credentialHash: sha256Hex('t1'), roomId: PLENARY } }],
    fac,
  );
  append(
    [{ type: 'participant.joined', payload: { participantId: 'p2', role: 'citizen', displayName: 'Jonas', credentialHash: sha256Hex('t2'), roomId: PLENARY } }],
    cit,
  );
  append([{ type: 'queue.hand-raised', payload: { roomId: PLENARY, participantId: 'p2', kind: 'normal' } }], cit);
  // Two events sealed together, as one command produces them.
  append(
    [
      { type: 'queue.hand-lowered', payload: { roomId: PLENARY, participantId: 'p2', reason: 'given-floor' } },
      { type: 'floor.granted', payload: { roomId: PLENARY, participantId: 'p2', endsAt: now + 90_000, warnAt: now + 75_000 } },
    ],
    fac,
  );
  append([{ type: 'floor.ended', payload: { roomId: PLENARY, participantId: 'p2', endedAt: now, reason: 'yielded' } }], cit);
  append([{ type: 'qa.asked', payload: { roomId: PLENARY, questionId: 'q1', authorId: 'p2', anonymous: true, text: 'Why?', approved: false } }], cit);
  append([{ type: 'qa.status-set', payload: { questionId: 'q1', status: 'approved' } }], fac);
  return log;
}

const original = buildLog('s-one');
const fresh = () => structuredClone(original);
const at = (log: SessionEvent[], seq: number) => log.find((e) => e.seq === seq)!;

describe('verifyChain', () => {
  test('accepts the intact log and reports its length and head', () => {
    expect(original.map((e) => `${e.seq}:${e.type}`)).toEqual([
      '1:session.created',
      '2:participant.joined',
      '3:participant.joined',
      '4:queue.hand-raised',
      '5:queue.hand-lowered',
      '6:floor.granted',
      '7:floor.ended',
      '8:qa.asked',
      '9:qa.status-set',
    ]);
    expect(verifyChain(original)).toEqual({ ok: true, count: 9, head: original[8]!.hash });
    // The head is what the reducer records too.
    expect(verifyChain(original)).toMatchObject({ head: replay(original)!.head });
    // Through JSON, as it is stored and exported.
    expect(verifyChain(JSON.parse(JSON.stringify(original)) as SessionEvent[])).toMatchObject({ ok: true, count: 9 });
  });

  test('detects an edited payload', () => {
    const log = fresh();
    const e = at(log, 8);
    if (e.type !== 'qa.asked') throw new Error('fixture changed');
    e.payload.anonymous = false; // de-anonymise a question after the fact
    expect(verifyChain(log)).toMatchObject({ ok: false, seq: 8, reason: expect.stringMatching(/hash/) });
  });

  test('detects an edited payload deep inside the first event', () => {
    const log = fresh();
    const e = log[0]!;
    if (e.type !== 'session.created') throw new Error('fixture changed');
    e.payload.settings.turnSeconds += 1;
    expect(verifyChain(log)).toMatchObject({ ok: false, seq: 1 });
  });

  test('detects an edited time', () => {
    const log = fresh();
    at(log, 4).at -= 60_000;
    expect(verifyChain(log)).toMatchObject({ ok: false, seq: 4, reason: expect.stringMatching(/hash/) });
  });

  test('detects an edited actor', () => {
    const log = fresh();
    at(log, 9).actor = { kind: 'participant', participantId: 'p2', role: 'citizen' };
    expect(verifyChain(log)).toMatchObject({ ok: false, seq: 9 });
  });

  test('detects a deleted event', () => {
    for (const seq of [1, 2, 5, 6, 8]) {
      const log = fresh().filter((e) => e.seq !== seq);
      const check = verifyChain(log);
      expect(check.ok, `deleting seq ${seq}`).toBe(false);
      if (!check.ok) expect(check.seq).toBe(seq + 1);
    }
  });

  test('detects a deleted event even when the sequence numbers are rewritten to close the gap', () => {
    const log = fresh().filter((e) => e.seq !== 4);
    for (const e of log) if (e.seq > 4) e.seq -= 1;
    expect(verifyChain(log)).toMatchObject({ ok: false, seq: 4 });
  });

  test('a truncated log is a valid prefix, but its head no longer matches', () => {
    const log = fresh().slice(0, -1);
    const check = verifyChain(log);
    expect(check).toMatchObject({ ok: true, count: 8 });
    if (check.ok) expect(check.head).not.toBe(original.at(-1)!.hash);
  });

  test('detects two swapped events', () => {
    const log = fresh();
    [log[3], log[4]] = [log[4]!, log[3]!];
    expect(verifyChain(log)).toMatchObject({ ok: false, seq: 5 });
  });

  test('detects two swapped events even when their sequence numbers are swapped back', () => {
    const log = fresh();
    [log[3], log[4]] = [log[4]!, log[3]!];
    [log[3]!.seq, log[4]!.seq] = [4, 5];
    expect(verifyChain(log)).toMatchObject({ ok: false, seq: 4 });
  });

  test('detects a forged hash: an edited event re-hashed, but not its successor', () => {
    const log = fresh();
    const e = at(log, 7);
    if (e.type !== 'floor.ended') throw new Error('fixture changed');
    e.payload.endedAt += 600_000; // claim a longer turn
    const { hash: _old, ...rest } = e;
    e.hash = hashEvent(rest);
    const check = verifyChain(log);
    expect(check).toMatchObject({ ok: false, seq: 8, reason: expect.stringMatching(/prevHash/) });
  });

  test('a forgery that re-hashes every later event as well is still a different chain', () => {
    const log = fresh();
    const e = at(log, 7);
    if (e.type !== 'floor.ended') throw new Error('fixture changed');
    e.payload.endedAt += 600_000;
    let prev = at(log, 6).hash;
    for (const later of log.filter((x) => x.seq >= 7)) {
      later.prevHash = prev;
      const { hash: _old, ...rest } = later;
      later.hash = hashEvent(rest);
      prev = later.hash;
    }
    const check = verifyChain(log);
    // Internally consistent, so only an independently kept head can tell: and it does.
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.head).not.toBe(original.at(-1)!.hash);
  });

  test('detects an event from another session', () => {
    const other = buildLog('s-two');
    // Same seq, same kind of event, sealed by the other session.
    const log = fresh();
    log[4] = structuredClone(other[4]!);
    expect(verifyChain(log)).toMatchObject({ ok: false, seq: 5 });

    // Even with the session id rewritten and re-linked, the hash gives it away.
    const relabelled = fresh();
    relabelled[4] = { ...structuredClone(other[4]!), sessionId: 's-one', prevHash: relabelled[3]!.hash };
    expect(verifyChain(relabelled)).toMatchObject({ ok: false, seq: 5 });
  });

  test('reports another session by name when the event is otherwise well-formed', () => {
    const log = fresh();
    // An event that is correctly hashed and linked, but claims another session.
    const { hash: _h, ...rest } = { ...log[4]!, sessionId: 's-two' };
    log[4] = { ...rest, hash: hashEvent(rest) } as SessionEvent;
    expect(verifyChain(log)).toMatchObject({ ok: false, seq: 5, reason: expect.stringMatching(/another session/) });
  });

  test('checks a tail against the head it claims to continue (a snapshot’s)', () => {
    const log = fresh();
    const snapAt = log[4]!;
    const tail = log.slice(5);
    expect(verifyChain(tail, { seq: snapAt.seq, head: snapAt.hash })).toEqual({ ok: true, count: 4, head: original.at(-1)!.hash });
    // The same tail does not continue any other point of the log.
    expect(verifyChain(tail, { seq: snapAt.seq, head: log[3]!.hash })).toMatchObject({ ok: false, seq: 6, reason: expect.stringMatching(/prevHash/) });
    expect(verifyChain(tail, { seq: snapAt.seq - 1, head: snapAt.hash })).toMatchObject({ ok: false, seq: 6, reason: expect.stringMatching(/expected seq/) });
    // A tail with an event missing at its start is caught as well.
    expect(verifyChain(log.slice(6), { seq: snapAt.seq, head: snapAt.hash })).toMatchObject({ ok: false, seq: 7 });
  });

  test('the two sessions differ only in their ids, and each is valid on its own', () => {
    const other = buildLog('s-two');
    expect(verifyChain(other)).toMatchObject({ ok: true, count: 9 });
    expect(other[0]!.hash).not.toBe(original[0]!.hash);
  });
});
