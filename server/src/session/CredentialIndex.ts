import { ROLES, type Participant, type Role, type SessionEvent, type SessionState } from '../../../shared/src/index.js';
import { hashSecret, sameHash } from './credentials.js';

/**
 * Which participant a token belongs to, kept beside a state as events are applied to it.
 * Only hashes are held, as in the log: a token is hashed once per lookup, never stored.
 */
export class CredentialIndex {
  private readonly byHash = new Map<string, string>();

  constructor(state: SessionState) {
    for (const p of Object.values(state.participants)) if (!p.removed) this.byHash.set(p.credentialHash, p.id);
  }

  /** Call with events already applied to `state` (a removal needs the participant's hash from it). */
  apply(events: readonly SessionEvent[], state: SessionState): void {
    for (const e of events) {
      if (e.type === 'participant.joined') this.byHash.set(e.payload.credentialHash, e.payload.participantId);
      if (e.type === 'participant.removed') {
        const hash = state.participants[e.payload.participantId]?.credentialHash;
        if (hash) this.byHash.delete(hash);
      }
    }
  }

  participant(token: string, state: SessionState): Participant | null {
    const id = this.byHash.get(hashSecret(token));
    const p = id ? state.participants[id] : undefined;
    return p && !p.removed ? p : null;
  }
}

/** Which role an invite grants in a session, or null. */
export function roleForInvite(state: SessionState, invite: string): Role | null {
  const hash = hashSecret(invite);
  return ROLES.find((r) => sameHash(state.inviteHashes[r], hash)) ?? null;
}
