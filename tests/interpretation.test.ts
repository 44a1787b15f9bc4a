import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AudioEventRecord, ControlClient } from '../client/src/ControlClient.js';
import { PLENARY, type Ack, type AudioJoined, type OutcomeDocument } from '../shared/src/index.js';
import { DTLS_PARAMETERS, OPUS_RTP_CAPABILITIES, OPUS_RTP_PARAMETERS, someMediaId } from './helpers/audio.js';
import { createSession, joinAndConnect, sessionLog, type CreatedSession } from './helpers/clients.js';
import { eventually } from './helpers/drafting.js';
import { must, ok, refused } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { AUDIO_ON, startServer, type RunningServer } from './helpers/server.js';

/*
 * Interpretation channels through the real control channel and real mediasoup
 * workers: who may be made an interpreter, the audio rule (an interpreter speaks into
 * their language only, and only while someone holds the floor), and a listener's
 * choice of language moving what they consume. No media flows here; the browser
 * suite plays real audio through a channel.
 */

type Person = Awaited<ReturnType<typeof joinAndConnect>>;

let server: RunningServer;
let session: CreatedSession;
let fac: Person, speaker: Person, interpreter: Person, listener: Person, obs: Person;

const events = <E extends AudioEventRecord['event']>(c: ControlClient, name: E) =>
  c.audioEvents.filter((e): e is Extract<AudioEventRecord, { event: E }> => e.event === name);
const lastProducers = (c: ControlClient) => events(c, 'audio.producers').at(-1)?.payload;
const join = async (p: Person) => (await must(p.client.send('audio.join', {}), `${p.displayName} joins audio`)).result as AudioJoined;
const message = (ack: Ack) => (ack.ok ? '' : ack.error.message);

/** A send transport, connected, then a producer into `language` (null: the original). */
async function produceInto(p: Person, language: string | null): Promise<Ack> {
  const t = await must(p.client.send('audio.createSendTransport', {}), 'send transport');
  const transportId = (t.result as { id: string }).id;
  ok(await p.client.send('audio.connect', { transportId, dtlsParameters: DTLS_PARAMETERS }));
  return p.client.send('audio.produce', { transportId, kind: 'audio', rtpParameters: OPUS_RTP_PARAMETERS, language });
}

async function consume(p: Person, producerId: string): Promise<Ack> {
  return p.client.send('audio.consume', { producerId, rtpCapabilities: OPUS_RTP_CAPABILITIES });
}

async function giveFloorTo(p: Person): Promise<void> {
  ok(await p.client.send('queue.raise', {}));
  await must(fac.client.send('floor.give', { roomId: PLENARY, participantId: p.participantId }), 'floor.give');
  await eventually(() => lastProducers(p.client)?.mayProduce === true, `${p.displayName} may speak`);
}

beforeAll(async () => {
  server = await startServer({ env: AUDIO_ON });
  session = await createSession(server.url);
  fac = await joinAndConnect(server.url, session, 'facilitator', assembly.facilitators[0]!);
  speaker = await joinAndConnect(server.url, session, 'citizen', assembly.citizens[0]!);
  interpreter = await joinAndConnect(server.url, session, 'citizen', assembly.citizens[1]!);
  listener = await joinAndConnect(server.url, session, 'citizen', assembly.citizens[2]!);
  obs = await joinAndConnect(server.url, session, 'observer', assembly.observers[0]!);
}, 30_000);

afterAll(async () => {
  for (const p of [fac, speaker, interpreter, listener, obs]) p?.client.close();
  await server?.stop();
});

