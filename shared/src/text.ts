import { z } from 'zod';
import { isValidId } from './ids.js';

export { isValidId };

/**
 * Characters that can make text lie about itself: C0/C1 controls (except tab and
 * newline), bidi embeddings/overrides/isolates (the "evil.exe‮txt" trick), and
 * the BOM. Zero-width joiners are kept because emoji sequences and several
 * scripts need them.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this pattern is for.
const DECEPTIVE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]/g;

export function cleanText(input: string): string {
  return input.normalize('NFC').replace(DECEPTIVE, '');
}

/**
 * Something a reader can see: not only spaces, zero-width characters, or the
 * blank "filler" letters that let a participant join under an invisible name.
 */
const VISIBLE = /[^\s\u200B-\u200D\u2060\u2800\u3164\uFFA0\u115F\u1160\u180E]/u;
const visible = { message: 'must contain visible characters' };

/** A single-line, trimmed, cleaned string of bounded length (in code points). */
export function line(max: number) {
  return z
    .string()
    .max(max * 4, { message: `must be at most ${max} characters` })
    .transform((s) => cleanText(s).replace(/\s+/g, ' ').trim())
    .pipe(
      z
        .string()
        .min(1, { message: 'must not be empty' })
        .max(max, { message: `must be at most ${max} characters` })
        .regex(VISIBLE, visible),
    );
}

/** Multi-line text: newlines survive, other controls do not. */
export function paragraph(max: number) {
  return z
    .string()
    .max(max * 4, { message: `must be at most ${max} characters` })
    .transform((s) => cleanText(s.replace(/\r\n?/g, '\n')).trim())
    .pipe(
      z
        .string()
        .min(1, { message: 'must not be empty' })
        .max(max, { message: `must be at most ${max} characters` })
        .regex(VISIBLE, visible),
    );
}

/** Identifiers: short, URL-safe, and never a key like "__proto__" or "constructor". */
export const idSchema = z.string().refine(isValidId, { message: 'is not a valid id' });
