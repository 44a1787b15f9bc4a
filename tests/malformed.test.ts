import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import type { ControlClient } from '../client/src/ControlClient.js';
import {
  addRecommendation,
  AGREEMENT_DESCRIPTIONS,
  COMMANDS,
  COMMAND_NAMES,
  PLENARY,
  type Ack,
  type CommandInput,
  type CommandName,
  type ErrorCode,
  type Role,
  type SessionState,
} from '../shared/src/index.js';
import { api, connect, createSession, join, joinAndConnect, type CreatedSession } from './helpers/clients.js';
import { draftClient, synced, type DraftClient } from './helpers/drafting.js';
import { assembly, hostileStrings } from './helpers/fixtures.js';
import { nextRejected, rawAck, rawEmit, rawPacketAck, refusalProblem } from './helpers/raw.js';
import { must } from './helpers/expect.js';
import { DTLS_PARAMETERS, OPUS_RTP_CAPABILITIES, OPUS_RTP_PARAMETERS, someMediaId } from './helpers/audio.js';
import { AUDIO_ON, startServer, type RunningServer } from './helpers/server.js';

/**
 * Malformed input over real sockets and real HTTP: every command, sent by a role that
 * may send it, with payloads of every wrong shape. Each must be refused with a clear
 * error, change nothing, and leave the server serving everyone else.
 */

type Member = Awaited<ReturnType<typeof joinAndConnect>>;

interface World {
  url: string;
  sessionId: string;
  session: CreatedSession;
  fac: Member;
  c1: Member;
  /** Sends a valid command after each batch, to show the server still serves others. */
  canary: Member;
  obs: Member;
  off: Member;
  /** An approved plenary question by c1. */
  q1: string;
  /**
   * An open agreement round in the plenary on rec-1 and rec-2. The plenary document also holds
   * rec-3 and an open amendment amend-1 (to rec-1); room-1's document holds rec-r1 and no round.
   */
  roundId: string;
}

interface Spec<N extends CommandName> {
  /** Who sends it; must be one of the command's roles. */
  sender: Role;
  /** A payload the schema accepts; every malformed case is a small step away from it. */
  valid: (w: World) => CommandInput<N>;
  /** Top-level fields that may not be left out. */
  required: readonly string[];
  /** Paths in the valid payload that hold ids. */
  ids: readonly (readonly (string | number)[])[];
  /** Top-level fields for which null is a meaningful value, not a wrong type. */
  nullable?: readonly string[];
  /** Targeted cases: out of range, over length, not in the enum, nested wrong types. */
  bad: (w: World) => [label: string, payload: unknown][];
}

