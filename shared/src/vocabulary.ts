/**
 * Fixed lists of words that the server's schemas and the browser's screens share.
 * This module imports nothing, so the browser can show them without loading zod or
 * Yjs (domain.ts and drafting.ts re-export them for everyone else).
 */

/** How an official answers an agreed recommendation. A rejection must give its reason. */
export const RESPONSE_STATUSES = ['accepted', 'partially-accepted', 'rejected', 'under-consideration'] as const;
export type ResponseStatus = (typeof RESPONSE_STATUSES)[number];

/** Gradients of agreement, from full support to block. */
export const AGREEMENT_LEVELS = ['full-support', 'support-with-reservations', 'can-live-with', 'more-discussion-needed', 'serious-concerns', 'block'] as const;
export type AgreementLevel = (typeof AGREEMENT_LEVELS)[number];

/** What a citizen says of an official's answer: does it address the recommendation? */
export const PANEL_VERDICTS = ['addressed', 'partly', 'not'] as const;
export type PanelVerdict = (typeof PANEL_VERDICTS)[number];
