import { randomUUID } from 'node:crypto';

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
