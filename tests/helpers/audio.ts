import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { wavOf } from '../../server/src/captions/wav.js';

/** What a browser's mediasoup-client sends for a mono Opus microphone (shape, not a real session). */
export const OPUS_RTP_PARAMETERS = {
  mid: '0',
  codecs: [
    {
      mimeType: 'audio/opus',
      payloadType: 111,
      clockRate: 48000,
      channels: 2,
      parameters: { minptime: 10, useinbandfec: 1 },
      rtcpFeedback: [{ type: 'transport-cc', parameter: '' }],
    },
  ],
  headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 4 }],
  encodings: [{ ssrc: 11_111_111, dtx: false }],
  rtcp: { cname: 'townhall-test', reducedSize: true },
};

export const DTLS_PARAMETERS = {
  role: 'client' as const,
  fingerprints: [{ algorithm: 'sha-256' as const, value: Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':') }],
};

export const OPUS_RTP_CAPABILITIES = {
  codecs: [{ kind: 'audio' as const, mimeType: 'audio/opus', preferredPayloadType: 100, clockRate: 48000, channels: 2, parameters: {}, rtcpFeedback: [] }],
  headerExtensions: [],
};

export const someMediaId = () => randomUUID();

/**
 * A steady 440 Hz tone at -12 dBFS, 48 kHz mono, as a WAV file for Chromium's fake
 * microphone (--use-file-for-fake-audio-capture, played in a loop). The default fake
 * device only beeps briefly twice a second, which the server's level observer (an
 * average over 400 ms against -60 dBov) rarely counts as speech; a voice is steadier.
 */
export function toneWav(path: string, seconds = 2): void {
  const sampleRate = 48_000;
  const samples = new Int16Array(sampleRate * seconds);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(0.25 * 32_767 * Math.sin((2 * Math.PI * 440 * i) / sampleRate));
  writeFileSync(path, wavOf({ sampleRate, samples }));
}
