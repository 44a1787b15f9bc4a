import { join } from 'node:path';
import qrcode from 'qrcode-generator';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanText } from '../../shared/src/text.js';
import { api, connect } from '../helpers/clients.js';
import { assembly, hostileStrings } from '../helpers/fixtures.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import {
  artifactsDir,
  ensureClientBuilt,
  expectNoAxeViolations,
  joinByInvite,
  launchBrowser,
  launchBrowserWith,
  newPerson,
  openConsoleTab,
  plain,
  screenshot,
  screenshotOf,
  textOf,
  waitForText,
} from '../helpers/browser.js';

const ADMIN = 'operator-token-for-the-setup-ui-0123456789';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
// Refusals the tests provoke on purpose (a wrong token, an empty title, an old invite): the browser logs each one.
const EXPECTED_REFUSAL = /Failed to load resource: the server responded with a status of (400|401)/;

type Person = { context: BrowserContext; page: Page; errors: string[] };

/** An element as these tests read it in the page (the tests type-check without the DOM library). */
type PageElement = {
  nextElementSibling: { textContent: string | null } | null;
  ownerDocument: { activeElement: unknown };
};
const isFocused = (l: Locator) => l.evaluate((el: PageElement) => el === el.ownerDocument.activeElement);
/** The text of the element right after this one: where a field's error is shown. */
const textAfter = (l: Locator) => l.evaluate((el: PageElement) => el.nextElementSibling?.textContent ?? null);

/** The links this device kept for a session (client/src/app/inviteStorage.ts). */
async function storedLinks(page: Page, sessionId: string): Promise<Record<string, string>> {
  const raw = (await page.evaluate(`localStorage.getItem('townhall.invites.${sessionId}')`)) as string | null;
  return raw ? (JSON.parse(raw) as { links: Record<string, string> }).links : {};
}

const sessionIdOf = (page: Page) => /\/new\/([A-Za-z0-9_-]+)$/.exec(new URL(page.url()).pathname)?.[1] ?? '';

/** Every piece of storage on this device, to show a secret was not kept. */
const allStorage = (page: Page) => page.evaluate(`JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])`) as Promise<string>;

/** The dark modules of a QR code as the page drew them: "col,row" for each 1×1 square of the path. */
async function drawnModules(page: Page, name: string): Promise<{ size: number; dark: Set<string> }> {
  const svg = page.getByRole('img', { name });
  const viewBox = (await svg.getAttribute('viewBox'))!.split(' ').map(Number);
  const d = (await svg.locator('path').getAttribute('d'))!;
  const dark = new Set([...d.matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map((m) => `${m[1]},${m[2]}`));
  // The path is nothing but those squares.
  expect(d.replace(/M\d+ \d+h1v1h-1z/g, '')).toBe('');
  return { size: viewBox[2]! - 8, dark };
}

/** The same link encoded here, independently of the page, with the library's own API. */
function expectedModules(text: string): { size: number; dark: Set<string> } {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const size = qr.getModuleCount();
  const dark = new Set<string>();
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) if (qr.isDark(r, c)) dark.add(`${c},${r}`);
  return { size, dark };
}

/** Presses Tab until the element with this role and name has the focus (and fails if it never does). */
async function tabTo(page: Page, role: 'button' | 'link' | 'textbox' | 'checkbox' | 'combobox' | 'spinbutton' | 'tab', name: string, max = 400): Promise<void> {
  const target = page.getByRole(role, { name, exact: true });
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await isFocused(target).catch(() => false)) return;
  }
  throw new Error(`Tab never reached the ${role} "${name}"`);
}

async function both(page: Page, name: string, check: () => Promise<void> = () => expectNoAxeViolations(page)): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await check();
  await screenshot(page, `${name}-1280`);
  await page.setViewportSize(PHONE);
  await check();
  await screenshot(page, `${name}-390`);
  await page.setViewportSize(DESKTOP);
}

/**
 * Starting a town hall from the browser: the setup page (operator token, validation next
 * to the fields), the invitation links (copy, QR code), the way into the console, and the
 * console's Invitations, Settings and End panels, against a real server and real Chromium.
 */
