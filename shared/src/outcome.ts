import { z } from 'zod';
import { PANEL_VERDICTS, QUEUE_RULES, RESPONSE_STATUSES, type PanelVerdict } from './domain.js';
import { notesInOrder } from './agreement.js';
import { AGREEMENT_LEVELS, agreementRuleSchema, describeAgreementRule, roomScoped, type AgreementLevel } from './drafting.js';
import { panelSummary } from './panel.js';
import { byParticipantId, countedRatings, pseudonymisedRatings, ratingRowSchema, type RaterKey } from './outcomeRatings.js';
import { RULE_DESCRIPTIONS } from './queue.js';
import type { ResponseAnswer, RoundResult, SessionState } from './state.js';

/**
 * The outcome of a session, as decision-makers receive it. It is a pure function of
 * the session state, and so of the log: anyone holding the log can rebuild it and
 * compare (`townhall verify --log`), up to the raters' pseudonyms, which only the
 * server can number (see `OutcomeOptions`). It carries no personal name at all:
 * citizens appear as "Citizen N" and "Rater N" (two unrelated numberings), officials
 * as "Official N".
 */
export const OUTCOME_FORMAT = 'townhall-outcome';
/** 2: ratings inside the signed document, rater and official pseudonyms, participation not in join order. */
export const OUTCOME_VERSION = 2;

const iso = z.iso.datetime();
const share = z.number().min(0).max(1);
const hash = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().min(0);

const supportSchema = z.strictObject({
  counts: z.strictObject(Object.fromEntries(AGREEMENT_LEVELS.map((l) => [l, count])) as Record<AgreementLevel, typeof count>),
  total: count,
  supportShare: share,
  blocks: count,
});

const minorityNoteSchema = z.strictObject({ level: z.enum(AGREEMENT_LEVELS), reason: z.string() });

/** What the panel said of an answer: how many citizens found it addressed their recommendation, and their reasons, nameless. */
const panelSchema = z.strictObject({
  counts: z.strictObject(Object.fromEntries(PANEL_VERDICTS.map((v) => [v, count])) as Record<PanelVerdict, typeof count>),
  total: count,
  /** Ordered by verdict, then by text: the order says nothing of who gave them or when. */
  reasons: z.array(z.strictObject({ verdict: z.enum(PANEL_VERDICTS), reason: z.string() })),
});

const answerSchema = z.strictObject({
  status: z.enum(RESPONSE_STATUSES),
  reason: z.string().nullable(),
  dueDate: z.iso.date().nullable(),
  answeredAt: iso,
  /** "Official 1"…, numbered by the order of their first answer or progress update: a role, not a name. */
  answeredBy: z.string(),
  panel: panelSchema,
});

const responseSchema = answerSchema.extend({
  history: z.array(answerSchema),
  progress: z.array(z.strictObject({ text: z.string(), at: iso, by: z.string() })),
  /** The current answer's due date ended (UTC) without progress: since when the server's clock said so. */
  overdue: z.strictObject({ dueDate: z.iso.date(), since: iso }).nullable(),
});

const recommendationFields = {
  id: z.string(),
  roomId: z.string(),
  roomName: z.string(),
  roundId: z.string(),
  title: z.string(),
  body: z.string(),
  rationale: z.string(),
  /** SHA-256 of JSON.stringify({id, title, body, rationale}), the exact text voted on. */
  textHash: hash,
  support: supportSchema,
  rule: agreementRuleSchema.required(),
  minorityNotes: z.array(minorityNoteSchema),
};