const SPECS: { [N in CommandName]: Spec<N> } = {
  'state.sync': {
    sender: 'observer',
    valid: () => ({ rev: 1 }),
    required: [],
    ids: [],
    bad: () => [
      ['a negative revision', { rev: -1 }],
      ['a revision that is not a number', { rev: 'one' }],
      ['a fractional revision', { rev: 1.5 }],
    ],
  },
  'queue.raise': {
    sender: 'citizen',
    valid: () => ({ kind: 'point-of-order' }),
    required: [],
    ids: [],
    bad: () => [
      ['kind not in the enum', { kind: 'shout' }],
      ['kind empty', { kind: '' }],
      ['kind wrong case', { kind: 'NORMAL' }],
      ['kind very long', { kind: 'normal'.repeat(2000) }],
    ],
  },
  'queue.lower': { sender: 'citizen', valid: () => ({}), required: [], ids: [], bad: () => [] },
  'queue.remove': {
    sender: 'facilitator',
    valid: (w) => ({ roomId: PLENARY, participantId: w.c1.participantId }),
    required: ['roomId', 'participantId'],
    ids: [['roomId'], ['participantId']],
    bad: () => [],
  },
  'queue.move': {
    sender: 'facilitator',
    valid: (w) => ({ roomId: PLENARY, participantId: w.c1.participantId, position: 1 }),
    required: ['roomId', 'participantId', 'position'],
    ids: [['roomId'], ['participantId']],
    bad: (w) => [
      ['position 0', { roomId: PLENARY, participantId: w.c1.participantId, position: 0 }],
      ['position negative', { roomId: PLENARY, participantId: w.c1.participantId, position: -1 }],
      ['position too large', { roomId: PLENARY, participantId: w.c1.participantId, position: 100_001 }],
      ['position fractional', { roomId: PLENARY, participantId: w.c1.participantId, position: 1.5 }],
      ['position huge', { roomId: PLENARY, participantId: w.c1.participantId, position: 1e300 }],
    ],
  },
  'queue.clear': { sender: 'facilitator', valid: () => ({ roomId: PLENARY }), required: ['roomId'], ids: [['roomId']], bad: () => [] },
  'queue.setOpen': {
    sender: 'facilitator',
    valid: () => ({ roomId: PLENARY, open: false }),
    required: ['roomId', 'open'],
    ids: [['roomId']],
    bad: () => [
      ['open as "closed"', { roomId: PLENARY, open: 'closed' }],
      ['open as 0', { roomId: PLENARY, open: 0 }],
    ],
  },
  'queue.setRule': {
    sender: 'facilitator',
    valid: () => ({ roomId: PLENARY, rule: 'first-come-first-served' }),
    required: ['roomId', 'rule'],
    ids: [['roomId']],
    // null resets the room to the session's rule.
    nullable: ['rule'],
    bad: () => [
      ['rule not in the enum', { roomId: PLENARY, rule: 'loudest-first' }],
      ['rule empty', { roomId: PLENARY, rule: '' }],
    ],
  },
  'floor.give': {
    sender: 'facilitator',
    valid: (w) => ({ roomId: PLENARY, participantId: w.c1.participantId, seconds: 60 }),
    required: ['roomId'],
    ids: [['roomId'], ['participantId']],
    bad: (w) => [
      ['seconds too short', { roomId: PLENARY, participantId: w.c1.participantId, seconds: 9 }],
      ['seconds too long', { roomId: PLENARY, participantId: w.c1.participantId, seconds: 3601 }],
      ['seconds zero', { roomId: PLENARY, participantId: w.c1.participantId, seconds: 0 }],
      ['seconds negative', { roomId: PLENARY, participantId: w.c1.participantId, seconds: -60 }],
      ['seconds fractional', { roomId: PLENARY, participantId: w.c1.participantId, seconds: 10.5 }],
    ],
  },
  'floor.end': { sender: 'facilitator', valid: () => ({ roomId: PLENARY }), required: ['roomId'], ids: [['roomId']], bad: () => [] },
  'floor.yield': { sender: 'citizen', valid: () => ({}), required: [], ids: [], bad: () => [] },
  'qa.ask': {
    sender: 'citizen',
    valid: () => ({ text: 'A perfectly fine question?', anonymous: false }),
    required: ['text'],
    ids: [],
    bad: () => [
      ['text empty', { text: '' }],
      ['text only whitespace', { text: '  \n\t  ' }],
      ['text only bidi and control characters', { text: '\u202E\u2066\u0000\u0007\uFEFF' }],
      ['text one over the limit', { text: 'x'.repeat(501) }],
      ['text far over the limit', { text: 'x'.repeat(2001) }],
      ['text over the limit in astral characters (counted in code points)', { text: '😀'.repeat(501) }],
      ['anonymous as a string', { text: 'Fine text', anonymous: 'yes' }],
    ],
  },
  'qa.upvote': { sender: 'citizen', valid: (w) => ({ questionId: w.q1 }), required: ['questionId'], ids: [['questionId']], bad: () => [] },
  'qa.unvote': { sender: 'citizen', valid: (w) => ({ questionId: w.q1 }), required: ['questionId'], ids: [['questionId']], bad: () => [] },
  'qa.moderate': {
    sender: 'facilitator',
    valid: (w) => ({ questionId: w.q1, status: 'live' }),
    required: ['questionId', 'status'],
    ids: [['questionId']],
    bad: (w) => [
      ['status pending (not settable)', { questionId: w.q1, status: 'pending' }],
      ['status not in the enum', { questionId: w.q1, status: 'deleted' }],
      ['status wrong case', { questionId: w.q1, status: 'APPROVED' }],
    ],
  },
  'qa.moderateMany': {
    sender: 'facilitator',
    valid: (w) => ({ questionIds: [w.q1], status: 'hidden' }),
    required: ['questionIds', 'status'],
    ids: [['questionIds', 0]],
    bad: (w) => [
      ['questionIds empty', { questionIds: [], status: 'hidden' }],
      ['questionIds a single id, not an array', { questionIds: w.q1, status: 'hidden' }],
      ['questionIds an array-like object', { questionIds: { 0: w.q1, length: 1 }, status: 'hidden' }],
      ['questionIds 201 distinct ids', { questionIds: Array.from({ length: 201 }, (_, i) => `q_${i}`), status: 'hidden' }],
      ['questionIds far too many', { questionIds: Array.from({ length: 2000 }, (_, i) => `q_${i}`), status: 'hidden' }],
      ['the same id twice', { questionIds: [w.q1, w.q1], status: 'hidden' }],
      ['201 copies of a real id', { questionIds: Array.from({ length: 201 }, () => w.q1), status: 'hidden' }],
      ['an illegal id after a legal one', { questionIds: [w.q1, '../x'], status: 'hidden' }],
      ['an id of the wrong type after a legal one', { questionIds: [w.q1, 7], status: 'hidden' }],
      ['an id nested in an array', { questionIds: [[w.q1]], status: 'hidden' }],
      ['an id as an object', { questionIds: [{ id: w.q1 }], status: 'hidden' }],
      ['status live (one at a time only)', { questionIds: [w.q1], status: 'live' }],
      ['status answered (one at a time only)', { questionIds: [w.q1], status: 'answered' }],
      ['status pending (not settable)', { questionIds: [w.q1], status: 'pending' }],
      ['status wrong case', { questionIds: [w.q1], status: 'HIDDEN' }],
    ],
  },
  'agenda.start': { sender: 'facilitator', valid: () => ({ itemId: 'item-1' }), required: [], ids: [['itemId']], bad: () => [] },
  'agenda.next': { sender: 'facilitator', valid: () => ({}), required: [], ids: [], bad: () => [] },
  'agenda.extend': {
    sender: 'facilitator',
    valid: () => ({ minutes: 5 }),
    required: ['minutes'],
    ids: [],
    bad: () => [
      ['minutes zero', { minutes: 0 }],
      ['minutes negative', { minutes: -5 }],
      ['minutes too many', { minutes: 241 }],
      ['minutes fractional', { minutes: 2.5 }],
    ],
  },
  'agenda.complete': { sender: 'facilitator', valid: () => ({}), required: [], ids: [], bad: () => [] },
  'rooms.create': {
    sender: 'facilitator',
    valid: () => ({ count: 2, names: ['North', 'South'] }),
    required: ['count'],
    ids: [],
    bad: () => [
      ['count zero', { count: 0 }],
      ['count negative', { count: -1 }],
      ['count too many', { count: 201 }],
      ['count fractional', { count: 1.5 }],
      ['name over the limit', { count: 1, names: ['x'.repeat(81)] }],
      ['name empty', { count: 1, names: [''] }],
      ['name only bidi characters', { count: 1, names: ['\u202E\u202D'] }],
      ['name not a string', { count: 1, names: [7] }],
      ['too many names', { count: 200, names: Array.from({ length: 201 }, (_, i) => `R${i}`) }],
    ],
  },
  'rooms.assign': {
    sender: 'facilitator',
    valid: (w) => ({ assignments: [{ participantId: w.c1.participantId, roomId: 'room-1' }] }),
    required: ['assignments'],
    ids: [
      ['assignments', 0, 'participantId'],
      ['assignments', 0, 'roomId'],
    ],
    bad: (w) => [
      ['no assignments', { assignments: [] }],
      ['assignment without roomId', { assignments: [{ participantId: w.c1.participantId }] }],
      ['assignment without participantId', { assignments: [{ roomId: 'room-1' }] }],
      ['assignment with an unknown field', { assignments: [{ participantId: w.c1.participantId, roomId: 'room-1', role: 'facilitator' }] }],
      ['assignment not an object', { assignments: [{ participantId: w.c1.participantId, roomId: 'room-1' }, 'room-1'] }],
      ['assignment null', { assignments: [null] }],
    ],
  },
  'rooms.shuffle': { sender: 'facilitator', valid: () => ({}), required: [], ids: [], bad: () => [] },
  'rooms.recall': { sender: 'facilitator', valid: () => ({}), required: [], ids: [], bad: () => [] },
  'participant.remove': {
    sender: 'facilitator',
    valid: (w) => ({ participantId: w.c1.participantId }),
    required: ['participantId'],
    ids: [['participantId']],
    bad: () => [],
  },
  'participant.revokeSpeaking': {
    sender: 'facilitator',
    valid: (w) => ({ participantId: w.c1.participantId }),
    required: ['participantId'],
    ids: [['participantId']],
    bad: () => [],
  },
  'participant.restoreSpeaking': {
    sender: 'facilitator',
    valid: (w) => ({ participantId: w.c1.participantId }),
    required: ['participantId'],
    ids: [['participantId']],
    bad: () => [],
  },
  'settings.update': {
    sender: 'facilitator',
    valid: () => ({ patch: { turnSeconds: 120 } }),
    required: ['patch'],
    ids: [],
    bad: () => [
      ['empty patch', { patch: {} }],
      ['turnSeconds too short', { patch: { turnSeconds: 9 } }],
      ['turnSeconds too long', { patch: { turnSeconds: 3601 } }],
      ['turnSeconds fractional', { patch: { turnSeconds: 60.5 } }],
      ['warnSeconds negative', { patch: { warnSeconds: -1 } }],
      ['warnSeconds too long', { patch: { warnSeconds: 601 } }],
      ['maxParticipants zero', { patch: { maxParticipants: 0 } }],
      ['maxParticipants too many', { patch: { maxParticipants: 100_001 } }],
      ['queueRule not in the enum', { patch: { queueRule: 'random' } }],
      ['onTurnExpiry not in the enum', { patch: { onTurnExpiry: 'explode' } }],
      ['qaPremoderation as a string', { patch: { qaPremoderation: 'false' } }],
      ['unknown setting', { patch: { adminMode: true } }],
      ['unknown setting next to a valid one', { patch: { turnSeconds: 120, inviteHashes: {} } }],
      ['patch with an own __proto__ key', { patch: JSON.parse('{"__proto__":{"turnSeconds":5}}') as unknown }],
    ],
  },
  'invite.rotate': {
    sender: 'facilitator',
    valid: () => ({ role: 'observer' }),
    required: ['role'],
    ids: [],
    bad: () => [
      ['role not in the enum', { role: 'admin' }],
      ['role wrong case', { role: 'Facilitator' }],
      ['role empty', { role: '' }],
    ],
  },
  'session.close': { sender: 'facilitator', valid: () => ({}), required: [], ids: [], bad: () => [] },
  'outcome.publish': { sender: 'facilitator', valid: () => ({}), required: [], ids: [], bad: () => [] },
  'publicPage.set': {
    sender: 'facilitator',
    valid: () => ({ published: true }),
    required: ['published'],
    ids: [],
    bad: () => [
      ['published as "yes"', { published: 'yes' }],
      ['published as 1', { published: 1 }],
      ['published as null', { published: null }],
    ],
  },
  'audio.setOpenMic': {
    sender: 'facilitator',
    valid: () => ({ roomId: PLENARY, open: true }),
    required: ['roomId', 'open'],
    ids: [['roomId']],
    bad: () => [
      ['open as "on"', { roomId: PLENARY, open: 'on' }],
      ['open as 1', { roomId: PLENARY, open: 1 }],
    ],
  },
  'audio.join': { sender: 'observer', valid: () => ({}), required: [], ids: [], bad: () => [['a room chosen by the client', { roomId: 'room-1' }]] },
  'audio.leave': { sender: 'official', valid: () => ({}), required: [], ids: [], bad: () => [] },
  'audio.createSendTransport': { sender: 'citizen', valid: () => ({}), required: [], ids: [], bad: () => [['forced transport options', { enableTcp: false }]] },
  'audio.watchMics': { sender: 'facilitator', valid: () => ({}), required: [], ids: [], bad: () => [['a room chosen by the client', { roomId: 'plenary' }]] },
  'audio.stopSpeaking': {
    sender: 'facilitator',
    valid: () => ({}),
    required: [],
    ids: [],
    bad: () => [['a producer chosen by the client', { producerId: someMediaId() }]],
  },
  'audio.connect': {
    sender: 'citizen',
    valid: () => ({ transportId: someMediaId(), dtlsParameters: DTLS_PARAMETERS }),
    required: ['transportId', 'dtlsParameters'],
    ids: [],
    bad: () => {
      const connect = (extra: Record<string, unknown>) => ({ transportId: someMediaId(), dtlsParameters: DTLS_PARAMETERS, ...extra });
      return [
        ['transportId not a media id', connect({ transportId: 'plenary' })],
        ['transportId with a prototype name', connect({ transportId: '__proto__' })],
        ['no fingerprints', connect({ dtlsParameters: { role: 'client', fingerprints: [] } })],
        ['an unknown fingerprint algorithm', connect({ dtlsParameters: { fingerprints: [{ algorithm: 'md5', value: 'AA' }] } })],
        ['a 10 000-character fingerprint', connect({ dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'A'.repeat(10_000) }] } })],
        ['100 fingerprints', connect({ dtlsParameters: { fingerprints: Array.from({ length: 100 }, () => DTLS_PARAMETERS.fingerprints[0]) } })],
        ['a DTLS role not in the enum', connect({ dtlsParameters: { ...DTLS_PARAMETERS, role: 'master' } })],
      ];
    },
  },
  'audio.produce': {
    sender: 'citizen',
    valid: () => ({ transportId: someMediaId(), kind: 'audio', rtpParameters: OPUS_RTP_PARAMETERS, language: 'de' }),
    required: ['transportId', 'kind', 'rtpParameters'],
    ids: [],
    nullable: ['language'],
    bad: () => {
      const produce = (extra: Record<string, unknown>) => ({ transportId: someMediaId(), kind: 'audio', rtpParameters: OPUS_RTP_PARAMETERS, ...extra });
      return [
        ['video instead of audio', produce({ kind: 'video' })],
        ['a channel that is not a language tag', produce({ language: 'Deutsch' })],
        ['a channel as a number', produce({ language: 7 })],
        ['no codecs', produce({ rtpParameters: { ...OPUS_RTP_PARAMETERS, codecs: [] } })],
        ['a payload type above 127', produce({ rtpParameters: { ...OPUS_RTP_PARAMETERS, codecs: [{ ...OPUS_RTP_PARAMETERS.codecs[0], payloadType: 300 }] } })],
        ['a negative clock rate', produce({ rtpParameters: { ...OPUS_RTP_PARAMETERS, codecs: [{ ...OPUS_RTP_PARAMETERS.codecs[0], clockRate: -1 }] } })],
        ['100 codecs', produce({ rtpParameters: { ...OPUS_RTP_PARAMETERS, codecs: Array.from({ length: 100 }, () => OPUS_RTP_PARAMETERS.codecs[0]) } })],
        ['an SSRC beyond 32 bits', produce({ rtpParameters: { ...OPUS_RTP_PARAMETERS, encodings: [{ ssrc: 2 ** 33 }] } })],
        ['a 10 000-character cname', produce({ rtpParameters: { ...OPUS_RTP_PARAMETERS, rtcp: { cname: 'x'.repeat(10_000) } } })],
        [
          'codec parameters with 1 000 keys',
          produce({
            rtpParameters: {
              ...OPUS_RTP_PARAMETERS,
              codecs: [{ ...OPUS_RTP_PARAMETERS.codecs[0], parameters: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])) }],
            },
          }),
        ],
        ['an appData smuggling another participant', produce({ appData: { participantId: 'p_someone' } })],
      ];
    },
  },
  'audio.consume': {
    sender: 'observer',
    valid: () => ({ producerId: someMediaId(), rtpCapabilities: OPUS_RTP_CAPABILITIES }),
    required: ['producerId', 'rtpCapabilities'],
    ids: [],
    bad: () => [
      ['producerId not a media id', { producerId: 'p_1', rtpCapabilities: OPUS_RTP_CAPABILITIES }],
      ['capabilities as a string', { producerId: someMediaId(), rtpCapabilities: 'opus' }],
      ['a codec of an unknown kind', { producerId: someMediaId(), rtpCapabilities: { codecs: [{ kind: 'text', mimeType: 'x/y', clockRate: 1 }] } }],
      ['100 codecs', { producerId: someMediaId(), rtpCapabilities: { codecs: Array.from({ length: 100 }, () => OPUS_RTP_CAPABILITIES.codecs[0]) } }],
    ],
  },
  'audio.resume': {
    sender: 'official',
    valid: () => ({ consumerId: someMediaId() }),
    required: ['consumerId'],
    ids: [],
    bad: () => [
      ['consumerId not a media id', { consumerId: 'c_1' }],
      ['consumerId in upper case', { consumerId: someMediaId().toUpperCase() }],
    ],
  },
  'audio.mute': { sender: 'facilitator', valid: (w) => ({ participantId: w.c1.participantId }), required: ['participantId'], ids: [['participantId']], bad: () => [] },
  'captions.assign': {
    sender: 'facilitator',
    valid: (w) => ({ participantId: w.c1.participantId, roomId: PLENARY, language: 'de' }),
    required: ['participantId', 'roomId', 'language'],
    ids: [['participantId'], ['roomId']],
    nullable: ['language'],
    bad: (w) => [
      ['language not a tag', { participantId: w.c1.participantId, roomId: PLENARY, language: 'German' }],
      ['language in upper case', { participantId: w.c1.participantId, roomId: PLENARY, language: 'DE' }],
      ['language with a script injection', { participantId: w.c1.participantId, roomId: PLENARY, language: 'de-<b>' }],
      ['language as a number', { participantId: w.c1.participantId, roomId: PLENARY, language: 49 }],
    ],
  },
  'captions.revoke': {
    sender: 'facilitator',
    valid: (w) => ({ participantId: w.c1.participantId }),
    required: ['participantId'],
    ids: [['participantId']],
    bad: () => [],
  },
  'captions.allowWithoutFloor': {
    sender: 'facilitator',
    valid: () => ({ roomId: PLENARY, allowed: true }),
    required: ['roomId', 'allowed'],
    ids: [['roomId']],
    bad: () => [['allowed as "yes"', { roomId: PLENARY, allowed: 'yes' }]],
  },
  'captions.add': {
    sender: 'citizen',
    valid: () => ({ text: 'We should close the bridge to cars on Sundays.' }),
    required: ['text'],
    ids: [],
    bad: () => [
      ['text empty', { text: '' }],
      ['text only spaces', { text: '   ' }],
      ['text invisible', { text: '\u200b\u2800' }],
      ['text over 500 characters', { text: 'x'.repeat(501) }],
      ['text as an array', { text: ['a line'] }],
      ['a speaker chosen by the sender', { text: 'A line.', speakerId: 'p_x' }],
      ['times chosen by the sender', { text: 'A line.', startedAt: 1 }],
    ],
  },
  'captions.correct': {
    sender: 'facilitator',
    valid: () => ({ segmentId: 'cap_1', text: 'Corrected.' }),
    required: ['segmentId', 'text'],
    ids: [['segmentId']],
    bad: () => [
      ['text empty', { segmentId: 'cap_1', text: '' }],
      ['text over 500 characters', { segmentId: 'cap_1', text: 'x'.repeat(501) }],
    ],
  },
  'captions.typing': {
    sender: 'citizen',
    valid: () => ({ text: 'We should clo' }),
    required: ['text'],
    ids: [],
    bad: () => [
      ['text over 500 characters', { text: 'x'.repeat(501) }],
      ['text as a number', { text: 5 }],
    ],
  },
  'audio.setLanguage': {
    sender: 'observer',
    valid: () => ({ language: 'de' }),
    required: ['language'],
    ids: [],
    nullable: ['language'],
    bad: () => [
      ['a language name instead of a tag', { language: 'Deutsch' }],
      ['a tag in upper case', { language: 'DE' }],
      ['an oversized tag', { language: `de-${'x1'.repeat(5000)}` }],
      ['markup', { language: '<script>alert(1)</script>' }],
      ['a path', { language: '../../etc/passwd' }],
      ['a number', { language: 49 }],
    ],
  },
  'interpretation.assign': {
    sender: 'facilitator',
    valid: (w) => ({ participantId: w.c1.participantId, roomId: PLENARY, language: 'de' }),
    required: ['participantId', 'roomId', 'language'],
    ids: [['participantId'], ['roomId']],
    bad: (w) => [
      ['language null (the original has no interpreter)', { participantId: w.c1.participantId, roomId: PLENARY, language: null }],
      ['a language name instead of a tag', { participantId: w.c1.participantId, roomId: PLENARY, language: 'Türkçe' }],
      ['an oversized tag', { participantId: w.c1.participantId, roomId: PLENARY, language: `tr-${'ab'.repeat(4000)}` }],
      ['languages as a list', { participantId: w.c1.participantId, roomId: PLENARY, language: ['de', 'tr'] }],
    ],
  },
  'interpretation.revoke': {
    sender: 'facilitator',
    valid: (w) => ({ participantId: w.c1.participantId }),
    required: ['participantId'],
    ids: [['participantId']],
    bad: () => [],
  },
  'response.give': {
    sender: 'official',
    valid: () => ({ roomId: PLENARY, recommendationId: 'rec-1', status: 'rejected', reason: 'The budget for 2027 is spent.', dueDate: '2027-03-31' }),
    required: ['roomId', 'recommendationId', 'status'],
    ids: [['roomId'], ['recommendationId']],
    bad: () => {
      const give = (extra: Record<string, unknown>) => ({ roomId: PLENARY, recommendationId: 'rec-1', status: 'accepted', ...extra });
      return [
        ['a rejection without a reason', give({ status: 'rejected' })],
        ['a rejection with only spaces as its reason', give({ status: 'rejected', reason: '   ' })],
        ['a rejection with an invisible reason', give({ status: 'rejected', reason: '\u200b\u200b' })],
        ['status not in the enum', give({ status: 'approved' })],
        ['status wrong case', give({ status: 'ACCEPTED' })],
        ['status with spaces instead of hyphens', give({ status: 'partially accepted' })],
        ['reason over 2000 characters', give({ reason: 'x'.repeat(2001) })],
        ['due date in another format', give({ dueDate: '31/03/2027' })],
        ['due date that does not exist', give({ dueDate: '2027-02-30' })],
        ['due date with a time', give({ dueDate: '2027-03-31T10:00:00Z' })],
        ['due date as a timestamp', give({ dueDate: 1806451200000 })],
        ['answeredBy supplied by the sender', give({ answeredBy: 'The Mayor' })],
      ];
    },
  },
  'response.progress': {
    sender: 'official',
    valid: () => ({ roomId: PLENARY, recommendationId: 'rec-1', text: 'The council approved the budget line.' }),
    required: ['roomId', 'recommendationId', 'text'],
    ids: [['roomId'], ['recommendationId']],
    bad: () => [
      ['text empty', { roomId: PLENARY, recommendationId: 'rec-1', text: '' }],
      ['text over 2000 characters', { roomId: PLENARY, recommendationId: 'rec-1', text: 'x'.repeat(2001) }],
      ['text as an array', { roomId: PLENARY, recommendationId: 'rec-1', text: ['done'] }],
      ['a status change smuggled into progress', { roomId: PLENARY, recommendationId: 'rec-1', text: 'Done.', status: 'accepted' }],
    ],
  },
  'response.assess': {
    sender: 'citizen',
    valid: () => ({ roomId: PLENARY, recommendationId: 'rec-1', answeredAt: 1_767_225_600_000, verdict: 'partly', reason: 'The date is vague.' }),
    required: ['roomId', 'recommendationId', 'answeredAt', 'verdict'],
    ids: [['roomId'], ['recommendationId']],
    bad: () => {
      const assess = (extra: Record<string, unknown>) => ({ roomId: PLENARY, recommendationId: 'rec-1', answeredAt: 1_767_225_600_000, verdict: 'addressed', ...extra });
      return [
        ['verdict not in the enum', assess({ verdict: 'maybe' })],
        ['verdict in upper case', assess({ verdict: 'ADDRESSED' })],
        ['verdict spelled out', assess({ verdict: 'not addressed' })],
        ['reason empty', assess({ reason: '' })],
        ['reason only spaces', assess({ reason: '   ' })],
        ['reason invisible', assess({ reason: '\u200b\u2800' })],
        ['reason over 1000 characters', assess({ reason: 'x'.repeat(1001) })],
        ['answeredAt negative', assess({ answeredAt: -1 })],
        ['answeredAt fractional', assess({ answeredAt: 1.5 })],
        ['answeredAt as an ISO date', assess({ answeredAt: '2026-01-01T00:00:00Z' })],
        ['answeredAt beyond safe integers', assess({ answeredAt: 2 ** 60 })],
        ['participantId supplied by the sender', assess({ participantId: 'p_someone_else' })],
      ];
    },
  },
  'drafting.setOpen': {
    sender: 'facilitator',
    valid: () => ({ roomId: PLENARY, open: false }),
    required: ['roomId', 'open'],
    ids: [['roomId']],
    bad: () => [
      ['open as 0', { roomId: PLENARY, open: 0 }],
      ['open as "closed"', { roomId: PLENARY, open: 'closed' }],
      ['open as an object', { roomId: PLENARY, open: { value: false } }],
      ['locked instead of open', { roomId: PLENARY, locked: false }],
    ],
  },
  'drafting.setLocked': {
    sender: 'facilitator',
    valid: () => ({ roomId: PLENARY, locked: true }),
    required: ['roomId', 'locked'],
    ids: [['roomId']],
    bad: () => [
      ['locked as 1', { roomId: PLENARY, locked: 1 }],
      ['locked as "yes"', { roomId: PLENARY, locked: 'yes' }],
      ['open instead of locked', { roomId: PLENARY, open: true }],
    ],
  },
  'drafting.bringBack': {
    sender: 'facilitator',
    valid: () => ({ roomId: 'room-1' }),
    required: ['roomId'],
    ids: [['roomId']],
    bad: () => [
      ['a list of rooms', { roomId: ['room-1', 'room-2'] }],
      ['a target room chosen by the client', { roomId: 'room-1', toRoomId: PLENARY }],
      ['recommendationIds the schema does not have', { roomId: 'room-1', recommendationIds: ['rec-r1'] }],
    ],
  },
  'round.open': {
    sender: 'facilitator',
    // room-1: the plenary already has an open round, which would make absent recommendations a CONFLICT, not NOT_FOUND.
    valid: () => ({ roomId: 'room-1', recommendationIds: ['rec-r1'], closesInMinutes: 30 }),
    required: ['roomId'],
    ids: [['roomId'], ['recommendationIds', 0]],
    bad: () => [
      ['recommendationIds a single id, not an array', { roomId: 'room-1', recommendationIds: 'rec-r1' }],
      ['recommendationIds an array-like object', { roomId: 'room-1', recommendationIds: { 0: 'rec-r1', length: 1 } }],
      ['recommendationIds empty', { roomId: 'room-1', recommendationIds: [] }],
      ['recommendationIds 201 distinct ids', { roomId: 'room-1', recommendationIds: Array.from({ length: 201 }, (_, i) => `rec-${i}`) }],
      ['recommendationIds 201 copies of a real id', { roomId: 'room-1', recommendationIds: Array.from({ length: 201 }, () => 'rec-r1') }],
      ['recommendationIds far too many', { roomId: 'room-1', recommendationIds: Array.from({ length: 2000 }, (_, i) => `r${i}`) }],
      ['an illegal id after a legal one', { roomId: 'room-1', recommendationIds: ['rec-r1', '../x'] }],
      ['an id of the wrong type after a legal one', { roomId: 'room-1', recommendationIds: ['rec-r1', 7] }],
      ['an id nested in an array', { roomId: 'room-1', recommendationIds: [['rec-r1']] }],
      ['an id as an object', { roomId: 'room-1', recommendationIds: [{ id: 'rec-r1' }] }],
      ['recommendationIds null', { roomId: 'room-1', recommendationIds: null }],
      ['closesInMinutes zero', { roomId: 'room-1', closesInMinutes: 0 }],
      ['closesInMinutes negative', { roomId: 'room-1', closesInMinutes: -5 }],
      ['closesInMinutes a fraction', { roomId: 'room-1', closesInMinutes: 1.5 }],
      ['closesInMinutes over a day', { roomId: 'room-1', closesInMinutes: 24 * 60 + 1 }],
      ['closesInMinutes as a string', { roomId: 'room-1', closesInMinutes: '10' }],
      ['closesAt chosen by the client', { roomId: 'room-1', closesAt: 0 }],
    ],
  },
  'round.rate': {
    sender: 'citizen',
    valid: (w) => ({ roundId: w.roundId, recommendationId: 'rec-1', level: 'support-with-reservations', reason: 'Deliveries need a window.' }),
    required: ['roundId', 'recommendationId', 'level'],
    ids: [['roundId'], ['recommendationId']],
    bad: (w) => {
      const rate = (extra: Record<string, unknown>) => ({ roundId: w.roundId, recommendationId: 'rec-1', level: 'can-live-with', ...extra });
      return [
        ['level not in the enum', rate({ level: 'agree' })],
        ['level empty', rate({ level: '' })],
        ['level wrong case', rate({ level: 'BLOCK' })],
        ['level with spaces instead of hyphens', rate({ level: 'full support' })],
        ['level with a trailing space', rate({ level: 'block ' })],
        ['level as its description', rate({ level: AGREEMENT_DESCRIPTIONS.block })],
        ['level as an index', rate({ level: 0 })],
        ['level as an array of levels', rate({ level: ['full-support', 'block'] })],
        ['reason one over the limit', rate({ reason: 'x'.repeat(1001) })],
        ['reason far over the limit', rate({ reason: 'x'.repeat(5000) })],
        ['reason over the limit in astral characters (counted in code points)', rate({ reason: '😀'.repeat(1001) })],
        ['reason empty', rate({ reason: '' })],
        ['reason only whitespace', rate({ reason: ' \n\t ' })],
        ['reason only bidi and control characters', rate({ reason: '\u202E\u2066\u0000\u0007\uFEFF' })],
        ['reason null', rate({ reason: null })],
        ['a rating for someone else', rate({ participantId: w.canary.participantId })],
        ['ratings as a batch', { roundId: w.roundId, ratings: [{ recommendationId: 'rec-1', level: 'block' }] }],
      ];
    },
  },
  'round.close': {
    sender: 'facilitator',
    valid: (w) => ({ roundId: w.roundId }),
    required: ['roundId'],
    ids: [['roundId']],
    bad: (w) => [
      ['roundId and a roomId', { roundId: w.roundId, roomId: PLENARY }],
      ['a list of roundIds', { roundId: [w.roundId, w.roundId] }],
    ],
  },
  'round.withdraw': {
    sender: 'facilitator',
    valid: (w) => ({ roundId: w.roundId, recommendationId: 'rec-2' }),
    required: ['roundId', 'recommendationId'],
    ids: [['roundId'], ['recommendationId']],
    bad: (w) => [
      ['a list of recommendationIds', { roundId: w.roundId, recommendationId: ['rec-1', 'rec-2'] }],
      ['recommendationIds instead', { roundId: w.roundId, recommendationIds: ['rec-2'] }],
      ['a reason the schema does not have', { roundId: w.roundId, recommendationId: 'rec-2', reason: 'x'.repeat(5000) }],
    ],
  },
  'round.setStatement': {
    sender: 'facilitator',
    valid: (w) => ({ roundId: w.roundId, text: 'The room agreed on car-free Saturdays and wants more on deliveries.' }),
    required: ['roundId', 'text'],
    ids: [['roundId']],
    bad: (w) => [
      ['text empty', { roundId: w.roundId, text: '' }],
      ['text only whitespace', { roundId: w.roundId, text: ' \n\t ' }],
      ['text one over the limit', { roundId: w.roundId, text: 'x'.repeat(2001) }],
      ['text far over the limit', { roundId: w.roundId, text: 'x'.repeat(50_000) }],
      ['text only bidi and control characters', { roundId: w.roundId, text: '\u202E\u2066\u0000\u0007\uFEFF' }],
      ['text as an array of lines', { roundId: w.roundId, text: ['one', 'two'] }],
      ['text as an object', { roundId: w.roundId, text: { en: 'Agreed.' } }],
    ],
  },
  'round.cancel': {
    sender: 'facilitator',
    valid: (w) => ({ roundId: w.roundId }),
    required: ['roundId'],
    ids: [['roundId']],
    bad: (w) => [
      ['roundId as a number', { roundId: 7 }],
      ['roundId and a recommendationId', { roundId: w.roundId, recommendationId: 'rec-1' }],
    ],
  },
  'amendment.decide': {
    sender: 'facilitator',
    valid: () => ({ roomId: PLENARY, amendmentId: 'amend-1', decision: 'rejected' }),
    required: ['roomId', 'amendmentId', 'decision'],
    ids: [['roomId'], ['amendmentId']],
    bad: () => [
      ['decision open (not settable)', { roomId: PLENARY, amendmentId: 'amend-1', decision: 'open' }],
      ['decision not in the enum', { roomId: PLENARY, amendmentId: 'amend-1', decision: 'approved' }],
      ['decision wrong case', { roomId: PLENARY, amendmentId: 'amend-1', decision: 'ACCEPTED' }],
      ['decision empty', { roomId: PLENARY, amendmentId: 'amend-1', decision: '' }],
      ['decision as a boolean', { roomId: PLENARY, amendmentId: 'amend-1', decision: true }],
      ['replacement text supplied by the sender', { roomId: PLENARY, amendmentId: 'amend-1', decision: 'accepted', text: 'Something else entirely' }],
    ],
  },
};

