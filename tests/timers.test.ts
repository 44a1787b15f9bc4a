import fc from 'fast-check';
import type { z } from 'zod';
import { describe, expect, test } from 'vitest';
import {
  COMMANDS,
  CommandError,
  PLENARY,
  createSessionSchema,
  dueTimerEvents,
  nextTimerAt,
  reduce,
  type Actor,
  type EventDraft,
  type Role,
  type SessionEvent,
  type SessionState,
} from '../shared/src/index.js';
import { GENESIS_HASH, seal, sha256Hex } from '../server/src/session/chain.js';
import { decide, type DecidableCommand } from '../server/src/session/decide.js';

const T0 = Date.UTC(2025, 2, 1, 9, 0, 0);
const SYSTEM: Actor = { kind: 'system' };

/** A session driven the way SessionHost drives it, with a clock the test controls. */
class Sim {
  readonly log: SessionEvent[] = [];
  state: SessionState;
  now = T0;
  private counter = 0;

  constructor(input: { settings?: Record<string, unknown>; agenda?: { title: string; minutes: number }[] } = {}) {
    const parsed = createSessionSchema.parse({ title: 'Timers', question: 'When?', ...input });
    const created: EventDraft = {
      type: 'session.created',
      payload: {
        title: parsed.title,
        question: parsed.question,
        agenda: parsed.agenda.map((item, i) => ({ ...item, id: `item-${i + 1}` })),
        settings: parsed.settings,
        inviteHashes: { facilitator: sha256Hex('f'), citizen: sha256Hex('c'), observer: sha256Hex('o'), official: sha256Hex('x') },
      },
    };
    const [first] = seal('s-timers', { seq: 0, head: GENESIS_HASH }, [created], { kind: 'operator' }, this.now);
    this.state = reduce(null, first!);
    this.log.push(first!);
  }

  append(drafts: readonly EventDraft[], actor: Actor): void {
    for (const e of seal(this.state.sessionId, this.state, drafts, actor, this.now)) {
      this.state = reduce(this.state, e);
      this.log.push(e);
    }
  }

  join(role: Role, name: string): string {
    const participantId = `p${++this.counter}`;
    this.append([{ type: 'participant.joined', payload: { participantId, role, displayName: name, credentialHash: sha256Hex(participantId), roomId: PLENARY } }], {
      kind: 'participant',
      participantId,
      role,
    });
    return participantId;
  }

  run(actorId: string, name: DecidableCommand, raw: unknown): EventDraft[] {
    const actor = this.state.participants[actorId]!;
    const payload = (COMMANDS[name].schema as z.ZodType).parse(raw);
    const { events } = decide(
      name,
      {
        state: this.state,
        actor,
        now: this.now,
        newId: (prefix) => `${prefix}${++this.counter}`,
        newSecret: () => ({ secret: 'secret', hash: sha256Hex('secret') }),
        shuffle: (items) => [...items],
      },
      payload as never,
    );
    this.append(events, { kind: 'participant', participantId: actor.id, role: actor.role });
    return events;
  }

  /** What the scheduler does when it wakes: fire whatever is due now. */
  fire(): EventDraft[] {
    const due = dueTimerEvents(this.state, this.now);
    this.append(due, SYSTEM);
    return due;
  }

  floor(roomId = PLENARY) {
    return this.state.rooms[roomId]!.floor;
  }
}

function withFloor(settings: Record<string, unknown>) {
  const sim = new Sim({ settings });
  const fac = sim.join('facilitator', 'Mariam');
  const cit = sim.join('citizen', 'Jonas');
  sim.run(fac, 'floor.give', { roomId: PLENARY, participantId: cit });
  return { sim, fac, cit };
}

