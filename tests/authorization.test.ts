import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import type { ControlClient } from '../client/src/ControlClient.js';
import {
  addRecommendation,
  COMMANDS,
  COMMAND_NAMES,
  isTransient,
  PLENARY,
  roomScoped,
  ROLES,
  type CommandInput,
  type CommandName,
  type Role,
  type SessionState,
} from '../shared/src/index.js';
import type { DraftSnapshot } from '../server/src/session/decide.js';
import { api, connect, createSession, joinAndConnect, type CreatedSession } from './helpers/clients.js';
import { draftClient, synced, until, type DraftClient } from './helpers/drafting.js';
import { assembly } from './helpers/fixtures.js';
import { refusalProblem, tryHandshake } from './helpers/raw.js';
import { must } from './helpers/expect.js';
import { DTLS_PARAMETERS, OPUS_RTP_CAPABILITIES, OPUS_RTP_PARAMETERS, someMediaId } from './helpers/audio.js';
import { AUDIO_ON, startServer, type RunningServer } from './helpers/server.js';

/**
 * The authorisation matrix, over real sockets: who may send what, and whether one
 * session's ids, rooms or tokens reach into another. Session A is put into a busy
 * state first so that a privileged command, had it been let through, would have
 * had something to act on.
 */

interface Member {
  sessionId: string;
  participantId: string;
  role: Role;
  displayName: string;
  token: string;
  client: ControlClient;
}

interface World {
  A: {
    id: string;
    session: CreatedSession;
    fac: Member;
    /** c1 and c2 in the plenary (c2 holds the floor, c1 is queued), c3 in room-1 with a raised hand. */
    c1: Member;
    c2: Member;
    c3: Member;
    obs: Member;
    off: Member;
    members: Member[];
    /** Approved, plenary. */
    qPlenary: string;
    /** Approved, room-1. */
    qRoom: string;
    /** Still awaiting moderation, plenary. */
    qPending: string;
    /**
     * Open agreement round in the plenary, on rec-1 and rec-2. The drafting documents: the plenary
     * holds rec-1..rec-3 and an open amendment amend-1 (to rec-3); room-1 holds rec-r1 and an open
     * amendment amend-r1; room-2 holds rec-r2 and has no round.
     */
    roundPlenary: string;
    /** Open agreement round in room-1, on rec-r1. */
    roundRoom: string;
  };
  B: {
    id: string;
    session: CreatedSession;
    fac: Member;
    c1: Member;
    c2: Member;
    obs: Member;
    off: Member;
    members: Member[];
    qB: string;
  };
}

let server: RunningServer;
let w: World;
const extraClients: ControlClient[] = [];
const drafts: DraftClient[] = [];

/** A copy: the host's own state is live and changes in place. */
const hostState = (id: string): SessionState => server.townhall.registry.get(id)!.snapshot();

/** What the server's copy of a room's drafting document holds right now. */
const serverDraft = (sessionId: string, roomId: string): Promise<DraftSnapshot> => server.townhall.drafting.snapshot(sessionId, roomId);

/** Wait until the server's copy of a document satisfies `predicate` (edits reach it asynchronously). */
async function serverHas(sessionId: string, roomId: string, predicate: (d: DraftSnapshot) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!predicate(await serverDraft(sessionId, roomId))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the server to have ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A Y.Map amendment in the layout shared/src/drafting.ts documents. */
function addAmendment(doc: Y.Doc, a: { id: string; recommendationId: string; text: string; rationale: string; authorId: string }): void {
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    for (const [k, v] of Object.entries({ ...a, field: 'body', createdAt: Date.now(), status: 'open' })) map.set(k, v);
    doc.getMap('amendments').set(a.id, map);
  });
}

/** A payload that the schema accepts and that, in session A's state, names real things. */
const VALID: { [N in CommandName]: (w: World) => CommandInput<N> } = {
  'state.sync': () => ({}),
  'queue.raise': () => ({ kind: 'point-of-order' }),
  'queue.lower': () => ({}),
  'queue.remove': (w) => ({ roomId: PLENARY, participantId: w.A.c1.participantId }),
  'queue.move': (w) => ({ roomId: PLENARY, participantId: w.A.c1.participantId, position: 1 }),
  'queue.clear': () => ({ roomId: PLENARY }),
  'queue.setRule': () => ({ roomId: PLENARY, rule: 'first-come-first-served' }),
  'queue.setOpen': () => ({ roomId: PLENARY, open: false }),
  'floor.give': (w) => ({ roomId: PLENARY, participantId: w.A.c1.participantId, seconds: 60 }),
  'floor.end': () => ({ roomId: PLENARY }),
  'floor.yield': () => ({}),
  'qa.ask': () => ({ text: 'May I ask something I should not be able to?', anonymous: false }),
  'qa.upvote': (w) => ({ questionId: w.A.qPlenary }),
  'qa.unvote': (w) => ({ questionId: w.A.qPlenary }),
  'qa.moderate': (w) => ({ questionId: w.A.qPending, status: 'approved' }),
  'qa.moderateMany': (w) => ({ questionIds: [w.A.qPending, w.A.qPlenary], status: 'hidden' }),
  'agenda.start': () => ({ itemId: 'item-2' }),
  'agenda.next': () => ({}),
  'agenda.extend': () => ({ minutes: 5 }),
  'agenda.complete': () => ({}),
  'rooms.create': () => ({ count: 1, names: ['Annex'] }),
  'rooms.assign': (w) => ({ assignments: [{ participantId: w.A.c1.participantId, roomId: 'room-2' }] }),
  'rooms.shuffle': () => ({}),
  'rooms.recall': () => ({}),
  'participant.remove': (w) => ({ participantId: w.A.c1.participantId }),
  'participant.revokeSpeaking': (w) => ({ participantId: w.A.c1.participantId }),
  'participant.restoreSpeaking': (w) => ({ participantId: w.A.c1.participantId }),
  'settings.update': () => ({ patch: { turnSeconds: 120, qaPremoderation: false } }),
  'invite.rotate': () => ({ role: 'citizen' }),
  'session.close': () => ({}),
  // Each of these would change session A if it were let through (see the setup test).
  'drafting.setOpen': () => ({ roomId: PLENARY, open: false }),
  'drafting.setLocked': () => ({ roomId: PLENARY, locked: true }),
  'drafting.bringBack': () => ({ roomId: 'room-1' }),
  'round.open': () => ({ roomId: 'room-2', recommendationIds: ['rec-r2'] }),
  'round.rate': (w) => ({ roundId: w.A.roundPlenary, recommendationId: 'rec-1', level: 'block', reason: 'Rated by someone who may not rate.' }),
  'round.close': (w) => ({ roundId: w.A.roundPlenary }),
  'round.withdraw': (w) => ({ roundId: w.A.roundPlenary, recommendationId: 'rec-2' }),
  'round.cancel': (w) => ({ roundId: w.A.roundPlenary }),
  'round.setStatement': (w) => ({ roundId: w.A.roundPlenary, text: 'Said by someone who may not say it.' }),
  'amendment.decide': () => ({ roomId: PLENARY, amendmentId: 'amend-1', decision: 'accepted' }),
  'response.give': () => ({ roomId: PLENARY, recommendationId: 'rec-1', status: 'accepted', dueDate: '2027-06-30' }),
  'response.progress': () => ({ roomId: PLENARY, recommendationId: 'rec-1', text: 'Budget approved.' }),
  'response.assess': () => ({ roomId: PLENARY, recommendationId: 'rec-1', answeredAt: 1, verdict: 'not', reason: 'Assessed by someone who may not assess.' }),
  'outcome.publish': () => ({}),
  'publicPage.set': () => ({ published: true }),
  'audio.setOpenMic': () => ({ roomId: PLENARY, open: true }),
  'audio.join': () => ({}),
  'audio.leave': () => ({}),
  'audio.connect': () => ({ transportId: someMediaId(), dtlsParameters: DTLS_PARAMETERS }),
  'audio.createSendTransport': () => ({}),
  'audio.stopSpeaking': () => ({}),
  'audio.watchMics': () => ({}),
  'audio.produce': () => ({ transportId: someMediaId(), kind: 'audio', rtpParameters: OPUS_RTP_PARAMETERS }),
  'audio.consume': () => ({ producerId: someMediaId(), rtpCapabilities: OPUS_RTP_CAPABILITIES }),
  'audio.resume': () => ({ consumerId: someMediaId() }),
  'audio.mute': (w) => ({ participantId: w.A.c1.participantId }),
  'captions.assign': (w) => ({ participantId: w.A.c1.participantId, roomId: PLENARY, language: null }),
  'captions.revoke': (w) => ({ participantId: w.A.c1.participantId }),
  'captions.allowWithoutFloor': () => ({ roomId: PLENARY, allowed: true }),
  'captions.add': () => ({ text: 'A caption line.' }),
  'captions.correct': () => ({ segmentId: 'cap_missing', text: 'A corrected line.' }),
  'captions.typing': () => ({ text: 'A line in progress' }),
  'audio.setLanguage': () => ({ language: 'de' }),
  'interpretation.assign': (w) => ({ participantId: w.A.c1.participantId, roomId: PLENARY, language: 'de' }),
  'interpretation.revoke': (w) => ({ participantId: w.A.c1.participantId }),
};

