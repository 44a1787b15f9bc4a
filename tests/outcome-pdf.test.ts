import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { AGREEMENT_LEVELS, OUTCOME_VERSION, outcomeDocumentSchema, summarise, type AgreementLevel, type OutcomeDocument } from '../shared/src/index.js';
import { renderPdf } from '../server/src/outcome/formats/pdf.js';
import { assembly, hostileStrings } from './helpers/fixtures.js';

const hostile = (find: (line: string) => boolean) => {
  const line = hostileStrings.find(find);
  if (line === undefined) throw new Error('hostile-strings.txt changed: a line this test relies on is gone');
  return line;
};
const SCRIPT = hostile((l) => l.startsWith('<script>'));
const RTL = hostile((l) => l.includes('\u202E'));
const ZALGO = hostile((l) => l.startsWith('Zalgo'));
const EMOJI = hostile((l) => l.startsWith('\u{1F469}'));
const LONG_WORD = hostile((l) => l.startsWith('Supercalifragilistic'));
const CJK = '李小龙';

const hex = (c: string) => c.repeat(64);
const T = (minutes: number) => new Date(Date.UTC(2025, 2, 1, 9, 0, 0) + minutes * 60_000).toISOString();
const rule = { minShare: 0.75, topLevels: 2, maxBlocks: 0, minRatings: 1 };
const counts = (...n: number[]) => Object.fromEntries(AGREEMENT_LEVELS.map((l, i) => [l, n[i] ?? 0])) as Record<AgreementLevel, number>;
const support = (...n: number[]) => {
  const c = counts(...n);
  const total = n.reduce((a, b) => a + b, 0);
  return { counts: c, total, supportShare: total ? (c['full-support'] + c['support-with-reservations']) / total : 0, blocks: c.block };
};
const [rec1, rec2, rec3] = assembly.recommendations;