/** Not ids at all: refused by validation. */
/** Not ids at all: refused by validation. Object.prototype's own names are refused too, as ids become record keys. */
const ILLEGAL_IDS = [
  '../x',
  'a b',
  '',
  'x'.repeat(65),
  'a/b',
  'é',
  '<script>',
  'a\u0000b',
  'room-1\n',
  '\u202Eroom-1',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'prototype',
];
/** Well-formed ids that name nothing. */
const ABSENT_IDS = ['does-not-exist', 'nobody-here', 'proto', 'room-99'];

function wrongTypes(value: unknown): unknown[] {
  if (typeof value === 'string') return [7, true, null, {}, [value]];
  if (typeof value === 'number') return [String(value), true, null, {}, [value], value + 0.5];
  if (typeof value === 'boolean') return [String(value), 1, null, {}, []];
  if (Array.isArray(value)) return ['x', 1, null, {}, true];
  return ['x', 1, null, [], true];
}

function setAt(payload: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(payload) as Record<string | number, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  target[path[path.length - 1]!] = value;
  return copy;
}

interface Case {
  label: string;
  payload: unknown;
  expect: ErrorCode;
}

function casesFor<N extends CommandName>(spec: Spec<N>, w: World): Case[] {
  const valid = spec.valid(w) as Record<string, unknown>;
  const out: Case[] = [];
  const invalid = (label: string, payload: unknown) => out.push({ label, payload, expect: 'VALIDATION_FAILED' });

  // Not an object at all.
  const notObjects: [string, unknown][] = [
    ['null', null],
    ['a number', 42],
    ['zero', 0],
    ['a negative number', -1],
    ['a string', 'queue.raise'],
    ['an empty string', ''],
    ['true', true],
    ['false', false],
    ['an empty array', []],
    ['an array holding the valid payload', [valid]],
    ['a Buffer of the valid payload', Buffer.from(JSON.stringify(valid))],
    ['an empty Buffer', Buffer.alloc(0)],
  ];
  for (const [label, payload] of notObjects) invalid(`payload is ${label}`, payload);

  // Unknown fields, including keys that mean something to JavaScript objects.
  invalid('an unknown field', { ...valid, unexpected: true });
  invalid('an own __proto__ field', Object.assign(JSON.parse('{"__proto__":{"polluted":true,"role":"facilitator"}}') as object, valid));
  invalid('a constructor field', { ...valid, constructor: { prototype: { polluted: true } } });
  invalid('an actor field', { ...valid, actor: { kind: 'operator' } });

  // A malformed requestId.
  for (const rid of ['a b', '', 'x'.repeat(65), '../x', 7, null, {}, ['a']]) invalid(`requestId ${JSON.stringify(rid)}`, { ...valid, requestId: rid });

  // Missing required fields.
  for (const key of spec.required) {
    const { [key]: _omitted, ...rest } = valid;
    invalid(`missing ${key}`, rest);
  }

  // Each field of the wrong type.
  for (const [key, value] of Object.entries(valid)) {
    for (const wrong of wrongTypes(value)) {
      if (wrong === null && spec.nullable?.includes(key)) continue;
      invalid(`${key} as ${JSON.stringify(wrong)}`, { ...valid, [key]: wrong });
    }
  }

  // Ids: illegal ones fail validation; well-formed ones that name nothing are not found.
  for (const path of spec.ids) {
    for (const id of ILLEGAL_IDS) invalid(`${path.join('.')} = ${JSON.stringify(id)}`, setAt(valid, path, id));
    for (const wrong of [7, null, {}, ['x'], true]) invalid(`${path.join('.')} as ${JSON.stringify(wrong)}`, setAt(valid, path, wrong));
    for (const id of ABSENT_IDS) out.push({ label: `${path.join('.')} = ${id}`, payload: setAt(valid, path, id), expect: 'NOT_FOUND' });
  }

  for (const [label, payload] of spec.bad(w)) invalid(label, payload);
  return out;
}