describe('turn warning', () => {
  test('is due exactly at warnAt, once', () => {
    const { sim, cit } = withFloor({ turnSeconds: 60, warnSeconds: 15 });
    const floor = sim.floor()!;
    expect(floor.warnAt).toBe(T0 + 45_000);
    expect(floor.endsAt).toBe(T0 + 60_000);
    expect(nextTimerAt(sim.state)).toBe(floor.warnAt);

    expect(dueTimerEvents(sim.state, floor.warnAt - 1)).toEqual([]);
    sim.now = floor.warnAt;
    expect(sim.fire()).toEqual([{ type: 'floor.warned', payload: { roomId: PLENARY, participantId: cit } }]);
    expect(sim.floor()!.warned).toBe(true);

    // Not repeated: the next thing that can happen is the expiry.
    expect(dueTimerEvents(sim.state, floor.warnAt)).toEqual([]);
    expect(dueTimerEvents(sim.state, floor.endsAt - 1)).toEqual([]);
    expect(nextTimerAt(sim.state)).toBe(floor.endsAt);
  });

  test('with no warning time there is no warning, only the expiry', () => {
    const { sim, cit } = withFloor({ turnSeconds: 30, warnSeconds: 0 });
    const floor = sim.floor()!;
    expect(floor.warnAt).toBe(floor.endsAt);
    expect(nextTimerAt(sim.state)).toBe(floor.endsAt);
    sim.now = floor.endsAt;
    expect(sim.fire()).toEqual([{ type: 'floor.ended', payload: { roomId: PLENARY, participantId: cit, endedAt: floor.endsAt, reason: 'expired' } }]);
  });

  test('a scheduler that wakes late fires the warning and the expiry together', () => {
    const { sim, cit } = withFloor({ turnSeconds: 60, warnSeconds: 15, onTurnExpiry: 'end' });
    const floor = sim.floor()!;
    sim.now = floor.endsAt + 10_000;
    expect(sim.fire().map((e) => e.type)).toEqual(['floor.warned', 'floor.ended']);
    expect(sim.floor()).toBeNull();
    expect(sim.state.participants[cit]!.speakingMs).toBe(60_000);
  });
});

describe("onTurnExpiry 'end'", () => {
  test('ends the turn at endsAt with reason expired, even when fired late', () => {
    const { sim, cit } = withFloor({ turnSeconds: 90, warnSeconds: 10, onTurnExpiry: 'end' });
    const floor = sim.floor()!;
    sim.now = floor.warnAt;
    sim.fire();
    expect(dueTimerEvents(sim.state, floor.endsAt - 1)).toEqual([]);

    sim.now = floor.endsAt + 4_321; // the timer fired a little late
    expect(sim.fire()).toEqual([{ type: 'floor.ended', payload: { roomId: PLENARY, participantId: cit, endedAt: floor.endsAt, reason: 'expired' } }]);
    expect(sim.floor()).toBeNull();
    expect(sim.state.turns).toEqual([{ roomId: PLENARY, participantId: cit, startedAt: T0, endedAt: floor.endsAt, reason: 'expired', overran: false }]);
    expect(sim.state.participants[cit]!.speakingMs).toBe(90_000);
    expect(nextTimerAt(sim.state)).toBeNull();
    expect(dueTimerEvents(sim.state, sim.now + 3_600_000)).toEqual([]);
  });

  test('uses the length given with the floor rather than the default', () => {
    const { sim, fac } = withFloor({ turnSeconds: 90, warnSeconds: 10 });
    const other = sim.join('citizen', 'Ana');
    sim.now += 1_000;
    sim.run(fac, 'floor.give', { roomId: PLENARY, participantId: other, seconds: 20 });
    const floor = sim.floor()!;
    expect(floor.endsAt).toBe(sim.now + 20_000);
    sim.now = floor.endsAt;
    expect(sim.fire().map((e) => e.type)).toEqual(['floor.warned', 'floor.ended']);
    expect(sim.state.participants[other]!.speakingMs).toBe(20_000);
  });
});

