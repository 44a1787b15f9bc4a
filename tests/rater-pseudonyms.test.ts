import { createHash, createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AGREEMENT_LEVELS,
  COMMANDS,
  PLENARY,
  canonicalRecommendation,
  createSessionSchema,
  projectSession,
  reduce,
  type EventDraft,
  type OutcomeDocument,
  type SessionEvent,
  type SessionState,
} from '../shared/src/index.js';
import { exportState, signExport } from '../server/src/outcome/exportDocument.js';
import { ratingsCsv } from '../server/src/outcome/formats/csv.js';
import { SigningKey } from '../server/src/outcome/SigningKey.js';
import { verifyExport } from '../server/src/outcome/verifyExport.js';
import { GENESIS_HASH, seal } from '../server/src/session/chain.js';
import { decide, draftRoomFor, type DecidableCommand } from '../server/src/session/decide.js';
import { joinAndConnect } from './helpers/clients.js';
import { must } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { runScriptedSession, type ScriptedSession } from './helpers/outcome.js';
import { startServer, type RunningServer } from './helpers/server.js';

/*
 * "Checked over many random sessions": hundreds of sessions through the real decider
 * and reducer, each exported as the server exports it, and the rater numbers put
 * against join order, the roster's order, the participation table's "Citizen N" and
 * another export's numbering. Independence is judged by a chi-square test on the
 * position × number table pooled over all sessions, and by the mean rank correlation.
 * Seeds and the signing key are fixed, so the test is deterministic; the bounds are
 * generous (a chi-square of twice its degrees of freedom), and each check is run once
 * against a numbering that does follow the order in question, to show that it fails then.
 */

const SESSIONS = 300;
const CITIZENS = 8;
const DF = (CITIZENS - 1) ** 2;
/** Under independence a chi-square with 49 degrees of freedom exceeds 98 with probability below 1e-4. */
const CHI_SQUARE_BOUND = 2 * DF;
const CORRELATION_BOUND = 0.1;

/** mulberry32: a small seeded generator, so every run builds the same sessions. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], rng: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** An Ed25519 key from a fixed seed: PKCS#8 is a fixed 16-byte prefix and the 32-byte seed. */
function fixedKey(seedByte: number): SigningKey {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, seedByte)]);
  return SigningKey.fromPem(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString());
}

const RECS = ['rec-a', 'rec-b'];
const NAMES = ['Aoife', 'Björn', 'Chidi', 'Dagmar', 'Émile', 'Farida', 'Grzegorz', 'Hana', 'Ines', 'Jomo', 'Kalani', 'Lucía', 'Mehmet', 'Nadia', 'Olu', 'Pita'];

interface Simulated {
  log: SessionEvent[];
  /** After the round closed, and after one more event: the states two publications would export. */
  first: SessionState;
  second: SessionState;
  joinOrder: string[];
  /** The breakout room's members as a citizen in it sees them. */
  roster: string[];
}

