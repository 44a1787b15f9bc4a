import { join as joinPath } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ControlClient } from '../../client/src/ControlClient.js';
import { PLENARY } from '../../shared/src/index.js';
import { connect, createSession, join, type CreatedSession, type Joined } from '../helpers/clients.js';
import { must, ok } from '../helpers/expect.js';
import { assembly } from '../helpers/fixtures.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import {
  artifactsDir,
  ensureClientBuilt,
  expectNoAxeViolations,
  joinByInvite,
  launchBrowser,
  newPerson,
  openConsoleTab,
  screenshot,
  screenshotOf,
  textOf,
  waitForText,
} from '../helpers/browser.js';

/**
 * Q&A moderation for a crowd's questions (issue 13): 45 questions from twelve citizens
 * over the control channel with pre-moderation on, some approved and upvoted; the
 * facilitator in Chromium sorts, searches, filters by status, approves 40 at once, hides
 * three, puts one live, and does it again by keyboard alone; a citizen in Chromium sorts
 * and searches too, and sees its own question marked and not offered for an upvote.
 * Axe and screenshots at 1280 wide and on a 390×844 phone.
 */

const SUBJECTS = [
  'delivery vans',
  'the night bus',
  'the cycle lane on Müllerweg',
  'parking for carers',
  'the school run',
  'taxis at the station',
  'café terraces on the Place de l’Église',
  'market traders',
  'residents’ parking permits',
  'ambulances and fire engines',
  'rented e-scooters',
  'the Saturday market',
  'wheelchair users',
  'tourist coaches',
  'snow clearing in winter',
];
const FORMS = ['What happens to {s} if the centre goes car-free?', 'Who pays for the changes to {s}?', 'How would {s} work during the two-year trial?'];
/** 45 distinct questions: every subject in every form, subject by subject. */
const QUESTIONS = SUBJECTS.flatMap((s) => FORMS.map((f) => f.replace('{s}', s)));
/** Approved before the facilitator arrives, with this many upvotes each: the rest (40) wait for approval. */
const UPVOTED: [index: number, upvotes: number][] = [
  [4, 2],
  [13, 7],
  [26, 4],
  [33, 1],
  [41, 0],
];

