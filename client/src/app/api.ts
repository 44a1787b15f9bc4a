import type { Role } from '../../../shared/src/domain.js';

/** A failed HTTP call: the server's error code, or NETWORK when there was no answer at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function request<T>(path: string, init: { body?: unknown; token?: string } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.body === undefined ? 'GET' : 'POST',
      headers: {
        accept: 'application/json',
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', (err as Error).message);
  }
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, error?.code ?? 'INTERNAL', error?.message ?? res.statusText);
  }
  return json as T;
}

const sessionPath = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}`;

export interface InviteInfo {
  sessionId: string;
  role: Role;
  title: string;
  question: string;
  closed: boolean;
}

export interface JoinResult {
  sessionId: string;
  participantId: string;
  role: Role;
  displayName: string;
  token: string;
}

export interface WhoAmI {
  sessionId: string;
  participantId: string;
  role: Role;
  displayName: string;
  roomId: string;
}

/** The invite travels in the body, never in a URL the server could log. */
export const checkInvite = (sessionId: string, invite: string) => request<InviteInfo>(`${sessionPath(sessionId)}/invite`, { body: { invite } });

export const joinSession = (sessionId: string, invite: string, displayName: string) =>
  request<JoinResult>(`${sessionPath(sessionId)}/join`, { body: { invite, displayName } });

export const whoAmI = (sessionId: string, token: string) => request<WhoAmI>(`${sessionPath(sessionId)}/me`, { token });