describe('browser client: starting and running a town hall from the browser', () => {
  let server: RunningServer;
  let openServer: RunningServer;
  let browser: Browser;
  let organiser: Person;
  let citizen: Person;
  let sessionId = '';
  let links: Record<string, string> = {};
  let copiedCitizenLink = '';
  const title = assembly.title;
  const facName = assembly.facilitators[0]!;
  const citizenName = assembly.citizens[0]!;
  const keyboardFacilitator = 'Mirela Kovač';
  const secondFacilitator = 'Tomás Ó Briain';
  const people: Person[] = [];
  const person = async () => {
    const p = await newPerson(browser);
    people.push(p);
    return p;
  };

  beforeAll(async () => {
    await ensureClientBuilt();
    [server, openServer] = await Promise.all([startServer({ env: { TOWNHALL_ADMIN_TOKEN: ADMIN } }), startServer()]);
    browser = await launchBrowser();
    organiser = await person();
    citizen = await person();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.stop(), openServer?.stop()]);
  });

  test('the setup page asks for the operator token; a wrong one is refused with a clear message, then an empty title next to its field', async () => {
    const { page } = organiser;
    await page.goto(`${server.url}/`);
    await both(page, 'setup-home');
    await page.getByRole('link', { name: 'Start a town hall' }).click();
    await waitForText(page, 'h1', 'Start a town hall');
    expect(new URL(page.url()).pathname).toBe('/new');
    await page.getByLabel('Title', { exact: true }).fill(title);
    await page.getByLabel('The question').fill(assembly.question);
    for (const item of assembly.agenda.slice(0, 3)) {
      await page.getByRole('button', { name: 'Add an agenda item' }).click();
      const n = await page.locator('[data-testid="agenda-row"]').count();
      // The new row's title has the focus.
      await expect.poll(() => page.evaluate('document.activeElement?.id ?? ""')).toMatch(/^agenda-\d+-title$/);
      await page.getByLabel(`Item ${n}: title`).fill(item.title);
      await page.getByLabel(`Item ${n}: minutes`).fill(String(item.minutes));
    }
    await page.getByRole('button', { name: 'Remove item 2' }).click();
    expect(await page.locator('[data-testid="agenda-row"]').count()).toBe(2);
    expect(await page.getByLabel('Item 2: title').inputValue()).toBe(assembly.agenda[2]!.title);
    await page.getByLabel('Order of the speaking queue').selectOption('least-speaking-time-first');
    await page.getByLabel('Speaking time per turn (seconds)').fill('120');
    expect(await page.getByLabel('Check questions before everyone sees them').isChecked()).toBe(true);
    await both(page, 'setup-form');

    const token = page.getByLabel('Operator token');
    expect(await token.getAttribute('type')).toBe('password');
    await token.fill('not-the-operator-token-at-all');
    await page.getByRole('button', { name: 'Start the town hall' }).click();
    await waitForText(page, '[data-testid="setup-error"]', 'Please correct the fields marked above.');
    expect(await token.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await token.getAttribute('aria-describedby'))!.split(' ');
    expect(await textAfter(token)).toBe('The operator token was not accepted. Please check it and try again.');
    expect(await page.locator(`[id="${describedBy.at(-1)}"]`).textContent()).toBe('The operator token was not accepted. Please check it and try again.');
    // The focus is on the field to fix.
    expect(await isFocused(token)).toBe(true);
    expect(new URL(page.url()).pathname).toBe('/new');

    await token.fill(ADMIN);
    const titleField = page.getByLabel('Title', { exact: true });
    await titleField.fill('   ');
    await page.getByRole('button', { name: 'Start the town hall' }).click();
    await expect.poll(() => titleField.getAttribute('aria-invalid')).toBe('true');
    // The message is right under the field, and read with it.
    expect(await textAfter(titleField)).toBe('Please give the town hall a title (up to 200 characters).');
    expect(await titleField.getAttribute('aria-describedby')).toBe('title-error');
    expect(await isFocused(titleField)).toBe(true);
    expect(await token.getAttribute('aria-invalid')).toBeNull();
    await expectNoAxeViolations(page);

    await titleField.fill(title);
    await page.getByRole('button', { name: 'Start the town hall' }).click();
    await waitForText(page, '[data-testid="setup-ready"]', 'Your town hall is ready.');
    sessionId = sessionIdOf(page);
    expect(sessionId).toMatch(/^s_/);
    expect(await textOf(page, 'h1')).toBe(title);
    expect(await textOf(page, '[data-testid="invites-warning"]')).toBe('Anyone with a link can join as that role. Keep the facilitator link private.');
    links = await storedLinks(page, sessionId);
    expect(Object.keys(links).sort()).toEqual(['citizen', 'facilitator', 'observer', 'official']);
    for (const [role, url] of Object.entries(links)) {
      expect(url).toMatch(new RegExp(`^${server.url}/join/${sessionId}#invite=inv_`));
      expect(await page.getByRole('textbox', { name: `${role[0]!.toUpperCase()}${role.slice(1)} link` }).inputValue()).toBe(url);
    }
    // "Remember on this device" was not ticked: the token is nowhere on this device.
    expect(await allStorage(page)).not.toContain(ADMIN);
    await both(page, 'setup-invites');
  });

  test('the settings chosen on the page are the session’s', async () => {
    const fac = await api<{ token: string }>(server.url, `/api/sessions/${sessionId}/join`, {
      body: { invite: links.facilitator!.split('#invite=')[1], displayName: 'Settings check' },
    });
    const client = await connect(server.url, { sessionId, token: fac.body.token });
    try {
      expect(client.view!.settings).toMatchObject({ queueRule: 'least-speaking-time-first', turnSeconds: 120, qaPremoderation: true });
      expect(client.view!.agenda.map((i) => [i.title, i.minutes])).toEqual([assembly.agenda[0], assembly.agenda[2]].map((i) => [i!.title, i!.minutes]));
      expect(client.view!.question).toBe(assembly.question);
    } finally {
      client.close();
    }
  });

  test('Copy puts the citizen link on the clipboard and says so; another person opens the copied link and joins', async () => {
    const { page, context } = organiser;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const card = page.locator('[data-testid="invite-citizen"]');
    await page.getByRole('button', { name: 'Copy the citizen link' }).click();
    await waitForText(page, '[data-testid="invite-citizen"] [role="status"]', 'Copied');
    copiedCitizenLink = (await page.evaluate('navigator.clipboard.readText()')) as string;
    expect(copiedCitizenLink).toBe(links.citizen);
    // The other cards say nothing.
    expect(plain((await page.locator('[data-testid="invite-observer"] [role="status"]').textContent()) ?? '')).toBe('');
    // The fallback: the link's field selects itself on focus, ready to copy by hand.
    const field = card.getByRole('textbox');
    await field.focus();
    type TextField = { value: string; selectionStart: number | null; selectionEnd: number | null };
    expect(await field.evaluate((el: TextField) => el.value.slice(el.selectionStart ?? 0, el.selectionEnd ?? 0))).toBe(links.citizen);
    expect(await field.getAttribute('readonly')).not.toBeNull();

    await joinByInvite(citizen.page, { inviteUrl: copiedCitizenLink, serverUrl: server.url, name: citizenName, role: 'citizen' });
  });

  test('Show QR code draws the citizen link as a large QR code with an accessible name', async () => {
    const { page } = organiser;
    const show = page.getByRole('button', { name: 'Show QR code of the citizen link' });
    expect(await show.getAttribute('aria-expanded')).toBe('false');
    const scripts = () => page.evaluate(`performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.js'))`) as Promise<string[]>;
    const before = await scripts();
    await show.click();
    const qr = page.getByRole('img', { name: 'QR code of the citizen link' });
    await expect.poll(() => qr.count()).toBe(1);
    const hide = page.getByRole('button', { name: 'Hide QR code of the citizen link' });
    expect(await hide.getAttribute('aria-expanded')).toBe('true');
    expect(await page.locator(`[id="${await hide.getAttribute('aria-controls')}"] svg`).count()).toBe(1);
    const drawn = await drawnModules(page, 'QR code of the citizen link');
    const expected = expectedModules(copiedCitizenLink);
    expect(drawn.size).toBe(expected.size);
    expect(drawn.size).toBeGreaterThanOrEqual(25);
    expect(drawn.dark.size).toBeGreaterThan(200);
    expect(drawn.dark).toEqual(expected.dark);
    // Large: most of a desktop column, the full width of a phone.
    const box = (await qr.boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(300);
    await page.setViewportSize(PHONE);
    const phoneBox = (await qr.boundingBox())!;
    expect(phoneBox.width).toBeGreaterThan(250);
    expect(phoneBox.x + phoneBox.width).toBeLessThanOrEqual(PHONE.width);
    await expectNoAxeViolations(page);
    await screenshotOf(page, ['[data-testid="invite-citizen"]'], 'setup-qr-390');
    await page.setViewportSize(DESKTOP);
    // The QR code's library is fetched when a code is first shown; the join page never loads it.
    const onDemand = (await scripts()).filter((s) => !before.includes(s));
    expect(onDemand.length).toBeGreaterThan(0);
    const joinPage = await person();
    await joinPage.page.goto(links.observer!);
    await waitForText(joinPage.page, 'h1', title);
    const joinScripts = (await joinPage.page.evaluate(`performance.getEntriesByType('resource').map((e) => e.name)`)) as string[];
    for (const s of onDemand) expect(joinScripts.map((j) => new URL(j).pathname)).not.toContain(new URL(s).pathname);
    await hide.click();
    expect(await qr.count()).toBe(0);
  });

  test('Open the console as facilitator: a name, then the console with the Invitations, Settings and End panels', async () => {
    const { page } = organiser;
    await page.getByLabel('Your display name').fill(facName);
    await page.getByRole('button', { name: 'Open the console as facilitator' }).click();
    await waitForText(page, '[data-testid="who"]', `You take part as ${facName} (facilitator)`);
    expect(new URL(page.url()).pathname).toBe(`/s/${sessionId}`);
    await openConsoleTab(page, 'Session');
    const panel = page.locator('[data-testid="invitations"]');
    await waitForText(page, '[data-testid="invitations"] h2', 'Invitations');
    for (const [role, url] of Object.entries(links)) {
      expect(await panel.locator(`[data-testid="invite-${role}"] input`).inputValue()).toBe(url);
    }
    expect(await panel.locator('[data-testid="invite-unknown"]').count()).toBe(0);
    await both(page, 'setup-console-panels', async () => {
      await expectNoAxeViolations(page);
      await screenshotOf(page, ['.console-session-panels'], `setup-console-panels-only-${page.viewportSize()!.width}`);
    });
  });

  test('Make a new link for citizens: the old link is refused on the join page, the new one works, the citizen already in stays in', async () => {
    const { page } = organiser;
    const card = page.locator('[data-testid="invitations"] [data-testid="invite-citizen"]');
    await card.getByRole('button', { name: 'Make a new link for citizens' }).click();
    const question = card.getByRole('group');
    expect(plain((await question.textContent()) ?? '')).toContain(
      'Make a new citizen link? The current link stops working for anyone who has not joined with it yet. Citizens who already joined stay in.',
    );
    // Escape keeps the link.
    await page.keyboard.press('Escape');
    expect(await card.getByRole('group').count()).toBe(0);
    expect(await card.locator('input').inputValue()).toBe(links.citizen);

    await card.getByRole('button', { name: 'Make a new link for citizens' }).click();
    await card.getByRole('button', { name: 'Yes, make a new link' }).click();
    await waitForText(page, '[data-testid="invitations"] [data-testid="invite-citizen"] .rotate-status', 'New link made. The old one no longer works.');
    const newLink = await card.locator('input').inputValue();
    expect(newLink).not.toBe(links.citizen);
    expect(newLink).toMatch(new RegExp(`^${server.url}/join/${sessionId}#invite=inv_`));
    expect((await storedLinks(page, sessionId)).citizen).toBe(newLink);
    expect((await storedLinks(page, sessionId)).observer).toBe(links.observer);

    const late = await person();
    await late.page.goto(links.citizen!);
    await waitForText(late.page, '[role="alert"]', 'This invitation is not valid (any more). Please ask the organisers for a new link.');
    expect(await late.page.getByRole('button', { name: 'Join the town hall' }).count()).toBe(0);
    const newcomer = await person();
    await joinByInvite(newcomer.page, { inviteUrl: newLink, serverUrl: server.url, name: assembly.citizens[1]!, role: 'citizen' });
    // The citizen who joined with the old link is still in: their token still opens the session.
    await citizen.page.reload();
    await waitForText(citizen.page, '[data-testid="who"]', `You take part as ${citizenName} (citizen)`);
    links.citizen = newLink;
  });

  test('a second facilitator device does not have the links: it says so, and a new link is shown there once made', async () => {
    const second = await person();
    await joinByInvite(second.page, { inviteUrl: links.facilitator!, serverUrl: server.url, name: secondFacilitator, role: 'facilitator' });
    await openConsoleTab(second.page, 'Session');
    const panel = second.page.locator('[data-testid="invitations"]');
    await expect.poll(() => panel.locator('[data-testid="invite-unknown"]').count()).toBe(4);
    expect(await textOf(second.page, '[data-testid="invite-official"] [data-testid="invite-unknown"]')).toBe(
      'This device does not have this link. Make a new one to share it.',
    );
    await panel.getByRole('button', { name: 'Make a new link for officials' }).click();
    await panel.getByRole('button', { name: 'Yes, make a new link' }).click();
    await expect.poll(() => panel.locator('[data-testid="invite-official"] input').count()).toBe(1);
    const official = await panel.locator('[data-testid="invite-official"] input').inputValue();
    expect(official).toMatch(new RegExp(`^${server.url}/join/${sessionId}#invite=inv_`));
    expect(official).not.toBe(links.official);
    expect(await panel.locator('[data-testid="invite-unknown"]').count()).toBe(3);
    await expectNoAxeViolations(second.page);
    links.official = official;
  });

  test('changing a setting takes effect: questions are no longer held for approval', async () => {
    const { page } = organiser;
    await waitForText(citizen.page, '.ask', 'The facilitator checks questions before others see them.');
    const panel = page.locator('[data-testid="session-settings"]');
    const save = panel.getByRole('button', { name: 'Save settings' });
    await save.click();
    await waitForText(page, '[data-testid="settings-status"]', 'Nothing has changed.');

    // A value the server refuses is shown at its field.
    const turn = panel.getByLabel('Speaking time per turn (seconds)');
    expect(await turn.inputValue()).toBe('120');
    await turn.fill('5');
    await save.click();
    await expect.poll(() => turn.getAttribute('aria-invalid')).toBe('true');
    expect(await textAfter(turn)).toBe('Please give a whole number of seconds, from 10 to 3600.');
    await expect.poll(() => isFocused(turn)).toBe(true);
    await turn.fill('100');

    const premod = panel.getByLabel('Check questions before everyone sees them');
    expect(await premod.isChecked()).toBe(true);
    await premod.uncheck();
    await save.click();
    await waitForText(page, '[data-testid="settings-status"]', 'Settings saved.');
    expect(await turn.getAttribute('aria-invalid')).toBeNull();
    expect(await turn.inputValue()).toBe('100');
    expect(await premod.isChecked()).toBe(false);

    await expect.poll(() => citizen.page.locator('.ask .hint').count()).toBe(0);
    await citizen.page.getByLabel('Your question').fill('Will the buses run later in the evening?');
    await citizen.page.getByRole('button', { name: 'Ask', exact: true }).click();
    await waitForText(citizen.page, '[data-testid="my-questions"]', 'Will the buses run later in the evening? Approved');
    await expectNoAxeViolations(page);
  });

  test('ending the town hall asks first, says what ending does, and the citizen’s page then says it has ended', async () => {
    const { page } = organiser;
    const open = page.getByRole('button', { name: 'End the town hall…' });
    await open.click();
    const dialog = page.getByRole('dialog', { name: 'End the town hall?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const text = plain((await dialog.textContent()) ?? '');
    expect(text).toContain('Nobody can speak, raise a hand, ask or upvote questions, draft or rate any more.');
    expect(text).toContain('Only decision-makers can still join, with the official link, to answer the agreed recommendations.');
    expect(text).toContain('You can still publish the outcome and send it to decision-makers.');
    expect(text).toContain('This cannot be undone.');
    // The safe choice has the focus; Escape closes without ending.
    await expect.poll(() => page.evaluate('document.activeElement?.textContent')).toBe('Go back');
    // What is on screen (a full-page shot would show the page beyond the dimmed viewport).
    await expectNoAxeViolations(page);
    await page.screenshot({ path: join(artifactsDir, 'setup-end-dialog-1280.png') });
    await page.setViewportSize(PHONE);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: join(artifactsDir, 'setup-end-dialog-390.png') });
    await page.setViewportSize(DESKTOP);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    await expect.poll(() => isFocused(open)).toBe(true);
    expect(await citizen.page.getByText('This town hall has ended.').count()).toBe(0);

    await open.click();
    await dialog.getByRole('button', { name: 'End the town hall now' }).click();
    await waitForText(page, '[data-testid="session-ended"]', 'The town hall has ended.');
    await expect.poll(() => citizen.page.getByText('This town hall has ended.').count()).toBe(1);
    // The citizen's status bar, with its hand buttons, is gone once the town hall has ended.
    await expect.poll(() => citizen.page.getByRole('button', { name: 'Raise hand' }).count()).toBe(0);
    // Links can no longer change.
    expect(await page.getByRole('button', { name: 'Make a new link for citizens' }).count()).toBe(0);
    await waitForText(page, '[data-testid="invitations"]', 'The town hall has ended: links can no longer be changed.');
    // The settings are still shown, but can no longer change.
    await waitForText(page, '[data-testid="session-settings"]', 'The town hall has ended: its settings can no longer change.');
    expect(await page.getByLabel('Check questions before everyone sees them').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save settings' }).isDisabled()).toBe(true);
    await both(page, 'setup-console-ended');
  });

  test('a title full of hostile strings is shown as plain text on every page', async () => {
    const p = await person();
    const hostileTitle = hostileStrings.slice(0, 5).join(' ').slice(0, 200);
    const hostileQuestion = hostileStrings.slice(5, 12).join(' ');
    const hostileItem = hostileStrings[2]!;
    const dialogs: string[] = [];
    p.page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await p.page.goto(`${openServer.url}/new`);
    await p.page.getByLabel('Title', { exact: true }).fill(hostileTitle);
    await p.page.getByLabel('The question').fill(hostileQuestion);
    await p.page.getByRole('button', { name: 'Add an agenda item' }).click();
    await p.page.getByLabel('Item 1: title').fill(hostileItem);
    await p.page.getByLabel('Item 1: minutes').fill('10');
    await p.page.getByRole('button', { name: 'Start the town hall' }).click();
    await waitForText(p.page, '[data-testid="setup-ready"]', 'Your town hall is ready.');
    const shown = cleanText(hostileTitle).replace(/\s+/g, ' ').trim();
    expect(await p.page.locator('h1').textContent()).toBe(shown);
    expect(await p.page.title()).toBe(`${shown} – Townhall`);
    await p.page.getByLabel('Your display name').fill(hostileStrings[1]!);
    await p.page.getByRole('button', { name: 'Open the console as facilitator' }).click();
    await waitForText(p.page, '[data-testid="who"]', '(facilitator)');
    expect(await p.page.locator('h1').textContent()).toBe(shown);
    await openConsoleTab(p.page, 'Session');
    expect(await textOf(p.page, '.session-question')).toBe(plain(cleanText(hostileQuestion)));
    // Nothing in them ran or became markup.
    expect(await p.page.locator('img[src="x"], svg[onload], script:not([src])').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(p.errors).toEqual([]);
  });

  test('by keyboard alone, on a server without an operator token: start, copy, show the QR code, open the console, end', async () => {
    const p = await person();
    const { page, context } = p;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: openServer.url });
    await page.goto(`${openServer.url}/`);
    await tabTo(page, 'link', 'Start a town hall');
    await page.keyboard.press('Enter');
    await tabTo(page, 'textbox', 'Title');
    await page.keyboard.type('Evening transport forum');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('TEXTAREA');
    await page.keyboard.type('Which bus routes should run after 10 pm?');
    await tabTo(page, 'button', 'Add an agenda item');
    await page.keyboard.press('Enter');
    // The new row renders on the next frame (Preact batches): a person sees the field, then types.
    await expect.poll(() => page.evaluate<string>("document.activeElement?.id ?? ''")).toMatch(/^agenda-\d+-title$/);
    await page.keyboard.type('Welcome');
    await page.keyboard.press('Tab');
    await page.keyboard.type('10');
    await tabTo(page, 'combobox', 'Order of the speaking queue');
    await page.keyboard.press('ArrowDown');
    await tabTo(page, 'spinbutton', 'Speaking time per turn (seconds)');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('60');
    await tabTo(page, 'checkbox', 'Check questions before everyone sees them');
    await page.keyboard.press('Space');
    // No token on this server: the form does not ask for one.
    expect(await page.getByLabel('Operator token').count()).toBe(0);
    await tabTo(page, 'button', 'Start the town hall');
    await page.keyboard.press('Enter');
    await waitForText(page, '[data-testid="setup-ready"]', 'Your town hall is ready.');
    const id = sessionIdOf(page);
    const stored = await storedLinks(page, id);

    await tabTo(page, 'button', 'Copy the citizen link');
    await page.keyboard.press('Enter');
    await waitForText(page, '[data-testid="invite-citizen"] [role="status"]', 'Copied');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(stored.citizen);
    await tabTo(page, 'button', 'Show QR code of the citizen link');
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByRole('img', { name: 'QR code of the citizen link' }).count()).toBe(1);
    await tabTo(page, 'textbox', 'Your display name');
    await page.keyboard.type(keyboardFacilitator);
    await page.keyboard.press('Enter');
    await waitForText(page, '[data-testid="who"]', `You take part as ${keyboardFacilitator} (facilitator)`);

    const joined = await api<{ token: string }>(openServer.url, `/api/sessions/${id}/join`, {
      body: { invite: stored.facilitator!.split('#invite=')[1], displayName: 'Check' },
    });
    const client = await connect(openServer.url, { sessionId: id, token: joined.body.token });
    try {
      expect(client.view!.settings).toMatchObject({ queueRule: 'first-time-speakers-first', turnSeconds: 60, qaPremoderation: false });
      expect(client.view!.agenda.map((i) => [i.title, i.minutes])).toEqual([['Welcome', 10]]);
    } finally {
      client.close();
    }

    // The console's Session panels, by keyboard too: to the tabs, End picks the last one (Session).
    await tabTo(page, 'tab', 'Floor and queue');
    await page.keyboard.press('End');
    await expect.poll(() => page.getByRole('tab', { name: 'Session', exact: true }).getAttribute('aria-selected')).toBe('true');
    await tabTo(page, 'button', 'End the town hall…');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate('document.activeElement?.textContent')).toBe('Go back');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('End the town hall now');
    await page.keyboard.press('Space');
    await waitForText(page, '[data-testid="session-ended"]', 'The town hall has ended.');
    await expect.poll(() => page.evaluate('document.activeElement?.dataset.testid')).toBe('session-ended');
    expect(p.errors).toEqual([]);
  });

  test('"Remember on this device" keeps the operator token for this tab only, and unticking it forgets it', async () => {
    const p = await person();
    const start = async (page: Page, name: string) => {
      await page.getByLabel('Title', { exact: true }).fill(name);
      await page.getByLabel('The question').fill('What should change?');
      await page.getByRole('button', { name: 'Start the town hall' }).click();
      await waitForText(page, '[data-testid="setup-ready"]', 'Your town hall is ready.');
    };
    await p.page.goto(`${server.url}/new`);
    await p.page.getByLabel('Operator token').fill(ADMIN);
    await p.page.getByLabel('Remember on this device').check();
    await start(p.page, 'Remembered once');
    expect(await p.page.evaluate('JSON.stringify(Object.entries(localStorage))')).not.toContain(ADMIN);
    expect(await p.page.evaluate(`sessionStorage.getItem('townhall.operatorToken')`)).toBe(ADMIN);

    // The same tab, later: filled in and ticked.
    await p.page.goto(`${server.url}/new`);
    expect(await p.page.getByLabel('Operator token').inputValue()).toBe(ADMIN);
    expect(await p.page.getByLabel('Remember on this device').isChecked()).toBe(true);
    // Another tab of the same browser does not have it.
    const other = await p.context.newPage();
    await other.goto(`${server.url}/new`);
    expect(await other.getByLabel('Operator token').inputValue()).toBe('');
    expect(await other.getByLabel('Remember on this device').isChecked()).toBe(false);
    await other.close();

    await p.page.getByLabel('Remember on this device').uncheck();
    await start(p.page, 'Not remembered');
    expect(await allStorage(p.page)).not.toContain(ADMIN);
  });

  test('in German: the setup page and the links, with the same checks', async () => {
    const p = await newPerson(browser, { locale: 'de-DE' });
    people.push(p);
    await p.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: openServer.url });
    await p.page.goto(`${openServer.url}/new`);
    await waitForText(p.page, 'h1', 'Eine Versammlung starten');
    await p.page.getByRole('button', { name: 'Versammlung starten' }).click();
    await expect.poll(() => p.page.getByLabel('Titel', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await textAfter(p.page.getByLabel('Titel', { exact: true }))).toBe('Bitte geben Sie der Versammlung einen Titel (höchstens 200 Zeichen).');
    await p.page.getByLabel('Titel', { exact: true }).fill('Bürgerrat Mobilität');
    await p.page.getByLabel('Die Frage').fill('Wie kommen wir 2030 durch die Stadt?');
    await p.page.getByRole('button', { name: 'Versammlung starten' }).click();
    await waitForText(p.page, '[data-testid="setup-ready"]', 'Ihre Versammlung ist bereit.');
    await p.page.getByRole('button', { name: 'Kopieren: Link für Bürger:innen' }).click();
    await waitForText(p.page, '[data-testid="invite-citizen"] [role="status"]', 'Kopiert');
    await p.page.getByRole('button', { name: 'QR-Code zeigen: Link für Bürger:innen' }).click();
    await expect.poll(() => p.page.getByRole('img', { name: 'QR-Code des Links für Bürger:innen' }).count()).toBe(1);
    await both(p.page, 'setup-invites-de');
  });

  test('over plain http at a network address (no Clipboard API there), Copy still copies, through the selected link', async () => {
    // A laptop serving a room over the local network: an http address that is not localhost is not a secure context.
    const lanBrowser = await launchBrowserWith(['--host-resolver-rules=MAP townhall.lan 127.0.0.1']);
    try {
      const p = await newPerson(lanBrowser);
      const origin = openServer.url.replace('127.0.0.1', 'townhall.lan');
      await p.page.goto(`${origin}/new`);
      expect(await p.page.evaluate('[window.isSecureContext, typeof navigator.clipboard]')).toEqual([false, 'undefined']);
      await p.page.getByLabel('Title', { exact: true }).fill('Library opening hours');
      await p.page.getByLabel('The question').fill('Should the library open on Sundays?');
      await p.page.getByRole('button', { name: 'Start the town hall' }).click();
      await waitForText(p.page, '[data-testid="setup-ready"]', 'Your town hall is ready.');
      const link = await p.page.locator('[data-testid="invite-citizen"] input').inputValue();
      expect(link).toMatch(new RegExp(`^${origin}/join/s_[A-Za-z0-9_-]+#invite=inv_`));
      await p.page.getByRole('button', { name: 'Copy the citizen link' }).click();
      await waitForText(p.page, '[data-testid="invite-citizen"] [role="status"]', 'Copied');
      // Read the clipboard back the way a person would: paste it somewhere.
      await p.page.evaluate(`document.body.append(Object.assign(document.createElement('textarea'), { id: 'paste-here' }))`);
      await p.page.locator('#paste-here').focus();
      await p.page.keyboard.press('ControlOrMeta+V');
      expect(await p.page.locator('#paste-here').inputValue()).toBe(link);
      // Chromium notes that Helmet's Cross-Origin-Opener-Policy needs https; nothing else may be logged.
      expect(p.errors.filter((e) => !/Cross-Origin-Opener-Policy header has been ignored/.test(e))).toEqual([]);
    } finally {
      await lanBrowser.close();
    }
  });

  test('no page errors and no CSP violations, beyond the refusals provoked on purpose', () => {
    for (const p of people) expect(p.errors.filter((e) => !EXPECTED_REFUSAL.test(e))).toEqual([]);
  });
});