/** Fields through which a command names something that lives inside a session. */
const ID_FIELDS = ['roomId', 'participantId', 'questionId', 'questionIds', 'itemId', 'assignments', 'roundId', 'recommendationId', 'recommendationIds', 'amendmentId'];

/**
 * For every command that names session-scoped things: payloads, sent in session B,
 * that name session A's things (rooms B lacks, A's people, questions, agenda items,
 * agreement rounds, and the recommendations and amendments in A's documents).
 * null: the command names nothing of the kind (checked against its schema below).
 */
const CROSS: { [N in CommandName]: ((w: World) => { sender: 'facilitator' | 'citizen' | 'official'; payloads: CommandInput<N>[] }) | null } = {
  'state.sync': null,
  'queue.raise': null,
  'queue.lower': null,
  'queue.remove': (w) => ({
    sender: 'facilitator',
    payloads: [
      { roomId: 'room-1', participantId: w.A.c3.participantId },
      { roomId: PLENARY, participantId: w.A.c1.participantId },
    ],
  }),
  'queue.move': (w) => ({
    sender: 'facilitator',
    payloads: [
      { roomId: 'room-1', participantId: w.A.c3.participantId, position: 1 },
      { roomId: PLENARY, participantId: w.A.c1.participantId, position: 1 },
    ],
  }),
  'queue.clear': () => ({ sender: 'facilitator', payloads: [{ roomId: 'room-1' }, { roomId: 'room-2' }] }),
  'queue.setRule': () => ({ sender: 'facilitator', payloads: [{ roomId: 'room-1', rule: 'first-time-speakers-first' }] }),
  'queue.setOpen': () => ({ sender: 'facilitator', payloads: [{ roomId: 'room-1', open: false }] }),
  'floor.give': (w) => ({
    sender: 'facilitator',
    payloads: [
      { roomId: 'room-1', participantId: w.A.c3.participantId },
      { roomId: 'room-1' },
      { roomId: PLENARY, participantId: w.A.c1.participantId, seconds: 60 },
      { roomId: PLENARY, participantId: w.A.c3.participantId },
    ],
  }),
  'floor.end': () => ({ sender: 'facilitator', payloads: [{ roomId: 'room-1' }] }),
  'floor.yield': null,
  'qa.ask': null,
  'qa.upvote': (w) => ({
    sender: 'citizen',
    payloads: [{ questionId: w.A.qPlenary }, { questionId: w.A.qRoom }, { questionId: w.A.qPending }],
  }),
  'qa.unvote': (w) => ({
    sender: 'citizen',
    payloads: [{ questionId: w.A.qPlenary }, { questionId: w.A.qRoom }, { questionId: w.A.qPending }],
  }),
  'qa.moderate': (w) => ({
    sender: 'facilitator',
    payloads: [
      { questionId: w.A.qPlenary, status: 'live' },
      { questionId: w.A.qPending, status: 'approved' },
      { questionId: w.A.qRoom, status: 'hidden' },
    ],
  }),
  'qa.moderateMany': (w) => ({
    sender: 'facilitator',
    payloads: [
      { questionIds: [w.A.qPending], status: 'approved' },
      { questionIds: [w.A.qPlenary, w.A.qRoom], status: 'hidden' },
      // B's own question with A's: refused as a whole, B's own left as it was.
      { questionIds: [w.B.qB, w.A.qPlenary], status: 'hidden' },
      { questionIds: [w.A.qPending, w.B.qB], status: 'hidden' },
    ],
  }),
  'agenda.start': () => ({ sender: 'facilitator', payloads: [{ itemId: 'item-3' }, { itemId: 'item-6' }] }),
  'agenda.next': null,
  'agenda.extend': null,
  'agenda.complete': null,
  'rooms.create': null,
  'rooms.assign': (w) => ({
    sender: 'facilitator',
    payloads: [
      { assignments: [{ participantId: w.A.c1.participantId, roomId: PLENARY }] },
      { assignments: [{ participantId: w.A.c3.participantId, roomId: PLENARY }] },
      { assignments: [{ participantId: w.B.c1.participantId, roomId: 'room-1' }] },
      {
        assignments: [
          { participantId: w.B.c1.participantId, roomId: PLENARY },
          { participantId: w.A.c2.participantId, roomId: PLENARY },
        ],
      },
    ],
  }),
  'rooms.shuffle': null,
  'rooms.recall': null,
  'participant.remove': (w) => ({
    sender: 'facilitator',
    payloads: [w.A.c1, w.A.c3, w.A.obs, w.A.off, w.A.fac].map((m) => ({ participantId: m.participantId })),
  }),
  'participant.revokeSpeaking': (w) => ({
    sender: 'facilitator',
    payloads: [w.A.c1, w.A.c2, w.A.c3].map((m) => ({ participantId: m.participantId })),
  }),
  'participant.restoreSpeaking': (w) => ({
    sender: 'facilitator',
    payloads: [w.A.c1, w.A.c3].map((m) => ({ participantId: m.participantId })),
  }),
  'settings.update': null,
  'invite.rotate': null,
  'session.close': null,
  'drafting.setOpen': () => ({
    sender: 'facilitator',
    payloads: [
      { roomId: 'room-1', open: false },
      { roomId: 'room-2', open: false },
    ],
  }),
  'drafting.bringBack': () => ({
    sender: 'facilitator',
    // Rooms B lacks; and B's own room-1 does not exist either, so nothing of A's is copied.
    payloads: [{ roomId: 'room-1' }, { roomId: 'room-2' }],
  }),
  'drafting.setLocked': () => ({
    sender: 'facilitator',
    payloads: [
      { roomId: 'room-1', locked: true },
      { roomId: 'room-2', locked: true },
    ],
  }),
  'round.open': () => ({
    sender: 'facilitator',
    payloads: [
      { roomId: 'room-1' },
      { roomId: 'room-2', recommendationIds: ['rec-r2'] },
      // B's own plenary, naming recommendations that live only in A's plenary document.
      { roomId: PLENARY, recommendationIds: ['rec-1', 'rec-2'] },
      { roomId: PLENARY, recommendationIds: ['rec-3'] },
      // B's plenary document is empty: nothing of A's is put to the vote.
      { roomId: PLENARY },
    ],
  }),
  'round.rate': (w) => ({
    sender: 'citizen',
    payloads: [
      { roundId: w.A.roundPlenary, recommendationId: 'rec-1', level: 'full-support' },
      { roundId: w.A.roundPlenary, recommendationId: 'rec-2', level: 'block', reason: 'From another session.' },
      { roundId: w.A.roundRoom, recommendationId: 'rec-r1', level: 'can-live-with' },
    ],
  }),
  'round.close': (w) => ({ sender: 'facilitator', payloads: [{ roundId: w.A.roundPlenary }, { roundId: w.A.roundRoom }] }),
  'round.withdraw': (w) => ({
    sender: 'facilitator',
    payloads: [
      { roundId: w.A.roundPlenary, recommendationId: 'rec-2' },
      { roundId: w.A.roundRoom, recommendationId: 'rec-r1' },
    ],
  }),
  'round.cancel': (w) => ({ sender: 'facilitator', payloads: [{ roundId: w.A.roundPlenary }, { roundId: w.A.roundRoom }] }),
  'round.setStatement': (w) => ({
    sender: 'facilitator',
    payloads: [
      { roundId: w.A.roundPlenary, text: 'From another session.' },
      { roundId: w.A.roundRoom, text: 'From another session.' },
    ],
  }),
  'amendment.decide': () => ({
    sender: 'facilitator',
    payloads: [
      { roomId: 'room-1', amendmentId: 'amend-r1', decision: 'accepted' },
      { roomId: 'room-1', amendmentId: 'amend-1', decision: 'rejected' },
      { roomId: PLENARY, amendmentId: 'amend-1', decision: 'accepted' },
      { roomId: PLENARY, amendmentId: 'amend-r1', decision: 'rejected' },
    ],
  }),
  'response.give': () => ({
    sender: 'official',
    payloads: [
      { roomId: 'room-1', recommendationId: 'rec-r1', status: 'accepted' },
      { roomId: PLENARY, recommendationId: 'rec-1', status: 'rejected', reason: 'Answered from the wrong session.' },
    ],
  }),
  'response.progress': () => ({
    sender: 'official',
    payloads: [
      { roomId: 'room-1', recommendationId: 'rec-r1', text: 'Progress from the wrong session.' },
      { roomId: PLENARY, recommendationId: 'rec-1', text: 'Progress from the wrong session.' },
    ],
  }),
  'response.assess': () => ({
    sender: 'citizen',
    payloads: [
      { roomId: 'room-1', recommendationId: 'rec-r1', answeredAt: 1, verdict: 'addressed' },
      { roomId: PLENARY, recommendationId: 'rec-1', answeredAt: 1, verdict: 'not', reason: 'Assessed from the wrong session.' },
    ],
  }),
  'outcome.publish': null,
  'publicPage.set': null,
  'audio.setOpenMic': () => ({
    sender: 'facilitator',
    payloads: [
      { roomId: 'room-1', open: true },
      { roomId: 'room-2', open: true },
    ],
  }),
  // Media ids are not session ids: audio.test.ts shows another session's producers are out of reach.
  'audio.join': null,
  'audio.leave': null,
  'audio.connect': null,
  'audio.createSendTransport': null,
  'audio.stopSpeaking': null,
  // Answers with the sender's own session only: audio.test.ts checks another session's microphones stay out of reach.
  'audio.watchMics': null,
  'audio.produce': null,
  'audio.consume': null,
  'audio.resume': null,
  'audio.mute': (w) => ({ sender: 'facilitator', payloads: [w.A.c1, w.A.c3, w.A.fac].map((m) => ({ participantId: m.participantId })) }),
  'captions.assign': (w) => ({
    sender: 'facilitator',
    payloads: [
      { participantId: w.A.c1.participantId, roomId: PLENARY, language: null },
      { participantId: w.A.c3.participantId, roomId: 'room-1', language: 'de' },
    ],
  }),
  'captions.revoke': (w) => ({ sender: 'facilitator', payloads: [w.A.c1, w.A.c3].map((m) => ({ participantId: m.participantId })) }),
  'captions.allowWithoutFloor': () => ({ sender: 'facilitator', payloads: [{ roomId: 'room-1', allowed: true }] }),
  // The room is the captioner's own assignment; segments of another session are out of reach (captions.test.ts).
  'captions.add': null,
  'captions.correct': null,
  'captions.typing': null,
  // A language is not a session's thing: any tag may be chosen, and falls back to the original.
  'audio.setLanguage': null,
  'interpretation.assign': (w) => ({
    sender: 'facilitator',
    payloads: [
      ...[w.A.c1, w.A.c3].map((m) => ({ participantId: m.participantId, roomId: PLENARY, language: 'de' })),
      { participantId: w.A.c1.participantId, roomId: 'room-2', language: 'tr' },
    ],
  }),
  'interpretation.revoke': (w) => ({ sender: 'facilitator', payloads: [w.A.c1, w.A.c3].map((m) => ({ participantId: m.participantId })) }),
};

