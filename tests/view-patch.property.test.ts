/**
 * Property: patches between views (shared/src/viewPatch.ts) rebuild every view
 * exactly, whatever changes in between; and a client's ViewStream detects every
 * lost or reordered patch instead of applying it to the wrong view.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { applyViewPatch, diffView, ViewStream, type ViewPatchMessage } from '../shared/src/index.js';

type Item = { participantId: string; name: string; online: boolean; score: number; position?: number };
type Room = {
  id: string;
  name: string;
  open: boolean;
  queue: Item[];
  questions: { id: string; text: string; upvotes: number }[];
  floor: { participantId: string; endsAt: number } | null;
};
type View = { rev: number; seq: number; serverTime: number; title: string; rooms: Room[]; participants: Item[] | null; agenda: { title: string; minutes: number }[] };

type Mutation =
  | { k: 'title'; text: string }
  | { k: 'join'; n: number }
  | { k: 'leave'; i: number }
  | { k: 'toggle'; i: number }
  | { k: 'raise'; r: number; i: number; front: boolean }
  | { k: 'lower'; r: number; i: number }
  | { k: 'shuffle'; r: number; seed: number }
  | { k: 'ask'; r: number; n: number }
  | { k: 'upvote'; r: number; q: number }
  | { k: 'floor'; r: number; i: number | null }
  | { k: 'room'; n: number }
  | { k: 'agenda'; minutes: number }
  | { k: 'staff'; on: boolean };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ k: fc.constant('title' as const), text: fc.string({ maxLength: 8 }) }),
  fc.record({ k: fc.constant('join' as const), n: fc.nat(10_000) }),
  fc.record({ k: fc.constant('leave' as const), i: fc.nat(50) }),
  fc.record({ k: fc.constant('toggle' as const), i: fc.nat(50) }),
  fc.record({ k: fc.constant('raise' as const), r: fc.nat(3), i: fc.nat(50), front: fc.boolean() }),
  fc.record({ k: fc.constant('lower' as const), r: fc.nat(3), i: fc.nat(50) }),
  fc.record({ k: fc.constant('shuffle' as const), r: fc.nat(3), seed: fc.nat(1000) }),
  fc.record({ k: fc.constant('ask' as const), r: fc.nat(3), n: fc.nat(10_000) }),
  fc.record({ k: fc.constant('upvote' as const), r: fc.nat(3), q: fc.nat(20) }),
  fc.record({ k: fc.constant('floor' as const), r: fc.nat(3), i: fc.option(fc.nat(50), { nil: null }) }),
  fc.record({ k: fc.constant('room' as const), n: fc.nat(100) }),
  fc.record({ k: fc.constant('agenda' as const), minutes: fc.integer({ min: 1, max: 90 }) }),
  fc.record({ k: fc.constant('staff' as const), on: fc.boolean() }),
);

const numbered = (queue: Item[]) => queue.map((e, i) => ({ ...e, position: i + 1 }));

/** The next view, built fresh (no shared objects), as the server's projection would. */
function mutate(v: View, m: Mutation, people: Item[]): View {
  const next: View = structuredClone(v);
  next.seq += 1;
  const room = next.rooms[('r' in m ? m.r : 0) % next.rooms.length]!;
  const person = (i: number) => people[i % Math.max(1, people.length)];
  switch (m.k) {
    case 'title':
      next.title = m.text;
      break;
    case 'join':
      people.push({ participantId: `p${m.n}-${people.length}`, name: `P ${m.n}`, online: true, score: 0 });
      break;
    case 'leave':
      if (people.length) people.splice(m.i % people.length, 1);
      break;
    case 'toggle': {
      const p = person(m.i);
      if (p) p.online = !p.online;
      break;
    }
    case 'raise': {
      const p = person(m.i);
      if (p && !room.queue.some((e) => e.participantId === p.participantId)) {
        const entry = { ...p };
        if (m.front) room.queue.unshift(entry);
        else room.queue.push(entry);
      }
      break;
    }
    case 'lower':
      if (room.queue.length) room.queue.splice(m.i % room.queue.length, 1);
      break;
    case 'shuffle':
      room.queue.sort((a, b) => ((a.participantId.length * 31 + m.seed) % 7) - ((b.participantId.length * 17 + m.seed) % 5));
      break;
    case 'ask':
      room.questions.push({ id: `q${m.n}-${room.questions.length}`, text: `Question ${m.n}`, upvotes: 0 });
      break;
    case 'upvote': {
      const q = room.questions[m.q % Math.max(1, room.questions.length)];
      if (q) q.upvotes += 1;
      break;
    }
    case 'floor': {
      const p = m.i === null ? undefined : person(m.i);
      room.floor = p ? { participantId: p.participantId, endsAt: next.seq * 1000 } : null;
      break;
    }
    case 'room':
      next.rooms.push({ id: `room-${m.n}-${next.rooms.length}`, name: `Room ${m.n}`, open: true, queue: [], questions: [], floor: null });
      break;
    case 'agenda':
      next.agenda.push({ title: 'Item', minutes: m.minutes });
      break;
    case 'staff':
      next.participants = m.on ? [] : null;
      break;
  }
  for (const r of next.rooms) r.queue = numbered(r.queue);
  if (next.participants) next.participants = people.map((p) => ({ ...p }));
  return next;
}