describe("onTurnExpiry 'flag'", () => {
  test('flags the overrun once and leaves the speaker the floor', () => {
    const { sim, fac, cit } = withFloor({ turnSeconds: 60, warnSeconds: 15, onTurnExpiry: 'flag' });
    const floor = sim.floor()!;
    sim.now = floor.warnAt;
    sim.fire();
    expect(dueTimerEvents(sim.state, floor.endsAt - 1)).toEqual([]);

    sim.now = floor.endsAt;
    expect(sim.fire()).toEqual([{ type: 'floor.overran', payload: { roomId: PLENARY, participantId: cit } }]);
    expect(sim.floor()).toMatchObject({ participantId: cit, overran: true });

    // Not repeated, however long they go on.
    for (const later of [floor.endsAt, floor.endsAt + 1, floor.endsAt + 60_000, floor.endsAt + 3_600_000]) {
      expect(dueTimerEvents(sim.state, later)).toEqual([]);
    }
    expect(nextTimerAt(sim.state)).toBeNull();

    sim.now = floor.endsAt + 30_000;
    sim.run(fac, 'floor.end', { roomId: PLENARY });
    expect(sim.state.turns).toEqual([
      { roomId: PLENARY, participantId: cit, startedAt: T0, endedAt: floor.endsAt + 30_000, reason: 'ended-by-facilitator', overran: true },
    ]);
    expect(sim.state.participants[cit]!.speakingMs).toBe(90_000);
  });

  test("an overrun turn is not cut short retroactively when expiry switches to 'end'", () => {
    const { sim, fac, cit } = withFloor({ turnSeconds: 60, warnSeconds: 0, onTurnExpiry: 'flag' });
    const floor = sim.floor()!;
    sim.now = floor.endsAt;
    expect(sim.fire().map((e) => e.type)).toEqual(['floor.overran']);

    // The speaker was allowed to go on; two minutes later the facilitator changes the rule.
    sim.now = floor.endsAt + 120_000;
    sim.run(fac, 'settings.update', { patch: { onTurnExpiry: 'end' } });
    const due = nextTimerAt(sim.state);
    expect(due).not.toBeNull();
    sim.now = Math.max(sim.now, due!);
    expect(sim.fire().map((e) => e.type)).toEqual(['floor.ended']);
    const turn = sim.state.turns[0]!;
    expect(turn).toMatchObject({ participantId: cit, reason: 'expired', overran: true });
    // They did speak until the turn was ended; the record must not stop at the original deadline.
    expect(turn.endedAt).toBe(floor.endsAt + 120_000);
    expect(sim.state.participants[cit]!.speakingMs).toBe(180_000);
  });
});

describe('agenda overrun', () => {
  test('is due once per deadline, and again after an extension passes', () => {
    const sim = new Sim({
      agenda: [
        { title: 'Opening', minutes: 5 },
        { title: 'Discussion', minutes: 30 },
      ],
    });
    const fac = sim.join('facilitator', 'Mariam');
    expect(nextTimerAt(sim.state)).toBeNull();

    sim.now += 1_000;
    sim.run(fac, 'agenda.start', {});
    const deadline = sim.now + 5 * 60_000;
    expect(sim.state.agenda[0]).toMatchObject({ status: 'active', deadline });
    expect(nextTimerAt(sim.state)).toBe(deadline);
    expect(dueTimerEvents(sim.state, deadline - 1)).toEqual([]);

    sim.now = deadline;
    expect(sim.fire()).toEqual([{ type: 'agenda.item-overran', payload: { itemId: 'item-1' } }]);
    expect(sim.state.agenda[0]!.overran).toBe(true);
    expect(dueTimerEvents(sim.state, deadline + 3_600_000)).toEqual([]);
    expect(nextTimerAt(sim.state)).toBeNull();

    // Extended while already over time: the new deadline counts from now.
    sim.now = deadline + 60_000;
    sim.run(fac, 'agenda.extend', { minutes: 2 });
    const extended = sim.now + 2 * 60_000;
    expect(sim.state.agenda[0]).toMatchObject({ deadline: extended, overran: false, extendedMinutes: 2 });
    expect(nextTimerAt(sim.state)).toBe(extended);
    expect(dueTimerEvents(sim.state, extended - 1)).toEqual([]);

    sim.now = extended;
    expect(sim.fire()).toEqual([{ type: 'agenda.item-overran', payload: { itemId: 'item-1' } }]);
    expect(dueTimerEvents(sim.state, extended + 1)).toEqual([]);

    // The next item has its own deadline; the first one's overrun does not leak into it.
    sim.run(fac, 'agenda.next', {});
    expect(sim.state.agenda.map((i) => i.status)).toEqual(['done', 'active']);
    expect(nextTimerAt(sim.state)).toBe(sim.now + 30 * 60_000);
    expect(dueTimerEvents(sim.state, sim.now + 30 * 60_000 - 1)).toEqual([]);
  });

  test('an extension before the deadline moves the deadline out from the old one', () => {
    const sim = new Sim({ agenda: [{ title: 'Opening', minutes: 10 }] });
    const fac = sim.join('facilitator', 'Mariam');
    sim.run(fac, 'agenda.start', {});
    const deadline = sim.now + 10 * 60_000;
    sim.now += 60_000;
    sim.run(fac, 'agenda.extend', { minutes: 5 });
    expect(nextTimerAt(sim.state)).toBe(deadline + 5 * 60_000);
    expect(dueTimerEvents(sim.state, deadline)).toEqual([]);
    sim.now = deadline + 5 * 60_000;
    expect(sim.fire().map((e) => e.type)).toEqual(['agenda.item-overran']);
  });
});

