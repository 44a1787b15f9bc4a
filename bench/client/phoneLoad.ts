import type { Browser } from 'playwright-core';
import { fetchEncoded, NetworkLog } from '../../tests/helpers/pageLoad.js';

/**
 * A mid-range phone on a slow mobile network, through the DevTools protocol: the CPU
 * four times slower than this machine's, 150 ms round trips, 1.6 Mbit/s down and
 * 750 kbit/s up (Lighthouse's "slow 4G" figures).
 */
export const PHONE = {
  cpuSlowdown: 4,
  latencyMs: 150,
  downloadBytesPerSecond: 1_600_000 / 8,
  uploadBytesPerSecond: 750_000 / 8,
  viewport: { width: 390, height: 844 },
} as const;

/**
 * When the join form is usable: the name field (input[name=displayName]) and its form's
 * submit button are in the document, enabled, not read-only, laid out with a size, and
 * the browser has painted them (the first animation frame after that, then a task: a
 * frame is not painted before the stylesheets have arrived). For the app this means its
 * JavaScript has run, checked the invitation and rendered the form; for the plain HTML
 * page, that the HTML and the stylesheet are in. The time is the page's own clock
 * (performance.now(), from the start of navigation), reported through the console so
 * nothing polls the throttled page. Injected by the DevTools protocol, which the page's
 * Content-Security-Policy does not govern.
 */
const USABLE_PROBE = `(() => {
  const usable = () => {
    const input = document.querySelector('input[name="displayName"]');
    const button = input && input.form && input.form.querySelector('button[type="submit"]');
    if (!input || !button || input.disabled || input.readOnly || button.disabled) return false;
    const box = input.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const observer = new MutationObserver(() => {
    if (!usable()) return;
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => console.debug('townhall-bench:usable ' + performance.now())));
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();`;

export interface PhoneLoad {
  /** ms from the start of navigation until the join form is usable (see USABLE_PROBE). */
  usableMs: number;
  /** Bytes on the wire as Chromium received them (headers included), once the network was quiet after the form was usable. */
  bytes: { js: number; css: number; html: number; api: number; total: number };
  scripts: number;
  /** The same scripts as this server sends them to a browser that accepts brotli (bodies only). */
  jsBrotli: number;
  /** Scripts that arrived after the form was usable without anyone touching it (should be none). */
  lateScripts: number;
  /** ms from the page's request until its last script had arrived, and until the app's last API call (the invite check) was answered. */
  scriptsInMs: number | null;
  apiAnsweredMs: number | null;
}

/** One cold load (fresh profile, empty cache) of `url` on the phone profile; checks afterwards that the name field takes typing. */
export async function phoneLoad(browser: Browser, url: string): Promise<PhoneLoad> {
  const context = await browser.newContext({ viewport: PHONE.viewport, deviceScaleFactor: 3, isMobile: true, hasTouch: true, locale: 'en-GB' });
  try {
    const page = await context.newPage();
    const log = await NetworkLog.attach(page);
    await log.cdp.send('Emulation.setCPUThrottlingRate', { rate: PHONE.cpuSlowdown });
    await log.cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: PHONE.latencyMs,
      downloadThroughput: PHONE.downloadBytesPerSecond,
      uploadThroughput: PHONE.uploadBytesPerSecond,
    });
    await page.addInitScript({ content: USABLE_PROBE });
    const usable = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('townhall-bench:usable '), timeout: 120_000 });
    await page.goto(url, { waitUntil: 'commit', timeout: 120_000 });
    const usableMs = Number((await usable).text().split(' ')[1]);
    const scriptsAtUsable = log.scripts().length;
    await log.settled(1000, 60_000);
    const totals = log.totals();
    const scripts = log.scripts();
    const brotli = await Promise.all(scripts.map((s) => fetchEncoded(s.url, 'br, gzip')));
    const start = log.transfers.find((t) => t.type === 'Document')?.startedAt ?? Number.NaN;
    const lastOf = (type: string[]) => {
      const ts = log.transfers.filter((t) => type.includes(t.type)).map((t) => t.finishedAt - start);
      return ts.length ? Math.max(...ts) : null;
    };
    const scriptsInMs = lastOf(['Script']);
    const apiAnsweredMs = lastOf(['Fetch', 'XHR']);

    // Usable means it takes a name: type one and read it back (not timed).
    const name = page.locator('input[name="displayName"]');
    await name.click({ timeout: 60_000 });
    await page.keyboard.type('Ada', { delay: 0 });
    const typed = await name.inputValue();
    if (typed !== 'Ada') throw new Error(`the name field did not take typing (${JSON.stringify(typed)}) at ${url}`);
    await log.detach();
    return {
      usableMs,
      bytes: { js: totals.js, css: totals.css, html: totals.html, api: totals.api, total: totals.total },
      scripts: scripts.length,
      jsBrotli: brotli.reduce((n, b) => n + b.bytes, 0),
      lateScripts: scripts.length - scriptsAtUsable,
      scriptsInMs,
      apiAnsweredMs,
    };
  } finally {
    await context.close();
  }
}