/** A session through the same decide → seal → reduce path as the server. */
function simulate(seed: number): Simulated {
  const rng = random(seed);
  const log: SessionEvent[] = [];
  let state: SessionState | undefined;
  let now = Date.UTC(2026, 2, 1);
  let ids = 0;
  const append = (actor: SessionEvent['actor'], drafts: EventDraft[]) => {
    const events = seal(`s_sim${seed}`, state ?? { seq: 0, head: GENESIS_HASH }, drafts, actor, (now += 1000));
    for (const e of events) state = reduce(state ?? null, e);
    log.push(...events);
  };
  const command = <N extends DecidableCommand>(actorId: string, name: N, raw: unknown) => {
    const actor = state!.participants[actorId]!;
    const payload = COMMANDS[name].schema.parse(raw);
    const room = draftRoomFor(name, payload, state!);
    const draft = room
      ? {
          roomId: room,
          amendments: [],
          recommendations: RECS.map((id) => {
            const text = { id, title: `Title ${id}`, body: `Body ${id}`, rationale: '' };
            return { ...text, textHash: createHash('sha256').update(canonicalRecommendation(text)).digest('hex') };
          }),
        }
      : undefined;
    const { events, result } = decide(
      name,
      {
        state: state!,
        actor,
        now,
        draft,
        newId: (p) => `${p}_${ids++}`,
        newSecret: () => ({ secret: 's', hash: 'h' }),
        shuffle: (xs) => [...xs],
      },
      payload as never,
    );
    append({ kind: 'participant', participantId: actorId, role: actor.role }, events);
    return result as Record<string, string>;
  };

  const input = createSessionSchema.parse({ title: 'T', question: 'Q?' });
  append({ kind: 'operator' }, [
    {
      type: 'session.created',
      payload: {
        title: input.title,
        question: input.question,
        agenda: [],
        settings: input.settings,
        inviteHashes: { facilitator: 'a', citizen: 'b', observer: 'c', official: 'd' },
      },
    },
  ]);
  // Participant ids are random on the server (9 random bytes); so are these, from the seed.
  const randomId = () => `p_${Array.from({ length: 12 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[Math.floor(rng() * 64)]).join('')}`;
  const fac = randomId();
  const joinOrder = Array.from({ length: CITIZENS }, randomId);
  const names = shuffled(NAMES, rng).slice(0, CITIZENS);
  const people: [string, 'facilitator' | 'citizen', string][] = [
    [fac, 'facilitator', 'Facilitator'],
    ...joinOrder.map((id, i): [string, 'citizen', string] => [id, 'citizen', names[i]!]),
  ];
  for (const [pid, role, displayName] of people) {
    append({ kind: 'participant', participantId: pid, role }, [
      { type: 'participant.joined', payload: { participantId: pid, role, displayName, credentialHash: pid, roomId: 'plenary' } },
    ]);
  }

  // Everyone speaks once, in a random order, for a different length of time.
  const seconds = shuffled(
    Array.from({ length: CITIZENS }, (_, i) => 20 + 7 * i),
    rng,
  );
  shuffled(joinOrder, rng).forEach((pid, i) => {
    command(pid, 'queue.raise', {});
    command(fac, 'floor.give', { roomId: 'plenary', participantId: pid, seconds: 600 });
    now += seconds[i]! * 1000 - 1000;
    command(fac, 'floor.end', { roomId: 'plenary' });
  });

  const { roomIds } = command(fac, 'rooms.create', { count: 1 }) as unknown as { roomIds: string[] };
  const room = roomIds?.[0] ?? state!.roomOrder.find((id) => id !== 'plenary')!;
  command(fac, 'rooms.assign', { assignments: joinOrder.map((participantId) => ({ participantId, roomId: room })) });
  const roster = projectSession(state!, { kind: 'room', roomId: room }, { has: () => true }).rooms[0]!.members!.map((m) => m.participantId);

  const { roundId } = command(fac, 'round.open', { roomId: room, recommendationIds: RECS });
  // Citizens rate in a random order; the reason names them, so the test can read off each one's pseudonym.
  for (const pid of shuffled(joinOrder, rng)) {
    for (const rec of RECS) {
      const level = AGREEMENT_LEVELS[Math.floor(rng() * AGREEMENT_LEVELS.length)]!;
      command(pid, 'round.rate', { roundId, recommendationId: rec, level, reason: `rated by ${pid}` });
    }
  }
  command(fac, 'round.close', { roundId });
  const first = structuredClone(state!);
  command(fac, 'round.setStatement', { roundId, text: 'Done.' });
  return { log, first, second: state!, joinOrder, roster };
}

/** participantId → rater number (1…), read from the export's own rows. */
function raterNumbers(doc: OutcomeDocument): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const row of doc.outcome.ratings) numbers.set(row.reason!.replace('rated by ', ''), Number(row.rater.replace('Rater ', '')));
  return numbers;
}

/** participantId → "Citizen N" number in the participation table, found by their speaking time (all different). */
function participationNumbers(doc: OutcomeDocument, state: SessionState, citizens: readonly string[]): Map<string, number> {
  const bySeconds = new Map(doc.outcome.participation.people.map((p) => [p.speakingSeconds, Number(p.pseudonym.replace('Citizen ', ''))]));
  return new Map(citizens.map((pid) => [pid, bySeconds.get(Math.round(state.participants[pid]!.speakingMs / 1000))!]));
}

/** Pooled over sessions: how often position i (0-based) got number j (1-based). Pearson's chi-square against independence. */
function chiSquare(pairs: readonly (readonly [number, number])[]): number {
  const table = Array.from({ length: CITIZENS }, () => new Array<number>(CITIZENS).fill(0));
  for (const [i, j] of pairs) table[i]![j - 1]! += 1;
  const expected = pairs.length / (CITIZENS * CITIZENS);
  return table.flat().reduce((acc, observed) => acc + (observed - expected) ** 2 / expected, 0);
}