// ---------------------------------------------------------------------------------

let server: RunningServer;
let w: World;
const clients: ControlClient[] = [];
const drafts: DraftClient[] = [];

/** A copy: the host's own state is live and changes in place. */
const hostState = (id: string): SessionState => server.townhall.registry.get(id)!.snapshot();

function member(role: Role): Member {
  return { facilitator: w.fac, citizen: w.c1, observer: w.obs, official: w.off }[role];
}

let canaryUp = false;
/** A valid, state-changing command from another client: it must still go through. */
async function canaryStillServed(): Promise<void> {
  const before = hostState(w.sessionId).seq;
  const ack = canaryUp ? await w.canary.client.send('queue.lower', {}) : await w.canary.client.send('queue.raise', { kind: 'normal' });
  expect(ack, 'canary command').toMatchObject({ ok: true, seq: before + 1 });
  canaryUp = !canaryUp;
}

beforeAll(async () => {
  server = await startServer({ env: AUDIO_ON });
  const url = server.url;
  const session = await createSession(url);
  const fac = await joinAndConnect(url, session, 'facilitator', 'Mariam Haddad');
  const c1 = await joinAndConnect(url, session, 'citizen', 'Jonas Müller');
  const canary = await joinAndConnect(url, session, 'citizen', 'Kwame Mensah');
  const obs = await joinAndConnect(url, session, 'observer', 'Local newspaper');
  const off = await joinAndConnect(url, session, 'official', 'Head of Transport Planning');
  clients.push(fac.client, c1.client, canary.client, obs.client, off.client);
  await must(fac.client.send('rooms.create', { count: 1 }), 'rooms.create');
  const asked = await must(c1.client.send('qa.ask', { text: 'Will delivery vans still be allowed in the morning?', anonymous: false }), 'ask');
  const q1 = (asked.result as { questionId: string }).questionId;
  await must(fac.client.send('qa.moderate', { questionId: q1, status: 'approved' }), 'approve');

  // Drafting: c1 writes the plenary's recommendations and an amendment, the facilitator room-1's.
  const dPlenary = draftClient(url, session.sessionId, PLENARY, c1.token);
  const dRoom = draftClient(url, session.sessionId, 'room-1', fac.token);
  drafts.push(dPlenary, dRoom);
  await Promise.all([synced(dPlenary), synced(dRoom)]);
  assembly.recommendations.forEach((rec, i) => addRecommendation(dPlenary.doc, { id: `rec-${i + 1}`, ...rec }));
  dPlenary.doc.transact(() => {
    const a = new Y.Map<unknown>();
    const fields = {
      id: 'amend-1',
      recommendationId: 'rec-1',
      field: 'body',
      text: 'Car-free market square on Saturdays, with deliveries before 10:00.',
      rationale: 'Sundays are already quiet.',
      authorId: c1.participantId,
      createdAt: Date.now(),
      status: 'open',
    };
    for (const [k, v] of Object.entries(fields)) a.set(k, v);
    dPlenary.doc.getMap('amendments').set('amend-1', a);
  });
  addRecommendation(dRoom.doc, { id: 'rec-r1', title: 'School streets', body: 'Close streets outside schools at drop-off.', rationale: 'Safety.' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [p, r] = await Promise.all([server.townhall.drafting.snapshot(session.sessionId, PLENARY), server.townhall.drafting.snapshot(session.sessionId, 'room-1')]);
    if (p.recommendations.length === assembly.recommendations.length && p.amendments.length === 1 && r.recommendations.length === 1) break;
    if (Date.now() > deadline) throw new Error('the server never received the drafts');
    await new Promise((res) => setTimeout(res, 25));
  }
  const opened = await must(fac.client.send('round.open', { roomId: PLENARY, recommendationIds: ['rec-1', 'rec-2'] }), 'round.open');
  const roundId = (opened.result as { roundId: string }).roundId;
  w = { url, sessionId: session.sessionId, session, fac, c1, canary, obs, off, q1, roundId };
});

afterAll(async () => {
  for (const d of drafts) d.destroy();
  for (const c of clients) c.close();
  await server?.stop();
});

describe('every command, every malformed payload, from a role that may send it', () => {
  test('every command has a spec, its sender may send it, and its valid payload is valid', () => {
    const missing = COMMAND_NAMES.filter((n) => !Object.hasOwn(SPECS, n));
    expect(missing, 'commands without a malformed-input spec').toEqual([]);
    for (const name of COMMAND_NAMES) {
      const spec = SPECS[name] as Spec<CommandName>;
      expect((COMMANDS[name].roles as readonly Role[]).includes(spec.sender), `${name} sender ${spec.sender}`).toBe(true);
      const parsed = COMMANDS[name].schema.safeParse(spec.valid(w));
      expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      const shape = Object.keys((COMMANDS[name].schema as unknown as { shape: Record<string, unknown> }).shape);
      // Every field of the schema appears in the valid payload, so each gets its wrong-type cases.
      expect(Object.keys(spec.valid(w)).sort(), `${name} fields`).toEqual(shape.sort());
      for (const key of spec.required) expect(shape, `${name} required ${key}`).toContain(key);
    }
  });

  test('the drafting commands name real things: an open round, its recommendations, an open amendment', async () => {
    // So that their NOT_FOUND cases differ from the valid payload only in the id that was changed.
    const state = hostState(w.sessionId);
    const round = state.rounds[w.roundId]!;
    expect([round.roomId, round.closedAt, round.items.map((i) => i.recommendationId)]).toEqual([PLENARY, null, ['rec-1', 'rec-2']]);
    expect(state.roundOrder).toEqual([w.roundId]);
    expect(state.participants[w.c1.participantId]!.roomId).toBe(PLENARY);
    const plenary = await server.townhall.drafting.snapshot(w.sessionId, PLENARY);
    expect(plenary.amendments.map((a) => [a.id, a.recommendationId, a.status])).toEqual([['amend-1', 'rec-1', 'open']]);
    const room = await server.townhall.drafting.snapshot(w.sessionId, 'room-1');
    expect(room.recommendations.map((r) => r.id)).toEqual(['rec-r1']);
  });

  for (const name of COMMAND_NAMES) {
    test(name, async () => {
      expect(Object.hasOwn(SPECS, name), `${name} has no malformed-input spec`).toBe(true);
      const spec = SPECS[name] as Spec<CommandName>;
      const sender = member(spec.sender);
      const cases = casesFor(spec, w);
      expect(cases.length).toBeGreaterThanOrEqual(20);
      const problems: string[] = [];
      for (const c of cases) {
        const before = hostState(w.sessionId);
        let ack: Ack;
        try {
          ack = await rawAck(sender.client, name, c.payload);
        } catch (err) {
          problems.push(`${c.label}: no ack (${(err as Error).message})`);
          continue;
        }
        const problem = refusalProblem(ack, [c.expect]);
        if (problem) problems.push(`${c.label}: ${problem}`);
        if (!isDeepStrictEqual(hostState(w.sessionId), before)) problems.push(`${c.label}: state changed (seq ${before.seq} -> ${hostState(w.sessionId).seq})`);
      }
      expect(problems).toEqual([]);
      expect(({} as Record<string, unknown>).polluted, 'Object.prototype polluted').toBeUndefined();
      expect(sender.client.socket.connected).toBe(true);
      await canaryStillServed();
      // The sender itself is still served too.
      expect(await sender.client.send('state.sync', {})).toMatchObject({ ok: true, seq: hostState(w.sessionId).seq });
    });
  }
});

describe('events and acks that do not fit', () => {
  test('an unknown event with an ack is answered UNKNOWN_COMMAND', async () => {
    const names: (string | number)[] = [
      'no.such.command',
      'QUEUE.RAISE',
      'queue.raise ',
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
      'session.view',
      'command.rejected',
      'x'.repeat(500),
      42,
    ];
    const before = hostState(w.sessionId);
    for (const name of names) {
      const ack = await rawAck(w.c1.client, name, { kind: 'normal' });
      expect(refusalProblem(ack, ['UNKNOWN_COMMAND']), String(name).slice(0, 40)).toBeNull();
      if (!ack.ok) expect(ack.error.message.length).toBeLessThan(200);
    }
    expect(hostState(w.sessionId)).toEqual(before);
    expect(w.c1.client.socket.connected).toBe(true);
  });

  test('an unknown event without an ack is answered with command.rejected', async () => {
    const rejected = nextRejected(w.c1.client);
    rawEmit(w.c1.client, 'no.such.command', { kind: 'normal' });
    expect(await rejected).toMatchObject({ event: 'no.such.command', error: { code: 'UNKNOWN_COMMAND' } });
    const long = nextRejected(w.c1.client);
    rawEmit(w.c1.client, 'y'.repeat(1000));
    const body = await long;
    expect(body.error.code).toBe('UNKNOWN_COMMAND');
    expect(body.event).toBe('y'.repeat(64));
  });

  test('a known command with a bad payload and no ack is rejected by event, and crashes nothing', async () => {
    const before = hostState(w.sessionId);
    const bad = nextRejected(w.fac.client);
    rawEmit(w.fac.client, 'queue.move', { roomId: '../x', participantId: null, position: 'first' });
    const body = await bad;
    expect(body.event).toBe('queue.move');
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.message.length).toBeGreaterThan(0);

    const forbidden = nextRejected(w.obs.client);
    rawEmit(w.obs.client, 'session.close', Buffer.from('close it'));
    expect((await forbidden).error.code).toBe('FORBIDDEN');

    // A stream of garbage without acks, then everything still works.
    for (const name of COMMAND_NAMES) rawEmit(w.fac.client, name, null);
    for (const name of COMMAND_NAMES) rawEmit(w.c1.client, name, 'garbage', 1, 2, 3);
    expect(await w.fac.client.send('state.sync', {})).toMatchObject({ ok: true });
    expect(await w.c1.client.send('state.sync', {})).toMatchObject({ ok: true });
    expect(hostState(w.sessionId)).toEqual(before);
    await canaryStillServed();
    expect((await api(w.url, '/healthz')).status).toBe(200);
  });

  test('a deeply nested payload within the size limit is refused, and crashes nothing', async () => {
    // 20 000 levels of [] fit in 40 kB, under the 64 KiB default message cap; deep enough that
    // anything walking the payload recursively (JSON.stringify included) overflows the stack.
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    expect(deep.length).toBeLessThan(64 * 1024 - 200);
    const before = hostState(w.sessionId);
    const payloads = [`{"requestId":"deep-1","kind":"normal","x":${deep}}`, `{"kind":"normal","x":${deep}}`, `{"requestId":"deep-2","kind":${deep}}`, deep];
    for (const payload of payloads) {
      const ack = await rawPacketAck(w.c1.client, 'queue.raise', payload);
      expect(refusalProblem(ack, ['VALIDATION_FAILED']), payload.slice(0, 40)).toBeNull();
    }
    const facAck = await rawPacketAck(w.fac.client, 'settings.update', `{"requestId":"deep-3","patch":{"turnSeconds":120},"x":${deep}}`);
    expect(refusalProblem(facAck, ['VALIDATION_FAILED'])).toBeNull();
    expect(hostState(w.sessionId)).toEqual(before);
    expect(w.c1.client.socket.connected).toBe(true);
    await canaryStillServed();
    expect(await w.c1.client.send('state.sync', {})).toMatchObject({ ok: true });
  });

  test('a double submit with the same requestId is done once, and both acks are equal', async () => {
    const before = hostState(w.sessionId);
    const payload = { text: 'Is this question asked twice?', anonymous: true };
    const [first, second] = await Promise.all([w.c1.client.send('qa.ask', payload, 'dup-ask-1'), w.c1.client.send('qa.ask', payload, 'dup-ask-1')]);
    expect(first.ok).toBe(true);
    expect(second).toEqual(first);
    const third = await w.c1.client.send('qa.ask', payload, 'dup-ask-1');
    expect(third).toEqual(first);
    const after = hostState(w.sessionId);
    expect(after.seq).toBe(before.seq + 1);
    expect(Object.values(after.questions).filter((q) => q.text === payload.text)).toHaveLength(1);
    expect(Object.keys(after.questions)).toContain((first as { result: { questionId: string } }).result.questionId);
    // Reusing the requestId for a different payload is refused, not answered with the old reply.
    const reused = await w.c1.client.send('qa.ask', { text: 'A different question entirely?', anonymous: true }, 'dup-ask-1');
    expect(refusalProblem(reused, ['VALIDATION_FAILED'])).toBeNull();
    expect(hostState(w.sessionId)).toEqual(after);

    // The same for a command whose repeat would otherwise conflict.
    const raise1 = await w.c1.client.send('queue.raise', { kind: 'point-of-order' }, 'dup-raise-1');
    const raise2 = await w.c1.client.send('queue.raise', { kind: 'point-of-order' }, 'dup-raise-1');
    expect(raise1.ok).toBe(true);
    expect(raise2).toEqual(raise1);
    expect(hostState(w.sessionId).seq).toBe(before.seq + 2);
    await must(w.c1.client.send('queue.lower', {}), 'lower');
  });

  test('a double submit without requestId is done once; the repeat is a CONFLICT', async () => {
    const before = hostState(w.sessionId);
    expect(before.rooms[PLENARY]!.queue.some((e) => e.participantId === w.c1.participantId)).toBe(false);
    const first = await rawAck(w.c1.client, 'queue.raise', { kind: 'normal' });
    expect(first).toMatchObject({ ok: true, seq: before.seq + 1 });
    const afterFirst = hostState(w.sessionId);
    const second = await rawAck(w.c1.client, 'queue.raise', { kind: 'normal' });
    expect(refusalProblem(second, ['CONFLICT'])).toBeNull();
    expect(hostState(w.sessionId)).toEqual(afterFirst);
    expect(afterFirst.rooms[PLENARY]!.queue.filter((e) => e.participantId === w.c1.participantId)).toHaveLength(1);
    await must(w.c1.client.send('queue.lower', {}), 'lower');
  });
});

