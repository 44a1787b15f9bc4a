import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { ensureClientBuilt, launchBrowser } from './browser.js';
import { startServer, type RunningServer } from './server.js';

/**
 * A server and a headless Chromium for the browser tests of one describe block: started
 * (with the client built) before its tests, stopped after them. Read `server` and
 * `browser` inside tests and hooks, once beforeAll has run.
 */
export function serverAndBrowser(opts: { env?: Record<string, string>; timeout?: number } = {}): { readonly server: RunningServer; readonly browser: Browser } {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer(opts.env ? { env: opts.env } : {});
    browser = await launchBrowser();
  }, opts.timeout ?? 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('the server starts in beforeAll');
      return server;
    },
    get browser() {
      if (!browser) throw new Error('the browser starts in beforeAll');
      return browser;
    },
  };
}
