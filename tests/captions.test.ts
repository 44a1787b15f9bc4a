import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PLENARY, diffView, outcomeDocumentSchema, projectSession, replay, type CaptionView, type OutcomeDocument, type RoomView } from '../shared/src/index.js';
import { verifyExport } from '../server/src/outcome/verifyExport.js';
import type { ControlClient } from '../client/src/ControlClient.js';
import { api, connect, createSession, joinAndConnect, sessionLog, type CreatedSession } from './helpers/clients.js';
import { allCaughtUp, must, ok, refused } from './helpers/expect.js';
import { hostileStrings } from './helpers/fixtures.js';
import { startServer, type RunningServer } from './helpers/server.js';

/**
 * Human live captions over real sockets, a real server process and its SQLite log:
 * who may caption, when, what is logged and what is only pushed, corrections that
 * keep the original, hostile text kept inert, and the transcript in the signed export.
 */

type Member = Awaited<ReturnType<typeof joinAndConnect>>;

let server: RunningServer;
let session: CreatedSession;
let fac: Member;
let speaker: Member;
let captioner: Member;
let listener: Member;
let obs: Member;
let off: Member;

const plenary = (c: ControlClient): RoomView => c.view!.rooms.find((r) => r.id === PLENARY)!;
const captions = (c: ControlClient): CaptionView[] => plenary(c).captions;

