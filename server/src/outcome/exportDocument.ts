import {
  OUTCOME_FORMAT,
  OUTCOME_VERSION,
  buildOutcome,
  replay,
  type OutcomeDocument,
  type OutcomeOptions,
  type SessionEvent,
  type SessionState,
  type UnsignedOutcomeDocument,
} from '../../../shared/src/index.js';
import { canonicalJson } from '../session/chain.js';
import { raterKeyFor } from './raterPseudonyms.js';
import type { SigningKey } from './SigningKey.js';

/**
 * Everything but the signature: a pure function of the state and of how raters are
 * numbered, so the log reproduces it byte for byte once that numbering is given.
 */
export function unsignedExport(state: SessionState, options: OutcomeOptions = {}): UnsignedOutcomeDocument {
  return {
    format: OUTCOME_FORMAT,
    version: OUTCOME_VERSION,
    generatedAt: new Date(state.updatedAt).toISOString(),
    log: logOf(state),
    outcome: buildOutcome(state, options),
  };
}

function logOf(state: SessionState): OutcomeDocument['log'] {
  return { sessionId: state.sessionId, seq: state.seq, head: state.head };
}

/** The bytes the signature covers: the document without its signature, in RFC 8785 canonical JSON. */
export function signedBytes(doc: UnsignedOutcomeDocument | OutcomeDocument): string {
  const { signature: _signature, ...rest } = doc as OutcomeDocument;
  return canonicalJson(rest);
}

export function signExport(doc: UnsignedOutcomeDocument, key: SigningKey): OutcomeDocument {
  const { algorithm, keyId, publicKey } = key.info;
  return { ...doc, signature: { algorithm, keyId, publicKey, value: key.sign(signedBytes(doc)) } };
}

/** The export as the server serves it: raters numbered under the server's secret, for this export only. */
export function exportState(state: SessionState, key: SigningKey): OutcomeDocument {
  return signExport(unsignedExport(state, { raterKey: raterKeyFor(key, logOf(state)) }), key);
}

/** The state as it was after event `seq`: how a published export is rebuilt from the log. */
export function stateAt(events: readonly SessionEvent[], seq: number): SessionState | null {
  return replay(events.filter((e) => e.seq <= seq));
}
