// Extensions as Node resolves them: the tests read this catalogue too.

import { enCore } from './en.core.js';
import { enSession } from './en.session.js';

/**
 * English: the reference catalogue. Every visible string of the app is in its two parts,
 * en.core.ts (every page) and en.session.ts (the session, setup and projector pages);
 * de.ts must have exactly the same keys (its type is derived from these objects). A
 * section lives wholly in one part.
 *
 * Names of people are wrapped in Unicode isolates by the code before interpolation,
 * so a right-to-left name cannot reorder the sentence around it.
 */
export const en = { ...enCore, ...enSession };

type Catalogue<T> = { [K in keyof T]: T[K] extends string ? string : Catalogue<T[K]> };
/** The shape every language must fill in. */
export type Messages = Catalogue<typeof en>;
export type CoreMessages = Catalogue<typeof enCore>;
export type SessionMessages = Catalogue<typeof enSession>;
