import type { ControlClient } from '../../client/src/ControlClient.js';
import { PLENARY, addRecommendation, type SessionEvent } from '../../shared/src/index.js';
import { createSession, joinAndConnect, sessionLog, type CreatedSession, type Joined } from './clients.js';
import { draftClient, eventually, synced } from './drafting.js';
import { must } from './expect.js';
import { assembly, hostileStrings } from './fixtures.js';

const hostile = (prefix: string) => {
  const found = hostileStrings.find((s) => s.startsWith(prefix));
  if (!found) throw new Error(`no hostile string starting with ${prefix}`);
  return found;
};

/** The hostile strings this session plants, by where they go. */
export const PLANTED = {
  script: hostile('<script>'),
  img: hostile('"><img'),
  svg: hostile('<svg'),
  rtl: hostile('\u202E'),
  longWord: hostile('Supercalifragilistic'),
  sql: hostile("'; DROP"),
  formula: '=HYPERLINK("http://evil.example","click")',
  zalgo: hostile('Zalgo'),
};

/** The facilitator's statement of what the room decided, revised once: the export carries the second. */
export const STATEMENT = {
  first: 'The room agreed on two texts.',
  final: `The room backs a car-free square and cycle lanes; the shuttle needs another look. ${hostile('<script>')}`,
};

export interface ScriptedSession {
  session: CreatedSession;
  fac: Joined & { client: ControlClient };
  citizens: (Joined & { client: ControlClient })[];
  /** Titles of the recommendations that the round agreed, and of the one it did not. */
  agreedTitles: string[];
  agreedIds: string[];
  notAgreedTitle: string;
  roundId: string;
  log(): Promise<SessionEvent[]>;
  close(): void;
}

/**
 * A whole session through the real protocol: agenda, two turns, questions, three
 * recommendations drafted over y-websocket, a round that agrees two of them, and the
 * session closed. Hostile strings go into names, a question, texts and reasons.
 */
