import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  HAND_KINDS,
  QUEUE_RULES,
  RULE_DESCRIPTIONS,
  explainReason,
  rankQueue,
  type HandKind,
  type QueueEntry,
  type QueueReason,
  type QueueRule,
} from '../shared/src/index.js';

type Stats = { speakingMs: number; turns: number };

function entry(participantId: string, raisedSeq: number, kind: HandKind = 'normal', pinned: QueueEntry['pinned'] = null): QueueEntry {
  return { participantId, kind, raisedAt: 1_000_000 + raisedSeq * 1_000, raisedSeq, pinned };
}

const order = (entries: QueueEntry[], rule: QueueRule, stats: Record<string, Stats> = {}) => rankQueue(entries, rule, stats).map((r) => r.entry.participantId);

/** Shuffled input: the ranking must not depend on the order the array happens to be in. */
function scrambled<T>(items: T[]): T[] {
  return items
    .map((x, i) => [x, (i * 7 + 3) % items.length] as const)
    .sort((a, b) => a[1] - b[1])
    .map(([x]) => x);
}

describe('first come, first served', () => {
  test('orders by when the hand was raised, whatever anyone has spoken', () => {
    const entries = [entry('ana', 14), entry('bo', 3), entry('chen', 9), entry('dara', 21)];
    const stats = { bo: { speakingMs: 900_000, turns: 9 }, dara: { speakingMs: 0, turns: 0 } };
    expect(order(entries, 'first-come-first-served', stats)).toEqual(['bo', 'chen', 'ana', 'dara']);
    const ranked = rankQueue(entries, 'first-come-first-served', stats);
    expect(ranked.map((r) => r.position)).toEqual([1, 2, 3, 4]);
    expect(ranked.map((r) => r.reason)).toEqual(Array(4).fill({ code: 'arrival' }));
  });
});

describe('first-time speakers first', () => {
  test('those who have not spoken go ahead, first come first served within each group', () => {
    const stats = {
      ana: { speakingMs: 10_000, turns: 1 },
      bo: { speakingMs: 0, turns: 0 },
      chen: { speakingMs: 500_000, turns: 4 },
      dara: { speakingMs: 0, turns: 0 },
      eli: { speakingMs: 1_000, turns: 1 },
    };
    const entries = scrambled([entry('ana', 1), entry('bo', 2), entry('chen', 3), entry('dara', 4), entry('eli', 5)]);
    expect(order(entries, 'first-time-speakers-first', stats)).toEqual(['bo', 'dara', 'ana', 'chen', 'eli']);
    const reasons = Object.fromEntries(rankQueue(entries, 'first-time-speakers-first', stats).map((r) => [r.entry.participantId, r.reason]));
    expect(reasons).toEqual({
      bo: { code: 'first-time-speaker' },
      dara: { code: 'first-time-speaker' },
      ana: { code: 'has-spoken-before', turns: 1 },
      chen: { code: 'has-spoken-before', turns: 4 },
      eli: { code: 'has-spoken-before', turns: 1 },
    });
  });

  test('someone with no recorded stats counts as a first-time speaker', () => {
    const stats = { ana: { speakingMs: 5_000, turns: 1 } };
    expect(order([entry('ana', 1), entry('ghost', 2)], 'first-time-speakers-first', stats)).toEqual(['ghost', 'ana']);
  });
});

describe('least speaking time first', () => {
  test('whoever has spoken least goes first; ties by arrival', () => {
    const stats = {
      ana: { speakingMs: 120_000, turns: 1 },
      bo: { speakingMs: 30_000, turns: 3 },
      chen: { speakingMs: 0, turns: 0 },
      dara: { speakingMs: 30_000, turns: 1 },
      eli: { speakingMs: 29_999, turns: 5 },
    };
    const entries = scrambled([entry('ana', 1), entry('bo', 2), entry('chen', 3), entry('dara', 4), entry('eli', 5)]);
    expect(order(entries, 'least-speaking-time-first', stats)).toEqual(['chen', 'eli', 'bo', 'dara', 'ana']);
    const ranked = rankQueue(entries, 'least-speaking-time-first', stats);
    expect(ranked.map((r) => r.reason)).toEqual([
      { code: 'speaking-time', speakingMs: 0 },
      { code: 'speaking-time', speakingMs: 29_999 },
      { code: 'speaking-time', speakingMs: 30_000 },
      { code: 'speaking-time', speakingMs: 30_000 },
      { code: 'speaking-time', speakingMs: 120_000 },
    ]);
  });
});

