#!/usr/bin/env node
// Checks that live audio can run on this host: starts the mediasoup worker, creates a router
// with Opus, a WebRtcTransport (what browsers connect to) and a PlainTransport (plain RTP, e.g.
// a recorder or a phone bridge), produces an Opus stream on the plain transport, sends it a few
// real RTP packets over UDP, and consumes it on the WebRTC transport.
//
//   node scripts/mediasoup/smoke.mjs        (or: npm run audio:smoke)
//
// Exit 0 and "OK" when everything works; exit 1 with the reason otherwise. Needs nothing but
// the installed mediasoup and its worker (scripts/mediasoup/build-worker.mjs provides it).
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const started = Date.now();
const say = (label, value) => console.log(`${label.padEnd(22)} ${value}`);

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

let mediasoup;
let mediasoupDir;
try {
  mediasoupDir = dirname(require.resolve('mediasoup/package.json'));
  mediasoup = require('mediasoup');
} catch (err) {
  fail(`mediasoup is not installed (${err.message}). Run npm install.`);
}

const workerBin = process.env.MEDIASOUP_WORKER_BIN || join(mediasoupDir, 'worker', 'out', 'Release', 'mediasoup-worker');
if (!existsSync(workerBin)) {
  fail(`no worker binary at ${workerBin}. Build it: npm run audio:worker (see docs/AUDIO-INSTALL.md)`);
}

const OPUS_PT = 100;
const SSRC = 0x1234abcd;

/** A minimal RTP packet (RFC 3550 fixed header) carrying an Opus-sized dummy payload. */
function rtpPacket(seq, timestamp) {
  const buf = Buffer.alloc(12 + 40);
  buf[0] = 0x80; // V=2, no padding, no extension, no CSRC
  buf[1] = OPUS_PT;
  buf.writeUInt16BE(seq, 2);
  buf.writeUInt32BE(timestamp, 4);
  buf.writeUInt32BE(SSRC, 8);
  buf.fill(0xf8, 12, 13); // Opus TOC byte: CELT FB 20 ms, one frame
  return buf;
}

async function main() {
  say('node', process.version);
  say('mediasoup', mediasoup.version);
  say('worker binary', workerBin);

  const worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort: 40000, rtcMaxPort: 49999 });
  worker.on('died', (err) => fail(`worker died: ${err?.message ?? err}`));
  say('worker pid', worker.pid);
  try {
    const router = await worker.createRouter({
      mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }],
    });
    const opus = router.rtpCapabilities.codecs.find((c) => c.mimeType === 'audio/opus');
    say('router', `${router.id} (audio/opus pt ${opus.preferredPayloadType})`);

    const webrtc = await router.createWebRtcTransport({
      listenIps: [{ ip: '127.0.0.1' }],
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
    });
    say(
      'WebRtcTransport',
      `${webrtc.id} ice ${webrtc.iceCandidates.map((c) => `${c.protocol}:${c.port}`).join(' ')}, dtls ${webrtc.dtlsParameters.fingerprints.length} fingerprints`,
    );

    const plain = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
    say('PlainTransport', `${plain.id} listening on ${plain.tuple.localIp}:${plain.tuple.localPort}`);

    const producer = await plain.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: OPUS_PT, clockRate: 48000, channels: 2, parameters: { 'sprop-stereo': 1 } }],
        encodings: [{ ssrc: SSRC }],
      },
    });
    say('producer', `${producer.id} kind ${producer.kind} type ${producer.type}`);

    if (!router.canConsume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities })) {
      fail('router.canConsume() is false for its own capabilities');
    }
    const consumer = await webrtc.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, paused: true });
    const codec = consumer.rtpParameters.codecs[0];
    say('consumer', `${consumer.id} ${codec.mimeType}/${codec.clockRate}/${codec.channels} pt ${codec.payloadType} ssrc ${consumer.rtpParameters.encodings[0].ssrc}`);

    // Real media: a few RTP packets into the plain transport (comedia learns our address).
    const socket = createSocket('udp4');
    for (let i = 0; i < 10; i += 1) {
      await new Promise((r) => socket.send(rtpPacket(1000 + i, 960 * i), plain.tuple.localPort, plain.tuple.localIp, r));
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    socket.close();
    const stats = await producer.getStats();
    const packets = stats.reduce((n, s) => n + (s.packetCount ?? 0), 0);
    say('RTP received', `${packets} packets on the producer`);
    if (packets < 1) fail('the producer received no RTP');

    const usage = await worker.getResourceUsage();
    say('worker max RSS', `${Math.round(usage.ru_maxrss / 1024)} MB`);
  } finally {
    worker.close();
  }
  console.log(`OK (${Date.now() - started} ms)`);
}

main().catch((err) => fail(err?.stack ?? String(err)));