describe('a message over the size limit', () => {
  let small: RunningServer;
  const smallClients: ControlClient[] = [];
  afterAll(async () => {
    for (const c of smallClients) c.close();
    await small?.stop();
  });

  test('disconnects only the client that sent it, changes nothing, and others keep working', async () => {
    small = await startServer({ env: { TOWNHALL_MAX_MESSAGE_BYTES: '8192' } });
    const session = await createSession(small.url);
    const big = await joinAndConnect(small.url, session, 'facilitator', 'Big sender');
    const fac2 = await joinAndConnect(small.url, session, 'facilitator', 'Second facilitator');
    const cit = await joinAndConnect(small.url, session, 'citizen', 'Anna-Lena Schröder-Wiśniewska');
    const cit2 = await joinAndConnect(small.url, session, 'citizen', '李小龙');
    smallClients.push(big.client, fac2.client, cit.client, cit2.client);
    await must(fac2.client.send('rooms.create', { count: 1 }), 'rooms.create');

    // A command that would be valid, only too big: the limit, not validation, is what stops it.
    const payload = { assignments: Array.from({ length: 250 }, () => ({ participantId: cit.participantId, roomId: 'room-1' })) };
    expect(COMMANDS['rooms.assign'].schema.safeParse(payload).success).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(payload))).toBeGreaterThan(8192);

    const host = small.townhall.registry.get(session.sessionId)!;
    const before = host.snapshot();
    const disconnected = new Promise<string>((resolve) => big.client.socket.once('disconnect', resolve));
    const outcome = rawAck(big.client, 'rooms.assign', payload).then(
      (ack) => ({ acked: true as const, ack }),
      (err: Error) => ({ acked: false as const, message: err.message }),
    );
    await disconnected;
    expect(await outcome).toMatchObject({ acked: false });
    expect(host.state).toEqual(before);
    expect(host.state.participants[cit.participantId]!.roomId).toBe(PLENARY);

    for (const c of [fac2, cit, cit2]) expect(c.client.socket.connected, c.displayName).toBe(true);
    expect(await cit2.client.send('queue.raise', { kind: 'normal' })).toMatchObject({ ok: true, seq: before.seq + 1 });
    // The same command, small enough, goes through for another facilitator.
    const assigned = await fac2.client.send('rooms.assign', { assignments: payload.assignments.slice(0, 1) });
    expect(assigned).toMatchObject({ ok: true });
    expect(host.state.participants[cit.participantId]!.roomId).toBe('room-1');
    // The disconnected participant is not banned: it can come back.
    const back = await connect(small.url, big);
    smallClients.push(back);
    expect(await back.send('state.sync', {})).toMatchObject({ ok: true, seq: host.state.seq });
  });
});

