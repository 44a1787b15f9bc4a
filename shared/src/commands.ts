import { z } from 'zod';
import { PANEL_VERDICTS, RESPONSE_STATUSES, handKindSchema, queueRuleSchema, roleSchema, settingsPatchSchema, type Role } from './domain.js';
import { dtlsParametersSchema, mediaIdSchema, rtpCapabilitiesSchema, rtpParametersSchema } from './audio.js';
import { AGREEMENT_LEVELS } from './drafting.js';
import { interpretationLanguageSchema } from './interpretation.js';
import { idSchema, line, paragraph } from './text.js';
import { captionTextSchema, languageSchema, liveLineTextSchema } from './captions.js';

const empty = z.strictObject({});

/** A calendar date, for the due date an official commits to. */
const dueDate = z.iso.date();

/** An official's answer to one agreed recommendation: rejecting it requires saying why. */
export const responseGiveSchema = z
  .strictObject({
    roomId: idSchema,
    recommendationId: idSchema,
    status: z.enum(RESPONSE_STATUSES),
    reason: paragraph(2000).optional(),
    dueDate: dueDate.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.status === 'rejected' && !r.reason) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a rejection must give its reason' });
    }
  });
const roomId = idSchema;
const participantId = idSchema;
const questionId = idSchema;
/** The most questions one qa.moderateMany may name. */
export const MAX_BULK_QUESTIONS = 200;

/**
 * Every command a client may send over the control channel: its payload schema and
 * the roles that may send it. The server checks both before anything else; what a
 * role may do beyond that (your own room, your own hand) is checked against state.
 */
