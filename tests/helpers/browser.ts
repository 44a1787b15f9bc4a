import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureClient } from '../../scripts/ensure-client.mjs';
import { expect } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const artifactsDir = join(root, 'test-artifacts');
const axePath = join(root, 'node_modules/axe-core/axe.min.js');

/** Debian's Chromium, driven by playwright-core: no browser download. */
export const CHROMIUM = process.env.TOWNHALL_CHROMIUM ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return launchBrowserWith([]);
}

/** Like launchBrowser, with extra Chromium flags (e.g. the fake microphone and autoplay flags of the audio tests). */
export function launchBrowserWith(extraArgs: string[]): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      ...extraArgs,
    ],
  });
}

/** Build client/dist if it is missing or older than its sources (Vite's JS API, once, under a lock). */
export async function ensureClientBuilt(): Promise<void> {
  await ensureClient({ log: () => {} });
}

/** A fresh, isolated browser profile (own localStorage, cookies, network switch) per person. */
export async function newPerson(browser: Browser, opts: { locale?: string } = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ locale: opts.locale ?? 'en-GB', viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  // Fail fast: the UI answers in milliseconds, so 10 s means something is wrong.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  // CSP violations and uncaught errors surface here; the tests assert there are none.
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/ERR_INTERNET_DISCONNECTED|net::ERR_/.test(msg.text())) errors.push(`console: ${msg.text()}`);
  });
  return { context, page, errors };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

let axeSource: string | null = null;

/**
 * Injects axe-core and runs it on the whole page; resolves with the violations (empty
 * means clean). page.addScriptTag({ path }) would add an inline <script>, which the
 * server's Content-Security-Policy (script-src 'self') rightly blocks; evaluating the
 * same file through the DevTools protocol is not subject to the page's CSP, so the CSP
 * stays on and any violation by the app itself is still caught.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe !== "undefined"');
  if (!loaded) {
    axeSource ??= readFileSync(axePath, 'utf8');
    await page.evaluate(axeSource);
  }
  return page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
  })))`) as Promise<AxeViolation[]>;
}

export function describeViolations(vs: AxeViolation[]): string {
  return vs.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `  ${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n')}`).join('\n');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Visible text with the Unicode isolates (U+2068/U+2069) around names taken out. */
export async function textOf(page: Page, selector: string): Promise<string> {
  const text = (await page.locator(selector).first().textContent()) ?? '';
  return plain(text);
}

export const plain = (s: string) =>
  s
    .replace(/[\u2068\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim();

export interface ControlChannelTap {
  /** While set, the server's acks to this command are dropped on their way to the page. */
  dropAcksFor: string | null;
  /** The acks dropped so far (raw Socket.IO frames). */
  dropped: string[];
  /** Every text frame the server sent the page, in order. */
  received: string[];
}

/**
 * Routes the page's Socket.IO WebSocket through Playwright, forwarding every frame
 * unchanged, except that acks to one chosen command can be dropped: the server has
 * done the command, but the page never hears so. That is the "connection lost after
 * sending, before the answer" case, made deterministic. Must be set up before the page
 * opens the control channel (it applies to WebSockets created afterwards).
 */
export async function tapControlChannel(context: BrowserContext): Promise<ControlChannelTap> {
  const tap: ControlChannelTap = { dropAcksFor: null, dropped: [], received: [] };
  const awaitingAck = new Set<string>();
  await context.routeWebSocket(/\/socket\.io\//, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((frame) => {
      // Engine.IO message (4) + Socket.IO EVENT (2) + ack id + ["name", payload]
      const m = typeof frame === 'string' ? /^42(\d+)\["([^"]+)"/.exec(frame) : null;
      if (m && m[2] === tap.dropAcksFor) awaitingAck.add(m[1]!);
      server.send(frame);
    });
    server.onMessage((frame) => {
      // Engine.IO message (4) + Socket.IO ACK (3) + ack id + [ack]
      if (typeof frame === 'string') {
        tap.received.push(frame);
        const m = /^43(\d+)\[/.exec(frame);
        if (m && awaitingAck.delete(m[1]!)) {
          tap.dropped.push(frame);
          return;
        }
      }
      ws.send(frame);
    });
  });
  return tap;
}