describe('the command rate limiter', () => {
  let limited: RunningServer;
  const limitedClients: ControlClient[] = [];
  afterAll(async () => {
    for (const c of limitedClients) c.close();
    await limited?.stop();
  });

  test('a burst of 10 commands yields RATE_LIMITED acks, and only the allowed ones change state', async () => {
    limited = await startServer({ env: { TOWNHALL_COMMANDS_PER_SECOND: '1', TOWNHALL_COMMAND_BURST: '3' } });
    const session = await createSession(limited.url);
    const cit = await joinAndConnect(limited.url, session, 'citizen', 'Tomás O’Connor');
    const other = await joinAndConnect(limited.url, session, 'citizen', 'Олег Петренко');
    limitedClients.push(cit.client, other.client);
    const host = limited.townhall.registry.get(session.sessionId)!;
    const before = host.snapshot();

    const texts = Array.from({ length: 10 }, (_, i) => `Burst question number ${i + 1}?`);
    const acks = await Promise.all(texts.map((text) => rawAck(cit.client, 'qa.ask', { text })));

    // The bucket starts full, so the first three are let through.
    for (const ack of acks.slice(0, 3)) expect(ack).toMatchObject({ ok: true });
    const ok = acks.flatMap((a, i) => (a.ok ? [i] : []));
    const refused = acks.filter((a): a is Extract<Ack, { ok: false }> => !a.ok);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(refusalProblem(r, ['RATE_LIMITED'])).toBeNull();

    // State changed for exactly the allowed ones.
    const after = host.snapshot();
    expect(after.seq).toBe(before.seq + ok.length);
    const stored = Object.values(after.questions)
      .map((q) => q.text)
      .sort();
    expect(stored).toEqual(ok.map((i) => texts[i]!).sort());
    for (const i of ok) expect(Object.keys(after.questions)).toContain((acks[i] as { result: { questionId: string } }).result.questionId);

    // The limit is per participant: another participant is not slowed down by it ...
    expect(await other.client.send('queue.raise', { kind: 'normal' })).toMatchObject({ ok: true, seq: after.seq + 1 });
    expect(cit.client.socket.connected).toBe(true);
    // ... and a second connection of the same participant does not bring a fresh budget.
    const second = await connect(limited.url, cit);
    limitedClients.push(second);
    const fromSecond = await rawAck(second, 'queue.raise', { kind: 'normal' });
    expect(refusalProblem(fromSecond, ['RATE_LIMITED'])).toBeNull();
  });
});