/** Spearman's rank correlation of one session's positions and numbers (both permutations of 0…n−1 / 1…n). */
function spearman(pairs: readonly (readonly [number, number])[]): number {
  const n = pairs.length;
  const d2 = pairs.reduce((acc, [i, j]) => acc + (i - (j - 1)) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

interface Comparison {
  chi: number;
  meanRho: number;
}

function compare(sessions: readonly (readonly (readonly [number, number])[])[]): Comparison {
  return { chi: chiSquare(sessions.flat()), meanRho: sessions.reduce((a, s) => a + spearman(s), 0) / sessions.length };
}

const independent = (c: Comparison) => c.chi < CHI_SQUARE_BOUND && Math.abs(c.meanRho) < CORRELATION_BOUND;

describe('rater pseudonyms, checked over many random sessions', () => {
  const key = fixedKey(7);
  const run = (i: number) => {
    const sim = simulate(1000 + i);
    const first = exportState(sim.first, key);
    const second = exportState(sim.second, key);
    return { sim, first, second, raters: raterNumbers(first), raters2: raterNumbers(second), people: participationNumbers(first, sim.first, sim.joinOrder) };
  };
  let runs: ReturnType<typeof run>[] = [];
  beforeAll(() => {
    runs = Array.from({ length: SESSIONS }, (_, i) => run(i));
  });
  /** For each session, (position of each citizen in `order`, their number in `numbers`). */
  const against = (order: (r: (typeof runs)[number]) => readonly string[], numbers: (r: (typeof runs)[number]) => Map<string, number>) =>
    compare(runs.map((r) => order(r).map((pid, i) => [i, numbers(r).get(pid)!] as const)));

  test('every session rates fully: each citizen is one rater, numbered 1…n, and the export verifies against its log', () => {
    for (const { raters, first, sim } of runs.slice(0, 20)) {
      expect([...raters.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: CITIZENS }, (_, i) => i + 1));
      expect(first.outcome.ratings).toHaveLength(CITIZENS * RECS.length);
      expect(verifyExport(first, { log: sim.log }).ok).toBe(true);
    }
  });

  test('rater numbers are independent of the order people joined', () => {
    const c = against(
      (r) => r.sim.joinOrder,
      (r) => r.raters,
    );
    expect(c.chi, `chi-square ${c.chi.toFixed(1)} (bound ${CHI_SQUARE_BOUND})`).toBeLessThan(CHI_SQUARE_BOUND);
    expect(Math.abs(c.meanRho)).toBeLessThan(CORRELATION_BOUND);
    // The numbering the export had before ("Citizen N" by join order) fails the same test.
    const joinNumbers = (r: (typeof runs)[number]) => new Map(r.sim.joinOrder.map((pid, i) => [pid, i + 1]));
    const old = against((r) => r.sim.joinOrder, joinNumbers);
    expect(independent(old)).toBe(false);
    expect(old.chi).toBeGreaterThan(50 * CHI_SQUARE_BOUND);
  });

  test('rater numbers are independent of the roster a citizen sees, and the roster of the order people joined', () => {
    expect(
      independent(
        against(
          (r) => r.sim.roster,
          (r) => r.raters,
        ),
      ),
    ).toBe(true);
    const rosterPositions = (r: (typeof runs)[number]) => new Map(r.sim.roster.map((pid, i) => [pid, i + 1]));
    expect(independent(against((r) => r.sim.joinOrder, rosterPositions))).toBe(true);
    // The roster is by name: same names, same order, whoever joined first.
    for (const { sim } of runs.slice(0, 20)) {
      const names = sim.roster.map((pid) => sim.first.participants[pid]!.displayName);
      expect(names).toEqual([...names].sort(new Intl.Collator('en').compare));
    }
  });

  test('rater numbers are unrelated to the participation table’s “Citizen N”, which itself does not follow join order', () => {
    const byParticipation = (r: (typeof runs)[number]) => [...r.people].sort((a, b) => a[1] - b[1]).map(([pid]) => pid);
    expect(independent(against(byParticipation, (r) => r.raters))).toBe(true);
    expect(
      independent(
        against(
          (r) => r.sim.joinOrder,
          (r) => r.people,
        ),
      ),
    ).toBe(true);
    // Citizen 1 spoke longest: the table is ordered by speaking time, then labelled.
    for (const { first } of runs.slice(0, 20)) {
      const seconds = first.outcome.participation.people.map((p) => p.speakingSeconds);
      expect(seconds).toEqual([...seconds].sort((a, b) => b - a));
    }
    // A control: a rater numbering that copied the participation numbering would be caught.
    expect(independent(against(byParticipation, (r) => r.people))).toBe(false);
  });

  test('two exports of one session number raters independently; the same export twice gives the same bytes', () => {
    const c = against(
      (r) => [...r.raters].sort((a, b) => a[1] - b[1]).map(([pid]) => pid),
      (r) => r.raters2,
    );
    expect(c.chi, `chi-square ${c.chi.toFixed(1)}`).toBeLessThan(CHI_SQUARE_BOUND);
    expect(Math.abs(c.meanRho)).toBeLessThan(CORRELATION_BOUND);
    const { sim, first } = runs[0]!;
    expect(JSON.stringify(exportState(structuredClone(sim.first), key))).toBe(JSON.stringify(first));
    // Another server's secret gives another numbering: nobody without it can recompute the mapping.
    const otherKey = fixedKey(8);
    const elsewhere = new Map(runs.map((r) => [r, raterNumbers(exportState(r.sim.first, otherKey))]));
    const other = against(
      (r) => [...r.raters].sort((a, b) => a[1] - b[1]).map(([pid]) => pid),
      (r) => elsewhere.get(r)!,
    );
    expect(independent(other)).toBe(true);
  });
});

describe('rater pseudonyms in a real session’s publications', () => {
  let server: RunningServer;
  let s: ScriptedSession;
  let key: SigningKey;
  let officials: Awaited<ReturnType<typeof joinAndConnect>>[];
  const extras = assembly.citizens.filter((_, i) => i !== 6 && i !== 9).slice(0, 9);
  const SECOND_OFFICIAL = 'Deputy Mayor Ines Kovač';

  const download = async (path: string, token = s.citizens[0]!.token) => {
    const res = await fetch(`${server.url}/api/sessions/${s.session.sessionId}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, path).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };
  const json = async (publication: number) => JSON.parse((await download(`/outcome.json?publication=${publication}`)).toString('utf8')) as OutcomeDocument;
  /** Reason → pseudonym on the contested text, where every rater gave a reason or a level of their own. */
  const whoIsWho = (doc: OutcomeDocument) =>
    new Map(doc.outcome.ratings.filter((r) => r.recommendationId === 'rec-shuttle').map((r) => [`${r.level}:${r.reason}`, r.rater]));

  beforeAll(async () => {
    server = await startServer();
    s = await runScriptedSession(server.url, { extraCitizens: extras });
    key = SigningKey.loadOrCreate(join(server.dataDir, 'signing-key.pem'));
    officials = [
      await joinAndConnect(server.url, s.session, 'official', assembly.officials[0]!),
      await joinAndConnect(server.url, s.session, 'official', SECOND_OFFICIAL),
    ];
    await must(s.fac.client.send('outcome.publish', {}), 'publish 1');
    await must(officials[0]!.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-square', status: 'accepted', dueDate: '2027-04-01' }), 'answer');
    await must(officials[1]!.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-lanes', status: 'under-consideration' }), 'answer');
    await must(officials[1]!.client.send('response.progress', { roomId: PLENARY, recommendationId: 'rec-square', text: 'Budget approved.' }), 'progress');
    await must(s.fac.client.send('outcome.publish', {}), 'publish 2');
  }, 90_000);

  afterAll(async () => {
    for (const o of officials ?? []) o.client.close();
    s?.close();
    await server?.stop();
  });

  test('the same publication downloads as the same bytes; another publication numbers the raters afresh', async () => {
    const [a, b] = [await download('/outcome/ratings.csv?publication=1'), await download('/outcome/ratings.csv?publication=1', s.fac.token)];
    expect(a.equals(b)).toBe(true);
    expect((await download('/outcome.json?publication=1')).equals(await download('/outcome.json?publication=1', officials[0]!.token))).toBe(true);
    const [first, second] = [await json(1), await json(2)];
    expect(first.outcome.ratings).toHaveLength(12 * 3);
    const [one, two] = [whoIsWho(first), whoIsWho(second)];
    expect(one.size).toBe(12);
    expect(new Set(one.values()).size).toBe(12);
    expect([...two.keys()]).toEqual(expect.arrayContaining([...one.keys()]));
    // Twelve raters: the same numbering by chance would happen once in 479 001 600 sessions.
    expect([...one.keys()].map((k) => two.get(k))).not.toEqual([...one.keys()].map((k) => one.get(k)));
    // Not join order either: the first three to join are not Raters 1, 2 and 3 in both.
    const firstThree = ['block', 'serious-concerns', 'full-support'].map((level) => [...one].find(([k]) => k.startsWith(`${level}:`))![1]);
    const firstThreeThen = ['block', 'serious-concerns', 'full-support'].map((level) => [...two].find(([k]) => k.startsWith(`${level}:`))![1]);
    expect([firstThree, firstThreeThen]).not.toEqual([
      ['Rater 1', 'Rater 2', 'Rater 3'],
      ['Rater 1', 'Rater 2', 'Rater 3'],
    ]);
  });

  test('ratings.csv is the signed document’s ratings, row for row, and has no time of rating', async () => {
    for (const n of [1, 2]) {
      const doc = await json(n);
      const csv = (await download(`/outcome/ratings.csv?publication=${n}`)).toString('utf8');
      expect(csv).toBe(ratingsCsv(doc));
      const lines = csv.trim().split('\r\n');
      expect(lines[0]).toBe('session_id,round_id,room_id,recommendation_id,rater,level,reason,round_closed_at');
      expect(lines).toHaveLength(1 + doc.outcome.ratings.length);
      // Plain cells only (reasons of this kind need no quoting): compare each row with the document's.
      const plain = doc.outcome.ratings.map((r, i) => ({ r, line: lines[i + 1]! })).filter(({ r }) => r.reason === null || /^Extra reason \d+$/.test(r.reason));
      expect(plain.length).toBeGreaterThan(20);
      for (const { r, line } of plain) {
        expect(line).toBe([s.session.sessionId, r.roundId, r.roomId, r.recommendationId, r.rater, r.level, r.reason ?? '', r.roundClosedAt ?? ''].join(','));
      }
      for (const c of s.citizens) expect(csv).not.toContain(c.displayName);
      // Rows by round, text, then rater number.
      const order = doc.outcome.ratings.map((r) => `${r.recommendationId}:${String(r.rater.replace('Rater ', '')).padStart(3, '0')}`);
      const texts = [...new Set(doc.outcome.ratings.map((r) => r.recommendationId))];
      expect(order).toEqual([...order].sort((x, y) => texts.indexOf(x.split(':')[0]!) - texts.indexOf(y.split(':')[0]!) || x.localeCompare(y)));
    }
  });

  test('officials appear as “Official N” by the order of their first answer, and no name is in any format', async () => {
    const doc = await json(2);
    const [square, lanes] = doc.outcome.recommendations.agreed;
    expect(square!.response).toMatchObject({ answeredBy: 'Official 1', progress: [{ text: 'Budget approved.', by: 'Official 2' }] });
    expect(lanes!.response).toMatchObject({ answeredBy: 'Official 2' });
    const everything = [
      JSON.stringify(doc),
      (await download('/outcome.md?publication=2')).toString('utf8'),
      (await download('/outcome/ratings.csv?publication=2')).toString('utf8'),
      (await download('/outcome/recommendations.csv?publication=2')).toString('utf8'),
    ].join('\n');
    for (const name of [...s.citizens.map((c) => c.displayName), assembly.officials[0]!, SECOND_OFFICIAL, assembly.facilitators[0]!]) {
      expect(everything).not.toContain(JSON.stringify(name).slice(1, -1));
      expect(everything).not.toContain(name);
    }
    expect(everything).toContain('Official 2');
  });

  test('minority notes are shown and exported by level, then text, not in the order people rated', async () => {
    // The block came first, the serious concerns second; the extras' reasons were given at a supportive level and are no minority notes.
    const expected = ['serious-concerns', 'block'];
    const doc = await json(1);
    expect(doc.outcome.recommendations.notAgreed[0]!.minorityNotes.map((n) => n.level)).toEqual(expected);
    await s.citizens[5]!.client.caughtUp((await s.log()).length);
    const view = s.citizens[5]!.client.view!;
    const result = view.rooms[0]!.rounds[0]!.results!.find((r) => r.recommendationId === 'rec-shuttle')!;
    expect(result.minorityNotes.map((n) => n.level)).toEqual(expected);
  });

  test('verify --log passes on both publications, also after a consistent renaming of the raters, and fails on every tampering', async () => {
    const log = await s.log();
    const trusted = key.info.publicKey;
    const first = await json(1);
    expect(verifyExport(first, { log, trustedPublicKey: trusted }).ok).toBe(true);
    expect(verifyExport(await json(2), { log, trustedPublicKey: trusted }).ok).toBe(true);

    /** Tampered by someone who holds the server's key: only the log can tell. */
    const tampered = (edit: (ratings: OutcomeDocument['outcome']['ratings']) => void) => {
      const { signature: _s, ...unsigned } = structuredClone(first);
      edit(unsigned.outcome.ratings);
      const report = verifyExport(signExport(unsigned, key), { log, trustedPublicKey: trusted });
      return Object.fromEntries(report.checks.map((c) => [c.name, c.ok])) as Record<string, boolean>;
    };
    const number = (r: { rater: string }) => Number(r.rater.replace('Rater ', ''));
    const resort = (rows: OutcomeDocument['outcome']['ratings']) => {
      const texts = [...new Set(rows.map((r) => `${r.roundId}:${r.recommendationId}`))];
      rows.sort((a, b) => texts.indexOf(`${a.roundId}:${a.recommendationId}`) - texts.indexOf(`${b.roundId}:${b.recommendationId}`) || number(a) - number(b));
    };

    // Renaming raters one to one (Rater 1 ↔ Rater 2), rows in their order: the same ratings, so it verifies.
    expect(
      tampered((rows) => {
        for (const r of rows) r.rater = r.rater === 'Rater 1' ? 'Rater 2' : r.rater === 'Rater 2' ? 'Rater 1' : r.rater;
        resort(rows);
      }),
    ).toMatchObject({ signature: true, ratings: true, replay: true });

    // Here everyone rated the two agreed texts alike, so two raters swapping their third rating is just a renaming.
    expect(
      tampered((rows) => {
        const shuttle = rows.filter((r) => r.recommendationId === 'rec-shuttle');
        [shuttle[0]!.rater, shuttle[1]!.rater] = [shuttle[1]!.rater, shuttle[0]!.rater];
        resort(rows);
      }),
    ).toMatchObject({ ratings: true, replay: true });

    const failures = {
      'a level changed': (rows: OutcomeDocument['outcome']['ratings']) => {
        const r = rows.find((x) => x.level === 'block')!;
        r.level = 'full-support';
      },
      'a reason changed': (rows: OutcomeDocument['outcome']['ratings']) => {
        rows.find((x) => x.reason === 'Extra reason 3')!.reason = 'Extra reason 4';
      },
      'a row dropped': (rows: OutcomeDocument['outcome']['ratings']) => {
        rows.splice(5, 1);
      },
      'a row added': (rows: OutcomeDocument['outcome']['ratings']) => {
        rows.push({ ...rows[0]!, rater: 'Rater 13' });
      },
      'two raters merged': (rows: OutcomeDocument['outcome']['ratings']) => {
        for (const r of rows) if (r.rater === 'Rater 2') r.rater = 'Rater 1';
      },
      'a rating moved to another rater': (rows: OutcomeDocument['outcome']['ratings']) => {
        const shuttle = rows.filter((r) => r.recommendationId === 'rec-shuttle');
        shuttle[0]!.rater = shuttle[1]!.rater;
        resort(rows);
      },
      'a pseudonym that is not one': (rows: OutcomeDocument['outcome']['ratings']) => {
        for (const r of rows) if (r.rater === 'Rater 1') r.rater = 'Citizen 1';
      },
      'rows in another order': (rows: OutcomeDocument['outcome']['ratings']) => {
        rows.reverse();
      },
      'a rating time put back': (rows: OutcomeDocument['outcome']['ratings']) => {
        rows[0]!.roundClosedAt = null;
      },
    };
    for (const [what, edit] of Object.entries(failures)) {
      const checks = tampered(edit);
      expect(checks.signature, what).toBe(true);
      expect(checks.replay, what).toBe(false);
    }
    // The ratings check names what is wrong whenever the rows differ (not just their order or labels).
    for (const what of ['a level changed', 'a reason changed', 'a row dropped', 'a row added', 'two raters merged', 'a rating moved to another rater'] as const) {
      expect(tampered(failures[what]).ratings, what).toBe(false);
    }
    const report = verifyExport(signExport((({ signature: _s, ...u }) => u)(structuredClone(first)), key), { log });
    expect(report.checks.find((c) => c.name === 'ratings')!.detail).toMatch(/^the 36 ratings are the log's, under a one-to-one renaming of its 12 raters$/);
  });
});