export async function runScriptedSession(
  url: string,
  opts: { adminToken?: string; beforeClose?: (session: CreatedSession) => Promise<void>; extraCitizens?: readonly string[] } = {},
): Promise<ScriptedSession> {
  const session = await createSession(url, { title: `${PLANTED.script} Assembly on Getting Around` }, opts.adminToken);
  const fac = await joinAndConnect(url, session, 'facilitator', assembly.facilitators[0]!);
  const citizens = [
    await joinAndConnect(url, session, 'citizen', PLANTED.img),
    await joinAndConnect(url, session, 'citizen', assembly.citizens[6]!),
    await joinAndConnect(url, session, 'citizen', assembly.citizens[9]!),
  ];
  const [c1, c2, c3] = citizens as [typeof fac, typeof fac, typeof fac];
  // More raters, when a test needs them: each rates every text, the contested one with a reason of their own.
  for (const name of opts.extraCitizens ?? []) citizens.push(await joinAndConnect(url, session, 'citizen', name));
  const closers: (() => void)[] = [() => fac.client.close(), ...citizens.map((c) => () => c.client.close())];

  await must(fac.client.send('agenda.start', {}), 'agenda.start');
  for (const [c, seconds] of [
    [c1, 40],
    [c2, 25],
  ] as const) {
    await must(c.client.send('queue.raise', {}), 'raise');
    await must(fac.client.send('floor.give', { roomId: PLENARY, participantId: c.participantId, seconds: 60 }), 'floor.give');
    await new Promise((r) => setTimeout(r, seconds));
    await must(fac.client.send('floor.end', { roomId: PLENARY }), 'floor.end');
  }
  await must(fac.client.send('agenda.next', {}), 'agenda.next');

  const asked = await must(c1.client.send('qa.ask', { text: PLANTED.svg }), 'qa.ask');
  const q1 = (asked.result as { questionId: string }).questionId;
  const asked2 = await must(c2.client.send('qa.ask', { text: assembly.questions[1]! }), 'qa.ask');
  const q2 = (asked2.result as { questionId: string }).questionId;
  for (const q of [q1, q2]) await must(fac.client.send('qa.moderate', { questionId: q, status: 'approved' }), 'approve');
  await must(c3.client.send('qa.upvote', { questionId: q2 }), 'upvote');
  await must(c1.client.send('qa.upvote', { questionId: q2 }), 'upvote');
  await must(fac.client.send('qa.moderate', { questionId: q2, status: 'answered' }), 'answered');

  const [r1, r2, r3] = assembly.recommendations as [
    (typeof assembly.recommendations)[number],
    (typeof assembly.recommendations)[number],
    (typeof assembly.recommendations)[number],
  ];
  const recs = [
    { id: 'rec-square', title: `${r1.title} ${PLANTED.script}`, body: `${r1.body} ${PLANTED.rtl}`, rationale: `${r1.rationale} ${PLANTED.longWord}` },
    { id: 'rec-lanes', title: r3.title, body: `${r3.body}\n${PLANTED.zalgo}`, rationale: r3.rationale },
    { id: 'rec-shuttle', title: r2.title, body: r2.body, rationale: r2.rationale },
  ];
  const draft = draftClient(url, session.sessionId, PLENARY, c1.token);
  closers.push(() => draft.destroy());
  await synced(draft);
  for (const rec of recs) addRecommendation(draft.doc, rec);
  await eventually(() => draft.provider.wsconnected && draft.doc.getArray('recommendations').length === 3, 'drafts typed');
  // The round reads the server's copy of the document: wait until every recommendation has arrived there.
  const opened = await (async () => {
    for (let i = 0; ; i++) {
      const ack = await fac.client.send('round.open', { roomId: PLENARY, recommendationIds: recs.map((r) => r.id) });
      if (ack.ok) return ack;
      if (i > 200) throw new Error(`round.open kept failing: ${JSON.stringify(ack.error)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const roundId = (opened.result as { roundId: string }).roundId;
  for (const c of citizens) {
    await must(c.client.send('round.rate', { roundId, recommendationId: 'rec-square', level: 'full-support' }), 'rate');
    await must(c.client.send('round.rate', { roundId, recommendationId: 'rec-lanes', level: 'support-with-reservations' }), 'rate');
  }
  await must(c1.client.send('round.rate', { roundId, recommendationId: 'rec-shuttle', level: 'block', reason: PLANTED.sql }), 'rate');
  await must(c2.client.send('round.rate', { roundId, recommendationId: 'rec-shuttle', level: 'serious-concerns', reason: PLANTED.formula }), 'rate');
  await must(c3.client.send('round.rate', { roundId, recommendationId: 'rec-shuttle', level: 'full-support' }), 'rate');
  for (const [i, c] of citizens.slice(3).entries()) {
    await must(c.client.send('round.rate', { roundId, recommendationId: 'rec-shuttle', level: 'support-with-reservations', reason: `Extra reason ${i + 1}` }), 'rate');
  }
  await must(fac.client.send('round.close', { roundId }), 'round.close');
  await must(fac.client.send('round.setStatement', { roundId, text: STATEMENT.first }), 'round.setStatement');
  await must(fac.client.send('round.setStatement', { roundId, text: STATEMENT.final }), 'round.setStatement');
  // Roles that cannot join an ended session (observers) join here.
  await opts.beforeClose?.(session);
  await must(fac.client.send('session.close', {}), 'session.close');

  return {
    session,
    fac,
    citizens,
    agreedTitles: [recs[0]!.title, recs[1]!.title],
    agreedIds: [recs[0]!.id, recs[1]!.id],
    notAgreedTitle: recs[2]!.title,
    roundId,
    log: () => sessionLog(url, session.sessionId, fac.token),
    close() {
      for (const c of closers) c();
    },
  };
}
