import { z } from 'zod';

/**
 * A language: a BCP 47 tag (`en`, `de`, `tr`, `pt-BR`). `null` wherever a language is
 * expected means the original: the floor's own language, as spoken.
 */
export const interpretationLanguageSchema = z
  .string()
  .max(35)
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'is not a language tag (like en, de or pt-BR)');

/** An interpreter's post: the room whose floor they render, and into which language. */
export interface InterpreterPost {
  roomId: string;
  language: string;
}