describe('closed sessions', () => {
  test('nothing is due once a session is closed', () => {
    const sim = new Sim({ settings: { turnSeconds: 60, warnSeconds: 10 }, agenda: [{ title: 'Only', minutes: 1 }] });
    const fac = sim.join('facilitator', 'Mariam');
    const cit = sim.join('citizen', 'Jonas');
    sim.run(fac, 'agenda.start', {});
    sim.run(fac, 'floor.give', { roomId: PLENARY, participantId: cit });
    sim.now += 1_000;

    // The closedAt guard on its own: a state with a live floor and a running item, but closed.
    const late = sim.now + 3_600_000;
    expect(dueTimerEvents(sim.state, late).length).toBeGreaterThan(0);
    const closedCopy: SessionState = { ...sim.state, closedAt: sim.now };
    expect(dueTimerEvents(closedCopy, late)).toEqual([]);
    expect(nextTimerAt(closedCopy)).toBeNull();

    // And the real path.
    sim.run(fac, 'session.close', {});
    expect(sim.state.closedAt).toBe(sim.now);
    expect(nextTimerAt(sim.state)).toBeNull();
    expect(dueTimerEvents(sim.state, late)).toEqual([]);
  });
});

describe('several rooms', () => {
  test('each room keeps its own clock and nextTimerAt is the earliest of them', () => {
    const sim = new Sim({ settings: { turnSeconds: 60, warnSeconds: 0 } });
    const fac = sim.join('facilitator', 'Mariam');
    const a = sim.join('citizen', 'Ana');
    const b = sim.join('citizen', 'Bo');
    sim.run(fac, 'rooms.create', { count: 1 });
    sim.run(fac, 'rooms.assign', { assignments: [{ participantId: b, roomId: 'room-1' }] });
    sim.run(fac, 'floor.give', { roomId: PLENARY, participantId: a, seconds: 60 });
    sim.now += 10_000;
    sim.run(fac, 'floor.give', { roomId: 'room-1', participantId: b, seconds: 20 });
    expect(nextTimerAt(sim.state)).toBe(sim.now + 20_000);

    sim.now += 20_000;
    expect(sim.fire()).toEqual([{ type: 'floor.ended', payload: { roomId: 'room-1', participantId: b, endedAt: sim.now, reason: 'expired' } }]);
    expect(sim.floor(PLENARY)?.participantId).toBe(a);
    expect(nextTimerAt(sim.state)).toBe(T0 + 60_000);
  });
});

// ---------------------------------------------------------------------------------------------
// The scheduler loop, against random sessions: it never spins and never misses a timer.

type TimerStep =
  | { k: 'give'; who: number; room: number; seconds: number | null }
  | { k: 'end'; room: number }
  | { k: 'agendaStart' }
  | { k: 'agendaNext' }
  | { k: 'agendaExtend'; minutes: number }
  | { k: 'expiry'; mode: 'end' | 'flag' }
  | { k: 'warn'; seconds: number }
  | { k: 'wait'; ms: number }
  | { k: 'sleep'; ms: number };

const timerStep: fc.Arbitrary<TimerStep> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('give'), who: fc.nat(9), room: fc.nat(2), seconds: fc.option(fc.integer({ min: 10, max: 120 })) }), weight: 4 },
  fc.record({ k: fc.constant('end'), room: fc.nat(2) }),
  fc.record({ k: fc.constant('agendaStart') }),
  fc.record({ k: fc.constant('agendaNext') }),
  fc.record({ k: fc.constant('agendaExtend'), minutes: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ k: fc.constant('expiry'), mode: fc.constantFrom('end' as const, 'flag' as const) }),
  fc.record({ k: fc.constant('warn'), seconds: fc.integer({ min: 0, max: 150 }) }),
  { arbitrary: fc.record({ k: fc.constant('wait'), ms: fc.integer({ min: 0, max: 200_000 }) }), weight: 4 },
  // The clock moves but the scheduler does not run (a busy or sleeping server).
  fc.record({ k: fc.constant('sleep'), ms: fc.integer({ min: 0, max: 200_000 }) }),
) as fc.Arbitrary<TimerStep>;

