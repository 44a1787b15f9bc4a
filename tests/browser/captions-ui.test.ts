import { describe, expect, test } from 'vitest';
import { PLENARY } from '../../shared/src/index.js';
import { connect, createSession, join } from '../helpers/clients.js';
import { ok } from '../helpers/expect.js';
import { serverAndBrowser } from '../helpers/browserSuite.js';
import { expectNoAxeViolations, newPerson, openAsParticipant, openConsoleTab, screenshot, textOf, waitForText } from '../helpers/browser.js';

/**
 * A deaf citizen follows a turn through live captions on a phone: the line being typed,
 * then the committed line under the speaker's name; the region can be hidden and made
 * taller or shorter, and remembers it; the screen reader region is polite. The
 * facilitator makes someone the captioner from the People tab with the keyboard.
 */
describe('browser client: live captions', () => {
  const suite = serverAndBrowser({ timeout: 180_000 });

  test('a deaf citizen follows a turn through captions at 390×844, in English and German', async () => {
    const session = await createSession(suite.server.url);
    const fac = await join(suite.server.url, session, 'facilitator', 'Mariam Haddad');
    const speaker = await join(suite.server.url, session, 'citizen', 'Jonas Müller');
    const cap = await join(suite.server.url, session, 'observer', 'Kim Captioner');
    const deaf = await join(suite.server.url, session, 'citizen', 'Aoife Ní Bhriain');
    const german = await join(suite.server.url, session, 'citizen', 'Zoë Lefèvre');
    const facApi = await connect(suite.server.url, fac);
    const speakerApi = await connect(suite.server.url, speaker);

    // The facilitator makes Kim the captioner, from the People tab, with the keyboard only.
    const facPerson = await newPerson(suite.browser);
    await openAsParticipant(facPerson.page, suite.server.url, { ...fac, role: 'facilitator' });
    await openConsoleTab(facPerson.page, 'People');
    const assign = facPerson.page.getByRole('button', { name: 'Make captioner: Kim Captioner' });
    await assign.focus();
    await facPerson.page.keyboard.press('Enter');
    await expect.poll(() => facPerson.page.locator(`[data-participant-id="${cap.participantId}"] .captioner-badge`).count()).toBe(1);
    await expect(facPerson.page.getByRole('button', { name: 'Stop captioning: Kim Captioner' }).count()).resolves.toBe(1);
    await screenshot(facPerson.page, 'captions-console-people-1280');
    await expectNoAxeViolations(facPerson.page);

    const citizen = await newPerson(suite.browser);
    await citizen.page.setViewportSize({ width: 390, height: 844 });
    await openAsParticipant(citizen.page, suite.server.url, { ...deaf, role: 'citizen' });
    const captioner = await newPerson(suite.browser);
    await captioner.page.setViewportSize({ width: 390, height: 844 });
    await openAsParticipant(captioner.page, suite.server.url, { ...cap, role: 'observer' });

    // Who renders the words is shown to the room.
    await waitForText(citizen.page, '[data-testid="caption-region"] .captions-by', 'Kim Captioner');
    ok(await speakerApi.send('queue.raise', {}));
    ok(await facApi.send('floor.give', { roomId: PLENARY, participantId: speaker.participantId }));

    // The live line, as it is typed.
    const input = captioner.page.getByLabel('Your caption line');
    await input.fill('We could close the bridge');
    await waitForText(citizen.page, '[data-testid="caption-live"]', 'We could close the bridge');
    await screenshot(citizen.page, 'captions-citizen-live-390');

    // Enter commits it: the line appears under the speaker's name, and the live line goes.
    await input.fill('We could close the bridge to cars on Sundays.');
    await input.press('Enter');
    await waitForText(citizen.page, '[data-testid="caption-line"]', 'Jonas Müller: We could close the bridge to cars on Sundays.');
    await expect.poll(() => citizen.page.locator('[data-testid="caption-live"]').count()).toBe(0);
    await expect.poll(() => input.inputValue()).toBe('');

    // The screen reader hears committed lines in a polite region, never an assertive one.
    const announcer = citizen.page.locator('[data-testid="caption-announcer"]');
    expect(await announcer.getAttribute('aria-live')).toBe('polite');
    await waitForText(citizen.page, '[data-testid="caption-announcer"]', 'We could close the bridge to cars on Sundays.');
    expect(await citizen.page.locator('[data-testid="caption-region"] [aria-live="assertive"]').count()).toBe(0);
    await screenshot(citizen.page, 'captions-citizen-committed-390');
    await expectNoAxeViolations(citizen.page);
    await screenshot(captioner.page, 'captions-captioner-390');
    await expectNoAxeViolations(captioner.page);

    // Shorter, then hidden; both remembered on this device.
    const lines = citizen.page.locator('[data-testid="caption-lines"]');
    const tall = (await lines.boundingBox())!.height;
    await citizen.page.getByLabel('Height').selectOption('2');
    await expect.poll(async () => (await lines.boundingBox())!.height).toBeLessThan(tall);
    await citizen.page.getByRole('button', { name: 'Hide captions' }).click();
    await expect.poll(() => lines.isVisible()).toBe(false);
    await citizen.page.reload();
    await waitForText(citizen.page, '[data-testid="who"]', 'Aoife Ní Bhriain');
    const show = citizen.page.getByRole('button', { name: 'Show captions' });
    expect(await show.getAttribute('aria-expanded')).toBe('false');
    await show.click();
    await expect.poll(() => citizen.page.getByLabel('Height').inputValue()).toBe('2');
    await screenshot(citizen.page, 'captions-citizen-two-lines-390');

    // The captioner corrects the line; the room sees the new text, marked, with the original at hand.
    await captioner.page.getByRole('button', { name: /^Correct the line/ }).click();
    await captioner.page.getByLabel('Corrected line').fill('We could close the bridge to cars at weekends.');
    await captioner.page.getByRole('button', { name: 'Save correction' }).click();
    await waitForText(citizen.page, '[data-testid="caption-line"]', 'at weekends');
    expect(await textOf(citizen.page, '[data-testid="caption-line"] .caption-corrected')).toContain('on Sundays');

    // German.
    const de = await newPerson(suite.browser, { locale: 'de-DE' });
    await de.page.setViewportSize({ width: 390, height: 844 });
    await openAsParticipant(de.page, suite.server.url, { ...german, role: 'citizen' }).catch(() => waitForText(de.page, '[data-testid="who"]', 'Zoë Lefèvre'));
    await waitForText(de.page, '[data-testid="caption-region"] h2', 'Live-Untertitel');
    await waitForText(de.page, '[data-testid="caption-line"]', 'at weekends');
    expect(await textOf(de.page, '[data-testid="caption-region"]')).toContain('korrigiert');
    await screenshot(de.page, 'captions-citizen-de-390');
    await expectNoAxeViolations(de.page);

    // The hall's screen shows the words, without anyone's controls.
    await facPerson.page.goto(`${suite.server.url}/s/${session.sessionId}/projector`);
    await waitForText(facPerson.page, '[data-testid="caption-line"]', 'Jonas Müller: We could close the bridge to cars at weekends.');
    expect(await facPerson.page.getByLabel('Allow captions when nobody has the floor').count()).toBe(0);
    await screenshot(facPerson.page, 'captions-projector-1280');

    for (const p of [facPerson, citizen, captioner, de]) expect(p.errors).toEqual([]);
    facApi.close();
    speakerApi.close();
    for (const p of [facPerson, citizen, captioner, de]) await p.context.close();
  }, 120_000);
});