const start = (): View => ({
  rev: 1,
  seq: 1,
  serverTime: 0,
  title: 'Plenary',
  rooms: [{ id: 'plenary', name: 'Plenary', open: true, queue: [], questions: [], floor: null }],
  participants: [],
  agenda: [],
});

describe('view patches', () => {
  test('applying each patch in order to the first full view gives the full view at every step', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 60 }), (mutations) => {
        const people: Item[] = [];
        let server = start();
        let client = structuredClone(server);
        for (const m of mutations) {
          const next = mutate(server, m, people);
          const patch = diffView(server, next);
          if (patch) client = applyViewPatch(client, patch);
          expect(client).toEqual(next);
          // The patch never costs more than the view it describes.
          expect(JSON.stringify(patch ?? {}).length).toBeLessThanOrEqual(JSON.stringify(next).length + 64);
          server = next;
        }
      }),
      { numRuns: 500 },
    );
  });

  test('one hand raised at the front of a long queue costs one entry, not the queue', () => {
    const people: Item[] = Array.from({ length: 500 }, (_, i) => ({ participantId: `p${i}`, name: `Person ${i}`, online: true, score: 0 }));
    let view = start();
    for (let i = 0; i < 499; i++) view = mutate(view, { k: 'raise', r: 0, i, front: false }, people);
    const next = mutate(view, { k: 'raise', r: 0, i: 499, front: true }, people);
    const patch = diffView(view, next)!;
    expect(applyViewPatch(view, patch)).toEqual(next);
    expect(JSON.stringify(patch).length).toBeLessThan(JSON.stringify(next).length / 5);
  });

  test('a roster that grew at the end costs its newcomers and its changed entries; a duplicate key falls back to the full diff', () => {
    const roster: Item[] = Array.from({ length: 2000 }, (_, i) => ({ participantId: `p${i}`, name: `Person ${i}`, online: true, score: 0 }));
    const grown = [...roster, { participantId: 'p2000', name: 'Newcomer', online: true, score: 0 }];
    grown[7] = { ...roster[7]!, online: false };
    const before = { participants: roster };
    const after = { participants: grown };
    const patch = diffView(before, after)!;
    expect(patch).toEqual({ participants: { list: { key: 'participantId', add: [grown[2000]], change: { p7: { online: { set: false } } } } } });
    expect(applyViewPatch(before, patch)).toEqual(after);
    // A key seen twice is not a keyed list: the whole list is sent as a value, never a patch that would merge the two.
    const twice = { participants: [...roster, { ...roster[3]! }] };
    expect(diffView(before, twice)).toEqual({ participants: { set: twice.participants } });
  });

  test('a client stream applies patches in order and reports every lost or reordered one as a gap', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 2, maxLength: 40 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (mutations, delivered) => {
        const people: Item[] = [];
        let server = start();
        const stream = new ViewStream<View>();
        stream.full(structuredClone(server));
        let lost = false;
        mutations.forEach((m, i) => {
          const next = { ...mutate(server, m, people), rev: server.rev + 1 };
          const patch = diffView(server, next);
          if (!patch) return;
          const message: ViewPatchMessage = { baseRev: server.rev, rev: next.rev, seq: next.seq, serverTime: 0, patch };
          server = next;
          if (!delivered[i]) {
            lost = true;
            return;
          }
          const result = stream.patch(message);
          if (lost) {
            // After a loss, nothing applies until the client resyncs with a full view.
            expect(result).toBe('gap');
            stream.full(structuredClone(server));
            lost = false;
          } else {
            expect(result).toBe('applied');
          }
          expect(stream.view).toEqual(server);
        });
      }),
      { numRuns: 300 },
    );
  });
});
