import { ROLES, type Role } from '../../../shared/src/domain.js';

/**
 * The invitation links of the sessions started on this device. The server shows an
 * invite only once (when the session is created, or when a role's link is replaced)
 * and keeps only its hash, so this device is the only place the link can be found
 * again: the setup page writes it here and the facilitator's console reads it back.
 * One key per session, like the participant credentials (storage.ts).
 */
export interface StoredInvites {
  sessionId: string;
  title: string;
  /** The join link per role; a role is missing when this device never saw its link. */
  links: Partial<Record<Role, string>>;
}

const PREFIX = 'townhall.invites.';
export const inviteKey = (sessionId: string) => `${PREFIX}${sessionId}`;

/** Only join links of this app are taken back from storage: anything else there was not written by it. */
const isJoinLink = (url: unknown): url is string => typeof url === 'string' && /^https?:\/\/[^#]+\/join\/[A-Za-z0-9_-]{1,64}#invite=/.test(url);

function parse(sessionId: string, raw: string | null): StoredInvites | null {
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as { title?: unknown; links?: Record<string, unknown> };
    const links: Partial<Record<Role, string>> = {};
    for (const role of ROLES) {
      const url = s.links?.[role];
      if (isJoinLink(url)) links[role] = url;
    }
    return { sessionId, title: typeof s.title === 'string' ? s.title : '', links };
  } catch {
    return null;
  }
}

export function loadInvites(sessionId: string): StoredInvites | null {
  try {
    return parse(sessionId, localStorage.getItem(inviteKey(sessionId)));
  } catch {
    return null;
  }
}

export function saveInvites(stored: StoredInvites): boolean {
  try {
    localStorage.setItem(inviteKey(stored.sessionId), JSON.stringify({ title: stored.title, links: stored.links }));
    return true;
  } catch {
    // Storage full or blocked: the links are still on screen, but this device will not remember them.
    return false;
  }
}

/** Replaces one role's link (after "Make a new link"), keeping the others. */
export function rememberInvite(sessionId: string, role: Role, url: string): StoredInvites {
  const stored = loadInvites(sessionId) ?? { sessionId, title: '', links: {} };
  const next = { ...stored, links: { ...stored.links, [role]: url } };
  saveInvites(next);
  return next;
}

/**
 * The join link for a new invite. The server answers invite.rotate with the secret only;
 * the link is built on the same base as the links it gave when the session was created
 * (its public address, which may differ from the one this page was opened at), or this
 * page's own address when the device has none of them.
 */
export function joinLink(sessionId: string, invite: string, known: StoredInvites | null): string {
  const sample = Object.values(known?.links ?? {}).find(Boolean);
  const base = sample ? sample.slice(0, sample.indexOf('/join/')) : window.location.origin;
  return `${base}/join/${encodeURIComponent(sessionId)}#invite=${encodeURIComponent(invite)}`;
}
