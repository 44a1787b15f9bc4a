import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSession, type CreatedSession } from '../helpers/clients.js';
import { ensureClientBuilt, expectNoAxeViolations, joinByInvite, launchBrowser, newPerson, screenshot, waitForText } from '../helpers/browser.js';
import { fetchEncoded, NetworkLog, type Transfer } from '../helpers/pageLoad.js';
import { startServer, type RunningServer } from '../helpers/server.js';

/**
 * Light and fast (issue 13): a phone on a slow network opening an invitation gets the
 * join form with at most 150 KB of JavaScript, and none of the code it does not need
 * yet: the drafting editor (CodeMirror), Yjs, live audio (mediasoup-client) and the
 * control channel (socket.io-client) come later, when they are shown or switched on.
 *
 * Sizes are counted two ways, both against the limit: as Chromium received them here
 * (plain HTTP, where it asks for gzip only), and as this server sends each of those
 * scripts to a browser asking for brotli (what browsers do over HTTPS).
 */
const LIMIT = 150 * 1024;

const assetsDir = join(fileURLToPath(new URL('../../', import.meta.url)), 'client/dist/assets');

/** Strings that survive minification in each library's code, and occur nowhere else in the app. */
const MARKERS = {
  codemirror: 'cm-content', // the editable element's class (@codemirror/view)
  yjs: 'Yjs was already imported', // Yjs's own warning against two copies
  'mediasoup-client': 'mediasoup-client-v', // the SDP user name mediasoup-client writes
  'socket.io-client': '/engine.io', // the control channel's default path (engine.io-client)
} as const;
type Library = keyof typeof MARKERS;