async function download(path: string, token: string) {
  const res = await fetch(`${server.url}/api/sessions/${session.sessionId}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  server = await startServer();
  session = await createSession(server.url);
  fac = await joinAndConnect(server.url, session, 'facilitator', 'Mariam Haddad');
  speaker = await joinAndConnect(server.url, session, 'citizen', 'Jonas Müller');
  captioner = await joinAndConnect(server.url, session, 'observer', 'Kim Captioner');
  listener = await joinAndConnect(server.url, session, 'citizen', 'Aoife Ní Bhriain');
  obs = await joinAndConnect(server.url, session, 'observer', 'Ola Observer');
  off = await joinAndConnect(server.url, session, 'official', 'Head of Transport');
}, 60_000);

afterAll(async () => {
  for (const m of [fac, speaker, captioner, listener, obs, off]) m?.client.close();
  await server?.stop();
});

describe('captioner assignment', () => {
  test('only a facilitator assigns; a facilitator cannot be one; the wrong room and unknown people are refused', async () => {
    refused(await listener.client.send('captions.assign', { participantId: captioner.participantId, roomId: PLENARY, language: null }), 'FORBIDDEN');
    refused(await fac.client.send('captions.assign', { participantId: fac.participantId, roomId: PLENARY, language: null }), 'CONFLICT');
    refused(await fac.client.send('captions.assign', { participantId: 'p_nobody', roomId: PLENARY, language: null }), 'NOT_FOUND');
    refused(await fac.client.send('captions.assign', { participantId: captioner.participantId, roomId: 'room-9', language: null }), 'NOT_FOUND');
    refused(await fac.client.send('captions.assign', { participantId: captioner.participantId, roomId: PLENARY, language: 'English' as never }), 'VALIDATION_FAILED');
    refused(await captioner.client.send('captions.add', { text: 'Not yet a captioner.' }), 'FORBIDDEN');
    refused(await captioner.client.send('captions.typing', { text: 'Not yet' }), 'FORBIDDEN');
  });

  test('an assignment is logged once, shown in the room and in the roster, and a repeat with the same requestId is not done twice', async () => {
    const payload = { participantId: captioner.participantId, roomId: PLENARY, language: null };
    const first = await fac.client.send('captions.assign', payload, 'assign-1');
    const again = await fac.client.send('captions.assign', payload, 'assign-1');
    expect(ok(again)).toBe(ok(first));
    refused(await fac.client.send('captions.assign', payload, 'assign-2'), 'CONFLICT');
    await allCaughtUp(ok(first), fac.client, listener.client, captioner.client);
    expect(plenary(listener.client).captioners).toEqual([{ participantId: captioner.participantId, displayName: 'Kim Captioner', language: null }]);
    expect(fac.client.view!.participants!.find((p) => p.participantId === captioner.participantId)!.captioning).toEqual({ roomId: PLENARY, language: null });
    expect(captioner.client.me!.captioning).toEqual({ roomId: PLENARY, language: null });
    const log = await sessionLog(server.url, session.sessionId, fac.token);
    expect(log.filter((e) => e.type === 'captioner.assigned')).toHaveLength(1);
  });
});

describe('committed captions', () => {
  test('nobody has the floor: refused, until the facilitator allows captions without a floor', async () => {
    const ack = await captioner.client.send('captions.add', { text: 'Welcome, everyone.' });
    refused(ack, 'CONFLICT');
    if (!ack.ok) expect(ack.error.message).toBe('Nobody has the floor.');
    refused(await listener.client.send('captions.allowWithoutFloor', { roomId: PLENARY, allowed: true }), 'FORBIDDEN');
    ok(await fac.client.send('captions.allowWithoutFloor', { roomId: PLENARY, allowed: true }));
    const added = await must(captioner.client.send('captions.add', { text: 'Welcome, everyone.' }), 'captions.add');
    await allCaughtUp(added.seq, listener.client);
    expect(captions(listener.client).at(-1)).toMatchObject({ text: 'Welcome, everyone.', speakerId: null, speakerName: '', automatic: false, original: null });
    ok(await fac.client.send('captions.allowWithoutFloor', { roomId: PLENARY, allowed: false }));
    refused(await captioner.client.send('captions.add', { text: 'Again without a floor.' }), 'CONFLICT');
  });

  test('only the captioner writes: other roles and other people are refused', async () => {
    ok(await speaker.client.send('queue.raise', { kind: 'normal' }));
    ok(await fac.client.send('floor.give', { roomId: PLENARY, participantId: speaker.participantId }));
    refused(await listener.client.send('captions.add', { text: 'I am not the captioner.' }), 'FORBIDDEN');
    refused(await obs.client.send('captions.add', { text: 'Nor am I.' }), 'FORBIDDEN');
    refused(await off.client.send('captions.add', { text: 'Nor I.' }), 'FORBIDDEN');
    refused(await fac.client.send('captions.add', { text: 'Facilitators do not caption.' }), 'FORBIDDEN');
    refused(await listener.client.send('captions.typing', { text: 'typing' }), 'FORBIDDEN');
  });

  test('malformed and oversized lines are refused with a clear error, and nothing is logged', async () => {
    const before = (await sessionLog(server.url, session.sessionId, fac.token)).length;
    for (const bad of [
      { text: '' },
      { text: '   ' },
      { text: 'x'.repeat(501) },
      { text: 42 },
      { text: 'A line', speakerId: listener.participantId },
      { text: 'A line', startedAt: 0 },
      {},
      null,
    ]) {
      const ack = await captioner.client.send('captions.add', bad as never);
      refused(ack, 'VALIDATION_FAILED');
    }
    refused(await captioner.client.send('captions.typing', { text: 'x'.repeat(501) }), 'VALIDATION_FAILED');
    refused(await captioner.client.send('captions.correct', { segmentId: '../../etc', text: 'x' }), 'VALIDATION_FAILED');
    expect((await sessionLog(server.url, session.sessionId, fac.token)).length).toBe(before);
  });

  test('the live line reaches the room and is never logged; a reconnect mid-line, then the commit, clears it and logs the line once with the speaker', async () => {
    const before = await sessionLog(server.url, session.sessionId, fac.token);
    ok(await captioner.client.send('captions.typing', { text: 'We could close the' }));
    await listener.client.waitFor((c) => c.liveCaptions.some((l) => l.text === 'We could close the' && l.participantId === captioner.participantId), 10_000, 'live line');
    await fac.client.waitFor((c) => c.liveCaptions.some((l) => l.text === 'We could close the'), 10_000, 'live line at the facilitator');
    expect(listener.client.liveCaptions.at(-1)).toMatchObject({ roomId: PLENARY, participantId: captioner.participantId });

    // The captioner's connection drops mid-line; they come back and commit.
    captioner.client.close();
    const back = await connect(server.url, captioner);
    captioner.client = back;
    ok(await back.send('captions.typing', { text: 'We could close the bridge' }));
    const line = 'We could close the bridge to cars on Sundays.';
    const first = await back.send('captions.add', { text: line }, 'line-1');
    // The answer was lost, say: the retry with the same requestId is not a second line.
    const retry = await back.send('captions.add', { text: line }, 'line-1');
    expect(ok(retry)).toBe(ok(first));
    await listener.client.waitFor(
      (c) => c.liveCaptions.at(-1)?.text === '' && c.liveCaptions.at(-1)?.participantId === captioner.participantId,
      10_000,
      'live line cleared',
    );
    await allCaughtUp(ok(first), listener.client, obs.client, off.client);
    for (const c of [listener.client, obs.client, off.client, fac.client]) {
      await c.caughtUp(ok(first));
      expect(captions(c).filter((x) => x.text === line)).toHaveLength(1);
      expect(captions(c).at(-1)).toMatchObject({ text: line, speakerId: speaker.participantId, speakerName: 'Jonas Müller', automatic: false });
    }
    const after = await sessionLog(server.url, session.sessionId, fac.token);
    const added = after.slice(before.length).filter((e) => e.type === 'caption.added');
    expect(added).toHaveLength(1);
    expect(after.slice(before.length).map((e) => e.type)).not.toContain('captions.typing');
    expect(JSON.stringify(after)).not.toContain('We could close the bridge"');
    const e = added[0]!;
    if (e.type !== 'caption.added') throw new Error('unreachable');
    expect(e.payload).toMatchObject({ roomId: PLENARY, speakerId: speaker.participantId, language: null, automatic: false, text: line });
    expect(e.payload.startedAt).toBeLessThanOrEqual(e.payload.endedAt);
    expect(e.payload.endedAt).toBe(e.at);
  });

  test('a correction keeps the original; only the room’s captioner or a facilitator may correct', async () => {
    const seg = captions(listener.client).at(-1)!;
    refused(await listener.client.send('captions.correct', { segmentId: seg.id, text: 'Vandalised.' }), 'FORBIDDEN');
    refused(await captioner.client.send('captions.correct', { segmentId: 'cap_missing', text: 'Nothing there.' }), 'NOT_FOUND');
    ok(await captioner.client.send('captions.correct', { segmentId: seg.id, text: 'We could close the bridge to cars on Saturdays.' }));
    const fixed = await must(fac.client.send('captions.correct', { segmentId: seg.id, text: 'We could close the bridge to cars at weekends.' }), 'correct');
    refused(await fac.client.send('captions.correct', { segmentId: seg.id, text: 'We could close the bridge to cars at weekends.' }), 'CONFLICT');
    await allCaughtUp(fixed.seq, listener.client);
    expect(captions(listener.client).find((c) => c.id === seg.id)).toMatchObject({
      text: 'We could close the bridge to cars at weekends.',
      original: 'We could close the bridge to cars on Sundays.',
    });
    const log = await sessionLog(server.url, session.sessionId, fac.token);
    expect(log.filter((e) => e.type === 'caption.corrected')).toHaveLength(2);
    expect(log.find((e) => e.type === 'caption.added' && e.payload.segmentId === seg.id)).toBeTruthy();
  });

  test('hostile text is kept as inert text, byte for byte as cleaned, in the view, the export JSON and its Markdown', async () => {
    const hostile = hostileStrings.filter((h) => h.length <= 500).slice(0, 12);
    expect(hostile.length).toBeGreaterThan(3);
    let seq = 0;
    const stored: string[] = [];
    for (const text of hostile) {
      const ack = await captioner.client.send('captions.add', { text });
      if (ack.ok) {
        seq = ack.seq;
        stored.push(text);
      } else expect(ack.error.code).toBe('VALIDATION_FAILED');
    }
    expect(stored.length).toBeGreaterThan(3);
    await allCaughtUp(seq, listener.client);
    const shown = captions(listener.client).map((c) => c.text);
    const markup = stored.find((t) => t.includes('<script') || t.includes('<img'));
    if (markup) expect(shown).toContain(markup.replace(/\s+/g, ' ').trim());
    const md = await download('/outcome.md', fac.token);
    expect(md.status).toBe(200);
    expect(md.text).toContain('Transcript');
    expect(md.text).not.toMatch(/<script/i);
    expect(md.text).not.toMatch(/<img/i);
  });
});

describe('the transcript in the export', () => {
  test('carries every segment with its speaker pseudonym, turn and corrections; verify --log rebuilds it byte for byte', async () => {
    ok(await fac.client.send('floor.end', { roomId: PLENARY }));
    const res = await download('/outcome.json', fac.token);
    expect(res.status).toBe(200);
    const doc = outcomeDocumentSchema.parse(JSON.parse(res.text)) as OutcomeDocument;
    const transcript = doc.outcome.transcript!;
    expect(transcript.segments.length).toBeGreaterThan(2);
    const corrected = transcript.segments.find((s) => s.original === 'We could close the bridge to cars on Sundays.')!;
    expect(corrected).toMatchObject({ text: 'We could close the bridge to cars at weekends.', speaker: 'Citizen 1', turn: 1, automatic: false, language: null });
    expect(corrected.corrections.map((c) => c.text)).toEqual(['We could close the bridge to cars on Saturdays.', 'We could close the bridge to cars at weekends.']);
    expect(transcript.segments[0]).toMatchObject({ text: 'Welcome, everyone.', speaker: null, turn: null });
    // The export names nobody: no captioner or speaker name anywhere in it.
    expect(res.text).not.toContain('Jonas');
    expect(res.text).not.toContain('Kim Captioner');
    // The observer who captioned is counted apart; the citizens count only citizens.
    expect(doc.outcome.participation.captioners).toBe(1);
    expect(doc.outcome.participation.citizens).toBe(2);
    const log = await sessionLog(server.url, session.sessionId, fac.token);
    const report = verifyExport(doc, { log });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    // A transcript edited after signing is caught.
    const forged = structuredClone(doc);
    forged.outcome.transcript!.segments[0]!.text = 'Something nobody said.';
    expect(verifyExport(forged, { log }).ok).toBe(false);
  });
});

describe('view patches', () => {
  test('a new segment is one added item in the room’s caption list, not the list again', async () => {
    const log = await sessionLog(server.url, session.sessionId, fac.token);
    const last = log.findLastIndex((e) => e.type === 'caption.added');
    const online = { has: () => false };
    const audience = { kind: 'room' as const, roomId: PLENARY };
    const before = projectSession(replay(log.slice(0, last))!, audience, online);
    const after = projectSession(replay(log.slice(0, last + 1))!, audience, online);
    const patch = diffView(before as never, after as never)!;
    const room = (patch.rooms as unknown as { list: { change: Record<string, { captions: unknown }> } }).list.change[PLENARY]!;
    expect(room.captions).toEqual({ list: { key: 'id', add: [after.rooms[0]!.captions.at(-1)] } });
  });
});

describe('revocation', () => {
  test('a revoked captioner can no longer caption, type or correct, and leaves the room’s list', async () => {
    ok(await speaker.client.send('queue.raise', { kind: 'normal' }));
    ok(await fac.client.send('floor.give', { roomId: PLENARY, participantId: speaker.participantId }));
    refused(await captioner.client.send('captions.revoke', { participantId: captioner.participantId }), 'FORBIDDEN');
    const seg = captions(listener.client).at(-1)!;
    const revoked = await must(fac.client.send('captions.revoke', { participantId: captioner.participantId }), 'revoke');
    refused(await fac.client.send('captions.revoke', { participantId: captioner.participantId }), 'CONFLICT');
    refused(await captioner.client.send('captions.add', { text: 'Still here?' }), 'FORBIDDEN');
    refused(await captioner.client.send('captions.typing', { text: 'Still' }), 'FORBIDDEN');
    refused(await captioner.client.send('captions.correct', { segmentId: seg.id, text: 'Changed after revoking.' }), 'FORBIDDEN');
    await allCaughtUp(revoked.seq, listener.client, captioner.client);
    expect(plenary(listener.client).captioners).toEqual([]);
    expect(captioner.client.me!.captioning).toBeNull();
  });
});

describe('another session', () => {
  test('a captioner of one session cannot reach another session’s segments', async () => {
    const other = await createSession(server.url);
    const ofac = await joinAndConnect(server.url, other, 'facilitator', 'Other Facilitator');
    try {
      const seg = captions(listener.client).at(-1)!;
      refused(await ofac.client.send('captions.correct', { segmentId: seg.id, text: 'From the wrong session.' }), 'NOT_FOUND');
      const status = (await api(server.url, `/api/sessions/${other.sessionId}/outcome.json`, { token: ofac.token })).status;
      expect(status).toBe(200);
    } finally {
      ofac.client.close();
    }
  });
});