export const COMMANDS = {
  'state.sync': {
    roles: ['facilitator', 'citizen', 'observer', 'official'],
    // With the revision of the view the client holds: no full view is sent if it is still current.
    schema: z.strictObject({ rev: z.number().int().nonnegative().optional() }),
    afterClose: true,
  },

  'queue.raise': { roles: ['citizen'], schema: z.strictObject({ kind: handKindSchema.default('normal') }) },
  'queue.lower': { roles: ['citizen'], schema: empty },
  'queue.remove': { roles: ['facilitator'], schema: z.strictObject({ roomId, participantId }) },
  'queue.move': {
    roles: ['facilitator'],
    schema: z.strictObject({ roomId, participantId, position: z.number().int().min(1).max(100_000) }),
  },
  'queue.clear': { roles: ['facilitator'], schema: z.strictObject({ roomId }) },
  /** rule null: the room goes back to following the session's rule. */
  'queue.setRule': { roles: ['facilitator'], schema: z.strictObject({ roomId, rule: queueRuleSchema.nullable() }) },
  /** Close the list of speakers (no new hands but a point of order), or reopen it. The hands already raised stay. */
  'queue.setOpen': { roles: ['facilitator'], schema: z.strictObject({ roomId, open: z.boolean() }) },

  'floor.give': {
    roles: ['facilitator'],
    schema: z.strictObject({
      roomId,
      /** Omitted: the person at the head of the queue. */
      participantId: participantId.optional(),
      seconds: z.number().int().min(10).max(3600).optional(),
    }),
  },
  'floor.end': { roles: ['facilitator'], schema: z.strictObject({ roomId }) },
  'floor.yield': { roles: ['citizen'], schema: empty },

  'qa.ask': { roles: ['citizen'], schema: z.strictObject({ text: paragraph(500), anonymous: z.boolean().default(false) }) },
  'qa.upvote': { roles: ['citizen'], schema: z.strictObject({ questionId }) },
  'qa.unvote': { roles: ['citizen'], schema: z.strictObject({ questionId }) },
  'qa.moderate': {
    roles: ['facilitator'],
    schema: z.strictObject({ questionId, status: z.enum(['approved', 'live', 'answered', 'hidden']) }),
  },
  /**
   * Approve or hide many questions at once (a crowd's worth of pre-moderation). 200 ids of at
   * most 64 characters fit well inside the 64 KiB message cap; a repeated id is a client's mistake, refused.
   * No 'live': only one question can be live, so there is nothing to do in bulk.
   */
  'qa.moderateMany': {
    roles: ['facilitator'],
    schema: z.strictObject({
      questionIds: z
        .array(questionId)
        .min(1)
        .max(MAX_BULK_QUESTIONS)
        .refine((ids) => new Set(ids).size === ids.length, { message: 'must not name a question twice' }),
      status: z.enum(['approved', 'hidden']),
    }),
  },

  'agenda.start': { roles: ['facilitator'], schema: z.strictObject({ itemId: idSchema.optional() }) },
  'agenda.next': { roles: ['facilitator'], schema: empty },
  'agenda.extend': { roles: ['facilitator'], schema: z.strictObject({ minutes: z.number().int().min(1).max(240) }) },
  'agenda.complete': { roles: ['facilitator'], schema: empty },

  'rooms.create': {
    roles: ['facilitator'],
    schema: z.strictObject({ count: z.number().int().min(1).max(200), names: z.array(line(80)).max(200).optional() }),
  },
  'rooms.assign': {
    roles: ['facilitator'],
    schema: z.strictObject({
      // ~54 bytes each: 1 000 fit comfortably in the default 64 KiB message cap.
      assignments: z.array(z.strictObject({ participantId, roomId })).min(1).max(1000),
    }),
  },
  'rooms.shuffle': { roles: ['facilitator'], schema: empty },
  'rooms.recall': { roles: ['facilitator'], schema: empty },

  'participant.remove': { roles: ['facilitator'], schema: z.strictObject({ participantId }) },
  'participant.revokeSpeaking': { roles: ['facilitator'], schema: z.strictObject({ participantId }) },
  'participant.restoreSpeaking': { roles: ['facilitator'], schema: z.strictObject({ participantId }) },

  'settings.update': { roles: ['facilitator'], schema: z.strictObject({ patch: settingsPatchSchema }) },
  'invite.rotate': { roles: ['facilitator'], schema: z.strictObject({ role: roleSchema }) },
  'session.close': { roles: ['facilitator'], schema: empty },

  'drafting.setOpen': { roles: ['facilitator'], schema: z.strictObject({ roomId, open: z.boolean() }) },
  'drafting.setLocked': { roles: ['facilitator'], schema: z.strictObject({ roomId, locked: z.boolean() }) },
  'drafting.bringBack': { roles: ['facilitator'], schema: z.strictObject({ roomId }) },
  'round.open': {
    roles: ['facilitator'],
    schema: z.strictObject({
      roomId,
      /** Omitted: every recommendation in the room's document that is not locked yet. */
      recommendationIds: z.array(idSchema).min(1).max(200).optional(),
      /** The server closes the round by itself this many minutes after it opens; omitted: the facilitator closes it. */
      closesInMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .optional(),
    }),
  },
  'round.rate': {
    roles: ['citizen'],
    schema: z.strictObject({
      roundId: idSchema,
      recommendationId: idSchema,
      level: z.enum(AGREEMENT_LEVELS),
      reason: paragraph(1000).optional(),
    }),
  },
  'round.close': { roles: ['facilitator'], schema: z.strictObject({ roundId: idSchema }) },
  'round.withdraw': { roles: ['facilitator'], schema: z.strictObject({ roundId: idSchema, recommendationId: idSchema }) },
  'round.cancel': { roles: ['facilitator'], schema: z.strictObject({ roundId: idSchema }) },
  'round.setStatement': { roles: ['facilitator'], schema: z.strictObject({ roundId: idSchema, text: paragraph(2000) }) },
  'amendment.decide': {
    roles: ['facilitator'],
    schema: z.strictObject({ roomId, amendmentId: idSchema, decision: z.enum(['accepted', 'rejected']) }),
  },

  'response.give': { roles: ['official'], schema: responseGiveSchema, afterClose: true },
  'response.progress': {
    roles: ['official'],
    schema: z.strictObject({ roomId, recommendationId: idSchema, text: paragraph(2000) }),
    afterClose: true,
  },
  /**
   * A citizen's word on an official's answer: does it address the recommendation? `answeredAt`
   * names the answer judged (its time), so a verdict never lands on an answer its sender has not read.
   */
  'response.assess': {
    roles: ['citizen'],
    schema: z.strictObject({
      roomId,
      recommendationId: idSchema,
      answeredAt: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      verdict: z.enum(PANEL_VERDICTS),
      reason: paragraph(1000).optional(),
    }),
    afterClose: true,
  },
  /** Freeze the outcome as it stands and deliver it to every registered webhook. */
  'outcome.publish': { roles: ['facilitator'], schema: empty, afterClose: true },
  /** Show the outcome as it stands, answers included, on the public page /p/<sessionId> (no login), or withdraw it. */
  'publicPage.set': { roles: ['facilitator'], schema: z.strictObject({ published: z.boolean() }), afterClose: true },

  /** Open mic: everyone in the room may speak at once, without the queue (small breakout groups). Logged. */
  'audio.setOpenMic': { roles: ['facilitator'], schema: z.strictObject({ roomId, open: z.boolean() }) },
  // Media signalling: handled by the audio adapter, never logged (media is not part of the record).
  'audio.join': { roles: ['facilitator', 'citizen', 'observer', 'official'], schema: empty, transient: true },
  'audio.leave': { roles: ['facilitator', 'citizen', 'observer', 'official'], schema: empty, transient: true },
  'audio.connect': {
    roles: ['facilitator', 'citizen', 'observer', 'official'],
    schema: z.strictObject({ transportId: mediaIdSchema, dtlsParameters: dtlsParametersSchema }),
    transient: true,
  },
  'audio.createSendTransport': { roles: ['facilitator', 'citizen'], schema: empty, transient: true },
  'audio.produce': {
    roles: ['facilitator', 'citizen'],
    // language: the channel this producer feeds; absent or null, the original (the floor). Interpreters send into theirs.
    schema: z.strictObject({
      transportId: mediaIdSchema,
      kind: z.literal('audio'),
      rtpParameters: rtpParametersSchema,
      language: interpretationLanguageSchema.nullable().optional(),
    }),
    transient: true,
  },
  /** Stop sending: the server closes your producer and send transport; you keep listening. */
  'audio.stopSpeaking': { roles: ['facilitator', 'citizen'], schema: empty, transient: true },
  'audio.consume': {
    roles: ['facilitator', 'citizen', 'observer', 'official'],
    schema: z.strictObject({ producerId: mediaIdSchema, rtpCapabilities: rtpCapabilitiesSchema }),
    transient: true,
  },
  'audio.resume': { roles: ['facilitator', 'citizen', 'observer', 'official'], schema: z.strictObject({ consumerId: mediaIdSchema }), transient: true },
  /** Follow whose microphone is live in every room (audio.mics), without listening. Answered with the current lists. */
  'audio.watchMics': { roles: ['facilitator'], schema: empty, transient: true },
  /** Listen in a language (its interpreter's channel, the floor ducked under it), or null for the original. Remembered while connected. */
  'audio.setLanguage': {
    roles: ['facilitator', 'citizen', 'observer', 'official'],
    schema: z.strictObject({ language: interpretationLanguageSchema.nullable() }),
    transient: true,
  },
  /** Make a citizen the interpreter of a room into one language, or end that. Logged. */
  'interpretation.assign': { roles: ['facilitator'], schema: z.strictObject({ participantId, roomId, language: interpretationLanguageSchema }) },
  'interpretation.revoke': { roles: ['facilitator'], schema: z.strictObject({ participantId }) },
  /** Close a participant's microphone until they are given the floor again. Logged: every node, and the next owner, knows. */
  'audio.mute': { roles: ['facilitator'], schema: z.strictObject({ participantId }) },

  /** Make a participant the captioner of a room (language null: the floor's own language), or end it. Anyone but a facilitator may caption. */
  'captions.assign': { roles: ['facilitator'], schema: z.strictObject({ participantId, roomId, language: languageSchema.nullable() }) },
  'captions.revoke': { roles: ['facilitator'], schema: z.strictObject({ participantId }) },
  /** Let the room's captioners write while nobody holds the floor (a presentation, the facilitator speaking), or stop it. */
  'captions.allowWithoutFloor': { roles: ['facilitator'], schema: z.strictObject({ roomId, allowed: z.boolean() }) },
  /** Commit a caption line; only the room's captioner, while someone holds the floor or the room allows it. */
  'captions.add': { roles: ['citizen', 'observer', 'official'], schema: z.strictObject({ text: captionTextSchema }) },
  /** Correct a segment; the original stays in the record. The room's captioner, or a facilitator. */
  'captions.correct': {
    roles: ['facilitator', 'citizen', 'observer', 'official'],
    schema: z.strictObject({ segmentId: idSchema, text: captionTextSchema }),
  },
  /** The line being typed, pushed to the room as `captions.live`; never logged. '' clears it. */
  'captions.typing': { roles: ['citizen', 'observer', 'official'], schema: z.strictObject({ text: liveLineTextSchema }), transient: true },
} as const satisfies Record<string, { roles: readonly Role[]; schema: z.ZodType; afterClose?: true; transient?: true }>;

export type CommandName = keyof typeof COMMANDS;
/** Commands that an adapter handles instead of the session's decider. */
export type TransientCommand = { [N in CommandName]: (typeof COMMANDS)[N] extends { transient: true } ? N : never }[CommandName];
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];
export type CommandInput<N extends CommandName> = z.input<(typeof COMMANDS)[N]['schema']>;
export type CommandPayload<N extends CommandName> = z.output<(typeof COMMANDS)[N]['schema']>;

/** Whether a command is still accepted once the session has ended: the follow-up to the outcome is. */
export function allowedAfterClose(name: CommandName): boolean {
  return 'afterClose' in COMMANDS[name];
}

/** Whether a command is handled by an adapter (media signalling) instead of the session log. */
export function isTransient(name: CommandName): boolean {
  return 'transient' in COMMANDS[name];
}

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(COMMANDS, name);
}
