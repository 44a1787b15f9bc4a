import { ApiError, joinSession } from './api';
import type { Messages } from './i18n/en';
import { saveCredential } from './storage';

/** Why joining did not work, as a key of the join page's messages. */
export type JoinErrorKey = keyof Messages['join']['errors'];

/** `during`: checking the invite (a malformed invite is an invalid one) or joining with a name (then it is the name). */
export function joinErrorKey(err: unknown, during: 'invite' | 'join'): JoinErrorKey {
  if (!(err instanceof ApiError)) return 'generic';
  switch (err.code) {
    case 'NETWORK':
      return 'network';
    case 'UNAUTHENTICATED':
      return 'invalidInvite';
    case 'NOT_FOUND':
      return 'notFound';
    case 'VALIDATION_FAILED':
      return during === 'join' ? 'name' : 'invalidInvite';
    case 'CONFLICT':
      return /full/i.test(err.message) ? 'full' : 'generic';
    default:
      return 'generic';
  }
}

/** Joins with an invite under a display name and keeps the credential on this device, as every way in does. */
export async function joinAndRemember(sessionId: string, invite: string, displayName: string, title: string): Promise<void> {
  const joined = await joinSession(sessionId, invite, displayName);
  saveCredential({
    sessionId,
    participantId: joined.participantId,
    token: joined.token,
    role: joined.role,
    displayName: joined.displayName,
    title,
    joinedAt: Date.now(),
  });
}
