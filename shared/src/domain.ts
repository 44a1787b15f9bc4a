import { z } from 'zod';
import { agreementRuleChangeSchema, agreementRuleSchema } from './drafting.js';
import { line } from './text.js';

export const ROLES = ['facilitator', 'citizen', 'observer', 'official'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

/**
 * How a room orders its speaking queue. The rule is data so that it can be shown to
 * participants and reported in the export; points of order go first under every rule.
 */
export const QUEUE_RULES = ['first-come-first-served', 'first-time-speakers-first', 'least-speaking-time-first'] as const;
export type QueueRule = (typeof QUEUE_RULES)[number];
export const queueRuleSchema = z.enum(QUEUE_RULES);

export const HAND_KINDS = ['normal', 'point-of-order', 'direct-reply'] as const;
export type HandKind = (typeof HAND_KINDS)[number];
export const handKindSchema = z.enum(HAND_KINDS);

/** What happens when a speaker's time runs out: the turn ends, or it is flagged as overrun. */
export const TURN_EXPIRY = ['end', 'flag'] as const;
export type TurnExpiry = (typeof TURN_EXPIRY)[number];

export const settingsSchema = z.strictObject({
  queueRule: queueRuleSchema.default('first-come-first-served'),
  turnSeconds: z.number().int().min(10).max(3600).default(90),
  warnSeconds: z.number().int().min(0).max(600).default(15),
  onTurnExpiry: z.enum(TURN_EXPIRY).default('end'),
  qaPremoderation: z.boolean().default(true),
  maxParticipants: z.number().int().min(1).max(100_000).default(5000),
  /** When a recommendation counts as agreed; fixed into each round when it opens. */
  agreementRule: agreementRuleSchema.default(agreementRuleSchema.parse({})),
  /** Whether citizens see a round's results while it is open (facilitators always do). */
  resultsLive: z.boolean().default(false),
  /** Whether the floor's audio is recognised into automatic captions (where the server has a recogniser). */
  automaticCaptions: z.boolean().default(false),
});
export type Settings = z.infer<typeof settingsSchema>;
export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});

export const settingsPatchSchema = z
  .strictObject({
    queueRule: queueRuleSchema,
    turnSeconds: z.number().int().min(10).max(3600),
    warnSeconds: z.number().int().min(0).max(600),
    onTurnExpiry: z.enum(TURN_EXPIRY),
    qaPremoderation: z.boolean(),
    maxParticipants: z.number().int().min(1).max(100_000),
    agreementRule: agreementRuleChangeSchema,
    resultsLive: z.boolean(),
    automaticCaptions: z.boolean(),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, { message: 'at least one setting must be given' });
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export const agendaItemInputSchema = z.strictObject({
  title: line(200),
  minutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  breakouts: z.number().int().min(0).max(200).optional(),
});
export type AgendaItemInput = z.infer<typeof agendaItemInputSchema>;

export const createSessionSchema = z.strictObject({
  title: line(200),
  question: line(1000),
  agenda: z.array(agendaItemInputSchema).max(100).default([]),
  settings: settingsSchema.default(DEFAULT_SETTINGS),
});
export type CreateSessionInput = z.infer<typeof createSessionSchema>;

export const displayNameSchema = line(80);

export const joinSessionSchema = z.strictObject({
  invite: z.string().min(16).max(256),
  displayName: displayNameSchema,
});
export type JoinSessionInput = z.infer<typeof joinSessionSchema>;

export const PLENARY = 'plenary';

export const QUESTION_STATUSES = ['pending', 'approved', 'live', 'answered', 'hidden'] as const;
export type QuestionStatus = (typeof QUESTION_STATUSES)[number];

export { PANEL_VERDICTS, RESPONSE_STATUSES, type PanelVerdict, type ResponseStatus } from './vocabulary.js';
