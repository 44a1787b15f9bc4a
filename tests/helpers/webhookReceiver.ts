import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkWebhookSignature } from '../../server/src/outcome/webhookSignature.js';

interface Received {
  key: string;
  event: string;
  signatureOk: boolean;
  body: string;
  answeredWith: number;
}

/**
 * A decision-maker's system: it refuses the first `failures` requests with 500, then
 * accepts, and like any good receiver it accepts each idempotency key only once.
 */
export async function receiver(failures: number, secret: () => string) {
  const received: Received[] = [];
  const accepted = new Map<string, string>();
  const http: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += String(d)));
    req.on('end', () => {
      const key = String(req.headers['idempotency-key']);
      const signatureOk = checkWebhookSignature(secret(), String(req.headers['x-townhall-timestamp']), body, String(req.headers['x-townhall-signature']));
      const fail = received.length < failures;
      const status = fail ? 500 : signatureOk ? 200 : 401;
      received.push({ key, event: String(req.headers['x-townhall-event']), signatureOk, body, answeredWith: status });
      if (status === 200 && !accepted.has(key)) accepted.set(key, body);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/townhall`;
  return { url, received, accepted, close: () => new Promise<void>((r) => http.close(() => r())) };
}
