import { describe, expect, test } from 'vitest';
import { api, connect, createSession, join } from '../helpers/clients.js';
import { ok } from '../helpers/expect.js';
import { assembly } from '../helpers/fixtures.js';
import { serverAndBrowser } from '../helpers/browserSuite.js';
import { expectNoAxeViolations, newPerson, openAsParticipant, openConsoleTab, screenshot, waitForText } from '../helpers/browser.js';

/**
 * After a participant's personal data is erased, every view shows them as a former
 * participant: the facilitator's queue and People list (in a session of 120), and the
 * erased person's own page, in English and German. Nothing else about them changes.
 */
describe('browser client: a participant whose personal data was erased', () => {
  const suite = serverAndBrowser({ timeout: 120_000 });

  test('is shown as a former participant in the console and on their own page, which still works', async () => {
    const session = await createSession(suite.server.url);
    const fac = await join(suite.server.url, session, 'facilitator', 'Mariam Haddad');
    const erased = await join(suite.server.url, session, 'citizen', 'Wilhelmina Erasable');
    const others = await Promise.all(
      Array.from({ length: 119 }, (_, i) => join(suite.server.url, session, 'citizen', `${assembly.citizens[i % assembly.citizens.length]} ${i}`)),
    );
    const handOf = await connect(suite.server.url, erased);
    ok(await handOf.send('queue.raise', {}));
    const second = await connect(suite.server.url, others[0]!);
    ok(await second.send('queue.raise', {}));

    const facPerson = await newPerson(suite.browser);
    await openAsParticipant(facPerson.page, suite.server.url, { ...fac, role: 'facilitator' });
    const citizen = await newPerson(suite.browser, { locale: 'de-DE' });
    await citizen.page.setViewportSize({ width: 390, height: 844 });
    await openAsParticipant(citizen.page, suite.server.url, { ...erased, role: 'citizen' }).catch(async () => {
      // The German page says "Sie nehmen teil als …": wait for the name instead.
      await waitForText(citizen.page, '[data-testid="who"]', 'Wilhelmina Erasable');
    });
    await openConsoleTab(facPerson.page, 'Floor and queue');
    await expect.poll(() => facPerson.page.locator('.queue-entry').first().textContent()).toContain('Wilhelmina Erasable');

    const res = await api(suite.server.url, `/api/sessions/${session.sessionId}/erasures`, { token: fac.token, body: { participantIds: [erased.participantId] } });
    expect(res.status).toBe(200);

    // The queue keeps the hand in its place, under no name.
    await expect.poll(() => facPerson.page.locator('.queue-entry').first().textContent()).toContain('Former participant');
    expect(await facPerson.page.locator('body').textContent()).not.toContain('Wilhelmina');
    await screenshot(facPerson.page, 'erasure-console-queue-1280');
    await expectNoAxeViolations(facPerson.page);
    await openConsoleTab(facPerson.page, 'People');
    await facPerson.page.getByRole('searchbox').first().fill('Former');
    await expect.poll(() => facPerson.page.locator('main').textContent()).toContain('Former participant');
    await screenshot(facPerson.page, 'erasure-console-people-1280');
    await expectNoAxeViolations(facPerson.page);

    // Their own page, in German, says so too, and they can still lower their hand.
    await waitForText(citizen.page, '[data-testid="who"]', 'Ehemalige:r Teilnehmer:in');
    expect(await citizen.page.locator('body').textContent()).not.toContain('Wilhelmina');
    await screenshot(citizen.page, 'erasure-citizen-de-390');
    await expectNoAxeViolations(citizen.page);
    ok(await handOf.send('queue.lower', {}));
    await openConsoleTab(facPerson.page, 'Floor and queue');
    await expect.poll(() => facPerson.page.locator('.queue-entry').allTextContents()).not.toContainEqual(expect.stringContaining('Former participant'));
    expect(facPerson.errors).toEqual([]);
    expect(citizen.errors).toEqual([]);
    handOf.close();
    second.close();
    await facPerson.context.close();
    await citizen.context.close();
  });
});