export const outcomeSchema = z.strictObject({
  session: z.strictObject({
    id: z.string(),
    title: z.string(),
    question: z.string(),
    createdAt: iso,
    closedAt: iso.nullable(),
    queueRule: z.enum(QUEUE_RULES),
    queueRuleDescription: z.string(),
    agreementRule: agreementRuleSchema.required(),
    agreementRuleDescription: z.string(),
  }),
  /** The one-page summary: each claim names the parts of this document it rests on (JSON Pointers). */
  summary: z.array(z.strictObject({ kind: z.string(), text: z.string(), refs: z.array(z.string().startsWith('/')).min(1) })),
  recommendations: z.strictObject({
    agreed: z.array(z.strictObject({ ...recommendationFields, lockedAt: iso, response: responseSchema.nullable() })),
    notAgreed: z.array(z.strictObject({ ...recommendationFields, closedAt: iso, textChanged: z.boolean() })),
  }),
  agenda: z.array(
    z.strictObject({
      id: z.string(),
      title: z.string(),
      plannedMinutes: count,
      extendedMinutes: count,
      status: z.enum(['pending', 'active', 'done']),
      startedAt: iso.nullable(),
      endedAt: iso.nullable(),
      actualMinutes: z.number().min(0).nullable(),
      overran: z.boolean(),
    }),
  ),
  participation: z.strictObject({
    citizens: count,
    spokeAtLeastOnce: count,
    spokeAtLeastOnceShare: share,
    turns: count,
    totalSpeakingSeconds: count,
    /** 0: everyone spoke equally long; 1: one person did all the speaking. */
    giniSpeakingTime: share,
    /** "Citizen 1"… numbered after sorting by speaking time, then turns, most first: the numbers carry nothing else. */
    people: z.array(z.strictObject({ pseudonym: z.string(), turns: count, speakingSeconds: count })),
    /** People ever made captioners (present once there was one): they rendered words, so they are not counted among the citizens above. */
    captioners: count.optional(),
    /** Citizens made interpreters at any time: counted here and not among `citizens` (nor in `people`, turns or the Gini). */
    interpreters: count,
    /** The languages interpreted into, sorted. */
    interpretationLanguages: z.array(z.string()),
  }),
  /** Every rating that counted (not of cancelled rounds, not of withdrawn texts), by round, text, then rater. */
  ratings: z.array(ratingRowSchema),
  questions: z.strictObject({
    asked: count,
    answered: count,
    top: z.array(z.strictObject({ id: z.string(), roomId: z.string(), text: z.string(), upvotes: count, answered: z.boolean() })),
  }),
  rooms: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      kind: z.enum(['plenary', 'breakout']),
      turns: count,
      speakingSeconds: count,
      questionsAsked: count,
      agreed: z.array(z.string()),
      notAgreed: z.array(z.string()),
    }),
  ),
  /** Recommendations copied from breakout rooms into another room (the plenary): the copy, its origin, and both texts' hashes. */
  broughtBack: z.array(
    z.strictObject({
      recommendationId: z.string(),
      roomId: z.string(),
      fromRoomId: z.string(),
      fromRoomName: z.string(),
      sourceId: z.string(),
      sourceHash: hash,
      textHash: hash,
      at: iso,
    }),
  ),
  /** Every round that has ended, in the order they opened: what each decided, what was withdrawn or cancelled, and the facilitator's statement. */
  rounds: z.array(
    z.strictObject({
      id: z.string(),
      roomId: z.string(),
      roomName: z.string(),
      openedAt: iso,
      closedAt: iso,
      cancelled: z.boolean(),
      agreed: z.array(z.string()),
      notAgreed: z.array(z.string()),
      withdrawn: z.array(z.string()),
      statement: z.strictObject({ text: z.string(), at: iso }).nullable(),
    }),
  ),
  publications: z.array(z.strictObject({ number: z.number().int().min(1), at: iso, headSeq: z.number().int().min(1), headHash: hash })),
  /** Every caption segment, in log order (present once there is one), signed with the rest. */
  transcript: z
    .strictObject({
      segments: z.array(
        z.strictObject({
          id: z.string(),
          roomId: z.string(),
          /** null: the floor's own language. */
          language: z.string().nullable(),
          /** "Citizen N" as in /participation/people; null: nobody held the floor. */
          speaker: z.string().nullable(),
          /** The turn it belongs to: its 1-based number among the session's turns, in the order they ended; null: no floor, or the turn had not ended. */
          turn: z.number().int().min(1).nullable(),
          startedAt: iso,
          endedAt: iso,
          /** The latest text: the last correction, or the original. */
          text: z.string(),
          /** From a speech recogniser, not a person. */
          automatic: z.boolean(),
          /** The line as first committed. */
          original: z.string(),
          corrections: z.array(z.strictObject({ text: z.string(), at: iso })),
        }),
      ),
    })
    .optional(),
});
export type Outcome = z.infer<typeof outcomeSchema>;