describe.each(QUEUE_RULES)('under %s', (rule) => {
  // Stats chosen so that every rule would otherwise put the late, talkative points of order last.
  const stats: Record<string, Stats> = {
    early: { speakingMs: 0, turns: 0 },
    mid: { speakingMs: 0, turns: 0 },
    poo1: { speakingMs: 900_000, turns: 12 },
    poo2: { speakingMs: 800_000, turns: 10 },
    reply1: { speakingMs: 700_000, turns: 8 },
    reply2: { speakingMs: 1_000, turns: 1 },
  };
  const entries = scrambled([
    entry('early', 1),
    entry('reply2', 2, 'direct-reply'),
    entry('mid', 3),
    entry('poo2', 4, 'point-of-order'),
    entry('reply1', 5, 'direct-reply'),
    entry('poo1', 6, 'point-of-order'),
  ]);

  test('points of order come first, in the order they were raised', () => {
    const ranked = rankQueue(entries, rule, stats);
    expect(ranked.slice(0, 2).map((r) => r.entry.participantId)).toEqual(['poo2', 'poo1']);
    expect(ranked.slice(0, 2).map((r) => r.reason)).toEqual([{ code: 'point-of-order' }, { code: 'point-of-order' }]);
  });

  test('direct replies come right after points of order, ahead of normal requests', () => {
    const ranked = rankQueue(entries, rule, stats);
    expect(ranked.slice(2, 4).map((r) => r.entry.participantId)).toEqual(['reply2', 'reply1']);
    expect(ranked.slice(2, 4).map((r) => r.reason)).toEqual([{ code: 'direct-reply' }, { code: 'direct-reply' }]);
    expect(ranked.slice(4).map((r) => r.entry.participantId)).toEqual(['early', 'mid']);
  });

  test('every entry appears exactly once, numbered 1..n, and the input is left alone', () => {
    const before = structuredClone(entries);
    const ranked = rankQueue(entries, rule, stats);
    expect(ranked.map((r) => r.position)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(ranked.map((r) => r.entry.participantId)).size).toBe(6);
    expect(entries).toEqual(before);
  });

  test('an entry the facilitator placed keeps its place as others arrive', () => {
    const moved = entry('moved', 7, 'normal', { position: 2, seq: 50 });
    const base = [entry('a', 1), entry('b', 2), entry('c', 3), moved];
    expect(order(base, rule)).toEqual(['a', 'moved', 'b', 'c']);
    // A point of order raised later goes ahead of everyone but the placed entry.
    const later = [...base, entry('poo', 60, 'point-of-order'), entry('d', 61)];
    const ranked = rankQueue(later, rule, {});
    expect(ranked.map((r) => r.entry.participantId)).toEqual(['poo', 'moved', 'a', 'b', 'c', 'd']);
    expect(ranked[1]!.reason).toEqual({ code: 'placed-by-facilitator' });
    expect(ranked[0]!.reason).toEqual({ code: 'point-of-order' });
  });

  test('placed entries: later placements win, and a place past the end means last', () => {
    const entries2 = [
      entry('a', 1),
      entry('b', 2),
      entry('first-placed', 3, 'normal', { position: 1, seq: 10 }),
      entry('second-placed', 4, 'normal', { position: 1, seq: 20 }),
      entry('far', 5, 'point-of-order', { position: 99, seq: 30 }),
    ];
    const ranked = rankQueue(scrambled(entries2), rule, {});
    expect(ranked.map((r) => r.entry.participantId)).toEqual(['second-placed', 'first-placed', 'a', 'b', 'far']);
    // A placed point of order is explained by its placement, not its kind.
    expect(ranked.map((r) => r.reason.code)).toEqual(['placed-by-facilitator', 'placed-by-facilitator', expect.any(String), expect.any(String), 'placed-by-facilitator']);
  });
});

