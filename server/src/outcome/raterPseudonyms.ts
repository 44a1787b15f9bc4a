import { createHmac } from 'node:crypto';
import type { OutcomeDocument, RaterKey } from '../../../shared/src/index.js';
import type { SigningKey } from './SigningKey.js';

/** Domain separation: the secret that numbers raters is used for nothing else. */
const LABEL = 'townhall rater pseudonyms v1';

/**
 * How an export numbers its raters: by HMAC-SHA256, under a secret derived from the
 * signing key, of the export's identity (its log head) and the participant id.
 *
 * - The same publication always gets the same numbering, so it downloads as the same bytes.
 * - Another export (another log head) gets an unrelated numbering.
 * - Without the secret nobody can recompute it, so the numbers are linked neither to the
 *   roster, nor to join order, nor to the participation table's "Citizen N".
 *
 * `townhall verify --log` cannot recompute it either, and so checks the ratings up to a
 * one-to-one renaming of the raters (verifyExport.ts).
 */
export function raterKeyFor(key: SigningKey, log: OutcomeDocument['log']): RaterKey {
  const secret = key.deriveSecret(LABEL);
  const exportIdentity = `${log.sessionId}\n${log.seq}\n${log.head}\n`;
  return (participantId) => createHmac('sha256', secret).update(exportIdentity).update(participantId).digest('hex');
}
