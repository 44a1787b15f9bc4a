import { ControlClient } from '../../client/src/ControlClient.js';
import type { Role, SessionEvent } from '../../shared/src/index.js';
import { sessionInput } from './fixtures.js';

export interface CreatedSession {
  sessionId: string;
  invites: Record<Role, { invite: string; url: string }>;
}

/**
 * A GET that finds its pooled keep-alive connection closed by the server at that very
 * moment fails with ECONNRESET (a known race of HTTP/1.1 keep-alive, which browsers
 * answer by retrying idempotent requests once). Only GETs are retried, and only that.
 */
async function fetchOnce(input: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (init.method !== 'GET' || code !== 'ECONNRESET') throw err;
    return fetch(input, init);
  }
}

export async function api<T = unknown>(url: string, path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const res = await fetchOnce(`${url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json as T, headers: res.headers };
}

/** `operatorToken`: for a server that requires one (TOWNHALL_ADMIN_TOKEN). */
export async function createSession(url: string, overrides: Record<string, unknown> = {}, operatorToken?: string): Promise<CreatedSession> {
  const res = await api<CreatedSession>(url, '/api/sessions', { body: sessionInput(overrides), ...(operatorToken ? { token: operatorToken } : {}) });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface Joined {
  sessionId: string;
  participantId: string;
  role: Role;
  displayName: string;
  token: string;
}

export async function join(url: string, session: CreatedSession, role: Role, displayName: string): Promise<Joined> {
  const res = await api<Joined>(url, `/api/sessions/${session.sessionId}/join`, {
    body: { invite: session.invites[role].invite, displayName },
  });
  if (res.status !== 201) throw new Error(`join failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A connected control-channel client that has received its first view. */
export async function connect(url: string, who: { sessionId: string; token: string }, opts: { reconnection?: boolean } = {}): Promise<ControlClient> {
  const client = new ControlClient({ url, sessionId: who.sessionId, token: who.token, socket: { reconnection: opts.reconnection ?? false } });
  await client.waitFor((c) => (c.view !== null && c.me !== null) || c.connectError !== null, 10_000, 'first view');
  if (client.connectError) {
    client.close();
    throw Object.assign(new Error(`connection refused: ${client.connectError.code}`), { code: client.connectError.code });
  }
  return client;
}

export async function joinAndConnect(url: string, session: CreatedSession, role: Role, name: string) {
  const joined = await join(url, session, role, name);
  const client = await connect(url, joined);
  return { ...joined, client };
}

/** A session's log as a facilitator downloads it. */
export async function sessionLog(url: string, sessionId: string, token: string): Promise<SessionEvent[]> {
  const res = await api<string>(url, `/api/sessions/${sessionId}/log`, { token });
  return String(res.body)
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SessionEvent);
}