function buildDocument(people: { pseudonym: string; turns: number; speakingSeconds: number }[]): OutcomeDocument {
  const totalSpeakingSeconds = people.reduce((a, p) => a + p.speakingSeconds, 0);
  const spoke = people.filter((p) => p.turns > 0).length;
  const outcome: OutcomeDocument['outcome'] = {
    session: {
      id: 's-transport',
      title: `${assembly.title} ${SCRIPT}`,
      question: assembly.question,
      createdAt: T(0),
      closedAt: T(150),
      queueRule: 'least-speaking-time-first',
      queueRuleDescription: 'Whoever has spoken least so far speaks next.',
      agreementRule: rule,
      agreementRuleDescription:
        'Agreed when at least 75% answer “I fully support this.” or “I support this, with minor reservations.”, and nobody blocks it (at least 1 rating).',
    },
    summary: [],
    recommendations: {
      agreed: [
        {
          id: 'r1',
          roomId: 'plenary',
          roomName: 'Plenary',
          roundId: 'round-1',
          title: rec1!.title,
          body: `${rec1!.body} ${LONG_WORD}`,
          rationale: rec1!.rationale,
          textHash: hex('a'),
          support: support(8, 3, 1, 0, 0, 0),
          rule,
          minorityNotes: [{ level: 'can-live-with', reason: `Deliveries before 10:00 are too late for the bakery. ${ZALGO}` }],
          lockedAt: T(120),
          response: {
            status: 'partially-accepted',
            reason: `The council accepts the weekend closure from spring 2026; blue-badge access is kept. Name on file: ${CJK}.`,
            dueDate: '2026-04-01',
            answeredAt: T(60 * 24 * 14),
            answeredBy: 'Official 1',
            panel: {
              counts: { addressed: 5, partly: 2, not: 1 },
              total: 8,
              reasons: [
                { verdict: 'partly', reason: `Weekends only is half of what we asked. ${RTL}` },
                { verdict: 'not', reason: `${SCRIPT} Deliveries are not mentioned at all.` },
              ],
            },
            overdue: { dueDate: '2026-04-01', since: T(60 * 24 * 30) },
            history: [
              {
                status: 'under-consideration',
                reason: 'Referred to the traffic committee.',
                dueDate: null,
                answeredAt: T(60 * 24 * 3),
                answeredBy: 'Official 1',
                panel: { counts: { addressed: 0, partly: 1, not: 3 }, total: 4, reasons: [] },
              },
            ],
            progress: [{ text: `Consultation with market traders opened. ${RTL}`, at: T(60 * 24 * 30), by: 'Official 1' }],
          },
        },
        {
          id: 'r2',
          roomId: 'room-b',
          roomName: `Breakout ${RTL}`,
          roundId: 'round-2',
          title: `${rec2!.title} ${SCRIPT}`,
          body: `${rec2!.body} Proposed by ${CJK}. ${EMOJI}`,
          rationale: rec2!.rationale,
          textHash: hex('b'),
          support: support(6, 4, 2, 0, 0, 0),
          rule,
          minorityNotes: [],
          lockedAt: T(125),
          response: null,
        },
      ],
      notAgreed: [
        {
          id: 'r3',
          roomId: 'room-c',
          roomName: ZALGO,
          roundId: 'round-2',
          title: `${rec3!.title} ${RTL}`,
          body: rec3!.body,
          rationale: rec3!.rationale,
          textHash: hex('c'),
          support: support(3, 2, 2, 2, 2, 1),
          rule,
          minorityNotes: [{ level: 'block', reason: 'Station Road is too narrow for lanes on both sides.' }],
          closedAt: T(130),
          textChanged: true,
        },
      ],
    },
    agenda: assembly.agenda.map((a, i) => ({
      id: `a${i + 1}`,
      title: i === 2 ? `${a.title} ${EMOJI}` : a.title,
      plannedMinutes: a.minutes,
      extendedMinutes: i === 3 ? 5 : 0,
      status: i < 5 ? ('done' as const) : ('active' as const),
      startedAt: T(i * 25),
      endedAt: i < 5 ? T(i * 25 + a.minutes + (i === 3 ? 7 : 0)) : null,
      actualMinutes: i < 5 ? a.minutes + (i === 3 ? 7 : 0) : null,
      overran: i === 3,
    })),
    participation: {
      citizens: people.length,
      spokeAtLeastOnce: spoke,
      spokeAtLeastOnceShare: people.length ? spoke / people.length : 0,
      turns: people.reduce((a, p) => a + p.turns, 0),
      totalSpeakingSeconds,
      giniSpeakingTime: 0.31,
      people,
      captioners: 1,
      interpreters: 2,
      interpretationLanguages: ['de', 'tr'],
    },
    questions: {
      asked: 6,
      answered: 2,
      top: [
        { id: 'q1', roomId: 'plenary', text: assembly.questions[0]!, upvotes: 9, answered: true },
        { id: 'q2', roomId: 'room-b', text: `${SCRIPT} ${CJK}?`, upvotes: 4, answered: false },
        { id: 'q3', roomId: 'room-c', text: `${EMOJI} ${LONG_WORD}`, upvotes: 1, answered: false },
      ],
    },
    rooms: [
      { id: 'plenary', name: 'Plenary', kind: 'plenary', turns: 20, speakingSeconds: 1800, questionsAsked: 3, agreed: ['r1'], notAgreed: [] },
      { id: 'room-b', name: `Breakout ${RTL}`, kind: 'breakout', turns: 8, speakingSeconds: 600, questionsAsked: 2, agreed: ['r2'], notAgreed: [] },
      { id: 'room-c', name: `${ZALGO} ${CJK}`, kind: 'breakout', turns: 6, speakingSeconds: 500, questionsAsked: 1, agreed: [], notAgreed: ['r3'] },
    ],
    broughtBack: [
      {
        recommendationId: 'r2',
        roomId: 'plenary',
        fromRoomId: 'room-b',
        fromRoomName: `Breakout ${RTL}`,
        sourceId: 'rec-b1',
        sourceHash: hex('e'),
        textHash: hex('b'),
        at: T(90),
      },
    ],
    rounds: [
      {
        id: 'round-1',
        roomId: 'plenary',
        roomName: 'Plenary',
        openedAt: T(100),
        closedAt: T(110),
        cancelled: false,
        agreed: ['r1'],
        notAgreed: [],
        withdrawn: ['r9'],
        statement: { text: `The plenary backs car-free Saturdays; deliveries get a morning window. ${RTL} ${SCRIPT}`, at: T(112) },
      },
      {
        id: 'round-2',
        roomId: 'room-c',
        roomName: `${ZALGO} ${CJK}`,
        openedAt: T(120),
        closedAt: T(121),
        cancelled: true,
        agreed: [],
        notAgreed: [],
        withdrawn: [],
        statement: null,
      },
    ],
    ratings: [],
    publications: [{ number: 1, at: T(140), headSeq: 400, headHash: hex('d') }],
    transcript: {
      segments: [1, 2, 3].map((n) => ({
        id: `cap-${n}`,
        roomId: 'plenary',
        language: null,
        speaker: 'Citizen 1',
        turn: 1,
        startedAt: T(10 + n),
        endedAt: T(10 + n),
        text: `Line ${n}`,
        automatic: n === 3,
        original: `Line ${n}`,
        corrections: [],
      })),
    },
  };
  outcome.summary = summarise(outcome);
  return outcomeDocumentSchema.parse({
    format: 'townhall-outcome',
    version: OUTCOME_VERSION,
    generatedAt: T(60 * 24 * 30),
    log: { sessionId: 's-transport', seq: 431, head: hex('e') },
    outcome,
    signature: { algorithm: 'Ed25519', keyId: '0123456789abcdef', publicKey: Buffer.alloc(32, 7).toString('base64'), value: Buffer.alloc(64, 9).toString('base64') },
  });
}