/** Polls until the element's text (isolates removed) contains `expected`. */
export const waitForText = (page: Page, selector: string, expected: string | RegExp, timeout = 10_000) =>
  expect
    .poll(async () => ((await page.locator(selector).count()) ? textOf(page, selector) : ''), { timeout, interval: 100 })
    .toMatch(typeof expected === 'string' ? new RegExp(expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : expected);

/** Runs axe-core on the page and fails with a readable list if anything is found. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  const violations = await axeViolations(page);
  expect(violations, describeViolations(violations)).toEqual([]);
}

/** The credentials the client stored for a session on this device. */
export async function storedCredentials(page: Page, sessionId: string): Promise<{ token: string; participantId: string }> {
  const stored = (await page.evaluate(`localStorage.getItem('townhall.session.${sessionId}')`)) as string;
  return JSON.parse(stored) as { token: string; participantId: string };
}

/**
 * Opens an invite link (rewritten to `serverUrl`), fills in the name and joins; waits for the "who" line.
 * `listen`: on a server with live audio, tick or untick "Listen to the room's audio when I join" (left as it is when omitted).
 */
export async function joinByInvite(page: Page, opts: { inviteUrl: string; serverUrl: string; name: string; role: string; listen?: boolean }): Promise<void> {
  // A generous bound, not a speed check: on a CI machine busy with parallel suites the first load can be slow.
  await page.goto(opts.inviteUrl.replace(/^https?:\/\/[^/]+/, opts.serverUrl), { timeout: 30_000 });
  await page.getByLabel('Your display name').fill(opts.name);
  if (opts.listen !== undefined) await page.getByLabel('Listen to the room’s audio when I join').setChecked(opts.listen);
  await page.getByRole('button', { name: 'Join the town hall' }).click();
  await waitForText(page, '[data-testid="who"]', `You take part as ${opts.name} (${opts.role})`);
}

/**
 * Opens the session page as a participant who joined earlier, by storing their
 * credential the way the client does (client/src/app/storage.ts): the only way back in
 * for a citizen once the session has closed and the invite no longer admits anyone.
 */
export async function openAsParticipant(
  page: Page,
  serverUrl: string,
  who: { sessionId: string; participantId: string; token: string; role: string; displayName: string },
): Promise<void> {
  await page.goto(`${serverUrl}/`);
  const { sessionId, participantId, token, role, displayName } = who;
  const credential = { sessionId, participantId, token, role, displayName, title: '', joinedAt: Date.now() };
  await page.evaluate(`localStorage.setItem(${JSON.stringify(`townhall.session.${who.sessionId}`)}, ${JSON.stringify(JSON.stringify(credential))})`);
  await page.goto(`${serverUrl}/s/${who.sessionId}`);
  await waitForText(page, '[data-testid="who"]', `You take part as ${who.displayName} (${who.role})`);
}

/** A screenshot of just the area covering these elements (full width of the widest), for a readable artifact. */
export async function screenshotOf(page: Page, selectors: string[], name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const boxes = [];
  for (const s of selectors) {
    const box = await page.locator(s).first().boundingBox();
    if (!box) throw new Error(`${s} is not visible`);
    boxes.push(box);
  }
  const scroll = (await page.evaluate('[window.scrollX, window.scrollY]')) as [number, number];
  const x = Math.min(...boxes.map((b) => b.x)) + scroll[0];
  const y = Math.min(...boxes.map((b) => b.y)) + scroll[1];
  const right = Math.max(...boxes.map((b) => b.x + b.width)) + scroll[0];
  const bottom = Math.max(...boxes.map((b) => b.y + b.height)) + scroll[1];
  const path = join(artifactsDir, `${name}.png`);
  const pad = 8;
  await page.screenshot({ path, fullPage: true, clip: { x: Math.max(0, x - pad), y: Math.max(0, y - pad), width: right - x + 2 * pad, height: bottom - y + 2 * pad } });
  return path;
}

/** The console's tabs, by their English names. */
export type ConsoleTab = 'Floor and queue' | 'Questions' | 'Drafting and votes' | 'People' | 'Outcome' | 'Session';

/** Opens one tab of the facilitator's console (its name may be followed by a count, "Questions 40 waiting"). */
export async function openConsoleTab(page: Page, name: ConsoleTab): Promise<void> {
  const tab = page.getByRole('tab', { name: new RegExp(`^${name}\\b`) });
  await tab.click();
  await expect.poll(() => tab.getAttribute('aria-selected')).toBe('true');
}