describe('browser client: moderating 45 questions', () => {
  let server: RunningServer;
  let browser: Browser;
  let session: CreatedSession;
  let fac: Page;
  let cit: Page;
  const errors: string[][] = [];
  let facControl: ControlClient;
  const askers: { joined: Joined; client: ControlClient }[] = [];
  /** Question ids by their index in QUESTIONS. */
  const ids: string[] = [];

  const list = (page: Page) => page.locator('[data-testid="questions"]');
  const shownTexts = (page: Page) => list(page).locator('li.question .question-text').allTextContents();
  const item = (page: Page, text: string) => list(page).locator('li.question', { hasText: text });
  const filterButton = (name: string) => fac.getByRole('group', { name: 'Show' }).getByRole('button', { name: new RegExp(`^${name} \\d+$`) });
  /** What the citizens are shown, over the control channel, once it has caught up with `seq`. */
  const citizensSee = async (seq: number) => {
    const watcher = askers[0]!.client;
    await watcher.caughtUp(seq);
    return new Map(watcher.room(PLENARY)!.questions.map((q) => [q.text, q.status]));
  };
  /** The session's log position now: everything the browser was told is done is at or before it. */
  const serverSeq = async () => ok(await facControl.send('state.sync', {}));
  const order = (page: Page) => page.getByLabel('Order');
  /** The Q&A panel fits the width it is given: nothing in it scrolls sideways, nothing sticks out of the viewport. */
  const fitsWidth = async (page: Page, width: number) => {
    const panel = page.locator('section.qa');
    expect(await panel.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    const box = (await panel.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(width);
  };
  /** Presses `key` until `target` has the focus: the path a keyboard user takes, without assuming how many stops lie between. */
  async function keyTo(page: Page, target: Locator, key: 'Tab' | 'Shift+Tab' = 'Tab'): Promise<void> {
    for (let i = 0; i < 80; i++) {
      if (await target.evaluate((el) => el === el.ownerDocument.activeElement)) return;
      await page.keyboard.press(key);
    }
    throw new Error(`${key} never reached ${target.toString()}`);
  }

  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer({ env: { TOWNHALL_BROADCAST_MS: '50' } });
    browser = await launchBrowser();
    session = await createSession(server.url);
    const facPerson = await newPerson(browser);
    const citPerson = await newPerson(browser);
    errors.push(facPerson.errors, citPerson.errors);
    fac = facPerson.page;
    cit = citPerson.page;
    facControl = await connect(server.url, await join(server.url, session, 'facilitator', 'Co-facilitator'));
    // Pre-moderation is on (the default): every question waits for approval.
    expect(facControl.view!.settings.qaPremoderation).toBe(true);
    for (const name of assembly.citizens.slice(0, 12)) {
      const joined = await join(server.url, session, 'citizen', name);
      askers.push({ joined, client: await connect(server.url, joined) });
    }
    for (const [i, text] of QUESTIONS.entries()) {
      const asked = await must(askers[i % 12]!.client.send('qa.ask', { text, anonymous: i % 4 === 0 }), 'ask');
      ids.push((asked.result as { questionId: string }).questionId);
    }
    ok(await facControl.send('qa.moderateMany', { questionIds: UPVOTED.map(([i]) => ids[i]!), status: 'approved' }));
    let last = 0;
    for (const [i, votes] of UPVOTED) {
      // Anyone but the asker.
      const voters = askers.filter((_, k) => k !== i % 12).slice(0, votes);
      for (const v of voters) last = ok(await v.client.send('qa.upvote', { questionId: ids[i]! }));
    }
    await facControl.caughtUp(last);
  }, 120_000);

  afterAll(async () => {
    for (const a of askers) a.client.close();
    facControl?.close();
    await browser?.close();
    await server?.stop();
  });

  test('the facilitator sees counts per status, and sorts by upvotes, by newest and by waiting longest', async () => {
    await joinByInvite(fac, { inviteUrl: session.invites.facilitator.url, serverUrl: server.url, name: assembly.facilitators[0]!, role: 'facilitator' });
    await openConsoleTab(fac, 'Questions');
    await waitForText(fac, '[data-testid="qa-pending"]', '40 questions waiting for approval');
    expect(await fac.getByRole('group', { name: 'Show' }).getByRole('button').allTextContents()).toEqual([
      'All 45',
      'Waiting 40',
      'Approved 5',
      'Live 0',
      'Answered 0',
      'Hidden 0',
    ]);
    // 30 at a time: the count says what the page holds and how many there are.
    expect(await textOf(fac, '[data-testid="qa-showing"]')).toBe('Showing 30 of 45 questions');
    expect(await list(fac).locator('li.question').count()).toBe(30);

    // Waiting longest first (the facilitator's default): what waits for approval, oldest first.
    const order = fac.getByLabel('Order');
    expect(await order.inputValue()).toBe('waiting');
    const waiting = QUESTIONS.filter((_, i) => !UPVOTED.some(([k]) => k === i));
    expect((await shownTexts(fac)).slice(0, 30)).toEqual(waiting.slice(0, 30));
    expect(await textOf(fac, '.qa-toolbar .hint')).toContain('the one that has waited longest at the top');

    await order.selectOption({ label: 'Most upvoted first' });
    expect((await shownTexts(fac)).slice(0, 4)).toEqual([QUESTIONS[13], QUESTIONS[26], QUESTIONS[4], QUESTIONS[33]]);
    expect(await textOf(fac, `li.question:has-text("${QUESTIONS[13]}") [data-testid="votes"]`)).toBe('7 upvotes');

    await order.selectOption({ label: 'Newest first' });
    expect((await shownTexts(fac)).slice(0, 3)).toEqual([QUESTIONS[44], QUESTIONS[43], QUESTIONS[42]]);
  });

  test('search narrows the list, whatever the case and the accents', async () => {
    const search = fac.getByLabel('Search questions');
    await search.fill('MULLERWEG');
    await expect.poll(() => shownTexts(fac)).toEqual([QUESTIONS[8], QUESTIONS[7], QUESTIONS[6]]);
    expect(await textOf(fac, '[data-testid="qa-showing"]')).toBe('3 questions');
    await search.fill('eglise trial');
    await expect.poll(() => shownTexts(fac)).toEqual([QUESTIONS[20]]);
    await search.fill('monorail');
    await expect.poll(() => textOf(fac, '[data-testid="qa-showing"]')).toBe('No question matches your search.');
    expect(await list(fac).count()).toBe(0);
    await search.fill('');
    await expect.poll(() => list(fac).locator('li.question').count()).toBe(30);
  });

  test('the 40 waiting, selected at once and approved with one button: the citizens see all 40', async () => {
    await filterButton('Waiting').click();
    await expect.poll(() => list(fac).locator('li.question').count()).toBe(30);
    await fac.getByLabel('Select all 40 questions in this list').check();
    const approve = fac.getByRole('button', { name: 'Approve 40', exact: true });
    expect(await approve.isEnabled()).toBe(true);
    // Hiding counts the same 40.
    expect(await fac.getByRole('button', { name: 'Hide 40', exact: true }).isEnabled()).toBe(true);
    expect(await list(fac).getByRole('checkbox', { checked: true }).count()).toBe(30);

    await expectNoAxeViolations(fac);
    await screenshotOf(fac, ['section.qa h2', '[data-testid="questions"] li.question:nth-child(6)'], 'qa-moderation-1280');
    await fac.setViewportSize({ width: 390, height: 844 });
    // On a phone the toolbar and the bulk buttons fit the width.
    await fitsWidth(fac, 390);
    for (const name of ['Approve 40', 'Hide 40']) {
      const box = (await fac.getByRole('button', { name, exact: true }).boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    await expectNoAxeViolations(fac);
    await fac.locator('.qa-toolbar').scrollIntoViewIfNeeded();
    await fac.screenshot({ path: joinPath(artifactsDir, 'qa-moderation-phone.png') });
    await fac.setViewportSize({ width: 1280, height: 900 });

    await approve.click();
    await waitForText(fac, '[data-testid="qa-bulk-done"]', '40 questions approved.');
    await expect.poll(() => filterButton('Waiting').textContent()).toBe('Waiting 0');
    expect(await textOf(fac, '[data-testid="qa-showing"]')).toBe('No questions here.');
    expect(await fac.locator('[data-testid="qa-pending"]').count()).toBe(0);
    const seen = await citizensSee(await serverSeq());
    expect(QUESTIONS.map((q) => seen.get(q))).toEqual(QUESTIONS.map(() => 'approved'));
  });

  test('three selected and hidden; one put live goes to the top', async () => {
    await filterButton('Approved').click();
    const hide = [QUESTIONS[0]!, QUESTIONS[1]!, QUESTIONS[2]!];
    await fac.getByLabel('Order').selectOption({ label: 'Waiting longest first' });
    for (const text of hide) await fac.getByRole('checkbox', { name: `Select ${text}`, exact: true }).check();
    await fac.getByRole('button', { name: 'Hide 3', exact: true }).click();
    await waitForText(fac, '[data-testid="qa-bulk-done"]', '3 questions hidden.');
    await expect.poll(() => filterButton('Hidden').textContent()).toBe('Hidden 3');
    const seen = await citizensSee(await serverSeq());
    expect(hide.map((q) => seen.has(q))).toEqual([false, false, false]);
    expect(seen.size).toBe(42);

    await filterButton('All').click();
    await item(fac, QUESTIONS[26]!).getByRole('button', { name: 'Discuss now' }).click();
    await expect.poll(async () => (await shownTexts(fac))[0]).toBe(QUESTIONS[26]);
    await waitForText(fac, `li.question:has-text("${QUESTIONS[26]}")`, 'Being discussed now');
    await expect.poll(() => filterButton('Live').textContent()).toBe('Live 1');
    const after = await citizensSee(await serverSeq());
    expect(after.get(QUESTIONS[26]!)).toBe('live');
  });

  test('a citizen in the browser: Top or Newest and a search, its own question marked and not offered for an upvote', async () => {
    await joinByInvite(cit, { inviteUrl: session.invites.citizen.url, serverUrl: server.url, name: 'Ingrid Svensson', role: 'citizen' });
    const mine = 'Could the trial start during the school holidays?';
    await cit.getByLabel('Your question').fill(mine);
    await cit.getByRole('button', { name: 'Ask', exact: true }).click();
    await waitForText(cit, '[data-testid="my-questions"]', `${mine} Waiting for approval`);
    // No moderation for citizens: no status filter, no boxes to tick, two orders.
    expect(await cit.getByRole('group', { name: 'Show' }).count()).toBe(0);
    expect(await list(cit).getByRole('checkbox').count()).toBe(0);
    const order = cit.getByLabel('Order');
    expect(await order.locator('option').allTextContents()).toEqual(['Most upvoted first', 'Newest first']);
    // Most upvoted first, the question being discussed before all.
    expect((await shownTexts(cit)).slice(0, 3)).toEqual([QUESTIONS[26], QUESTIONS[13], QUESTIONS[4]]);
    await order.selectOption({ label: 'Newest first' });
    expect((await shownTexts(cit)).slice(0, 3)).toEqual([QUESTIONS[26], QUESTIONS[44], QUESTIONS[43]]);
    await cit.getByLabel('Search questions').fill('Müllerweg WHO PAYS');
    await expect.poll(() => shownTexts(cit)).toEqual([QUESTIONS[7]]);
    await cit.getByLabel('Search questions').fill('');
    // 42 approved: 30 shown, then the rest; focus goes to the first one revealed.
    expect(await textOf(cit, '[data-testid="qa-showing"]')).toBe('Showing 30 of 42 questions');
    await cit.getByRole('button', { name: 'Show 12 more' }).click();
    expect(await list(cit).locator('li.question').count()).toBe(42);
    expect(
      await list(cit)
        .locator('li.question')
        .nth(30)
        .evaluate((el) => el === el.ownerDocument.activeElement),
    ).toBe(true);
    expect(await cit.getByRole('button', { name: /^Show \d+ more$/ }).count()).toBe(0);
  });

  test('keyboard only: tick and approve, approve one and the focus moves to the next, select all and approve', async () => {
    const mine = 'Could the trial start during the school holidays?';
    const others = [
      'Will the trial be measured against air quality?',
      'Can the trial be ended early if trade suffers?',
      'Who decides whether the trial becomes permanent?',
      'Will shops get help with deliveries during the trial?',
    ];
    for (const [k, text] of others.entries()) ok(await askers[k]!.client.send('qa.ask', { text, anonymous: false }));
    await waitForText(fac, '[data-testid="qa-pending"]', '5 questions waiting for approval');
    const focusedOn = (target: Locator) => target.evaluate((el) => el === el.ownerDocument.activeElement);

    // From the status filter onwards by keyboard alone.
    const waitingButton = filterButton('Waiting');
    await waitingButton.focus();
    await fac.keyboard.press('Enter');
    await expect.poll(() => waitingButton.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => shownTexts(fac)).toEqual([mine, ...others]);

    // Tick two, then back to the bulk button.
    for (const text of [mine, others[3]!]) {
      const box = fac.getByRole('checkbox', { name: `Select ${text}`, exact: true });
      await keyTo(fac, box);
      await fac.keyboard.press('Space');
      expect(await box.isChecked()).toBe(true);
    }
    const approveTwo = fac.getByRole('button', { name: 'Approve 2', exact: true });
    await keyTo(fac, approveTwo, 'Shift+Tab');
    await fac.keyboard.press('Enter');
    await waitForText(fac, '[data-testid="qa-bulk-done"]', '2 questions approved.');
    await expect.poll(() => shownTexts(fac)).toEqual(others.slice(0, 3));
    // The button did its work and now counts none; the focus is still there, not thrown to the top of the page.
    expect(await focusedOn(fac.getByRole('button', { name: 'Approve 0', exact: true }))).toBe(true);

    // One approved on its own leaves the list: the focus goes to the question that took its place.
    await keyTo(fac, item(fac, others[0]!).getByRole('button', { name: 'Approve', exact: true }));
    await fac.keyboard.press('Enter');
    await expect.poll(() => shownTexts(fac)).toEqual(others.slice(1, 3));
    await expect.poll(() => focusedOn(fac.getByRole('checkbox', { name: `Select ${others[1]}`, exact: true }))).toBe(true);

    // Select all, approve.
    await keyTo(fac, fac.getByLabel('Select all 2 questions in this list'), 'Shift+Tab');
    await fac.keyboard.press('Space');
    await keyTo(fac, fac.getByRole('button', { name: 'Approve 2', exact: true }));
    await fac.keyboard.press('Enter');
    await expect.poll(() => filterButton('Waiting').textContent()).toBe('Waiting 0');

    // The last one waiting approved on its own: the focus goes to the line that says the list is empty.
    const last = 'Is the trial the same on market days?';
    ok(await askers[5]!.client.send('qa.ask', { text: last, anonymous: false }));
    await expect.poll(() => shownTexts(fac)).toEqual([last]);
    await keyTo(fac, item(fac, last).getByRole('button', { name: 'Approve', exact: true }));
    await fac.keyboard.press('Enter');
    await expect.poll(() => focusedOn(fac.locator('[data-testid="qa-showing"]'))).toBe(true);
    expect(await textOf(fac, '[data-testid="qa-showing"]')).toBe('No questions here.');

    // The citizen's own question, now approved: marked as theirs, no upvote offered; others' questions are.
    await order(cit).selectOption({ label: 'Newest first' });
    await waitForText(cit, `li.question:has-text("${mine}")`, 'Your question');
    expect(await item(cit, mine).getByRole('button', { name: 'Upvote' }).count()).toBe(0);
    expect(await item(cit, others[1]!).getByRole('button', { name: 'Upvote' }).count()).toBe(1);
    expect(await item(cit, others[1]!).textContent()).not.toContain('Your question');
  });

  test('axe and screenshots with the crowd of questions: the facilitator and the citizen, at 1280 and on a phone', async () => {
    await filterButton('All').click();
    await expectNoAxeViolations(fac);
    await expectNoAxeViolations(cit);
    await screenshot(cit, 'qa-citizen-1280');
    await fac.locator('section.qa').screenshot({ path: joinPath(artifactsDir, 'qa-console-1280.png') });
    await fac.setViewportSize({ width: 390, height: 844 });
    await cit.setViewportSize({ width: 390, height: 844 });
    await fitsWidth(fac, 390);
    await fitsWidth(cit, 390);
    await expectNoAxeViolations(fac);
    await expectNoAxeViolations(cit);
    await cit.locator('.qa-toolbar').scrollIntoViewIfNeeded();
    await cit.screenshot({ path: joinPath(artifactsDir, 'qa-citizen-phone.png') });
    await fac.locator('section.qa').screenshot({ path: joinPath(artifactsDir, 'qa-console-phone.png') });
    expect(errors.flat()).toEqual([]);
  });

  test('250 waiting, more than one command takes: one click approves them all, sent in commands of at most 200', async () => {
    const created = await createSession(server.url);
    const citizens = [];
    for (let i = 0; i < 6; i++) citizens.push(await connect(server.url, await join(server.url, created, 'citizen', `Resident ${i + 1}`)));
    const asks = [];
    for (let i = 0; i < 250; i++) asks.push(citizens[i % 6]!.send('qa.ask', { text: `Crowd question ${i + 1} about the bus lanes`, anonymous: false }));
    (await Promise.all(asks)).forEach(ok);
    const second = await newPerson(browser);
    errors.push(second.errors);
    const page = second.page;
    await joinByInvite(page, { inviteUrl: created.invites.facilitator.url, serverUrl: server.url, name: 'Mariam Haddad', role: 'facilitator' });
    await openConsoleTab(page, 'Questions');
    await waitForText(page, '[data-testid="qa-pending"]', '250 questions waiting for approval');
    await page.getByRole('group', { name: 'Show' }).getByRole('button', { name: 'Waiting 250' }).click();
    await page.getByLabel('Select all 250 questions in this list').check();
    await page.getByRole('button', { name: 'Approve 250', exact: true }).click();
    await waitForText(page, '[data-testid="qa-bulk-done"]', '250 questions approved.');
    await expect
      .poll(() =>
        page
          .getByRole('group', { name: 'Show' })
          .getByRole('button', { name: /^Waiting/ })
          .textContent(),
      )
      .toBe('Waiting 0');
    const watcher = citizens[0]!;
    await watcher.caughtUp(ok(await watcher.send('state.sync', {})));
    const shown = watcher.room(PLENARY)!.questions;
    expect([shown.length, shown.every((q) => q.status === 'approved')]).toEqual([250, true]);
    for (const c of citizens) c.close();
    expect(errors.flat()).toEqual([]);
  });
});
