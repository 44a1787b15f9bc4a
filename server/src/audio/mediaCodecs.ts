import type { types } from 'mediasoup';

/** Audio only: Opus, the one codec every browser sends and receives. */
export const MEDIA_CODECS: types.RtpCodecCapability[] = [
  {
    kind: 'audio',
    mimeType: 'audio/opus',
    clockRate: 48000,
    channels: 2,
    // In-band FEC and DTX keep speech intelligible on lossy links and quiet when nobody talks.
    parameters: { useinbandfec: 1, usedtx: 1 },
  },
];