/** The signed export: the outcome, the log head it was built from, and the server's signature. */
export const outcomeDocumentSchema = z.strictObject({
  format: z.literal(OUTCOME_FORMAT),
  version: z.literal(OUTCOME_VERSION),
  /** The time of the last event included: the export is reproducible, so it carries no wall-clock time of its own. */
  generatedAt: iso,
  log: z.strictObject({ sessionId: z.string(), seq: z.number().int().min(1), head: hash }),
  outcome: outcomeSchema,
  signature: z.strictObject({
    algorithm: z.literal('Ed25519'),
    /** First 16 hex digits of the SHA-256 of the raw public key. */
    keyId: z.string().regex(/^[0-9a-f]{16}$/),
    /** The raw 32-byte public key, base64. Trust it only if it matches the server's well-known key. */
    publicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes in base64'),
    /** Over the RFC 8785 canonical JSON of the document without `signature`; 64 bytes in base64. */
    // Exact patterns: base64 decoders skip stray characters, and an edit there must not go unnoticed.
    value: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'must be 64 bytes in base64'),
  }),
});
export type OutcomeDocument = z.infer<typeof outcomeDocumentSchema>;
export type UnsignedOutcomeDocument = Omit<OutcomeDocument, 'signature'>;

const TOP_QUESTIONS = 5;
const isoOf = (ms: number) => new Date(ms).toISOString();
const seconds = (ms: number) => Math.round(ms / 1000);

