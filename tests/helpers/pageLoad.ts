import { request } from 'node:http';
import type { CDPSession, Page } from 'playwright-core';

/**
 * What a page fetched over the network and what each response cost on the wire, from
 * Chromium's own accounting (DevTools protocol, Network domain): `transferredBytes` is
 * Network.loadingFinished's encodedDataLength, the response's headers and its body as
 * sent (compressed), the "Transferred" column of DevTools. Used by the bundle-size test
 * (tests/browser/client-bundle.test.ts) and the client benchmark (bench/client/).
 */
export interface Transfer {
  url: string;
  /** CDP resource type: Document, Script, Stylesheet, Fetch, … (a modulepreload is a Script). */
  type: string;
  status: number;
  contentEncoding: string | null;
  transferredBytes: number;
  /** When the request started and when its last byte arrived, in ms on the browser's monotonic clock (CDP timestamps). */
  startedAt: number;
  finishedAt: number;
}

type Pending = { url: string; type: string; status: number; contentEncoding: string | null; startedAt: number };

export class NetworkLog {
  readonly transfers: Transfer[] = [];
  /** Requests that have started and neither finished nor failed. */
  private readonly inFlight = new Map<string, Pending>();
  private lastActivity = Date.now();

  private constructor(readonly cdp: CDPSession) {}

  /** Starts recording (before the page navigates, so nothing is missed). */
  static async attach(page: Page): Promise<NetworkLog> {
    const cdp = await page.context().newCDPSession(page);
    const log = new NetworkLog(cdp);
    cdp.on('Network.requestWillBeSent', (e) => {
      log.lastActivity = Date.now();
      if (!e.request.url.startsWith('http')) return;
      log.inFlight.set(e.requestId, { url: e.request.url, type: e.type ?? 'Other', status: 0, contentEncoding: null, startedAt: e.timestamp * 1000 });
    });
    cdp.on('Network.responseReceived', (e) => {
      log.lastActivity = Date.now();
      const p = log.inFlight.get(e.requestId);
      if (!p) return;
      p.status = e.response.status;
      p.type = e.type;
      const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
      p.contentEncoding = headers['content-encoding'] ?? null;
    });
    cdp.on('Network.loadingFinished', (e) => {
      log.lastActivity = Date.now();
      const p = log.inFlight.get(e.requestId);
      if (!p) return;
      log.inFlight.delete(e.requestId);
      log.transfers.push({ ...p, transferredBytes: e.encodedDataLength, finishedAt: e.timestamp * 1000 });
    });
    cdp.on('Network.loadingFailed', (e) => {
      log.lastActivity = Date.now();
      log.inFlight.delete(e.requestId);
    });
    await cdp.send('Network.enable');
    return log;
  }

  /** Resolves once nothing has been in flight, and nothing has started, for `quietMs`. */
  async settled(quietMs = 500, timeoutMs = 30_000): Promise<void> {
    const started = Date.now();
    for (;;) {
      if (this.inFlight.size === 0 && Date.now() - this.lastActivity >= quietMs) return;
      if (Date.now() - started > timeoutMs) throw new Error(`the network did not settle: ${[...this.inFlight.values()].map((p) => p.url).join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  scripts(): Transfer[] {
    return this.transfers.filter((t) => t.type === 'Script');
  }

  /** Bytes on the wire by kind; `api` is the app's own calls (the invite check). */
  totals(): { js: number; css: number; html: number; api: number; other: number; total: number; scripts: number } {
    const sum = (f: (t: Transfer) => boolean) => this.transfers.filter(f).reduce((n, t) => n + t.transferredBytes, 0);
    const js = sum((t) => t.type === 'Script');
    const css = sum((t) => t.type === 'Stylesheet');
    const html = sum((t) => t.type === 'Document');
    const api = sum((t) => t.type === 'Fetch' || t.type === 'XHR');
    const total = sum(() => true);
    return { js, css, html, api, other: total - js - css - html - api, total, scripts: this.scripts().length };
  }

  async detach(): Promise<void> {
    await this.cdp.detach().catch(() => {});
  }
}

/**
 * One GET with the given Accept-Encoding, measuring the body as it came over the wire
 * (Node's fetch would decompress it): what a browser asking for brotli is sent.
 */
export function fetchEncoded(url: string, acceptEncoding: string): Promise<{ status: number; contentEncoding: string | null; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentEncoding: (res.headers['content-encoding'] as string | undefined) ?? null, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