const twelve = Array.from({ length: 12 }, (_, i) => ({
  pseudonym: i === 4 ? `Citizen 5 ${EMOJI}` : `Citizen ${i + 1}`,
  turns: i === 11 ? 0 : 1 + (i % 4),
  speakingSeconds: i === 11 ? 0 : 45 + ((i * 97) % 400),
}));

const file = 'test-artifacts/outcome-pdf-unit.pdf';
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
/**
 * pdftotext breaks lines (and so words) where the PDF does, and files combining marks
 * under whichever line they overhang: compare with whitespace and marks gone.
 */
const squash = (s: string) => s.replace(/[\s\p{M}]+/gu, '');

describe('renderPdf', () => {
  const doc = buildDocument(twelve);
  let pdf: Buffer;
  let text: string;

  beforeAll(async () => {
    pdf = await renderPdf(doc);
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync(file, pdf);
    text = run('pdftotext', [file, '-']);
  });

  test('is an A4 PDF of several pages', () => {
    expect(pdf.subarray(0, 4).toString('latin1')).toBe('%PDF');
    const info = run('pdfinfo', [file]);
    expect(info).toMatch(/Page size:\s+595(\.\d+)? x 841(\.\d+)? pts/);
    expect(Number(/Pages:\s+(\d+)/.exec(info)?.[1])).toBeGreaterThanOrEqual(3);
    expect(info).toMatch(/Creator:\s+townhall/);
    expect(info).toMatch(/Title:\s+.*outcome brief/);
  });

  test('shows every agreed title and the hostile text as inert, visible text', () => {
    const flat = squash(text);
    for (const r of doc.outcome.recommendations.agreed) {
      // Titles with hostile parts are checked below; here the plain part must be present.
      expect(flat).toContain(squash(r.title.replace(SCRIPT, '').replace(/\u202E|\u202D/g, '')));
    }
    expect(flat).toContain(squash(SCRIPT));
    expect(flat).toContain('[U+202E]evil.exe[U+202D]txt');
    expect(text).not.toContain('\u202E');
    expect(flat).toContain('[U+674E][U+5C0F][U+9F99]');
    expect(text).not.toContain(CJK);
    expect(flat).toContain('[U+1F469]');
    expect(flat).toContain(squash(LONG_WORD));
    for (const piece of LONG_WORD.split('_')) expect(flat).toContain(piece);
    expect(flat).toContain('Textchangedafterthevoteopened');
    // What the panel said of each answer, the current one with its reasons, the replaced one with its own counts.
    expect(flat).toContain(squash('Panel: 5 addressed · 2 partly addressed · 1 not addressed (8 citizens)'));
    expect(flat).toContain(squash('partly addressed: Weekends only is half of what we asked. [U+202E]'));
    expect(flat).toContain(squash(`not addressed: ${SCRIPT} Deliveries are not mentioned at all.`));
    expect(flat).toContain(squash('Panel: 0 addressed · 1 partly addressed · 3 not addressed (4 citizens)'));
    // The rounds, with the facilitator's statement (hostile text inert) and the cancelled one.
    expect(flat).toContain('Roundsandwhattheroomsdecided');
    expect(flat).toContain('Theplenarybackscar-freeSaturdays;deliveriesgetamorningwindow.');
    expect(flat).toContain('withdrawnwhileopen:r9');
    expect(flat).toContain('Cancelled:itdecidednothing.');
    expect(flat).toContain('Statementbythefacilitator');
    expect(flat).toContain(`TextSHA-256:${'a'.repeat(64)}`);
    expect(flat).toContain('npxtownhallverify<export.json>--log<log.jsonl>');
    expect(flat).toContain('/.well-known/townhall-signing-key');
  });

  test('counts captioners and interpreters apart, and says where the transcript is', () => {
    const flat = squash(text);
    expect(flat).toContain(squash('Captioners 1, counted apart from the citizens'));
    expect(flat).toContain(squash('Interpreters 2 (into de, tr), counted apart from the citizens'));
    expect(flat).toContain(squash('Transcript 3 caption lines, with corrections, in the signed export (JSON) and the Markdown'));
  });

  test('puts the summary on page 1 with where each claim comes from', () => {
    const page1 = squash(run('pdftotext', ['-f', '1', '-l', '1', file, '-']));
    expect(doc.outcome.summary.length).toBeGreaterThan(5);
    for (const claim of doc.outcome.summary) {
      // Hostile fragments are spelled out differently in the PDF; every plain run must be there verbatim.
      for (const run of claim.text.split(/[^\x20-\x7E]+/)) expect(page1).toContain(squash(run));
    }
    expect(page1).toContain('seeAgreedrecommendationA1');
    expect(page1).toContain('seeNotagreedN1');
    expect(page1).toContain('Participation');
    expect(page1).toMatch(/outcomebrief—page1of\d+/);
  });

  test('keeps every word inside the page', () => {
    const bbox = run('pdftotext', ['-bbox', file, '-']);
    const words = [...bbox.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">/g)].map((m) => m.slice(1).map(Number));
    expect(words.length).toBeGreaterThan(500);
    for (const [xMin, yMin, xMax, yMax] of words) {
      expect(xMin).toBeGreaterThanOrEqual(40);
      expect(xMax).toBeLessThanOrEqual(595 - 40);
      expect(yMin).toBeGreaterThanOrEqual(30);
      expect(yMax).toBeLessThanOrEqual(842 - 20);
    }
    const layout = run('pdftotext', ['-layout', file, '-']);
    for (const line of layout.split('\n')) expect(line.length).toBeLessThanOrEqual(130);
  });

  test('renders the same export to the same bytes', async () => {
    expect((await renderPdf(doc)).equals(pdf)).toBe(true);
  });

  test('copes with silence and with crowds', async () => {
    const crowd = Array.from({ length: 55 }, (_, i) => ({ pseudonym: `Citizen ${i + 1}`, turns: 0, speakingSeconds: 0 }));
    const quiet = await renderPdf(buildDocument(crowd));
    writeFileSync('test-artifacts/outcome-pdf-crowd.pdf', quiet);
    const crowdText = run('pdftotext', ['test-artifacts/outcome-pdf-crowd.pdf', '-']);
    expect(crowdText).toContain('0:00');
    expect(squash(crowdText)).toContain('…and15morecitizens');
    expect(crowdText).not.toMatch(/NaN|Infinity|undefined/);
  });
});