/** Checks the contract between dueTimerEvents and nextTimerAt at the current moment. */
function checkTimerContract(sim: Sim): void {
  const next = nextTimerAt(sim.state);
  if (next === null) {
    // Nothing is ever due again until something else happens.
    expect(dueTimerEvents(sim.state, sim.now + 10 * 3_600_000)).toEqual([]);
    return;
  }
  // Whenever the scheduler is told to wake, there is something to do then.
  expect(dueTimerEvents(sim.state, Math.max(next, sim.now)).length).toBeGreaterThan(0);
  // And nothing falls due before it says.
  if (next - 1 >= sim.now) expect(dueTimerEvents(sim.state, next - 1)).toEqual([]);
}

/** The SessionHost scheduler, run until the clock reaches `until`; fails if it would spin. */
function runScheduler(sim: Sim, until: number): void {
  for (let wakes = 0; ; wakes++) {
    expect(wakes, 'the scheduler woke too many times without time passing').toBeLessThan(50);
    checkTimerContract(sim);
    const next = nextTimerAt(sim.state);
    if (next === null || next > until) break;
    sim.now = Math.max(sim.now, next);
    const fired = sim.fire();
    expect(fired.length).toBeGreaterThan(0);
    // After firing, nothing is left due at this moment: the next wake is strictly later, or never.
    expect(dueTimerEvents(sim.state, sim.now)).toEqual([]);
    const after = nextTimerAt(sim.state);
    if (after !== null) expect(after).toBeGreaterThan(sim.now);
  }
  sim.now = Math.max(sim.now, until);
}

test('the scheduler never spins and never misses a timer (property)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('end' as const, 'flag' as const),
      fc.integer({ min: 0, max: 60 }),
      fc.array(timerStep, { maxLength: 40 }),
      (onTurnExpiry, warnSeconds, steps) => {
        const sim = new Sim({
          settings: { turnSeconds: 30, warnSeconds, onTurnExpiry },
          agenda: [
            { title: 'One', minutes: 1 },
            { title: 'Two', minutes: 2 },
            { title: 'Three', minutes: 1 },
          ],
        });
        const fac = sim.join('facilitator', 'Mariam');
        const citizens = ['Ana', 'Bo', 'Chen', 'Dara', 'Eli'].map((n) => sim.join('citizen', n));
        sim.run(fac, 'rooms.create', { count: 2 });
        sim.run(fac, 'rooms.assign', {
          assignments: citizens.map((participantId, i) => ({ participantId, roomId: sim.state.roomOrder[i % 3]! })),
        });
        for (const step of steps) {
          try {
            switch (step.k) {
              case 'give': {
                const roomId = sim.state.roomOrder[step.room]!;
                const inRoom = citizens.filter((id) => sim.state.participants[id]!.roomId === roomId);
                const participantId = inRoom[step.who % Math.max(1, inRoom.length)];
                if (participantId) sim.run(fac, 'floor.give', { roomId, participantId, ...(step.seconds ? { seconds: step.seconds } : {}) });
                break;
              }
              case 'end':
                sim.run(fac, 'floor.end', { roomId: sim.state.roomOrder[step.room]! });
                break;
              case 'agendaStart':
                sim.run(fac, 'agenda.start', {});
                break;
              case 'agendaNext':
                sim.run(fac, 'agenda.next', {});
                break;
              case 'agendaExtend':
                sim.run(fac, 'agenda.extend', { minutes: step.minutes });
                break;
              case 'expiry':
                sim.run(fac, 'settings.update', { patch: { onTurnExpiry: step.mode } });
                break;
              case 'warn':
                sim.run(fac, 'settings.update', { patch: { warnSeconds: step.seconds } });
                break;
              case 'wait':
                runScheduler(sim, sim.now + step.ms);
                break;
              case 'sleep':
                sim.now += step.ms;
                break;
            }
          } catch (err) {
            if (!(err instanceof CommandError)) throw err;
          }
          checkTimerContract(sim);
        }
        runScheduler(sim, sim.now + 3_600_000);
      },
    ),
    { numRuns: 150 },
  );
});
