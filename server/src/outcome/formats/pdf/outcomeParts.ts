import type { OutcomeDocument } from '../../../../../shared/src/index.js';

export type Outcome = OutcomeDocument['outcome'];
export type Agreed = Outcome['recommendations']['agreed'][number];
export type NotAgreed = Outcome['recommendations']['notAgreed'][number];
export type Recommendation = Agreed | NotAgreed;
export type Claim = Outcome['summary'][number];
/** An official answer as shown on its own, whether the current one or one it replaced. */
export type Answer = Omit<NonNullable<Agreed['response']>, 'history' | 'progress' | 'overdue'>;