describe('interpreters in the log', () => {
  test('only a facilitator assigns, only citizens interpret, one language at a time, and malformed tags are refused', async () => {
    refused(await speaker.client.send('interpretation.assign', { participantId: interpreter.participantId, roomId: PLENARY, language: 'de' }), 'FORBIDDEN');
    refused(await obs.client.send('interpretation.assign', { participantId: interpreter.participantId, roomId: PLENARY, language: 'de' }), 'FORBIDDEN');
    refused(await fac.client.send('interpretation.assign', { participantId: obs.participantId, roomId: PLENARY, language: 'de' }), 'FORBIDDEN');
    refused(await fac.client.send('interpretation.assign', { participantId: interpreter.participantId, roomId: 'room-9', language: 'de' }), 'NOT_FOUND');
    refused(await fac.client.send('interpretation.assign', { participantId: 'p_nobody', roomId: PLENARY, language: 'de' }), 'NOT_FOUND');
    for (const language of ['Deutsch', 'DE', '<img src=x onerror=alert(1)>', `de-${'x'.repeat(10_000)}`, ''])
      refused(await fac.client.send('interpretation.assign', { participantId: interpreter.participantId, roomId: PLENARY, language }), 'VALIDATION_FAILED');

    const assigned = await must(fac.client.send('interpretation.assign', { participantId: interpreter.participantId, roomId: PLENARY, language: 'de' }), 'assign');
    // Sent twice (a retry after a lost ack): the second changes nothing.
    refused(await fac.client.send('interpretation.assign', { participantId: interpreter.participantId, roomId: PLENARY, language: 'de' }), 'CONFLICT');
    refused(await fac.client.send('interpretation.assign', { participantId: interpreter.participantId, roomId: PLENARY, language: 'tr' }), 'CONFLICT');

    await listener.client.caughtUp(assigned.seq);
    const plenary = listener.client.view!.rooms.find((r) => r.id === PLENARY)!;
    expect(plenary.interpreters).toEqual([{ participantId: interpreter.participantId, displayName: interpreter.displayName, language: 'de' }]);
    await interpreter.client.caughtUp(assigned.seq);
    expect(interpreter.client.me?.interpreting).toEqual({ roomId: PLENARY, language: 'de' });
    await fac.client.caughtUp(assigned.seq);
    expect(fac.client.view!.participants!.find((p) => p.participantId === interpreter.participantId)!.interpreting).toEqual({ roomId: PLENARY, language: 'de' });

    const log = await sessionLog(server.url, session.sessionId, fac.token);
    expect(log.filter((e) => e.type === 'interpreter.assigned').map((e) => e.payload)).toEqual([
      { participantId: interpreter.participantId, roomId: PLENARY, language: 'de' },
    ]);
  });
});