test('under every rule, for any queue, the order is the documented one (property)', () => {
  const arbEntries = fc.uniqueArray(
    fc.record({ id: fc.integer({ min: 0, max: 30 }), kind: fc.constantFrom(...HAND_KINDS), turns: fc.nat(5), speakingMs: fc.nat(600_000) }),
    { selector: (r) => r.id, maxLength: 15 },
  );
  const rank = { 'point-of-order': 0, 'direct-reply': 1, normal: 2 } as const;
  fc.assert(
    fc.property(fc.constantFrom(...QUEUE_RULES), arbEntries, fc.uniqueArray(fc.nat(10_000), { minLength: 15, maxLength: 15 }), (rule, raw, seqs) => {
      const entries = raw.map((r, i) => entry(`p${r.id}`, seqs[i]!, r.kind));
      const stats = Object.fromEntries(raw.map((r) => [`p${r.id}`, { turns: r.turns, speakingMs: r.speakingMs }]));
      const ranked = rankQueue(entries, rule, stats);
      const ids = (xs: QueueEntry[]) => xs.map((e) => e.participantId).sort();
      expect(ids(ranked.map((r) => r.entry))).toEqual(ids(entries));
      for (let i = 1; i < ranked.length; i++) {
        const a = ranked[i - 1]!.entry;
        const b = ranked[i]!.entry;
        expect(rank[a.kind]).toBeLessThanOrEqual(rank[b.kind]);
        if (a.kind !== b.kind) continue;
        const sa = stats[a.participantId]!;
        const sb = stats[b.participantId]!;
        let key = 0;
        if (a.kind === 'normal' && rule === 'first-time-speakers-first') key = (sa.turns > 0 ? 1 : 0) - (sb.turns > 0 ? 1 : 0);
        if (a.kind === 'normal' && rule === 'least-speaking-time-first') key = sa.speakingMs - sb.speakingMs;
        expect(key).toBeLessThanOrEqual(0);
        if (key === 0) expect(a.raisedSeq).toBeLessThan(b.raisedSeq);
      }
      // The ranking is a function of the entries, not of their order in the array.
      expect(rankQueue([...entries].reverse(), rule, stats).map((r) => r.entry.participantId)).toEqual(ranked.map((r) => r.entry.participantId));
    }),
    { numRuns: 300 },
  );
});

describe('plain-words explanations', () => {
  test('every rule has a distinct description in words, not its code', () => {
    const seen = new Set<string>();
    for (const rule of QUEUE_RULES) {
      const text = RULE_DESCRIPTIONS[rule];
      expect(typeof text).toBe('string');
      expect(text.trim().length).toBeGreaterThan(20);
      expect(text).not.toContain(rule);
      expect(text).toMatch(/points of order/i);
      seen.add(text);
    }
    expect(seen.size).toBe(QUEUE_RULES.length);
    expect(Object.keys(RULE_DESCRIPTIONS).sort()).toEqual([...QUEUE_RULES].sort());
  });

  // A Record over every code, so a new reason that is not covered here fails to compile.
  const examples: Record<QueueReason['code'], QueueReason> = {
    'point-of-order': { code: 'point-of-order' },
    'direct-reply': { code: 'direct-reply' },
    'placed-by-facilitator': { code: 'placed-by-facilitator' },
    arrival: { code: 'arrival' },
    'first-time-speaker': { code: 'first-time-speaker' },
    'has-spoken-before': { code: 'has-spoken-before', turns: 3 },
    'speaking-time': { code: 'speaking-time', speakingMs: 125_400 },
  };

  test.each(Object.values(examples))('explains $code in words', (reason) => {
    const text = explainReason(reason);
    expect(text.trim().length).toBeGreaterThan(10);
    expect(text).not.toContain(reason.code);
    expect(text).not.toMatch(/undefined|NaN|\[object/);
  });

  test('explanations are distinct and carry the numbers that matter', () => {
    const texts = Object.values(examples).map(explainReason);
    expect(new Set(texts).size).toBe(texts.length);
    expect(explainReason({ code: 'has-spoken-before', turns: 3 })).toContain('3');
    expect(explainReason({ code: 'has-spoken-before', turns: 7 })).toContain('7');
    expect(explainReason({ code: 'speaking-time', speakingMs: 125_400 })).toContain('125');
    expect(explainReason({ code: 'speaking-time', speakingMs: 0 })).toContain('0');
  });

  test('every reason rankQueue can give has an explanation', () => {
    const entries = [entry('a', 1), entry('b', 2, 'point-of-order'), entry('c', 3, 'direct-reply'), entry('d', 4, 'normal', { position: 1, seq: 9 }), entry('e', 5)];
    const stats = { e: { speakingMs: 40_000, turns: 2 } };
    const codes = new Set<string>();
    for (const rule of QUEUE_RULES) {
      for (const r of rankQueue(entries, rule, stats)) {
        codes.add(r.reason.code);
        expect(explainReason(r.reason).length).toBeGreaterThan(10);
      }
    }
    expect([...codes].sort()).toEqual(Object.keys(examples).sort());
  });
});
