import { z } from 'zod';

/**
 * Audio signalling payloads. Media parameters are mediasoup's own structures; the
 * edge checks their shape and bounds here, and mediasoup checks their meaning (a bad
 * codec or fingerprint is refused there, and reported as VALIDATION_FAILED).
 */

/** mediasoup ids are UUIDs; anything else is refused before a lookup. */
export const mediaIdSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'is not a media id');

const small = z.string().max(256);
const param = z.union([z.string().max(256), z.number(), z.boolean()]);
const parameters = z.record(small, param).refine((r) => Object.keys(r).length <= 32, 'too many parameters');

export const dtlsParametersSchema = z.strictObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(z.strictObject({ algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']), value: z.string().max(256) }))
    .min(1)
    .max(8),
});

const rtcpFeedback = z.array(z.strictObject({ type: small, parameter: small.optional() })).max(16);

const codec = z.strictObject({
  mimeType: small,
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.number().int().min(1).max(1_000_000),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: parameters.optional(),
  rtcpFeedback: rtcpFeedback.optional(),
});

export const rtpParametersSchema = z.strictObject({
  mid: small.optional(),
  codecs: z.array(codec).min(1).max(8),
  headerExtensions: z
    .array(z.strictObject({ uri: small, id: z.number().int().min(1).max(255), encrypt: z.boolean().optional(), parameters: parameters.optional() }))
    .max(16)
    .optional(),
  encodings: z
    .array(z.looseObject({ ssrc: z.number().int().min(0).max(0xffffffff).optional(), dtx: z.boolean().optional(), maxBitrate: z.number().int().positive().optional() }))
    .max(4)
    .optional(),
  rtcp: z.strictObject({ cname: small.optional(), reducedSize: z.boolean().optional(), mux: z.boolean().optional() }).optional(),
});

export const rtpCapabilitiesSchema = z.strictObject({
  codecs: z
    .array(
      z.looseObject({
        kind: z.enum(['audio', 'video']),
        mimeType: small,
        preferredPayloadType: z.number().int().min(0).max(127).optional(),
        clockRate: z.number().int().min(1).max(1_000_000),
        channels: z.number().int().min(1).max(8).optional(),
        parameters: parameters.optional(),
        rtcpFeedback: rtcpFeedback.optional(),
      }),
    )
    .max(64)
    .optional(),
  headerExtensions: z
    .array(z.looseObject({ uri: small }))
    .max(64)
    .optional(),
});

/** What a client learns when it joins its room's audio. */
export interface AudioJoined {
  roomId: string;
  routerRtpCapabilities: unknown;
  recvTransport: TransportOptions;
  /** Everyone currently heard in the room. */
  producers: AudioProducerInfo[];
  openMic: boolean;
  /** Whether the server would accept a producer from you right now (into the original). */
  mayProduce: boolean;
  /** The channel you hear: the language you chose while its interpreter speaks, else null (the original). */
  language: string | null;
}

export interface TransportOptions {
  id: string;
  iceParameters: unknown;
  iceCandidates: unknown[];
  dtlsParameters: unknown;
}

/** Whose microphone is sending in one room (participant ids), for the facilitator's console. */
export interface MicsView {
  roomId: string;
  live: string[];
}

export interface AudioProducerInfo {
  producerId: string;
  participantId: string;
  /** null: the floor (the original); a language: an interpreter's channel, to be heard over the ducked floor. */
  language: string | null;
}

/** Server → client audio events. */
export interface AudioEvents {
  /** The producers of your room changed: consume new ones, drop the others. */
  'audio.producers': (msg: { roomId: string; producers: AudioProducerInfo[]; openMic: boolean; mayProduce: boolean; language: string | null }) => void;
  /** Your producer was closed by the server: your turn ended, you were muted or moved. */
  'audio.producer-closed': (msg: { producerId: string; reason: 'turn-ended' | 'muted' | 'moved' | 'open-mic-off' | 'left' }) => void;
  /** Who is speaking in your room now (loudest above the threshold), or null. */
  'audio.speaking': (msg: { roomId: string; participantId: string | null }) => void;
  /** Facilitators who sent audio.watchMics: whose microphone is live in a room changed. */
  'audio.mics': (msg: MicsView) => void;
  /** Audio became unavailable or available again; after `restart`, join again. */
  'audio.status': (msg: { enabled: boolean; restart: boolean; reason: string | null }) => void;
}
