import { deCore } from './de.core';
import { deSession } from './de.session';
import type { Messages } from './en';

/** German. Same keys as en.ts (the type checker enforces it), in the same two parts. */
export const de: Messages = { ...deCore, ...deSession };
