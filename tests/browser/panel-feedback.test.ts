import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PLENARY, roomScoped } from '../../shared/src/index.js';
import { connect, joinAndConnect } from '../helpers/clients.js';
import { must } from '../helpers/expect.js';
import { runScriptedSession, type ScriptedSession } from '../helpers/outcome.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import {
  artifactsDir,
  ensureClientBuilt,
  expectNoAxeViolations,
  launchBrowser,
  openAsParticipant,
  openConsoleTab,
  screenshotOf,
  textOf,
  waitForText,
} from '../helpers/browser.js';

/**
 * The panel answers back, in the browser (issue 14 §2): a citizen on a phone says
 * whether an official answer addresses their recommendation, sees the counts change as
 * others answer, changes their mind with the keyboard, and is told when the answer they
 * judged is replaced; a German-speaking citizen does the same in German; the facilitator
 * and the official read the counts and the reasons, without names.
 */
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

describe('browser client: the panel answers back', () => {
  let server: RunningServer;
  let browser: Browser;
  let scripted: ScriptedSession;
  let official: Awaited<ReturnType<typeof joinAndConnect>>;
  type Person = { context: BrowserContext; page: Page; errors: string[] };
  const people: Person[] = [];
  let phone: Person;

  async function person(viewport: { width: number; height: number }, locale = 'en-GB', mobile = false): Promise<Person> {
    const context = await browser.newContext({ locale, viewport, reducedMotion: 'reduce', ...(mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/net::ERR_/.test(msg.text())) errors.push(`console: ${msg.text()}`);
    });
    const p = { context, page, errors };
    people.push(p);
    return p;
  }

  const square = '[data-testid="answer-item"][data-recommendation-id="rec-square"]';
  const counts = `${square} [data-testid="answer"] > [data-testid="panel-counts"]`;
  const answerAt = () => server.townhall.registry.get(scripted.session.sessionId)!.state.responses[roomScoped(PLENARY, 'rec-square')]?.current.at;

  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer();
    browser = await launchBrowser();
    scripted = await runScriptedSession(server.url);
    // Officials come after the session has closed; one answers both agreed recommendations over the protocol.
    official = await joinAndConnect(server.url, scripted.session, 'official', 'Head of Transport Planning');
    await must(
      official.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-square', status: 'partially-accepted', reason: 'Weekends only, from spring.' }),
      'answer',
    );
    await must(official.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-lanes', status: 'under-consideration' }), 'answer');
  });

  afterAll(async () => {
    official?.client.close();
    scripted?.close();
    await browser?.close();
    await server?.stop();
  });

  test('a citizen on a phone says an answer partly addresses the recommendation, and sees it counted', async () => {
    phone = await person(PHONE, 'en-GB', true);
    const { page } = phone;
    await openAsParticipant(page, server.url, scripted.citizens[1]!);
    await waitForText(page, counts, 'No citizen has said yet whether this answer addresses the recommendation.');
    await waitForText(page, `${square} [data-testid="panel-form"]`, 'Does this answer address the recommendation?');
    await page.locator(`${square} [data-testid="panel-form"]`).scrollIntoViewIfNeeded();
    await expectNoAxeViolations(page);
    await screenshotOf(page, [square], 'panel-feedback-phone-before');

    const form = page.locator(`${square} [data-testid="panel-form"]`);
    // Send stays off until a verdict is chosen.
    expect(await form.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await form.getByRole('radio', { name: 'Partly' }).check();
    await form.getByLabel('Your reason').fill('Weekdays are when the square is busiest.');
    await form.getByRole('button', { name: 'Send' }).click();

    await waitForText(page, `${square} [data-testid="panel-said"]`, 'You said: Partly.');
    await waitForText(page, `${square} [data-testid="panel-said"]`, 'Your reason: Weekdays are when the square is busiest.');
    // The form is gone; the focus is on what was said, not lost to the page's top.
    expect(await page.evaluate('document.activeElement?.dataset.testid ?? ""')).toBe('panel-said');
    await waitForText(page, counts, 'What citizens say: 0 addressed · 1 partly · 0 not addressed');
    // Citizens see the counts, never the reasons.
    expect(await page.locator(`${square} [data-testid="panel-reasons"]`).count()).toBe(0);
    const stored = server.townhall.registry.get(scripted.session.sessionId)!.state.responses[roomScoped(PLENARY, 'rec-square')]!.current.panel;
    expect(stored[scripted.citizens[1]!.participantId]).toEqual({ verdict: 'partly', reason: 'Weekdays are when the square is busiest.' });
    await expectNoAxeViolations(page);
    await screenshotOf(page, [square], 'panel-feedback-phone-sent');
    // And the phone's screen as the citizen holds it, scrolled to what they just said.
    await page.locator(`${square} [data-testid="panel-said"]`).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifactsDir, 'panel-feedback-phone-sent-screen.png') });
  });

  test('the counts follow what other citizens say, live', async () => {
    const other = await connect(server.url, scripted.citizens[0]!);
    try {
      await must(other.send('response.assess', { roomId: PLENARY, recommendationId: 'rec-square', answeredAt: answerAt()!, verdict: 'addressed' }), 'assess');
      await waitForText(phone.page, counts, 'What citizens say: 1 addressed · 1 partly · 0 not addressed');
    } finally {
      other.close();
    }
  });

  test('changing one’s mind with the keyboard alone: it replaces the verdict, and still counts once', async () => {
    const { page } = phone;
    const said = page.locator(`${square} [data-testid="panel-said"]`);
    await said.getByRole('button', { name: 'Change' }).focus();
    await page.keyboard.press('Enter');
    const form = page.locator(`${square} [data-testid="panel-form"]`);
    // The focus goes to the verdict already given; the arrow keys move through the choices.
    await expect.poll(() => page.evaluate('document.activeElement?.value ?? ""')).toBe('partly');
    await page.keyboard.press('ArrowDown');
    expect(await form.getByRole('radio', { name: 'Not addressed' }).isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('TEXTAREA');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('Deliveries are not mentioned.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await waitForText(page, `${square} [data-testid="panel-said"]`, 'You said: Not addressed.');
    await waitForText(page, counts, 'What citizens say: 1 addressed · 0 partly · 1 not addressed');
    const panel = server.townhall.registry.get(scripted.session.sessionId)!.state.responses[roomScoped(PLENARY, 'rec-square')]!.current.panel;
    expect(Object.keys(panel)).toHaveLength(2);
    expect(panel[scripted.citizens[1]!.participantId]).toEqual({ verdict: 'not', reason: 'Deliveries are not mentioned.' });
  });

  test('a German-speaking citizen answers back in German', async () => {
    const de = await person(PHONE, 'de-DE', true);
    // As openAsParticipant does, with the "who" line in German.
    const c = scripted.citizens[2]!;
    await de.page.goto(`${server.url}/`);
    const credential = {
      sessionId: c.sessionId,
      participantId: c.participantId,
      token: c.token,
      role: c.role,
      displayName: c.displayName,
      title: '',
      joinedAt: Date.now(),
    };
    await de.page.evaluate(`localStorage.setItem(${JSON.stringify(`townhall.session.${c.sessionId}`)}, ${JSON.stringify(JSON.stringify(credential))})`);
    await de.page.goto(`${server.url}/s/${c.sessionId}`);
    await waitForText(de.page, '[data-testid="who"]', `Sie nehmen als ${c.displayName} teil (Bürger:in).`);
    const form = de.page.locator(`${square} [data-testid="panel-form"]`);
    await waitForText(de.page, `${square} [data-testid="panel-form"]`, 'Greift diese Antwort die Empfehlung auf?');
    await waitForText(de.page, counts, 'Einschätzung der Teilnehmenden: 1 aufgegriffen · 0 teilweise · 1 nicht aufgegriffen');
    await form.getByRole('radio', { name: 'Aufgegriffen', exact: true }).check();
    await form.getByRole('button', { name: 'Senden' }).click();
    await waitForText(de.page, `${square} [data-testid="panel-said"]`, 'Ihre Einschätzung: Aufgegriffen.');
    await waitForText(de.page, counts, 'Einschätzung der Teilnehmenden: 2 aufgegriffen · 0 teilweise · 1 nicht aufgegriffen');
    await expectNoAxeViolations(de.page);
    await de.page.locator(`${square}`).scrollIntoViewIfNeeded();
    await screenshotOf(de.page, [square], 'panel-feedback-phone-de');
    expect(de.errors).toEqual([]);
  });

  test('the facilitator and the official read the counts and the reasons, without names', async () => {
    const fac = await person(DESKTOP);
    await openAsParticipant(fac.page, server.url, scripted.fac);
    await openConsoleTab(fac.page, 'Outcome');
    const item = '[data-testid="panel-feedback-item"][data-recommendation-id="rec-square"]';
    await waitForText(fac.page, item, 'What citizens say: 2 addressed · 0 partly · 1 not addressed');
    await fac.page.locator(`${item} [data-testid="panel-reasons"] summary`).click();
    await waitForText(fac.page, `${item} [data-testid="panel-reasons"]`, 'Not addressed: Deliveries are not mentioned.');
    const reasons = await textOf(fac.page, `${item} [data-testid="panel-reasons"]`);
    for (const c of scripted.citizens) expect(reasons).not.toContain(c.displayName);
    // The earlier text of this citizen's reason is gone: only the latest counts.
    expect(reasons).not.toContain('Weekdays are when the square is busiest.');
    await expectNoAxeViolations(fac.page);
    await screenshotOf(fac.page, ['[data-testid="panel-feedback"]'], 'panel-feedback-facilitator');

    const off = await person(DESKTOP);
    await openAsParticipant(off.page, server.url, { ...official, role: 'official' });
    const respond = '[data-testid="respond"][data-recommendation-id="rec-square"]';
    await waitForText(off.page, respond, 'What citizens say: 2 addressed · 0 partly · 1 not addressed');
    await off.page.locator(`${respond} [data-testid="panel-reasons"] summary`).click();
    await waitForText(off.page, `${respond} [data-testid="panel-reasons"]`, 'Not addressed: Deliveries are not mentioned.');
    await expectNoAxeViolations(off.page);
    await screenshotOf(off.page, [respond], 'panel-feedback-official');
    expect([...fac.errors, ...off.errors]).toEqual([]);
  });

  test('when the officials replace the answer, the citizen is told and judges the new one afresh', async () => {
    const { page } = phone;
    const before = answerAt()!;
    await must(official.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-square', status: 'accepted', dueDate: '2027-04-01' }), 'new answer');
    await waitForText(page, `${square} [data-testid="panel-replaced"]`, 'The decision-makers have given a new answer.');
    await waitForText(page, counts, 'No citizen has said yet whether this answer addresses the recommendation.');
    expect(answerAt()).toBeGreaterThan(before);
    const form = page.locator(`${square} [data-testid="panel-form"]`);
    expect(await form.getByRole('radio', { name: 'Not addressed' }).isChecked()).toBe(false);
    await expectNoAxeViolations(page);
    await page.locator(square).scrollIntoViewIfNeeded();
    await screenshotOf(page, [square], 'panel-feedback-phone-replaced-notice');
    // The earlier answer keeps its own counts.
    await page.locator(`${square} .answer-history summary`).click();
    await waitForText(page, `${square} [data-testid="answer-history"]`, '2 addressed · 0 partly · 1 not addressed');
    await form.getByRole('radio', { name: 'Addressed', exact: true }).check();
    await form.getByRole('button', { name: 'Send' }).click();
    await waitForText(page, `${square} [data-testid="panel-said"]`, 'You said: Addressed.');
    await waitForText(page, counts, 'What citizens say: 1 addressed · 0 partly · 0 not addressed');
    await expectNoAxeViolations(page);
    await page.locator(square).scrollIntoViewIfNeeded();
    await screenshotOf(page, [square], 'panel-feedback-phone-replaced');
    expect(phone.errors).toEqual([]);
  });
});
