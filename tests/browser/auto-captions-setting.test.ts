import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect, createSession, join } from '../helpers/clients.js';
import { AUDIO_ON, startServer, type RunningServer } from '../helpers/server.js';
import { ensureClientBuilt, expectNoAxeViolations, joinByInvite, launchBrowser, newPerson, openConsoleTab, screenshotOf } from '../helpers/browser.js';

/*
 * The automatic-captions setting in the console, on a server with a recogniser and on
 * one without: switched on by keyboard, saved, and in force for everyone.
 */

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const LABEL = 'Automatic captions of the person speaking';

let withEngine: RunningServer;
let without: RunningServer;
let browser: Browser;

beforeAll(async () => {
  await ensureClientBuilt();
  [withEngine, without] = await Promise.all([startServer({ env: AUDIO_ON }), startServer()]);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([withEngine?.stop(), without?.stop()]);
});

async function consoleOn(server: RunningServer) {
  const session = await createSession(server.url);
  const person = await newPerson(browser);
  const page = person.page;
  await page.setViewportSize(DESKTOP);
  await joinByInvite(page, { inviteUrl: session.invites.facilitator.url, serverUrl: server.url, name: 'Facilitator', role: 'facilitator' });
  await openConsoleTab(page, 'Session');
  return { session, page, person };
}

describe('the automatic-captions setting', () => {
  test('where the server has a recogniser: switched on by keyboard and saved, in force for everyone', async () => {
    const { session, page, person } = await consoleOn(withEngine);
    const panel = page.locator('[data-testid="session-settings"]');
    const box = panel.getByLabel(LABEL);
    expect(await box.isChecked()).toBe(false);
    await expect.poll(async () => (await panel.textContent()) ?? '').toContain('A computer writes down what the speaker says, in English only.');
    await box.focus();
    await page.keyboard.press('Space');
    expect(await box.isChecked()).toBe(true);
    await panel.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(async () => (await page.locator('[data-testid="settings-status"]').textContent()) ?? '').not.toBe('');
    const citizen = await connect(withEngine.url, await join(withEngine.url, session, 'citizen', 'Citizen'));
    await expect.poll(() => citizen.view?.settings.automaticCaptions).toBe(true);
    citizen.close();
    await expectNoAxeViolations(page);
    // From the top, so the sticky live strip is not drawn over the group in the full-page shot.
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshotOf(page, ['[data-testid="session-settings"] .setup-group:nth-of-type(2)'], 'auto-captions-setting-1280');
    expect(person.errors).toEqual([]);
    await person.context.close();
  }, 60_000);

  test('where it has none: the console says so, and the setting can still be set ahead', async () => {
    const { page, person } = await consoleOn(without);
    const panel = page.locator('[data-testid="session-settings"]');
    await expect
      .poll(async () => (await panel.textContent()) ?? '')
      .toContain('Automatic captions are not available on this server. You can switch them on now; they start where the server can write them.');
    await expectNoAxeViolations(page);
    await page.setViewportSize(PHONE);
    await expectNoAxeViolations(page);
    await screenshotOf(page, ['[data-testid="session-settings"] .setup-group:nth-of-type(2)'], 'auto-captions-unavailable-390');
    await person.context.close();
  }, 60_000);
});