function shapeKeys(name: CommandName): string[] {
  return Object.keys((COMMANDS[name].schema as unknown as { shape: Record<string, unknown> }).shape);
}

beforeAll(async () => {
  server = await startServer({ env: AUDIO_ON });
  const url = server.url;

  // Session A: busy. Session B: no breakout rooms, a one-item agenda.
  const sA = await createSession(url);
  const sB = await createSession(url, { agenda: [{ title: 'Only item', minutes: 30 }] });

  const fac = await joinAndConnect(url, sA, 'facilitator', 'Mariam Haddad');
  const c1 = await joinAndConnect(url, sA, 'citizen', 'Jonas Müller');
  const c2 = await joinAndConnect(url, sA, 'citizen', 'Aoife Ní Bhriain');
  const c3 = await joinAndConnect(url, sA, 'citizen', 'Zoë Lefèvre');
  const obs = await joinAndConnect(url, sA, 'observer', 'Local newspaper');
  const off = await joinAndConnect(url, sA, 'official', 'Head of Transport Planning');

  const created = await must(fac.client.send('rooms.create', { count: 2 }), 'rooms.create');
  expect(created.result).toEqual({ roomIds: ['room-1', 'room-2'] });
  await must(fac.client.send('rooms.assign', { assignments: [{ participantId: c3.participantId, roomId: 'room-1' }] }), 'assign');
  await must(c1.client.send('queue.raise', { kind: 'normal' }), 'c1 raise');
  await must(c2.client.send('queue.raise', { kind: 'normal' }), 'c2 raise');
  await must(c3.client.send('queue.raise', { kind: 'normal' }), 'c3 raise');
  await must(fac.client.send('floor.give', { roomId: PLENARY, participantId: c2.participantId, seconds: 3600 }), 'floor');
  const q1 = await must(c1.client.send('qa.ask', { text: 'Will delivery vans still be allowed in the morning?', anonymous: false }), 'ask');
  const qPlenary = (q1.result as { questionId: string }).questionId;
  await must(fac.client.send('qa.moderate', { questionId: qPlenary, status: 'approved' }), 'approve');
  const q2 = await must(c3.client.send('qa.ask', { text: 'What does our room think about the bus lanes?', anonymous: true }), 'ask room');
  const qRoom = (q2.result as { questionId: string }).questionId;
  await must(fac.client.send('qa.moderate', { questionId: qRoom, status: 'approved' }), 'approve room');
  const q3 = await must(c2.client.send('qa.ask', { text: 'A question still waiting for moderation', anonymous: false }), 'ask pending');
  const qPending = (q3.result as { questionId: string }).questionId;

  // Drafting: citizens write recommendations and amendments into their rooms' documents over
  // the stock y-websocket provider; the facilitator writes room-2's. Then a round opens in the
  // plenary and in room-1, and stays open through the matrices below.
  const draft = (who: { token: string }, roomId: string) => {
    const d = draftClient(url, sA.sessionId, roomId, who.token);
    drafts.push(d);
    return d;
  };
  const dPlenary = draft(c1, PLENARY);
  const dRoom1 = draft(c3, 'room-1');
  const dRoom2 = draft(fac, 'room-2');
  await Promise.all([synced(dPlenary), synced(dRoom1), synced(dRoom2)]);
  assembly.recommendations.forEach((rec, i) => addRecommendation(dPlenary.doc, { id: `rec-${i + 1}`, ...rec }));
  addAmendment(dPlenary.doc, {
    id: 'amend-1',
    recommendationId: 'rec-3',
    text: 'Protected cycle lanes on all five radial roads, separated from traffic by kerbs.',
    rationale: 'Three roads leave the two busiest routes out.',
    authorId: c1.participantId,
  });
  addRecommendation(dRoom1.doc, { id: 'rec-r1', title: 'Room 1: school streets', body: 'Close streets outside schools at drop-off.', rationale: 'Safety.' });
  addAmendment(dRoom1.doc, { id: 'amend-r1', recommendationId: 'rec-r1', text: 'And at pick-up.', rationale: 'Both ends of the day.', authorId: c3.participantId });
  addRecommendation(dRoom2.doc, { id: 'rec-r2', title: 'Room 2: night buses', body: 'Run night buses on Fridays.', rationale: 'Shift workers.' });
  const recCount = assembly.recommendations.length;
  await serverHas(sA.sessionId, PLENARY, (d) => d.recommendations.length === recCount && d.amendments.some((a) => a.id === 'amend-1'), 'plenary drafts');
  await serverHas(sA.sessionId, 'room-1', (d) => d.recommendations.length === 1 && d.amendments.some((a) => a.id === 'amend-r1'), 'room-1 drafts');
  await serverHas(sA.sessionId, 'room-2', (d) => d.recommendations.length === 1, 'room-2 drafts');
  const rp = await must(fac.client.send('round.open', { roomId: PLENARY, recommendationIds: ['rec-1', 'rec-2'] }), 'round.open plenary');
  const roundPlenary = (rp.result as { roundId: string }).roundId;
  const rr = await must(fac.client.send('round.open', { roomId: 'room-1' }), 'round.open room-1');
  const roundRoom = (rr.result as { roundId: string }).roundId;
  const last = await must(fac.client.send('agenda.start', {}), 'agenda');

  const fB = await joinAndConnect(url, sB, 'facilitator', 'Facilitator B');
  const b1 = await joinAndConnect(url, sB, 'citizen', 'Øystein Berg');
  const b2 = await joinAndConnect(url, sB, 'citizen', 'Nguyễn Thị Lan');
  const obsB = await joinAndConnect(url, sB, 'observer', 'Observer B');
  const offB = await joinAndConnect(url, sB, 'official', 'Official B');
  await must(b1.client.send('queue.raise', { kind: 'normal' }), 'b1 raise');
  const qb = await must(b1.client.send('qa.ask', { text: 'A question in session B', anonymous: false }), 'b ask');
  const qB = (qb.result as { questionId: string }).questionId;
  const lastB = await must(fB.client.send('qa.moderate', { questionId: qB, status: 'approved' }), 'b approve');

  const membersA = [fac, c1, c2, c3, obs, off];
  const membersB = [fB, b1, b2, obsB, offB];
  await Promise.all(membersA.map((m) => m.client.caughtUp(last.seq)));
  await Promise.all(membersB.map((m) => m.client.caughtUp(lastB.seq)));
  await c3.client.waitFor((c) => c.me?.roomId === 'room-1' && c.view?.rooms.length === 1 && c.view.rooms[0]!.id === 'room-1', 10_000, 'c3 in room-1');

  w = {
    A: { id: sA.sessionId, session: sA, fac, c1, c2, c3, obs, off, members: membersA, qPlenary, qRoom, qPending, roundPlenary, roundRoom },
    B: { id: sB.sessionId, session: sB, fac: fB, c1: b1, c2: b2, obs: obsB, off: offB, members: membersB, qB },
  };
});