describe('the HTTP API', () => {
  type ErrorReply = { error: { code: string; message: string; issues?: { path: string }[] } };

  async function raw(path: string, body: string | Buffer, contentType: string) {
    const res = await fetch(`${w.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, body: json as ErrorReply };
  }

  function expectValidationError(res: { status: number; body: unknown }, status: number, what: string) {
    expect(res.status, what).toBe(status);
    const body = res.body as ErrorReply;
    expect(body?.error?.code, what).toBe('VALIDATION_FAILED');
    expect(body.error.message.length, what).toBeGreaterThan(0);
  }

  test('malformed JSON and wrong content are refused with VALIDATION_FAILED', async () => {
    const cases: [string, string, string][] = [
      ['truncated JSON', '{"title": "x", "question": ', 'application/json'],
      ['not JSON at all', 'title=x&question=y', 'application/json'],
      ['JSON null', 'null', 'application/json'],
      ['JSON number', '42', 'application/json'],
      ['JSON array', '[]', 'application/json'],
      ['JSON string', '"a session"', 'application/json'],
      ['form encoded', 'title=x&question=y', 'application/x-www-form-urlencoded'],
      ['text/plain JSON', JSON.stringify({ title: 'x', question: 'y' }), 'text/plain'],
      ['binary', '\u0000\u0001\u0002', 'application/octet-stream'],
      ['empty body', '', 'application/json'],
    ];
    for (const [what, body, type] of cases) expectValidationError(await raw('/api/sessions', body, type), 400, `create: ${what}`);
    for (const [what, body, type] of cases) {
      expectValidationError(await raw(`/api/sessions/${w.sessionId}/join`, body, type), 400, `join: ${what}`);
    }
  });

  test('an oversized body is refused', async () => {
    const body = JSON.stringify({ title: 'Big', question: 'q'.repeat(300 * 1024) });
    expect(Buffer.byteLength(body)).toBeGreaterThan(256 * 1024);
    expectValidationError(await raw('/api/sessions', body, 'application/json'), 413, 'create');
    expectValidationError(await raw(`/api/sessions/${w.sessionId}/join`, body, 'application/json'), 413, 'join');
  });

  test('a deeply nested body is refused, and crashes nothing', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const before = hostState(w.sessionId);
    for (const body of [`{"title":"Deep","question":"Deep?","x":${deep}}`, `{"title":${deep},"question":"Deep?"}`]) {
      expectValidationError(await raw('/api/sessions', body, 'application/json'), 400, body.slice(0, 30));
    }
    const invite = w.session.invites.citizen.invite;
    const joinBody = `{"invite":${JSON.stringify(invite)},"displayName":${deep}}`;
    expectValidationError(await raw(`/api/sessions/${w.sessionId}/join`, joinBody, 'application/json'), 400, 'join');
    expect(hostState(w.sessionId)).toEqual(before);
    expect((await api(w.url, '/healthz')).status).toBe(200);
  });

  test('missing and ill-typed fields are refused, naming the field', async () => {
    const create = await api<ErrorReply>(w.url, '/api/sessions', { body: { title: 'No question here' } });
    expectValidationError(create, 400, 'create without question');
    expect(create.body.error.issues?.map((i) => i.path)).toContain('question');
    const invite = w.session.invites.citizen.invite;
    const joins: [string, unknown][] = [
      ['no displayName', { invite }],
      ['no invite', { displayName: 'Someone' }],
      ['empty displayName', { invite, displayName: '' }],
      ['displayName of bidi characters only', { invite, displayName: '\u202E\u2066\u2069' }],
      ['displayName too long', { invite, displayName: 'n'.repeat(81) }],
      ['displayName a number', { invite, displayName: 42 }],
      ['displayName an object', { invite, displayName: { first: 'A' } }],
      ['invite too short', { invite: 'short', displayName: 'Someone' }],
      ['an unknown field', { invite, displayName: 'Someone', role: 'facilitator' }],
    ];
    const before = hostState(w.sessionId);
    for (const [what, body] of joins) expectValidationError(await api(w.url, `/api/sessions/${w.sessionId}/join`, { body }), 400, what);
    expect(hostState(w.sessionId)).toEqual(before);
    const wrongInvite = await api<ErrorReply>(w.url, `/api/sessions/${w.sessionId}/join`, {
      body: { invite: `inv_${'A'.repeat(43)}`, displayName: 'Someone' },
    });
    expect(wrongInvite.status).toBe(401);
    for (const id of ['__proto__', 'constructor', '..%2F..%2Fetc', 'a%20b']) {
      const res = await api<ErrorReply>(w.url, `/api/sessions/${id}/join`, { body: { invite, displayName: 'Someone' } });
      expect(res.status, id).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect(hostState(w.sessionId)).toEqual(before);
    // Still serving.
    expect((await api(w.url, '/healthz')).status).toBe(200);
    expect((await createSession(w.url)).sessionId).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  /** What a hostile string should be stored as: bidi and control characters gone, everything else literal. */
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this pattern is for.
  const BIDI_AND_CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
  const asName = (s: string) => s.normalize('NFC').replace(BIDI_AND_CONTROLS, '').replace(/\s+/g, ' ').trim();
  const asText = (s: string) => s.normalize('NFC').replace(BIDI_AND_CONTROLS, '').trim();

  test('hostile display names are stored inert: bidi overrides stripped, markup kept as literal text', async () => {
    expect(hostileStrings.length).toBeGreaterThan(5);
    expect(hostileStrings.some((s) => /[\u202A-\u202E]/.test(s))).toBe(true);
    const session = await createSession(w.url);
    const fac = await join(w.url, session, 'facilitator', 'Moderator');
    const stored = new Map<string, string>();
    for (const s of hostileStrings) {
      const expected = asName(s);
      const res = await api<{ participantId: string; displayName: string; token: string } & ErrorReply>(w.url, `/api/sessions/${session.sessionId}/join`, {
        body: { invite: session.invites.citizen.invite, displayName: s },
      });
      if ([...expected].length > 80) {
        expectValidationError(res, 400, `too long: ${s.slice(0, 20)}`);
        continue;
      }
      expect(res.status, s).toBe(201);
      expect(res.body.displayName, s).toBe(expected);
      expect(res.body.displayName).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
      const me = await api<{ displayName: string }>(w.url, `/api/sessions/${session.sessionId}/me`, { token: res.body.token });
      expect(me.body.displayName).toBe(expected);
      stored.set(res.body.participantId, expected);
    }
    expect(stored.size).toBeGreaterThan(5);
    expect([...stored.values()]).toContain("<script>alert('x')</script>");
    expect([...stored.values()]).toContain('evil.exetxt');
    expect([...stored.values()]).toContain('__proto__');

    // The names reach the facilitator's view exactly as stored; the log download carries none (only their commitments).
    const client = await connect(w.url, fac);
    clients.push(client);
    const names = new Map(client.view!.participants!.map((p) => [p.participantId, p.displayName]));
    for (const [id, name] of stored) expect(names.get(id)).toBe(name);
    const log = await api<string>(w.url, `/api/sessions/${session.sessionId}/log`, { token: fac.token });
    const joined = log.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; payload: { participantId?: string; displayName?: string; nameCommitment?: string }; personal?: unknown })
      .filter((e) => e.type === 'participant.joined');
    for (const [id] of stored) {
      const event = joined.find((e) => e.payload.participantId === id)!;
      expect(event.payload.nameCommitment).toMatch(/^[0-9a-f]{64}$/);
      expect(event.payload.displayName).toBeUndefined();
      expect(event.personal).toBeUndefined();
    }
  });

  test('hostile question texts are stored inert and shown as literal text', async () => {
    const session = await createSession(w.url);
    const fac = await joinAndConnect(w.url, session, 'facilitator', 'Moderator');
    const asker = await joinAndConnect(w.url, session, 'citizen', 'Asker');
    clients.push(fac.client, asker.client);
    const expected = new Map<string, string>();
    let last = 0;
    for (const s of hostileStrings) {
      const ack = await asker.client.send('qa.ask', { text: s, anonymous: false });
      expect(ack, s).toMatchObject({ ok: true });
      if (!ack.ok) continue;
      expected.set((ack.result as { questionId: string }).questionId, asText(s));
      last = ack.seq;
    }
    expect(expected.size).toBe(hostileStrings.length);
    await fac.client.caughtUp(last);
    await asker.client.waitFor((c) => (c.me?.myQuestions.length ?? 0) === hostileStrings.length, 10_000, 'own questions');
    const shown = new Map(fac.client.room(PLENARY)!.questions.map((q) => [q.id, q.text]));
    const mine = new Map(asker.client.me!.myQuestions.map((q) => [q.id, q.text]));
    for (const [id, text] of expected) {
      expect(shown.get(id)).toBe(text);
      expect(mine.get(id)).toBe(text);
      expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    }
    expect([...expected.values()]).toContain("<script>alert('x')</script>");
    expect([...expected.values()]).toContain('"><img src=x onerror=alert(1)>');
    expect([...expected.values()]).toContain('evil.exetxt');
  });
});
