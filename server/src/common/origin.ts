import type { IncomingMessage } from 'node:http';

/**
 * Browsers always send Origin on WebSocket and cross-site requests. Non-browser
 * clients send none; they still need a valid credential to get anywhere. Without a
 * configured list, only the server's own origin is accepted.
 */
export function originAllowed(req: IncomingMessage, allowed: string[] | null): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (allowed) return allowed.includes(origin);
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
