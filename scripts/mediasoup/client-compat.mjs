#!/usr/bin/env node
// Signalling-level compatibility check between the pinned mediasoup-client (browser library,
// devDependency) and the pinned mediasoup server: the real 3.8.4 worker on one side, the
// client's FakeHandler (its test "browser", no WebRTC stack) on the other. It runs the same
// exchange the app will run: device.load(router caps) -> send transport -> produce audio ->
// server produce -> server consume with the device caps -> client consume.
//
// It proves the RTP capabilities/parameters formats agree. It does not exercise a real browser's
// SDP, ICE or DTLS; that needs a Chromium test.
//
//   node scripts/mediasoup/client-compat.mjs     (or: npm run audio:client-compat)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const say = (label, value) => console.log(`${label.padEnd(26)} ${value}`);

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

let mediasoup;
let client;
let FakeMediaStreamTrack;
try {
  mediasoup = require('mediasoup');
  client = require('mediasoup-client');
  const clientRequire = createRequire(require.resolve('mediasoup-client'));
  ({ FakeMediaStreamTrack } = clientRequire('fake-mediastreamtrack'));
} catch (err) {
  fail(`needs mediasoup and the mediasoup-client devDependency installed (${err.message})`);
}

const transportOptions = (t) => ({
  id: t.id,
  iceParameters: t.iceParameters,
  iceCandidates: t.iceCandidates,
  dtlsParameters: t.dtlsParameters,
});

async function main() {
  say('mediasoup (server)', mediasoup.version);
  say('mediasoup-client', client.version);
  const worker = await mediasoup.createWorker({ logLevel: 'warn' });
  try {
    const router = await worker.createRouter({
      mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }],
    });
    const listenIps = [{ ip: '127.0.0.1' }];
    const serverSend = await router.createWebRtcTransport({ listenIps });
    const serverRecv = await router.createWebRtcTransport({ listenIps });

    const device = new client.Device({
      handlerFactory: client.FakeHandler.createFactory(client.testFakeParameters),
    });
    await device.load({ routerRtpCapabilities: router.rtpCapabilities });
    say('device.load()', `ok, handler ${device.handlerName}, canProduce(audio) ${device.canProduce('audio')}`);
    if (!device.canProduce('audio')) fail('the device cannot produce audio with the router capabilities');

    const send = device.createSendTransport(transportOptions(serverSend));
    send.on('connect', ({ dtlsParameters }, callback, errback) => {
      serverSend.connect({ dtlsParameters }).then(callback, errback);
    });
    let serverProducer;
    send.on('produce', ({ kind, rtpParameters }, callback, errback) => {
      say(
        'client rtpParameters',
        JSON.stringify({
          codecs: rtpParameters.codecs.map((c) => `${c.mimeType}/${c.payloadType}`),
          headerExtensions: rtpParameters.headerExtensions.map((h) => h.uri.replace(/^.*[/:]/, '')),
          mid: rtpParameters.mid,
          msid: rtpParameters.msid,
        }),
      );
      serverSend.produce({ kind, rtpParameters }).then((p) => {
        serverProducer = p;
        callback({ id: p.id });
      }, errback);
    });
    const track = new FakeMediaStreamTrack({ kind: 'audio' });
    const producer = await send.produce({ track });
    say('produce', `client ${producer.id} = server ${serverProducer.id} (${serverProducer.type})`);

    const recv = device.createRecvTransport(transportOptions(serverRecv));
    recv.on('connect', ({ dtlsParameters }, callback, errback) => {
      serverRecv.connect({ dtlsParameters }).then(callback, errback);
    });
    if (!router.canConsume({ producerId: serverProducer.id, rtpCapabilities: device.rtpCapabilities })) {
      fail('router.canConsume() is false for the device capabilities');
    }
    const serverConsumer = await serverRecv.consume({
      producerId: serverProducer.id,
      rtpCapabilities: device.rtpCapabilities,
      paused: true,
    });
    const consumer = await recv.consume({
      id: serverConsumer.id,
      producerId: serverConsumer.producerId,
      kind: serverConsumer.kind,
      rtpParameters: serverConsumer.rtpParameters,
    });
    await serverConsumer.resume();
    const codec = consumer.rtpParameters.codecs[0];
    say('consume', `${consumer.id} ${codec.mimeType} pt ${codec.payloadType}, track ${consumer.track.kind}`);
    producer.close();
    consumer.close();
    send.close();
    recv.close();
  } finally {
    worker.close();
  }
  console.log('OK: client and server agree on capabilities and parameters');
}

main().catch((err) => fail(err?.stack ?? String(err)));