/** Gini coefficient of non-negative amounts: mean absolute difference over twice the mean. */
export function gini(values: readonly number[]): number {
  const n = values.length;
  const total = values.reduce((a, b) => a + b, 0);
  if (n === 0 || total === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  // Sorted form of the double sum: Σ (2i − n + 1)·x_i over n·Σx.
  const weighted = sorted.reduce((acc, x, i) => acc + (2 * i - n + 1) * x, 0);
  return weighted / (n * total);
}

function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function supportOf(result: RoundResult | undefined) {
  const t = result?.tally;
  const counts = Object.fromEntries(AGREEMENT_LEVELS.map((l) => [l, t?.counts[l] ?? 0])) as Record<AgreementLevel, number>;
  return { counts, total: t?.total ?? 0, supportShare: t?.supportShare ?? 0, blocks: t?.blocks ?? 0 };
}

/**
 * Officials as "Official 1", "Official 2"… by the order of their first answer or
 * progress update. The export names nobody: it is published, and personal data must be
 * erasable without touching what was signed. Ties (one millisecond) keep the state's order.
 */
export function officialPseudonyms(state: SessionState): Map<string, string> {
  const acts = Object.values(state.responses)
    .flatMap((r) => [...r.history, r.current, ...r.progress])
    .sort((a, b) => a.at - b.at);
  const labels = new Map<string, string>();
  for (const act of acts) if (!labels.has(act.by)) labels.set(act.by, `Official ${labels.size + 1}`);
  return labels;
}

export interface OutcomeOptions {
  /** How raters are numbered; the server passes a keyed hash per export. Default: by participant id. */
  raterKey?: RaterKey;
}

export function buildOutcome(state: SessionState, options: OutcomeOptions = {}): Outcome {
  const roomName = (id: string) => state.rooms[id]?.name ?? id;
  const official = officialPseudonyms(state);
  const nameOf = (id: string) => official.get(id) ?? 'Official';
  const answer = (a: ResponseAnswer) => ({
    status: a.status,
    reason: a.reason,
    dueDate: a.dueDate,
    answeredAt: isoOf(a.at),
    answeredBy: nameOf(a.by),
    panel: panelSummary(a.panel),
  });

  // Insertion order is the order the locks were logged in; the stable sort keeps it for locks of one moment.
  const agreed = Object.entries(state.locks)
    .sort(([, a], [, b]) => a.lockedAt - b.lockedAt)
    .map(([key, lock]) => {
      const round = state.rounds[lock.roundId]!;
      const result = round.results?.find((r) => r.recommendationId === lock.recommendationId);
      const r = state.responses[key];
      return {
        ...lock.text,
        roomId: lock.roomId,
        roomName: roomName(lock.roomId),
        roundId: lock.roundId,
        textHash: lock.textHash,
        support: supportOf(result),
        rule: round.rule,
        minorityNotes: notesInOrder(result?.minorityNotes ?? []),
        lockedAt: isoOf(lock.lockedAt),
        response: r
          ? {
              ...answer(r.current),
              history: r.history.map(answer),
              progress: r.progress.map((p) => ({ text: p.text, at: isoOf(p.at), by: nameOf(p.by) })),
              overdue: r.overdue && { dueDate: r.overdue.dueDate, since: isoOf(r.overdue.since) },
            }
          : null,
      };
    });

  // A recommendation not agreed is reported with the last round that judged it.
  const lastResult = new Map<string, Outcome['recommendations']['notAgreed'][number]>();
  for (const round of state.roundOrder.map((id) => state.rounds[id]!)) {
    if (!round.results || round.closedAt === null) continue;
    for (const result of round.results) {
      const key = roomScoped(round.roomId, result.recommendationId);
      if (Object.hasOwn(state.locks, key)) continue;
      const item = round.items.find((i) => i.recommendationId === result.recommendationId)!;
      lastResult.delete(key);
      lastResult.set(key, {
        ...item.text,
        roomId: round.roomId,
        roomName: roomName(round.roomId),
        roundId: round.id,
        textHash: item.textHash,
        support: supportOf(result),
        rule: round.rule,
        minorityNotes: notesInOrder(result.minorityNotes),
        closedAt: isoOf(round.closedAt),
        textChanged: result.textChanged,
      });
    }
  }
  const notAgreed = [...lastResult.values()];

  // A citizen who captioned or interpreted rendered others' words for part of the session: counted apart, not among those who deliberated.
  const captioned = new Set(state.captions.everCaptioned);
  const interpreters = Object.values(state.participants).filter((p) => p.role === 'citizen' && p.interpretedInto.length > 0);
  const citizens = Object.values(state.participants).filter((p) => p.role === 'citizen' && !captioned.has(p.id) && p.interpretedInto.length === 0);
  const citizenIds = new Set(citizens.map((p) => p.id));
  const citizenTurns = state.turns.filter((t) => citizenIds.has(t.participantId));
  // Sorted on what is shown, then labelled: people with equal figures are equal rows, so no order among them leaks.
  // Ties go by participant id (random), only so that the transcript names each speaker as their row does.
  const ranked = [...citizens].sort((a, b) => seconds(b.speakingMs) - seconds(a.speakingMs) || b.turns - a.turns || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const citizenLabel = new Map(ranked.map((p, i) => [p.id, `Citizen ${i + 1}`]));
  const people = ranked.map((p, i) => ({ pseudonym: `Citizen ${i + 1}`, turns: p.turns, speakingSeconds: seconds(p.speakingMs) }));
  const spoke = citizens.filter((p) => p.turns > 0).length;
  const participation = {
    citizens: citizens.length,
    spokeAtLeastOnce: spoke,
    spokeAtLeastOnceShare: citizens.length ? spoke / citizens.length : 0,
    turns: citizenTurns.length,
    totalSpeakingSeconds: people.reduce((a, p) => a + p.speakingSeconds, 0),
    giniSpeakingTime: gini(citizens.map((p) => p.speakingMs)),
    people,
    ...(captioned.size ? { captioners: captioned.size } : {}),
    interpreters: interpreters.length,
    interpretationLanguages: [...new Set(interpreters.flatMap((p) => p.interpretedInto))].sort(),
  };

  const visible = state.questionOrder.map((id) => state.questions[id]!).filter((q) => q.status !== 'pending' && q.status !== 'hidden');
  const questions = {
    asked: state.questionOrder.length,
    answered: visible.filter((q) => q.status === 'answered').length,
    top: [...visible]
      .sort((a, b) => b.upvoters.length - a.upvoters.length || a.askedAt - b.askedAt)
      .slice(0, TOP_QUESTIONS)
      .map((q) => ({ id: q.id, roomId: q.roomId, text: q.text, upvotes: q.upvoters.length, answered: q.status === 'answered' })),
  };

  const rooms = state.roomOrder.map((id) => {
    const room = state.rooms[id]!;
    const turns = state.turns.filter((t) => t.roomId === id);
    return {
      id,
      name: room.name,
      kind: room.kind,
      turns: turns.length,
      speakingSeconds: seconds(turns.reduce((a, t) => a + (t.endedAt - t.startedAt), 0)),
      questionsAsked: state.questionOrder.filter((q) => state.questions[q]!.roomId === id).length,
      agreed: agreed.filter((r) => r.roomId === id).map((r) => r.id),
      notAgreed: notAgreed.filter((r) => r.roomId === id).map((r) => r.id),
    };
  });

  const agenda = state.agenda.map((item) => ({
    id: item.id,
    title: item.title,
    plannedMinutes: item.minutes,
    extendedMinutes: item.extendedMinutes,
    status: item.status,
    startedAt: item.startedAt === null ? null : isoOf(item.startedAt),
    endedAt: item.endedAt === null ? null : isoOf(item.endedAt),
    actualMinutes: item.startedAt !== null && item.endedAt !== null ? Math.round((item.endedAt - item.startedAt) / 6000) / 10 : null,
    overran: item.overran,
  }));

  const outcome: Outcome = {
    session: {
      id: state.sessionId,
      title: state.title,
      question: state.question,
      createdAt: isoOf(state.createdAt),
      closedAt: state.closedAt === null ? null : isoOf(state.closedAt),
      queueRule: state.settings.queueRule,
      queueRuleDescription: RULE_DESCRIPTIONS[state.settings.queueRule],
      agreementRule: state.settings.agreementRule,
      agreementRuleDescription: describeAgreementRule(state.settings.agreementRule),
    },
    summary: [],
    recommendations: { agreed, notAgreed },
    agenda,
    participation,
    ratings: pseudonymisedRatings(countedRatings(state), options.raterKey ?? byParticipantId),
    questions,
    rooms,
    broughtBack: Object.values(state.broughtBack).map((b) => ({
      recommendationId: b.recommendationId,
      roomId: b.roomId,
      fromRoomId: b.fromRoomId,
      fromRoomName: roomName(b.fromRoomId),
      sourceId: b.sourceId,
      sourceHash: b.sourceHash,
      textHash: b.textHash,
      at: isoOf(b.at),
    })),
    rounds: state.roundOrder
      .map((id) => state.rounds[id]!)
      .filter((r) => r.closedAt !== null)
      .map((r) => ({
        id: r.id,
        roomId: r.roomId,
        roomName: roomName(r.roomId),
        openedAt: isoOf(r.openedAt),
        closedAt: isoOf(r.closedAt!),
        cancelled: r.cancelled,
        agreed: (r.results ?? []).filter((x) => x.agreed).map((x) => x.recommendationId),
        notAgreed: (r.results ?? []).filter((x) => !x.agreed).map((x) => x.recommendationId),
        withdrawn: [...r.withdrawn],
        statement: r.statement ? { text: r.statement.text, at: isoOf(r.statement.at) } : null,
      })),
    publications: state.publications.map((p) => ({ number: p.number, at: isoOf(p.at), headSeq: p.headSeq, headHash: p.headHash })),
  };
  if (state.captions.segments.length) outcome.transcript = buildTranscript(state, citizenLabel);
  outcome.summary = summarise(outcome);
  return outcome;
}

/** The caption segments, each tied to its turn and its speaker's pseudonym; a speaker who later captioned is a "Captioner". */
function buildTranscript(state: SessionState, citizenLabel: Map<string, string>): NonNullable<Outcome['transcript']> {
  const turnNumber = new Map(state.turns.map((t, i) => [`${t.roomId}\u0000${t.participantId}\u0000${t.startedAt}`, i + 1]));
  return {
    segments: state.captions.segments.map((c) => ({
      id: c.id,
      roomId: c.roomId,
      language: c.language,
      speaker: c.speakerId === null ? null : (citizenLabel.get(c.speakerId) ?? 'Captioner'),
      turn: c.speakerId !== null && c.turnStartedAt !== null ? (turnNumber.get(`${c.roomId}\u0000${c.speakerId}\u0000${c.turnStartedAt}`) ?? null) : null,
      startedAt: isoOf(c.startedAt),
      endedAt: isoOf(c.endedAt),
      text: c.corrections.at(-1)?.text ?? c.text,
      automatic: c.automatic,
      original: c.text,
      corrections: c.corrections.map((x) => ({ text: x.text, at: isoOf(x.at) })),
    })),
  };
}

/**
 * The one-page summary, assembled from the data only. Every claim carries the JSON
 * Pointers of what it states, so a reader can check each sentence against the figures.
 */
export function summarise(o: Outcome): Outcome['summary'] {
  const claims: Outcome['summary'] = [];
  const p = o.participation;
  claims.push({ kind: 'question', text: `The assembly was asked: “${o.session.question}”`, refs: ['/session/question'] });
  const ran = o.agenda.filter((i) => i.startedAt !== null).length;
  claims.push({
    kind: 'participation',
    text:
      `${p.citizens} citizen${p.citizens === 1 ? '' : 's'} deliberated over ${ran} agenda item${ran === 1 ? '' : 's'}; ` +
      `${p.spokeAtLeastOnce} of them (${percent(p.spokeAtLeastOnceShare)}) took the floor, in ${p.turns} turn${p.turns === 1 ? '' : 's'}.`,
    refs: ['/participation/citizens', '/agenda', '/participation/spokeAtLeastOnceShare', '/participation/turns'],
  });
  if (p.turns > 0) {
    claims.push({
      kind: 'equity',
      text: `Speaking time was shared with a Gini coefficient of ${p.giniSpeakingTime.toFixed(2)} (0 means everyone spoke equally long).`,
      refs: ['/participation/giniSpeakingTime', '/participation/people'],
    });
  }
  if (o.recommendations.agreed.length === 0) {
    claims.push({ kind: 'agreed', text: 'No recommendation reached agreement.', refs: ['/recommendations/agreed'] });
  }
  o.recommendations.agreed.forEach((r, i) => {
    claims.push({
      kind: 'agreed',
      text: `Agreed: “${r.title}”, with ${percent(r.support.supportShare)} support from ${r.support.total} rating${r.support.total === 1 ? '' : 's'}${r.minorityNotes.length ? ` and ${r.minorityNotes.length} minority note${r.minorityNotes.length === 1 ? '' : 's'}` : ''}.`,
      refs: [`/recommendations/agreed/${i}`],
    });
  });
  o.recommendations.notAgreed.forEach((r, i) => {
    const why = r.textChanged
      ? 'its text changed after the vote opened'
      : `${percent(r.support.supportShare)} support${r.support.blocks ? `, ${r.support.blocks} block${r.support.blocks === 1 ? '' : 's'}` : ''}`;
    claims.push({ kind: 'contested', text: `Not agreed: “${r.title}” (${why}).`, refs: [`/recommendations/notAgreed/${i}`] });
  });
  claims.push({ kind: 'rule', text: o.session.agreementRuleDescription, refs: ['/session/agreementRule'] });
  const answered = o.recommendations.agreed.filter((r) => r.response).length;
  if (o.recommendations.agreed.length > 0) {
    claims.push({
      kind: 'responses',
      text: `Officials have answered ${answered} of ${o.recommendations.agreed.length} agreed recommendation${o.recommendations.agreed.length === 1 ? '' : 's'}.`,
      refs: o.recommendations.agreed.map((_, i) => `/recommendations/agreed/${i}/response`),
    });
  }
  return claims;
}

/** Resolve a JSON Pointer (RFC 6901) inside a document; undefined when it points nowhere. */
export function resolvePointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let at: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
