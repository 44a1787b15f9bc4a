import type { Role } from '../../../shared/src/domain.js';

/**
 * What this device remembers about a session it joined: the participant token (the
 * only way back in after a reload) and enough to show "continue as …". One key per
 * session, so joining another session never overwrites this one.
 */
export interface StoredCredential {
  sessionId: string;
  participantId: string;
  token: string;
  role: Role;
  displayName: string;
  title: string;
  joinedAt: number;
}

const PREFIX = 'townhall.session.';
export const credentialKey = (sessionId: string) => `${PREFIX}${sessionId}`;

function parse(raw: string | null): StoredCredential | null {
  if (!raw) return null;
  try {
    const c = JSON.parse(raw) as Partial<StoredCredential>;
    if (typeof c.sessionId === 'string' && typeof c.token === 'string' && typeof c.participantId === 'string') {
      return {
        sessionId: c.sessionId,
        participantId: c.participantId,
        token: c.token,
        role: (c.role ?? 'citizen') as Role,
        displayName: c.displayName ?? '',
        title: c.title ?? '',
        joinedAt: c.joinedAt ?? 0,
      };
    }
  } catch {
    /* corrupt entry: treat as absent */
  }
  return null;
}

export function loadCredential(sessionId: string): StoredCredential | null {
  try {
    return parse(localStorage.getItem(credentialKey(sessionId)));
  } catch {
    return null;
  }
}

export function saveCredential(c: StoredCredential): void {
  try {
    localStorage.setItem(credentialKey(c.sessionId), JSON.stringify(c));
  } catch {
    /* storage full or blocked: the session still works until the page is reloaded */
  }
}

export function forgetCredential(sessionId: string): void {
  try {
    localStorage.removeItem(credentialKey(sessionId));
  } catch {
    /* nothing to do */
  }
}

export function listCredentials(): StoredCredential[] {
  const out: StoredCredential[] = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key?.startsWith(PREFIX)) {
        const c = parse(localStorage.getItem(key));
        if (c) out.push(c);
      }
    }
  } catch {
    /* storage unavailable */
  }
  return out.sort((a, b) => b.joinedAt - a.joinedAt);
}