afterAll(async () => {
  for (const d of drafts) d.destroy();
  for (const m of [...(w?.A.members ?? []), ...(w?.B.members ?? [])]) m.client.close();
  for (const c of extraClients) c.close();
  await server?.stop();
});

describe('setup', () => {
  test('session A holds what session B lacks', () => {
    const A = hostState(w.A.id);
    const B = hostState(w.B.id);
    expect(A.roomOrder).toEqual([PLENARY, 'room-1', 'room-2']);
    expect(B.roomOrder).toEqual([PLENARY]);
    expect(A.participants[w.A.c3.participantId]!.roomId).toBe('room-1');
    expect(A.rooms[PLENARY]!.floor?.participantId).toBe(w.A.c2.participantId);
    expect(A.rooms[PLENARY]!.queue.map((e) => e.participantId)).toEqual([w.A.c1.participantId]);
    expect(A.rooms['room-1']!.queue.map((e) => e.participantId)).toEqual([w.A.c3.participantId]);
    expect(A.questions[w.A.qPlenary]!.status).toBe('approved');
    expect(A.questions[w.A.qRoom]!.status).toBe('approved');
    expect(A.questions[w.A.qPending]!.status).toBe('pending');
    expect(A.agenda.find((i) => i.status === 'active')?.id).toBe('item-1');
    expect(B.agenda.map((i) => i.id)).toEqual(['item-1']);
    for (const m of w.A.members) expect(B.participants[m.participantId]).toBeUndefined();
    expect(B.questions[w.A.qPlenary]).toBeUndefined();
  });

  test('session A has open rounds and open amendments for the drafting commands to act on; B has none', async () => {
    const A = hostState(w.A.id);
    const B = hostState(w.B.id);
    expect(A.roundOrder).toEqual([w.A.roundPlenary, w.A.roundRoom]);
    const plenaryRound = A.rounds[w.A.roundPlenary]!;
    expect([plenaryRound.roomId, plenaryRound.closedAt]).toEqual([PLENARY, null]);
    expect(plenaryRound.items.map((i) => i.recommendationId)).toEqual(['rec-1', 'rec-2']);
    const roomRound = A.rounds[w.A.roundRoom]!;
    expect([roomRound.roomId, roomRound.closedAt]).toEqual(['room-1', null]);
    expect(roomRound.items.map((i) => i.recommendationId)).toEqual(['rec-r1']);
    // What the VALID payloads would change, had they been let through.
    expect(A.rooms[PLENARY]!.draftingOpen).toBe(true);
    expect(A.rooms[PLENARY]!.draftLocked).toBe(false);
    expect(Object.values(A.rounds).some((r) => r.roomId === 'room-2')).toBe(false);
    expect(A.amendments).toEqual({});
    expect(A.locks).toEqual({});
    const plenary = await serverDraft(w.A.id, PLENARY);
    expect(plenary.recommendations.map((r) => r.id)).toEqual(['rec-1', 'rec-2', 'rec-3']);
    expect(plenary.amendments.map((a) => [a.id, a.recommendationId, a.status])).toEqual([['amend-1', 'rec-3', 'open']]);
    const room1 = await serverDraft(w.A.id, 'room-1');
    expect(room1.amendments.map((a) => [a.id, a.recommendationId, a.status])).toEqual([['amend-r1', 'rec-r1', 'open']]);
    expect((await serverDraft(w.A.id, 'room-2')).recommendations.map((r) => r.id)).toEqual(['rec-r2']);
    // Session B has no rounds, and its plenary document is empty.
    expect(B.roundOrder).toEqual([]);
    const bPlenary = await serverDraft(w.B.id, PLENARY);
    expect([bPlenary.recommendations, bPlenary.amendments]).toEqual([[], []]);
  });

  test('every command has a valid payload, and it passes the command schema', () => {
    const missing = COMMAND_NAMES.filter((n) => typeof (VALID as Partial<Record<string, unknown>>)[n] !== 'function');
    expect(missing, 'commands without a VALID payload entry').toEqual([]);
    for (const name of COMMAND_NAMES) {
      const parsed = COMMANDS[name].schema.safeParse(VALID[name](w));
      expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });

  test('every command has a cross-session entry consistent with its schema', () => {
    const missing = COMMAND_NAMES.filter((n) => !Object.hasOwn(CROSS, n));
    expect(missing, 'commands without a CROSS entry').toEqual([]);
    for (const name of COMMAND_NAMES) {
      const namesIds = shapeKeys(name).some((k) => ID_FIELDS.includes(k));
      const entry = CROSS[name];
      expect(entry !== null, `${name}: ${namesIds ? 'names session ids but has no cross-session payloads' : 'names no ids but has cross-session payloads'}`).toBe(
        namesIds,
      );
      if (!entry) continue;
      const { sender, payloads } = entry(w);
      expect(payloads.length, name).toBeGreaterThan(0);
      expect((COMMANDS[name].roles as readonly Role[]).includes(sender), `${name} may be sent by ${sender}`).toBe(true);
      for (const p of payloads) expect(COMMANDS[name].schema.safeParse(p).success, `${name} ${JSON.stringify(p)}`).toBe(true);
    }
  });
});

/** Joining audio in the role matrix leaves media state behind; drop it so later cases start clean. */
async function m0Leave(): Promise<void> {
  for (const m of w.A.members) await m.client.send('audio.leave', {});
}

describe('role matrix: a role outside the command’s roles is refused with FORBIDDEN and changes nothing', () => {
  for (const name of COMMAND_NAMES) {
    test(name, async () => {
      const entry = (VALID as Partial<Record<CommandName, (w: World) => unknown>>)[name];
      expect(entry, `${name} has no VALID payload entry`).toBeTypeOf('function');
      const allowed = COMMANDS[name].roles as readonly Role[];
      const senders = w.A.members.filter((m) => !allowed.includes(m.role));
      if (senders.length === 0) {
        // Everyone may send it: show that they all can, and that it changes nothing.
        expect(ROLES.every((r) => allowed.includes(r))).toBe(true);
        for (const m of w.A.members) {
          const before = hostState(w.A.id);
          const ack = await m.client.send(name, entry!(w) as never);
          if (isTransient(name) || name === 'captions.correct') {
            // Media signalling on ids that name nothing of theirs, or a correction of a segment that does not exist
            // (who may correct depends on the segment's room): refused for the state, never for the role.
            if (!ack.ok) expect(['NOT_FOUND', 'CONFLICT'], `${m.role} ${name}: ${ack.error.message}`).toContain(ack.error.code);
          } else expect(ack, `${m.role} ${name}`).toMatchObject({ ok: true, seq: before.seq });
          expect(hostState(w.A.id)).toEqual(before);
        }
        await m0Leave();
        return;
      }
      const problems: string[] = [];
      for (const m of senders) {
        const beforeA = hostState(w.A.id);
        const beforeB = hostState(w.B.id);
        const ack = await m.client.send(name, entry!(w) as never);
        const problem = refusalProblem(ack, ['FORBIDDEN']);
        if (problem) problems.push(`${m.role} ${m.displayName}: ${problem}`);
        if (!isDeepStrictEqual(hostState(w.A.id), beforeA)) problems.push(`${m.role}: session A changed (seq ${beforeA.seq} -> ${hostState(w.A.id).seq})`);
        if (!isDeepStrictEqual(hostState(w.B.id), beforeB)) problems.push(`${m.role}: session B changed`);
        if (!m.client.socket.connected) problems.push(`${m.role}: was disconnected`);
      }
      expect(problems).toEqual([]);
      // Each role outside the list was tried at least once.
      expect(new Set(senders.map((m) => m.role))).toEqual(new Set(ROLES.filter((r) => !allowed.includes(r))));
    });
  }
});

describe('session B cannot reach session A through A’s ids', () => {
  for (const name of COMMAND_NAMES) {
    test(name, async () => {
      expect(Object.hasOwn(CROSS, name), `${name} has no CROSS entry`).toBe(true);
      const entry = CROSS[name];
      if (!entry) {
        // Names nothing session-scoped; the schema agrees.
        expect(shapeKeys(name).filter((k) => ID_FIELDS.includes(k))).toEqual([]);
        return;
      }
      const { sender, payloads } = entry(w);
      const client = { facilitator: w.B.fac.client, citizen: w.B.c1.client, official: w.B.off.client }[sender];
      const problems: string[] = [];
      for (const payload of payloads) {
        const beforeA = hostState(w.A.id);
        const beforeB = hostState(w.B.id);
        const ack = await client.send(name, payload as never);
        const problem = refusalProblem(ack, ['NOT_FOUND', 'CONFLICT']);
        if (problem) problems.push(`${JSON.stringify(payload)}: ${problem}`);
        if (!isDeepStrictEqual(hostState(w.A.id), beforeA)) problems.push(`${JSON.stringify(payload)}: session A changed`);
        if (!isDeepStrictEqual(hostState(w.B.id), beforeB)) problems.push(`${JSON.stringify(payload)}: session B changed`);
      }
      expect(problems).toEqual([]);
    });
  }

  test('the same ids work in their own session (the refusals above are about the session, not the payload)', async () => {
    // Session A's facilitator may reach A's own breakout room; this changes A, so it runs after the matrix.
    const before = hostState(w.A.id).seq;
    const ack = await w.A.fac.client.send('queue.setRule', { roomId: 'room-1', rule: 'first-time-speakers-first' });
    expect(ack).toMatchObject({ ok: true, seq: before + 1 });
    expect(hostState(w.A.id).rooms['room-1']!.queueRule).toBe('first-time-speakers-first');
  });

  test('the same amendment ids work in their own session, and the decision reaches the document', async () => {
    const before = hostState(w.A.id).seq;
    const rejected = await w.A.fac.client.send('amendment.decide', { roomId: 'room-1', amendmentId: 'amend-r1', decision: 'rejected' });
    expect(rejected).toMatchObject({ ok: true, seq: before + 1 });
    const accepted = await w.A.fac.client.send('amendment.decide', { roomId: PLENARY, amendmentId: 'amend-1', decision: 'accepted' });
    expect(accepted).toMatchObject({ ok: true, seq: before + 2 });
    const A = hostState(w.A.id);
    expect(A.amendments[roomScoped('room-1', 'amend-r1')]).toMatchObject({ roomId: 'room-1', decision: 'rejected' });
    expect(A.amendments[roomScoped(PLENARY, 'amend-1')]).toMatchObject({ roomId: PLENARY, recommendationId: 'rec-3', decision: 'accepted' });
    // The server applies an accepted amendment to the document, and marks both decided there.
    const [dPlenary, dRoom1] = drafts;
    const amendment = (d: Y.Doc, id: string) => d.getMap<Y.Map<unknown>>('amendments').get(id);
    const body = (d: Y.Doc, i: number) => String(d.getArray<Y.Map<unknown>>('recommendations').get(i).get('body'));
    await until(dPlenary!.doc, (d) => amendment(d, 'amend-1')?.get('status') === 'accepted', 10_000, 'amend-1 accepted');
    await until(dPlenary!.doc, (d) => body(d, 2) === A.amendments[roomScoped(PLENARY, 'amend-1')]!.text, 10_000, 'rec-3 amended');
    await until(dRoom1!.doc, (d) => amendment(d, 'amend-r1')?.get('status') === 'rejected', 10_000, 'amend-r1 rejected');
    expect(body(dRoom1!.doc, 0)).toBe('Close streets outside schools at drop-off.');
    // Session B's state is untouched by all of it.
    expect(hostState(w.B.id).amendments).toEqual({});
  });
});

describe('rooms and audiences', () => {
  test('a citizen in a breakout room is shown only its own room', async () => {
    await w.A.c3.client.caughtUp(hostState(w.A.id).seq);
    const view = w.A.c3.client.view!;
    expect(view.rooms.map((r) => r.id)).toEqual(['room-1']);
    const room = view.rooms[0]!;
    expect(room.queue.map((e) => e.participantId)).toEqual([w.A.c3.participantId]);
    expect(room.questions.map((q) => q.id)).toEqual([w.A.qRoom]);
    expect(room.floor).toBeNull();
    expect(view.participants).toBeNull();
    // Other rooms appear in the directory by name only; nothing of their business leaks.
    expect(view.roomDirectory.map((r) => r.id)).toEqual([PLENARY, 'room-1', 'room-2']);
    // A small breakout room shows its members by name; the same room only.
    await w.A.c3.client.waitFor((c) => c.members().some((m) => m.participantId === w.A.c3.participantId), 10_000, 'members');
    expect(w.A.c3.client.members().map((m) => [m.participantId, m.roomId])).toEqual([[w.A.c3.participantId, 'room-1']]);
    // Everyone gets head counts per room, which name nobody.
    await w.A.c3.client.waitFor((c) => c.presence !== null, 10_000, 'presence');
    const text = JSON.stringify(w.A.c3.client.view) + JSON.stringify(w.A.c3.client.presence);
    const plenaryState = hostState(w.A.id);
    for (const id of [w.A.c1.participantId, w.A.c2.participantId, w.A.qPlenary, w.A.qPending]) expect(text).not.toContain(id);
    expect(text).not.toContain(plenaryState.questions[w.A.qPlenary]!.text);
    expect(text).not.toContain(w.A.c1.displayName);
  });

  test('a citizen in the plenary is not shown the breakout room', async () => {
    const view = w.A.c1.client.view!;
    expect(view.rooms.map((r) => r.id)).toEqual([PLENARY]);
    // The plenary lists nobody by name to citizens: they get head counts.
    expect(w.A.c1.client.members()).toEqual([]);
    await w.A.c1.client.waitFor((c) => (c.presence?.rooms.find((r) => r.id === PLENARY)?.members ?? 0) > 0, 10_000, 'presence');
    const text = JSON.stringify(view) + JSON.stringify(w.A.c1.client.presence);
    expect(text).not.toContain(w.A.qRoom);
    expect(text).not.toContain(w.A.qPending); // not yet approved, and not c1's
    expect(text).not.toContain(w.A.c3.participantId);
    expect(text).not.toContain('What does our room think about the bus lanes?');
  });

  test('a citizen cannot upvote another room’s question, but can upvote one in its own room', async () => {
    const problems: string[] = [];
    for (const [who, questionId] of [
      [w.A.c3, w.A.qPlenary],
      [w.A.c1, w.A.qRoom],
      [w.A.c1, w.A.qPending], // own room, but not yet visible
      [w.B.c1, w.A.qPlenary],
    ] as const) {
      const before = hostState(w.A.id);
      const ack = await who.client.send('qa.upvote', { questionId });
      const problem = refusalProblem(ack, ['NOT_FOUND']);
      if (problem) problems.push(`${who.displayName} -> ${questionId}: ${problem}`);
      if (!isDeepStrictEqual(hostState(w.A.id), before)) problems.push(`${who.displayName} -> ${questionId}: state changed`);
    }
    expect(problems).toEqual([]);
    // The same command, aimed at a question of the sender's own room (asked by someone else), goes through.
    const before = hostState(w.A.id).seq;
    expect(await w.A.c2.client.send('qa.upvote', { questionId: w.A.qPlenary })).toMatchObject({ ok: true, seq: before + 1 });
    expect(hostState(w.A.id).questions[w.A.qPlenary]!.upvoters).toEqual([w.A.c2.participantId]);
  });

  test('a citizen cannot rate another room’s agreement round, but can rate one in its own room', async () => {
    const problems: string[] = [];
    for (const [who, roundId, recommendationId] of [
      [w.A.c3, w.A.roundPlenary, 'rec-1'],
      [w.A.c3, w.A.roundPlenary, 'rec-r1'], // c3's own recommendation id, in the other room's round
      [w.A.c1, w.A.roundRoom, 'rec-r1'],
      [w.A.c2, w.A.roundRoom, 'rec-r1'], // the plenary citizen holding the floor
      [w.A.c1, w.A.roundRoom, 'rec-1'],
      [w.B.c1, w.A.roundPlenary, 'rec-1'],
      [w.B.c2, w.A.roundRoom, 'rec-r1'],
    ] as const) {
      const beforeA = hostState(w.A.id);
      const beforeB = hostState(w.B.id);
      const ack = await who.client.send('round.rate', { roundId, recommendationId, level: 'block', reason: 'Not my room.' });
      const problem = refusalProblem(ack, ['NOT_FOUND']);
      const label = `${who.displayName} -> ${roundId}/${recommendationId}`;
      if (problem) problems.push(`${label}: ${problem}`);
      if (!isDeepStrictEqual(hostState(w.A.id), beforeA)) problems.push(`${label}: session A changed`);
      if (!isDeepStrictEqual(hostState(w.B.id), beforeB)) problems.push(`${label}: session B changed`);
    }
    expect(problems).toEqual([]);
    expect(Object.values(hostState(w.A.id).rounds).every((r) => Object.keys(r.ratings).length === 0)).toBe(true);

    // The same command, aimed at the round of the sender's own room, goes through.
    const before = hostState(w.A.id).seq;
    expect(await w.A.c3.client.send('round.rate', { roundId: w.A.roundRoom, recommendationId: 'rec-r1', level: 'can-live-with' })).toMatchObject({
      ok: true,
      seq: before + 1,
    });
    expect(await w.A.c1.client.send('round.rate', { roundId: w.A.roundPlenary, recommendationId: 'rec-1', level: 'full-support' })).toMatchObject({
      ok: true,
      seq: before + 2,
    });
    const A = hostState(w.A.id);
    expect(Object.keys(A.rounds[w.A.roundRoom]!.ratings['rec-r1']!)).toEqual([w.A.c3.participantId]);
    expect(Object.keys(A.rounds[w.A.roundPlenary]!.ratings['rec-1']!)).toEqual([w.A.c1.participantId]);
    // Each citizen sees its own room's round only.
    await Promise.all([w.A.c1.client.caughtUp(A.seq), w.A.c3.client.caughtUp(A.seq)]);
    expect(w.A.c1.client.view!.rooms.flatMap((r) => r.rounds.map((x) => x.id))).toEqual([w.A.roundPlenary]);
    expect(w.A.c3.client.view!.rooms.flatMap((r) => r.rounds.map((x) => x.id))).toEqual([w.A.roundRoom]);
    expect(JSON.stringify(w.A.c1.client.view) + JSON.stringify(w.A.c1.client.me)).not.toContain(w.A.roundRoom);
    expect(JSON.stringify(w.A.c3.client.view) + JSON.stringify(w.A.c3.client.me)).not.toContain(w.A.roundPlenary);
  });

  test('the round ids session B could not close close session A’s rounds', async () => {
    const before = hostState(w.A.id).seq;
    const closed = await w.A.fac.client.send('round.close', { roundId: w.A.roundRoom });
    expect(closed).toMatchObject({ ok: true });
    const A = hostState(w.A.id);
    expect(A.rounds[w.A.roundRoom]!.closedAt).not.toBeNull();
    expect(A.rounds[w.A.roundPlenary]!.closedAt).toBeNull();
    expect(A.seq).toBeGreaterThan(before);
    expect(hostState(w.B.id).roundOrder).toEqual([]);
  });

  test('observers and officials get no participants list and no unmoderated questions; facilitators do', async () => {
    const seq = hostState(w.A.id).seq;
    for (const m of [w.A.obs, w.A.off, w.B.obs, w.B.off]) {
      await m.client.caughtUp(m.sessionId === w.A.id ? seq : hostState(w.B.id).seq);
      const view = m.client.view!;
      expect(view.participants, m.displayName).toBeNull();
      expect(view.rooms.map((r) => r.id)).toEqual([PLENARY]);
      expect(m.client.members(), m.displayName).toEqual([]);
      const text = JSON.stringify(view);
      expect(text).not.toContain(w.A.qPending);
      expect(text).not.toContain('A question still waiting for moderation');
    }
    await w.A.fac.client.caughtUp(seq);
    const staff = w.A.fac.client.view!;
    expect(staff.participants?.map((p) => p.participantId).sort()).toEqual(w.A.members.map((m) => m.participantId).sort());
    expect(staff.rooms.map((r) => r.id)).toEqual([PLENARY, 'room-1', 'room-2']);
    expect(JSON.stringify(staff)).toContain(w.A.qPending);
  });

  test('the audit log is for facilitators of that session only', async () => {
    for (const m of [w.A.c1, w.A.obs, w.A.off]) {
      const res = await api<{ error: { code: string } }>(server.url, `/api/sessions/${w.A.id}/log`, { token: m.token });
      expect(res.status, m.role).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    const foreign = await api<{ error: { code: string } }>(server.url, `/api/sessions/${w.A.id}/log`, { token: w.B.fac.token });
    expect(foreign.status).toBe(401);
    expect(foreign.body.error.code).toBe('UNAUTHENTICATED');
    const own = await api<string>(server.url, `/api/sessions/${w.A.id}/log`, { token: w.A.fac.token });
    expect(own.status).toBe(200);
  });
});

describe('credentials', () => {
  test('a session A token is refused for session B, over HTTP and in the handshake', async () => {
    const token = w.A.c1.token;
    expect(await tryHandshake(server.url, { sessionId: w.A.id, token })).toEqual({ connected: true });
    const wrong = await tryHandshake(server.url, { sessionId: w.B.id, token });
    expect(wrong.connected).toBe(false);
    if (!wrong.connected) expect(wrong.data?.code).toBe('UNAUTHENTICATED');
    for (const m of [w.A.fac, w.A.c1, w.A.obs]) {
      const res = await api<{ error: { code: string } }>(server.url, `/api/sessions/${w.B.id}/me`, { token: m.token });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHENTICATED');
    }
    const own = await api<{ participantId: string }>(server.url, `/api/sessions/${w.A.id}/me`, { token });
    expect(own.status).toBe(200);
    expect(own.body.participantId).toBe(w.A.c1.participantId);
  });

  test('malformed handshakes are refused', async () => {
    const token = w.A.c1.token;
    const attempts: unknown[] = [
      {},
      { sessionId: w.A.id },
      { token },
      { sessionId: w.A.id, token: '' },
      { sessionId: w.A.id, token: 123 },
      { sessionId: w.A.id, token: `${token}x` },
      { sessionId: w.A.id, token: token.repeat(10) },
      { sessionId: '__proto__', token },
      { sessionId: 'constructor', token },
      { sessionId: '../x', token },
      { sessionId: `${w.A.id} `, token },
      { sessionId: [w.A.id], token },
    ];
    for (const auth of attempts) {
      const outcome = await tryHandshake(server.url, auth);
      expect(outcome.connected, JSON.stringify(auth)).toBe(false);
      if (!outcome.connected) expect(outcome.data?.code, JSON.stringify(auth)).toBe('UNAUTHENTICATED');
    }
  });

  test('a removed participant is disconnected, and its token is refused over HTTP and in the handshake', async () => {
    const victim = await joinAndConnect(server.url, w.A.session, 'citizen', 'Priya Raghunathan');
    extraClients.push(victim.client);
    // A second open socket for the same participant.
    const second = await connect(server.url, victim);
    extraClients.push(second);
    await must(victim.client.send('queue.raise', { kind: 'normal' }), 'victim raise');
    expect((await api(server.url, `/api/sessions/${w.A.id}/me`, { token: victim.token })).status).toBe(200);

    const ack = await w.A.fac.client.send('participant.remove', { participantId: victim.participantId });
    expect(ack.ok).toBe(true);
    await victim.client.waitFor((c) => !c.socket.connected, 10_000, 'victim disconnected');
    await second.waitFor((c) => !c.socket.connected, 10_000, 'second socket disconnected');
    expect(victim.client.notices).toContainEqual({ kind: 'removed' });
    const state = hostState(w.A.id);
    expect(state.participants[victim.participantId]!.removed).toBe(true);
    expect(state.rooms[PLENARY]!.queue.some((e) => e.participantId === victim.participantId)).toBe(false);

    const me = await api<{ error: { code: string } }>(server.url, `/api/sessions/${w.A.id}/me`, { token: victim.token });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('UNAUTHENTICATED');
    const again = await tryHandshake(server.url, { sessionId: w.A.id, token: victim.token });
    expect(again.connected).toBe(false);
    if (!again.connected) expect(again.data?.code).toBe('UNAUTHENTICATED');

    // Everyone else is still connected and served.
    for (const m of [...w.A.members, ...w.B.members]) expect(m.client.socket.connected, m.displayName).toBe(true);
    const sync = await w.A.c1.client.send('state.sync', {});
    expect(sync).toMatchObject({ ok: true, seq: hostState(w.A.id).seq });
  });
});