describe('client bundle: what a page loads, and when', () => {
  let server: RunningServer;
  let browser: Browser;
  let session: CreatedSession;
  const builtScripts = new Map<string, string>();

  beforeAll(async () => {
    await ensureClientBuilt();
    for (const f of readdirSync(assetsDir).filter((f) => f.endsWith('.js'))) builtScripts.set(f, readFileSync(join(assetsDir, f), 'utf8'));
    server = await startServer();
    browser = await launchBrowser();
    session = await createSession(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const inviteUrl = (role: 'citizen' | 'facilitator') => session.invites[role].url.replace(/^https?:\/\/[^/]+/, server.url);

  /** The libraries whose code is in these loaded scripts (their text as the server sends it, decoded). */
  async function librariesIn(scripts: Transfer[]): Promise<Library[]> {
    const texts = await Promise.all(scripts.map(async (s) => (await fetch(s.url)).text()));
    return (Object.keys(MARKERS) as Library[]).filter((lib) => texts.some((t) => t.includes(MARKERS[lib])));
  }

  /** Every script in `scripts` once more, as the server answers a browser that accepts brotli. */
  async function brotliBytes(scripts: Transfer[]): Promise<number> {
    const answers = await Promise.all(scripts.map((s) => fetchEncoded(s.url, 'br, gzip')));
    // The server compresses everything over 1 KiB; a tiny chunk (the bundler's runtime) goes as it is.
    for (const a of answers) expect(a.status === 200 && (a.contentEncoding === 'br' || a.bytes < 1024), JSON.stringify(a)).toBe(true);
    return answers.reduce((n, a) => n + a.bytes, 0);
  }

  /** Opens `url` in a fresh profile, waits until `ready` says the page is usable and the network is quiet. */
  async function load(url: string, ready: (page: Page) => Promise<void>) {
    const person = await newPerson(browser);
    const log = await NetworkLog.attach(person.page);
    await person.page.goto(url);
    await ready(person.page);
    await log.settled();
    return { ...person, log };
  }

  const joinFormUsable = async (page: Page) => {
    const name = page.getByLabel('Your display name');
    await name.waitFor();
    expect(await name.isEditable()).toBe(true);
    expect(await page.getByRole('button', { name: 'Join the town hall' }).isEnabled()).toBe(true);
  };

  test('the markers are found in the built chunks (so the checks below can fail)', () => {
    for (const lib of Object.keys(MARKERS) as Library[]) {
      const chunks = [...builtScripts].filter(([, text]) => text.includes(MARKERS[lib])).map(([f]) => f);
      expect(chunks.length, `${lib}: ${MARKERS[lib]}`).toBeGreaterThan(0);
    }
  });

  test('the join page: at most 150 KB of JavaScript, no editor, Yjs, audio or control channel', async () => {
    const { context, page, errors, log } = await load(inviteUrl('citizen'), joinFormUsable);
    const scripts = log.scripts();
    const gzipped = log.totals().js;
    const brotli = await brotliBytes(scripts);
    console.log(`join page: ${scripts.length} scripts, ${gzipped} bytes as Chromium received them (${scripts[0]?.contentEncoding}), ${brotli} bytes with brotli`);
    // The entry and its modulepreloads: more than one script, so the count below is of a real page.
    expect(scripts.length).toBeGreaterThan(1);
    expect(scripts.every((s) => s.status === 200)).toBe(true);
    expect(gzipped).toBeLessThanOrEqual(LIMIT);
    expect(brotli).toBeLessThanOrEqual(LIMIT);
    expect(await librariesIn(scripts)).toEqual([]);
    // Typing is what the form is for: the name goes in, and nothing else is fetched but the session page's code.
    await page.getByLabel('Your display name').fill('Ada');
    expect(await page.getByLabel('Your display name').inputValue()).toBe('Ada');
    expect(errors).toEqual([]);
    await log.detach();
    await context.close();
  });

  test('the home page: at most 150 KB of JavaScript, none of the session code', async () => {
    const { context, page, errors, log } = await load(`${server.url}/`, (p) => p.getByRole('heading', { name: 'Welcome to Townhall' }).waitFor());
    const scripts = log.scripts();
    expect(scripts.length).toBeGreaterThan(1);
    expect(log.totals().js).toBeLessThanOrEqual(LIMIT);
    expect(await brotliBytes(scripts)).toBeLessThanOrEqual(LIMIT);
    expect(await librariesIn(scripts)).toEqual([]);
    await expectNoAxeViolations(page);
    expect(errors).toEqual([]);
    await log.detach();
    await context.close();
  });

  test('the session page fetches the control channel and drafting when shown; audio only when switched on', async () => {
    const person = await newPerson(browser);
    const log = await NetworkLog.attach(person.page);
    await joinByInvite(person.page, { inviteUrl: session.invites.citizen.url, serverUrl: server.url, name: 'Grace', role: 'citizen' });
    await person.page.locator('[data-testid="drafting-status"]').waitFor();
    await log.settled();
    // The same markers as above, now present: the lazy parts arrived when the page showed them. Nobody
    // switched listening on, so the audio library (mediasoup-client) stayed on the server.
    expect(await librariesIn(log.scripts())).toEqual(['codemirror', 'yjs', 'socket.io-client']);
    // A citizen's phone never fetches the facilitator's console.
    expect(log.scripts().filter((s) => /\/ConsoleLayout-/.test(s.url))).toEqual([]);
    expect(person.errors).toEqual([]);
    await log.detach();
    await person.context.close();

    const fac = await newPerson(browser);
    const facLog = await NetworkLog.attach(fac.page);
    await joinByInvite(fac.page, { inviteUrl: session.invites.facilitator.url, serverUrl: server.url, name: 'Margaret', role: 'facilitator' });
    await facLog.settled();
    expect(facLog.scripts().filter((s) => /\/ConsoleLayout-/.test(s.url)).length).toBe(1);
    expect(fac.errors).toEqual([]);
    await facLog.detach();
    await fac.context.close();
  });

  test('opening the session page fetches the layout for the role alongside the page, not after it', async () => {
    const person = await newPerson(browser);
    await joinByInvite(person.page, { inviteUrl: session.invites.citizen.url, serverUrl: server.url, name: 'Ida', role: 'citizen' });
    // The session page's own code is held back: whatever is fetched meanwhile was asked for without it.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await person.context.route(/\/assets\/SessionPage-[^/]+\.js$/, async (route) => {
      await held;
      await route.continue();
    });
    const layoutRequested = person.page.waitForRequest(/\/assets\/ParticipantLayout-[^/]+\.js$/);
    await person.page.reload();
    await layoutRequested;
    release();
    await waitForText(person.page, '[data-testid="who"]', 'You take part as Ida (citizen)');
    await person.context.close();
  });

  test('while a part is on its way the page says "Loading…"; one that cannot be fetched says so, with a way to reload', async () => {
    const person = await newPerson(browser);
    await person.page.setViewportSize({ width: 390, height: 844 });
    await joinByInvite(person.page, { inviteUrl: session.invites.citizen.url, serverUrl: server.url, name: 'Hedy', role: 'citizen' });
    await person.page.locator('[data-testid="drafting-status"]').waitFor();

    // A slow network, made deterministic: the editor's code is held back until the loading state has been checked.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await person.context.route(/\/assets\/codemirror-[^/]+\.js$/, async (route) => {
      await held;
      await route.continue();
    });
    await person.page.reload();
    await waitForText(person.page, '[data-testid="who"]', 'You take part as Hedy (citizen)');
    const loading = person.page.getByRole('status').filter({ hasText: 'Loading…' });
    await loading.waitFor();
    await loading.scrollIntoViewIfNeeded();
    await screenshot(person.page, 'client-bundle-part-loading-390');
    await expectNoAxeViolations(person.page);
    release();
    await person.page.locator('[data-testid="drafting-status"]').waitFor();
    expect(await loading.count()).toBe(0);
    await person.context.unrouteAll();
    // As after a release that replaced the files, or a connection that dropped: the editor's code does not arrive.
    await person.context.route(/\/assets\/codemirror-[^/]+\.js$/, (route) => route.abort('connectionfailed'));
    await person.page.reload();
    await waitForText(person.page, '[data-testid="who"]', 'You take part as Hedy (citizen)');
    const alert = person.page.getByRole('alert').filter({ hasText: 'This part of the page could not be loaded' });
    await alert.waitFor();
    expect(await person.page.locator('[data-testid="drafting-status"]').count()).toBe(0);
    // Everything else is there and works: the queue.
    await person.page.getByRole('button', { name: 'Raise hand' }).click();
    await waitForText(person.page, '[data-testid="my-place"]', 'You are number 1');
    await alert.scrollIntoViewIfNeeded();
    await screenshot(person.page, 'client-bundle-part-failed-390');
    await expectNoAxeViolations(person.page);
    // Reloading, with the file reachable again, brings the drafting area back.
    await person.context.unrouteAll();
    await person.page.getByRole('button', { name: 'Reload the page' }).click();
    await person.page.locator('[data-testid="drafting-status"]').waitFor();
    expect(await alert.count()).toBe(0);
    await person.context.close();
  });
});