describe('the audio rule for interpreters', () => {
  test('without a floor an interpreter is refused, and says why', async () => {
    for (const p of [fac, speaker, interpreter, listener, obs]) await join(p);
    const ack = await interpreter.client.send('audio.createSendTransport', {});
    refused(ack, 'FORBIDDEN');
    expect(message(ack)).toMatch(/only while someone holds the floor/);
    refused(
      await interpreter.client.send('audio.produce', { transportId: someMediaId(), kind: 'audio', rtpParameters: OPUS_RTP_PARAMETERS, language: 'de' }),
      'FORBIDDEN',
    );
  });

  test('while the floor is held an interpreter speaks into their channel only; listeners choose; the floor ends and so does the interpretation', async () => {
    await giveFloorTo(speaker);
    const floorProducer = ((await must(produceInto(speaker, null), 'the speaker speaks')).result as { producerId: string }).producerId;
    // The speaker is no interpreter: a channel is not theirs to speak into.
    await must(speaker.client.send('audio.stopSpeaking', {}), 'stop');
    const notTheirs = await produceInto(speaker, 'de');
    refused(notTheirs, 'FORBIDDEN');
    expect(message(notTheirs)).toMatch(/not an interpreter/);
    const floorId = ((await must(produceInto(speaker, null), 'the speaker speaks again')).result as { producerId: string }).producerId;
    expect(floorId).not.toBe(floorProducer);

    // Another language, or the original: refused.
    const wrong = await produceInto(interpreter, 'tr');
    refused(wrong, 'FORBIDDEN');
    expect(message(wrong)).toMatch(/into de only/);
    refused(await produceInto(interpreter, null), 'FORBIDDEN');
    const deId = ((await must(produceInto(interpreter, 'de'), 'interpret into de')).result as { producerId: string }).producerId;

    // A listener who did not choose hears the original only, and cannot consume the channel.
    await eventually(() => lastProducers(listener.client)?.producers.some((p) => p.producerId === floorId) === true, 'the floor is heard');
    expect(lastProducers(listener.client)!.producers).toEqual([{ producerId: floorId, participantId: speaker.participantId, language: null }]);
    expect(lastProducers(listener.client)!.language).toBeNull();
    refused(await consume(listener, deId), 'FORBIDDEN');

    // Choosing German: the channel is named beside the floor, and can be consumed.
    const chose = await must(listener.client.send('audio.setLanguage', { language: 'de' }), 'listen in de');
    expect(chose.result).toEqual({ language: 'de', chosen: 'de' });
    await eventually(() => lastProducers(listener.client)?.language === 'de', 'told it hears de');
    expect(lastProducers(listener.client)!.producers).toEqual(
      expect.arrayContaining([
        { producerId: floorId, participantId: speaker.participantId, language: null },
        { producerId: deId, participantId: interpreter.participantId, language: 'de' },
      ]),
    );
    const deConsumer = await must(consume(listener, deId), 'consume de');
    expect(deConsumer.result).toMatchObject({ producerId: deId, participantId: interpreter.participantId });
    ok(await listener.client.send('audio.resume', { consumerId: (deConsumer.result as { consumerId: string }).consumerId }));
    const floorConsumer = await must(consume(listener, floorId), 'consume the floor');
    // The floor stays: the client ducks it under the interpreter.
    expect(floorConsumer.result).toMatchObject({ producerId: floorId });

    // Turkish has no interpreter: the listener falls back to the original, and the German consumer closes.
    const tr = await must(listener.client.send('audio.setLanguage', { language: 'tr' }), 'listen in tr');
    expect(tr.result).toEqual({ language: null, chosen: 'tr' });
    await eventually(() => lastProducers(listener.client)?.producers.every((p) => p.language === null) === true, 'only the floor named');
    expect(lastProducers(listener.client)!.language).toBeNull();
    refused(await consume(listener, deId), 'FORBIDDEN');
    // The floor consumer was kept: consuming it again is a duplicate.
    refused(await consume(listener, floorId), 'CONFLICT');

    // Back to German: the old consumer is gone on the server, so a new one is made (a duplicate would be refused).
    await must(listener.client.send('audio.setLanguage', { language: 'de' }), 'listen in de again');
    const again = await must(consume(listener, deId), 'consume de again');
    expect((again.result as { consumerId: string }).consumerId).not.toBe((deConsumer.result as { consumerId: string }).consumerId);
    refused(await consume(listener, deId), 'CONFLICT');
    // The interpreter hears the floor, and not themselves.
    refused(await consume(interpreter, deId), 'CONFLICT');

    // The floor ends: the interpreter's producer is closed as a speaker's is, and the listener falls back.
    await must(fac.client.send('floor.end', { roomId: PLENARY }), 'floor.end');
    await eventually(() => events(interpreter.client, 'audio.producer-closed').some((e) => e.payload.producerId === deId), 'interpretation closed');
    expect(events(interpreter.client, 'audio.producer-closed').find((e) => e.payload.producerId === deId)!.payload.reason).toBe('turn-ended');
    await eventually(() => lastProducers(listener.client)?.producers.length === 0, 'nothing heard');
    expect(lastProducers(listener.client)!.language).toBeNull();
    refused(await interpreter.client.send('audio.createSendTransport', {}), 'FORBIDDEN');
  });

  test('a listener whose connection drops starts again from the original; an interpreter who holds the floor speaks into the original', async () => {
    await giveFloorTo(speaker);
    await must(produceInto(speaker, null), 'floor');
    const deId = ((await must(produceInto(interpreter, 'de'), 'de')).result as { producerId: string }).producerId;
    await must(listener.client.send('audio.setLanguage', { language: 'de' }), 'de');
    await eventually(() => lastProducers(listener.client)?.language === 'de', 'hears de');
    listener.client.socket.disconnect();
    listener.client.socket.connect();
    await eventually(() => listener.client.socket.connected, 'reconnected');
    const rejoined = await join(listener);
    expect(rejoined.language).toBeNull();
    expect(rejoined.producers.every((p) => p.language === null)).toBe(true);
    await must(listener.client.send('audio.setLanguage', { language: 'de' }), 'de again');
    ok(await consume(listener, deId));

    // The interpreter is given the floor: they are a speaker now, not rendering themselves.
    await must(fac.client.send('floor.end', { roomId: PLENARY }), 'end');
    await giveFloorTo(interpreter);
    const own = await produceInto(interpreter, 'de');
    refused(own, 'FORBIDDEN');
    expect(message(own)).toMatch(/hold the floor yourself/);
    await must(interpreter.client.send('audio.stopSpeaking', {}), 'stop');
    await must(produceInto(interpreter, null), 'speaks into the original');
    await must(fac.client.send('floor.end', { roomId: PLENARY }), 'end');
  });

  test('revoking silences the interpreter at once; revoking twice, or by a citizen, is refused', async () => {
    await giveFloorTo(speaker);
    const deId = ((await must(produceInto(interpreter, 'de'), 'de')).result as { producerId: string }).producerId;
    refused(await speaker.client.send('interpretation.revoke', { participantId: interpreter.participantId }), 'FORBIDDEN');
    refused(await fac.client.send('interpretation.revoke', { participantId: speaker.participantId }), 'CONFLICT');
    const revoked = await must(fac.client.send('interpretation.revoke', { participantId: interpreter.participantId }), 'revoke');
    await eventually(() => events(interpreter.client, 'audio.producer-closed').some((e) => e.payload.producerId === deId), 'closed on revoke');
    refused(await fac.client.send('interpretation.revoke', { participantId: interpreter.participantId }), 'CONFLICT');
    await listener.client.caughtUp(revoked.seq);
    expect(listener.client.view!.rooms.find((r) => r.id === PLENARY)!.interpreters).toEqual([]);
    const after = await interpreter.client.send('audio.createSendTransport', {});
    refused(after, 'FORBIDDEN');
    expect(message(after)).toMatch(/floor/);
    await eventually(() => lastProducers(listener.client)?.language === null, 'the listener falls back');
    await must(fac.client.send('floor.end', { roomId: PLENARY }), 'end');
  });
});

describe('the export', () => {
  test('counts interpreters apart from citizens, with the languages they rendered', async () => {
    const res = await fetch(`${server.url}/api/sessions/${session.sessionId}/outcome.json`, { headers: { authorization: `Bearer ${fac.token}` } });
    expect(res.status).toBe(200);
    const outcome = (await res.json()) as OutcomeDocument;
    // Three citizens joined; one of them interpreted (and was revoked since: it is still counted as an interpreter).
    expect(outcome.outcome.participation.interpreters).toBe(1);
    expect(outcome.outcome.participation.interpretationLanguages).toEqual(['de']);
    expect(outcome.outcome.participation.citizens).toBe(2);
    expect(outcome.outcome.participation.people).toHaveLength(2);
    const md = await fetch(`${server.url}/api/sessions/${session.sessionId}/outcome.md`, { headers: { authorization: `Bearer ${fac.token}` } });
    expect(await md.text()).toContain('Interpreters, counted apart from the citizens: 1 (into de).');
  });
});
