import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOggOpusPackets, opusPacketSamples } from '../../server/src/captions/oggOpus.js';
import { readWav, wavOf, type Pcm } from '../../server/src/captions/wav.js';
import type { AudioService } from '../../server/src/audio/AudioService.js';

/** A sentence as espeak-ng says it (22 050 Hz), with silence after it so a pause detector hears it end. */
export interface Spoken {
  text: string;
  wav: Pcm;
  /** The same, encoded by opusenc (libopus) as a browser would send it. */
  packets: Buffer[];
}

export function speak(text: string, trailingSilenceMs = 1500): Spoken {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-speech-'));
  try {
    const said = readWav(execFileSync('espeak-ng', ['-v', 'en-us', '--stdout', text], { maxBuffer: 64 << 20 }));
    const samples = new Int16Array(said.samples.length + Math.round((said.sampleRate * trailingSilenceMs) / 1000));
    samples.set(said.samples);
    const wav = { sampleRate: said.sampleRate, samples };
    writeFileSync(join(dir, 'in.wav'), wavOf(wav));
    execFileSync('opusenc', ['--quiet', join(dir, 'in.wav'), join(dir, 'out.opus')]);
    return { text, wav, packets: readOggOpusPackets(readFileSync(join(dir, 'out.opus'))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A microphone in a room without a browser: a PlainTransport producer on the room's
 * router, announced as the given participant's, fed Opus RTP from a UDP socket here.
 * (The signalling path for browsers is WebRTC, which Node has no stack for; what the
 * server does with the audio after the producer is the same.)
 */
export async function microphoneInRoom(audio: AudioService, sessionId: string, roomId: string, participantId: string) {
  const room = audio.room(sessionId, roomId);
  if (!room?.home) throw new Error('nobody is in that audio room');
  const slot = room.slots[0]!;
  const transport = await slot.router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: true });
  const ssrc = 22_222_222;
  const producer = await transport.produce({
    kind: 'audio',
    rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48_000, channels: 2 }], encodings: [{ ssrc }] },
    appData: { participantId },
  });
  await room.addProducer(slot, producer, participantId, `test-microphone-${producer.id}`);
  const socket = createSocket('udp4');
  let seq = 0;
  let timestamp = 0;
  return {
    producerId: producer.id,
    /** Sends packets as RTP, 20 ms of audio every `spacingMs` (mediasoup forwards as it receives: pacing is only kindness to the socket buffers). */
    async play(packets: Buffer[], spacingMs = 5): Promise<void> {
      for (const payload of packets) {
        const header = Buffer.alloc(12);
        header[0] = 0x80;
        header[1] = 111;
        header.writeUInt16BE(seq++ & 0xffff, 2);
        header.writeUInt32BE(timestamp >>> 0, 4);
        header.writeUInt32BE(ssrc, 8);
        timestamp += opusPacketSamples(payload);
        await new Promise<void>((resolve, reject) =>
          socket.send(Buffer.concat([header, payload]), transport.tuple.localPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
        );
        await new Promise((r) => setTimeout(r, spacingMs));
      }
    },
    close() {
      socket.close();
      producer.close();
      transport.close();
    },
  };
}

const STOP_WORDS = new Set('a an and the of to in on at for is are was be this that it we i you our your my me us with as by or from will would should can'.split(' '));

/** The words that carry meaning, lower case. */
export function contentWords(text: string): string[] {
  return words(text).filter((w) => !STOP_WORDS.has(w));
}

export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .split(' ')
    .filter(Boolean);
}
