/**
 * Audio in a cluster (issue 12): a session's audio rooms live on its owner's mediasoup
 * workers; signalling from clients on other nodes is forwarded there, and what the
 * owner tells them (who is heard, a producer closed, join again) is pushed back. When
 * the owner dies, everyone with audio is told to join again, and lands on the new owner.
 * No media flows here (the browser suite plays real audio on one node); this is about
 * who may do what, across nodes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AudioEventRecord, ControlClient } from '../client/src/ControlClient.js';
import { PLENARY, type AudioJoined } from '../shared/src/index.js';
import { DTLS_PARAMETERS, OPUS_RTP_CAPABILITIES, OPUS_RTP_PARAMETERS } from './helpers/audio.js';
import { connect, createSession, join, type CreatedSession, type Joined } from './helpers/clients.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { eventually } from './helpers/drafting.js';
import { must, ok, refused } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { AUDIO_ON } from './helpers/server.js';

let cluster: TestCluster;
let urls: string[];
let session: CreatedSession;
const clients: ControlClient[] = [];
const person = async (role: 'facilitator' | 'citizen', name: string, node: number): Promise<Joined & { client: ControlClient }> => {
  const joined = await join(urls[node]!, session, role, name);
  const client = await connect(urls[node]!, joined);
  clients.push(client);
  return { ...joined, client };
};
const events = <E extends AudioEventRecord['event']>(c: ControlClient, name: E) =>
  c.audioEvents.filter((e): e is Extract<AudioEventRecord, { event: E }> => e.event === name);
const lastProducers = (c: ControlClient) => events(c, 'audio.producers').at(-1)?.payload;
const audioJoin = async (c: ControlClient) => (await must(c.send('audio.join', {}), 'audio.join')).result as AudioJoined;

beforeAll(async () => {
  cluster = await startCluster(3, AUDIO_ON);
  urls = cluster.nodes.map((n) => n.url);
  session = await createSession(urls[0]!);
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('audio across the nodes of a cluster', () => {
  test("signalling through other nodes reaches the owner's rooms; the floor rules hold; news comes back", async () => {
    // node-0 owns the session; nobody below is connected to it.
    const fac = await person('facilitator', assembly.facilitators[0]!, 1);
    const speaker = await person('citizen', assembly.citizens[0]!, 2);
    const listener = await person('citizen', assembly.citizens[1]!, 1);
    await eventually(() => speaker.client.audioStatus?.enabled === true, 'audio is on');

    const heard = await audioJoin(listener.client);
    expect(heard).toMatchObject({ roomId: PLENARY, producers: [], mayProduce: false });
    expect(heard.recvTransport.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await audioJoin(speaker.client)).mayProduce).toBe(false);
    // Without the floor: refused by the owner, through the forward.
    refused(await speaker.client.send('audio.createSendTransport', {}), 'FORBIDDEN');
    // The facilitator's console, on another node and not listening, follows the microphones through the owner.
    expect((await must(fac.client.send('audio.watchMics', {}), 'watch the microphones')).result).toEqual({ rooms: [] });

    ok(await speaker.client.send('queue.raise', {}));
    await must(fac.client.send('floor.give', { roomId: PLENARY }), 'floor.give');
    await eventually(() => lastProducers(speaker.client)?.mayProduce === true, 'the speaker told, across nodes, that it may speak');
    const t = await must(speaker.client.send('audio.createSendTransport', {}), 'send transport');
    const transportId = (t.result as { id: string }).id;
    ok(await speaker.client.send('audio.connect', { transportId, dtlsParameters: DTLS_PARAMETERS }));
    const produced = await must(speaker.client.send('audio.produce', { transportId, kind: 'audio', rtpParameters: OPUS_RTP_PARAMETERS }), 'produce');
    const producerId = (produced.result as { producerId: string }).producerId;
    await eventually(
      () => events(fac.client, 'audio.mics').some((e) => e.payload.live.includes(speaker.participantId)),
      "the facilitator's node told the speaker's microphone is live",
    );

    await eventually(
      () => lastProducers(listener.client)?.producers.some((p) => p.producerId === producerId) === true,
      'the listener on another node told of the speaker',
    );
    const consumed = await must(listener.client.send('audio.consume', { producerId, rtpCapabilities: OPUS_RTP_CAPABILITIES }), 'consume');
    ok(await listener.client.send('audio.resume', { consumerId: (consumed.result as { consumerId: string }).consumerId }));

    // The turn ends: the owner closes the producer and says so to the speaker's node.
    await must(fac.client.send('floor.end', { roomId: PLENARY }), 'floor.end');
    await eventually(() => events(speaker.client, 'audio.producer-closed').some((e) => e.payload.producerId === producerId), 'producer closed, pushed back');
    expect(events(speaker.client, 'audio.producer-closed').at(-1)!.payload.reason).toBe('turn-ended');
    await eventually(() => lastProducers(listener.client)?.producers.length === 0, 'the listener told the speaker is gone');
    await eventually(() => events(fac.client, 'audio.mics').at(-1)?.payload.live.length === 0, "the facilitator's node told the microphone is off");
  }, 60_000);

  test('the owner killed: everyone with audio is told to join again, joins on the new owner, and a mute survives (it is in the log)', async () => {
    const fac = await person('facilitator', 'Second facilitator', 1);
    const listener = await person('citizen', assembly.citizens[2]!, 2);
    await audioJoin(listener.client);
    // A speaker muted while holding the floor stays muted on whichever node runs the session next.
    ok(await listener.client.send('queue.raise', {}));
    await must(fac.client.send('floor.give', { roomId: PLENARY, participantId: listener.participantId }), 'floor.give');
    await must(fac.client.send('audio.mute', { participantId: listener.participantId }), 'mute');
    refused(await fac.client.send('audio.mute', { participantId: listener.participantId }), 'CONFLICT');
    const restarts = () => listener.client.audioEvents.filter((e) => e.event === 'audio.status' && (e.payload as { restart: boolean }).restart).length;
    const before = restarts();
    cluster.nodes[0]!.child.kill('SIGKILL');
    await eventually(() => restarts() > before, 'told to join again', 30_000);
    const owner = await cluster.lease(session.sessionId);
    expect(owner?.nodeId).not.toBe('node-0');
    const again = await audioJoin(listener.client);
    expect(again.roomId).toBe(PLENARY);
    expect(again.mayProduce).toBe(false);
    refused(await listener.client.send('audio.createSendTransport', {}), 'FORBIDDEN');
    // Given the floor again, the mute is over.
    await must(fac.client.send('floor.end', { roomId: PLENARY }), 'floor.end');
    ok(await listener.client.send('queue.raise', {}));
    await must(fac.client.send('floor.give', { roomId: PLENARY, participantId: listener.participantId }), 'floor.give again');
    await eventually(() => lastProducers(listener.client)?.mayProduce === true, 'may speak again');
    await must(listener.client.send('audio.createSendTransport', {}), 'send transport');
  }, 60_000);
});
