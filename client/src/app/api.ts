import type { QueueRule, Role } from '../../../shared/src/domain.js';

/** A failed HTTP call: the server's error code, or NETWORK when there was no answer at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    /* not JSON */
  }
  const error = (json as { error?: { code?: string; message?: string; issues?: { path: string; message: string }[] } } | null)?.error;
  return new ApiError(res.status, error?.code ?? 'INTERNAL', error?.message ?? res.statusText, error?.issues ?? []);
}

async function request<T>(path: string, init: { body?: unknown; token?: string; method?: 'GET' | 'POST' | 'DELETE' } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
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
  if (!res.ok) throw await errorOf(res);
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    /* not JSON (204 No Content) */
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
  /** Whether the server runs live audio for this (open) session: the join page offers to listen. */
  liveAudio?: boolean;
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

/** The files an outcome can be downloaded as; `path` is relative to /api/sessions/<id>/. */
export const OUTCOME_FILES = [
  { key: 'pdf', path: 'outcome.pdf' },
  { key: 'json', path: 'outcome.json' },
  { key: 'markdown', path: 'outcome.md' },
  { key: 'recommendationsCsv', path: 'outcome/recommendations.csv' },
  { key: 'ratingsCsv', path: 'outcome/ratings.csv' },
  { key: 'readme', path: 'outcome/README.md' },
] as const;
export type OutcomeFileKey = (typeof OUTCOME_FILES)[number]['key'];

/** Which outcome to export: the facilitators' working draft, the latest publication, or one by number. */
export type Publication = 'current' | 'latest' | number;

export const outcomeFilePath = (sessionId: string, file: string, publication?: Publication) =>
  `${sessionPath(sessionId)}/${file}${publication === undefined ? '' : `?publication=${encodeURIComponent(String(publication))}`}`;

/** `attachment; filename="x.pdf"` → x.pdf (also the RFC 5987 form filename*=UTF-8''…). */
export function filenameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      /* malformed: try the plain form */
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/i.exec(disposition);
  return (plain?.[1] ?? plain?.[2])?.trim() || fallback;
}

/**
 * Downloads a file that needs the participant token. A plain link cannot send an
 * Authorization header (and a token in the URL would end up in logs and history), so
 * the file is fetched, turned into a Blob and saved through a temporary object URL.
 */
export async function downloadFile(path: string, token: string, fallbackName: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', (err as Error).message);
  }
  if (!res.ok) throw await errorOf(res);
  const name = filenameOf(res.headers.get('content-disposition'), fallbackName);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has taken the file over once the click is handled; revoking at once can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

export interface Webhook {
  id: string;
  sessionId: string;
  url: string;
  createdAt: number;
  removedAt: number | null;
}

export interface Delivery {
  id: number;
  webhookId: string;
  event: 'outcome.published' | 'response.overdue';
  /** The publication an outcome.published delivery carries; null for a reminder. */
  publication: number | null;
  idempotencyKey: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  deliveredAt: number | null;
  lastError: string | null;
  log: { at: number; statusCode: number | null; error: string | null }[];
}

export const listWebhooks = (sessionId: string, token: string) =>
  request<{ webhooks: Webhook[] }>(`${sessionPath(sessionId)}/webhooks`, { token }).then((r) => r.webhooks);

/** The answer carries the signing secret: the only time the server ever shows it. */
export const addWebhook = (sessionId: string, token: string, url: string) =>
  request<Webhook & { secret: string }>(`${sessionPath(sessionId)}/webhooks`, { token, body: { url } });

export const removeWebhook = (sessionId: string, token: string, webhookId: string) =>
  request<null>(`${sessionPath(sessionId)}/webhooks/${encodeURIComponent(webhookId)}`, { token, method: 'DELETE' });

export const listDeliveries = (sessionId: string, token: string) =>
  request<{ deliveries: Delivery[] }>(`${sessionPath(sessionId)}/deliveries`, { token }).then((r) => r.deliveries);

export const retryDelivery = (sessionId: string, token: string, deliveryId: number) =>
  request<{ retried: number }>(`${sessionPath(sessionId)}/deliveries/${deliveryId}/retry`, { token, method: 'POST', body: {} });

export interface SigningKeyInfo {
  algorithm: string;
  keyId: string;
  publicKey: string;
  pem: string;
}

export const signingKey = () => request<SigningKeyInfo>('/.well-known/townhall-signing-key');

/** What the setup page needs to know before it shows its form (GET /api/setup). */
export interface SetupInfo {
  operatorTokenRequired: boolean;
  /** The engine writing automatic captions on this server; null when they are not available here. */
  captionsEngine?: string | null;
}

export const setupInfo = () => request<SetupInfo>('/api/setup');

/**
 * What the setup form sends. Numbers a person left empty or mistyped go as null: the
 * server checks every field (createSessionSchema) and names each one it refuses, so the
 * page shows one set of rules, the server's, next to the fields.
 */
export interface NewSession {
  title: string;
  question: string;
  agenda: { title: string; minutes: number | null }[];
  settings: { queueRule: QueueRule; turnSeconds: number | null; qaPremoderation: boolean };
}

export interface CreatedSession {
  sessionId: string;
  invites: Record<Role, { invite: string; url: string }>;
}

export const createSession = (input: NewSession, operatorToken: string | null) =>
  request<CreatedSession>('/api/sessions', { body: input, ...(operatorToken ? { token: operatorToken } : {}) });
