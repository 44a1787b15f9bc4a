import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits: far beyond guessing, and only its hash is ever stored. */
export function newSecret(prefix: 'inv' | 'tok' | 'whsec'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** Short random ids for sessions, participants, questions: unguessable enough to not leak counts. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}
