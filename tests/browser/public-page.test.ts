import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PLENARY } from '../../shared/src/index.js';
import { joinAndConnect } from '../helpers/clients.js';
import { must } from '../helpers/expect.js';
import { runScriptedSession, type ScriptedSession } from '../helpers/outcome.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import {
  ensureClientBuilt,
  expectNoAxeViolations,
  launchBrowser,
  newPerson,
  openAsParticipant,
  openConsoleTab,
  screenshot,
  screenshotOf,
  waitForText,
} from '../helpers/browser.js';

/**
 * The public accountability page in a real Chromium: the facilitator publishes it from the
 * console with the keyboard, a reader with JavaScript switched off reads the answers and
 * their progress on a desktop, a phone and on paper, in English and German, axe finds
 * nothing, the feed is well-formed XML, and after the withdrawal the same link is gone.
 */
describe('browser: the public page', () => {
  let server: RunningServer;
  let browser: Browser;
  let scripted: ScriptedSession;
  let official: Awaited<ReturnType<typeof joinAndConnect>>;
  let fac: Page;
  let link: string;
  const PROGRESS = 'The council approved the budget line; works start in spring.';
  const REASON = 'Two of the three lanes fit; the third street is too narrow.';

  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer();
    browser = await launchBrowser();
    scripted = await runScriptedSession(server.url);
    official = await joinAndConnect(server.url, scripted.session, 'official', 'Ottilie Quarzfeld-Vernon');
    const give = (recommendationId: string, payload: Record<string, string>) =>
      must(official.client.send('response.give', { roomId: PLENARY, recommendationId, ...payload } as never), `answer ${recommendationId}`);
    await give('rec-square', { status: 'under-consideration', reason: 'We need a traffic study first.' });
    await give('rec-square', { status: 'accepted', reason: 'The study supports it.', dueDate: '2099-04-01' });
    await must(official.client.send('response.progress', { roomId: PLENARY, recommendationId: 'rec-square', text: PROGRESS }), 'progress');
    await give('rec-lanes', { status: 'partially-accepted', reason: REASON, dueDate: '2021-03-01' });
    fac = (await newPerson(browser)).page;
  });

  afterAll(async () => {
    official?.client.close();
    scripted?.close();
    await browser?.close();
    await server?.stop();
  });

  /** A reader's browser with JavaScript switched off: the page must not need it. */
  async function reader(viewport: { width: number; height: number }, locale = 'en-GB', javaScriptEnabled = false) {
    const context = await browser.newContext({ javaScriptEnabled, viewport, locale });
    context.setDefaultTimeout(10_000);
    return { context, page: await context.newPage() };
  }

  /**
   * axe and layout measurements run as script in the page, which a browser with JavaScript off
   * refuses; the page has no script of its own, so with it on the document is the same.
   */
  async function inspect(url: string, viewport: { width: number; height: number }, locale = 'en-GB') {
    const { context, page } = await reader(viewport, locale, true);
    try {
      await page.goto(url);
      await expectNoAxeViolations(page);
      const [scrollWidth, clientWidth] = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
      return { scrollWidth, clientWidth };
    } finally {
      await context.close();
    }
  }

  test('the facilitator publishes the page from the Outcome tab with the keyboard, after a dialog that says what becomes public', async () => {
    await openAsParticipant(fac, server.url, scripted.fac);
    await openConsoleTab(fac, 'Outcome');
    const panel = fac.locator('[data-testid="public-page"]');
    await waitForText(fac, '[data-testid="public-page-state"]', 'The public page is not published.');
    await panel.getByRole('button', { name: 'Publish the public page' }).focus();
    await fac.keyboard.press('Enter');
    const dialog = fac.getByRole('dialog', { name: 'Publish the public page?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const said = (await dialog.textContent()) ?? '';
    expect(said).toContain('including answers and progress given later');
    expect(said).toContain('No names are shown');
    // The safe choice has the focus; the confirmation is one Tab away.
    expect(await fac.evaluate('document.activeElement?.textContent')).toBe('Go back');
    await expectNoAxeViolations(fac);
    await screenshotOf(fac, ['dialog[open]'], 'public-page-console-dialog');
    await fac.keyboard.press('Tab');
    expect(await fac.evaluate('document.activeElement?.textContent')).toBe('Publish it');
    await fac.keyboard.press('Enter');
    await waitForText(fac, '[data-testid="public-page-status"]', 'The public page is published.');
    await waitForText(fac, '[data-testid="public-page-state"]', /Published since .+/);
    link = await fac.locator('[data-testid="public-page-url"]').inputValue();
    expect(link).toBe(`${server.url}/p/${scripted.session.sessionId}`);
    // Back on the button that opened the dialog, now the one that withdraws.
    expect(await fac.evaluate('document.activeElement?.textContent')).toBe('Withdraw the public page');
    await expectNoAxeViolations(fac);
    await screenshotOf(fac, ['[data-testid="public-page"]'], 'public-page-console-published');
    // The same panel on a phone: the address and its Copy button fit without scrolling sideways.
    await fac.setViewportSize({ width: 390, height: 844 });
    await fac.locator('[data-testid="public-page"]').scrollIntoViewIfNeeded();
    const [scrollWidth, clientWidth] = (await fac.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    await screenshotOf(fac, ['[data-testid="public-page"]'], 'public-page-console-390');
    await fac.setViewportSize({ width: 1280, height: 900 });
  });

  test('with JavaScript off, the page shows the answers, their history and progress, and the overdue one; axe finds nothing', async () => {
    const { context, page } = await reader({ width: 1280, height: 900 });
    try {
      const res = await page.goto(link);
      expect(res?.status()).toBe(200);
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      const lanes = page.locator('#rec-plenary-rec-lanes');
      const square = page.locator('#rec-plenary-rec-square');
      expect(await square.getByText(PROGRESS).isVisible()).toBe(true);
      expect(await square.getByText('Earlier answers (1)').isVisible()).toBe(true);
      expect(await square.getByText('Under consideration').isVisible()).toBe(true);
      expect(await lanes.getByText(REASON).isVisible()).toBe(true);
      expect(await lanes.getByText('Overdue', { exact: true }).isVisible()).toBe(true);
      expect(await square.getByText('Overdue', { exact: true }).count()).toBe(0);
      expect(await page.getByRole('heading', { name: 'Check this record' }).isVisible()).toBe(true);
      expect(await page.locator('pre.command').textContent()).toMatch(/^npx townhall verify townhall-.+-outcome\.json --server http:\/\/127\.0\.0\.1:\d+$/);
      // The full fingerprint is one click (or Enter) away.
      await square.locator('summary').first().click();
      expect(await square.locator('details code.hash').first().isVisible()).toBe(true);
      // No script on the page at all, not even one the CSP would block.
      expect(await page.locator('script').count()).toBe(0);
      await screenshot(page, 'public-page-1280');
      await inspect(link, { width: 1280, height: 900 });
    } finally {
      await context.close();
    }
  });

  test('on a 390×844 phone nothing scrolls sideways, in English and in German', async () => {
    for (const lang of ['en', 'de'] as const) {
      const { context, page } = await reader({ width: 390, height: 844 }, lang === 'de' ? 'de-DE' : 'en-GB');
      try {
        await page.goto(lang === 'de' ? link : `${link}?lang=en`);
        expect(await page.locator('html').getAttribute('lang')).toBe(lang);
        if (lang === 'de') expect(await page.getByRole('heading', { name: 'Dieses Protokoll prüfen' }).isVisible()).toBe(true);
        await screenshot(page, `public-page-390-${lang}`);
        const { scrollWidth, clientWidth } = await inspect(page.url(), { width: 390, height: 844 }, lang === 'de' ? 'de-DE' : 'en-GB');
        expect(scrollWidth, `${lang}: the page is wider than the phone`).toBeLessThanOrEqual(clientWidth);
      } finally {
        await context.close();
      }
    }
  });

  test('printed: no language link, no contents, the full fingerprints and the links written out', async () => {
    const { context, page } = await reader({ width: 1280, height: 900 });
    try {
      await page.goto(link);
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('.lang').isVisible()).toBe(false);
      expect(await page.locator('nav.toc').isVisible()).toBe(false);
      expect(await page.locator('.print-only code.hash').first().isVisible()).toBe(true);
      await screenshot(page, 'public-page-print');
    } finally {
      await context.close();
    }
  });

  test('the feed is well-formed Atom for a real XML parser, with the answers and the progress', async () => {
    const res = await fetch(`${link}/feed.atom`);
    const xml = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^application\/atom\+xml/);
    // DOMParser needs script: a blank page with JavaScript on parses what the server sent.
    const parser = (await newPerson(browser)).page;
    try {
      // A string, not a function: the tests are type-checked without the DOM's types.
      const parsed = (await parser.evaluate(`(() => {
        const doc = new DOMParser().parseFromString(${JSON.stringify(xml)}, 'application/xml');
        const ns = 'http://www.w3.org/2005/Atom';
        const entries = [...doc.getElementsByTagNameNS(ns, 'entry')];
        return {
          error: doc.getElementsByTagName('parsererror').length > 0,
          root: doc.documentElement.namespaceURI,
          titles: entries.map((e) => e.getElementsByTagNameNS(ns, 'title')[0]?.textContent),
          contents: entries.map((e) => e.getElementsByTagNameNS(ns, 'content')[0]?.textContent),
        };
      })()`)) as { error: boolean; root: string; titles: string[]; contents: string[] };
      expect(parsed.error).toBe(false);
      expect(parsed.root).toBe('http://www.w3.org/2005/Atom');
      expect(parsed.titles).toEqual([
        `Answer to “${scripted.agreedTitles[1]}”: Partly accepted`,
        `Progress on “${scripted.agreedTitles[0]}”`,
        `Answer to “${scripted.agreedTitles[0]}”: Accepted`,
        `Answer to “${scripted.agreedTitles[0]}”: Under consideration`,
      ]);
      expect(parsed.contents[1]).toBe(PROGRESS);
    } finally {
      await parser.context().close();
    }
  });

  test('the facilitator withdraws it with the keyboard; the same link then answers 404', async () => {
    const panel = fac.locator('[data-testid="public-page"]');
    await panel.getByRole('button', { name: 'Withdraw the public page' }).focus();
    await fac.keyboard.press('Enter');
    const dialog = fac.getByRole('dialog', { name: 'Withdraw the public page?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect((await dialog.textContent()) ?? '').toContain('not found');
    await fac.keyboard.press('Tab');
    await fac.keyboard.press('Enter');
    await waitForText(fac, '[data-testid="public-page-status"]', 'The public page was withdrawn.');
    await waitForText(fac, '[data-testid="public-page-state"]', 'The public page is not published.');
    const { context, page } = await reader({ width: 1280, height: 900 });
    try {
      const res = await page.goto(link);
      expect(res?.status()).toBe(404);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('No public page here');
      expect(await page.locator('body').textContent()).not.toContain(scripted.agreedTitles[0]!);
      await inspect(link, { width: 1280, height: 900 });
    } finally {
      await context.close();
    }
  });
});
