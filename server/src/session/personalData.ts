import { randomBytes } from 'node:crypto';
import type { PersonalData } from '../../../shared/src/index.js';

/** A newcomer's personal data, with a fresh salt: 128 random bits put a guess at an erased name out of reach. */
export function personalDataOf(displayName: string): PersonalData {
  return { displayName, salt: randomBytes(16).toString('base64url') };
}
