import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSession, type CreatedSession } from '../helpers/clients.js';
import { assembly } from '../helpers/fixtures.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { ensureClientBuilt, expectNoAxeViolations, joinByInvite, launchBrowser, newPerson, openConsoleTab, screenshot, textOf, waitForText } from '../helpers/browser.js';

/**
 * Drafting, agreement rounds and breakout rooms through the browser client: a
 * facilitator and two citizens, each in their own browser profile, against a real
 * server (the Yjs endpoint with the stock y-websocket provider and y-codemirror.next).
 */
describe('browser client: drafting, agreement rounds, breakouts', () => {
  let server: RunningServer;
  let browser: Browser;
  let session: CreatedSession;
  type Person = { name: string; context: BrowserContext; page: Page; errors: string[] };
  let fac: Person, c1: Person, c2: Person;
  const names = { fac: assembly.facilitators[0]!, c1: assembly.citizens[2]!, c2: assembly.citizens[3]! };

  const firstRec = (page: Page) => page.locator('[data-testid="recommendation"]').first();
  const field = (page: Page, f: 'title' | 'body' | 'rationale') => firstRec(page).locator(`[data-testid$="-${f}"]`);

  const join = (person: Person, role: 'facilitator' | 'citizen') =>
    joinByInvite(person.page, { inviteUrl: session.invites[role].url, serverUrl: server.url, name: person.name, role });

  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer();
    browser = await launchBrowser();
    session = await createSession(server.url);
    const person = async (name: string): Promise<Person> => ({ name, ...(await newPerson(browser)) });
    [fac, c1, c2] = await Promise.all([person(names.fac), person(names.c1), person(names.c2)]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a facilitator and two citizens join', async () => {
    await Promise.all([join(fac, 'facilitator'), join(c1, 'citizen'), join(c2, 'citizen')]);
    await openConsoleTab(fac.page, 'Drafting and votes');
  });

  test('two citizens write the same recommendation, each sees the other’s text and cursor', async () => {
    await c1.page.getByRole('button', { name: 'Add recommendation' }).click();
    // The new recommendation's title takes focus.
    await expect.poll(() => c1.page.evaluate('document.activeElement?.getAttribute("data-testid") ?? ""')).toMatch(/^rec-.*-title$/);
    await c1.page.keyboard.type('Protected cycle lanes');
    await waitForText(c2.page, '[data-testid="recommendation"] [data-testid$="-title"]', 'Protected cycle lanes');

    await field(c2.page, 'body').click();
    await c2.page.keyboard.type('Build protected cycle lanes on the three radial roads.');
    await waitForText(c1.page, '[data-testid="recommendation"] [data-testid$="-body"]', 'Build protected cycle lanes on the three radial roads.');
    await field(c1.page, 'rationale').click();
    await c1.page.keyboard.type('Most injuries happen there.');
    await waitForText(c2.page, '[data-testid="recommendation"] [data-testid$="-rationale"]', 'Most injuries happen there.');
    await waitForText(fac.page, '[data-testid="recommendation"] [data-testid$="-rationale"]', 'Most injuries happen there.');
    // Remote cursors carry the other person's display name, beside the text: a screen reader reads the field's words only.
    await waitForText(c1.page, '.cm-remoteCaretLabel', names.c2);
    expect(await c1.page.locator('.cm-remoteCarets').first().getAttribute('aria-hidden')).toBe('true');
    expect(await field(c1.page, 'rationale').textContent()).toBe('Most injuries happen there.');
    // Wherever the name is drawn in the recommendation, it is hidden from assistive technology.
    const exposed = await firstRec(c1.page).evaluate((li, name) => {
      const leaves = [...li.querySelectorAll('*')].filter((el) => el.children.length === 0 && (el.textContent ?? '').includes(name));
      return leaves.filter((el) => !el.closest('[aria-hidden="true"]')).length;
    }, names.c2);
    expect(exposed).toBe(0);
    expect(await field(c1.page, 'title').getAttribute('aria-readonly')).toBe('false');
    await expectNoAxeViolations(c1.page);
    await screenshot(c1.page, 'drafting-view');
  });

  test('texts under vote are frozen with the reason shown; the facilitator withdraws one and cancels the round', async () => {
    // A second text, so that one can be withdrawn.
    await c2.page.getByRole('button', { name: 'Add recommendation' }).click();
    await c2.page.keyboard.type('Second idea');
    await waitForText(fac.page, '[data-testid="drafting"]', 'Second idea');
    // The picker: the complete text starts picked, the half-written one is flagged and does not.
    const picker = fac.page.locator('[data-testid="round-picker"]');
    await waitForText(fac.page, '[data-testid="round-picker"]', /Second idea\s*Title or recommendation empty/);
    expect(await picker.getByLabel('Protected cycle lanes').isChecked()).toBe(true);
    expect(await picker.getByLabel('Second idea').isChecked()).toBe(false);
    await picker.getByLabel('Second idea').check();
    await fac.page.getByLabel('Close the round').selectOption({ label: 'after 10 minutes' });
    await fac.page.getByRole('button', { name: 'Put to the vote' }).click();
    // Picking a half-written text asks first.
    await waitForText(fac.page, '[data-testid="round-open-confirm"]', '1 text you picked is not finished (Second idea)');
    await expectNoAxeViolations(fac.page);
    await screenshot(fac.page, 'round-picker');
    await fac.page.getByRole('button', { name: 'Yes, put them to the vote' }).click();
    await waitForText(c1.page, '[data-testid="round-status"]', 'A round is open: 2 recommendations are put to the vote.');
    await waitForText(c1.page, '[data-testid="round-countdown"]', /Closes in (10:00|9:\d\d)/);

    // Frozen, with the reason, before anyone types.
    await waitForText(c1.page, '[data-testid="under-vote-badge"]', 'Under vote');
    expect(await textOf(c1.page, '[data-testid="frozen-hint"]')).toContain('Frozen while the round is open');
    expect(await field(c1.page, 'body').getAttribute('aria-readonly')).toBe('true');
    expect(await field(c1.page, 'body').getAttribute('aria-describedby')).toMatch(/-frozen$/);
    // The rating form carries the exact words being rated.
    const rated = await textOf(c1.page, '[data-testid="rating-form"] [data-testid="rated-text"]');
    expect(rated).toContain('Protected cycle lanes');
    expect(rated).toContain('Build protected cycle lanes on the three radial roads.');
    expect(rated).toContain('Most injuries happen there.');
    await expectNoAxeViolations(c1.page);
    await screenshot(c1.page, 'round-frozen');
    await c1.page.setViewportSize({ width: 390, height: 844 });
    await c1.page.locator('[data-testid="rating-form"]').first().scrollIntoViewIfNeeded();
    await expectNoAxeViolations(c1.page);
    await screenshot(c1.page, 'round-frozen-phone');
    await c1.page.setViewportSize({ width: 1280, height: 900 });

    await fac.page.getByRole('button', { name: 'Withdraw Second idea' }).click();
    await waitForText(fac.page, '[data-testid="withdrawn-badge"]', 'Withdrawn: back in drafting');
    await waitForText(c1.page, '[data-testid="round-status"]', 'A round is open: 1 recommendation is put to the vote.');
    // The last text cannot be withdrawn: that is what cancelling is for.
    expect(await fac.page.getByRole('button', { name: 'Withdraw Protected cycle lanes' }).isDisabled()).toBe(true);
    await expect.poll(() => c1.page.locator('[data-testid="recommendation"]').nth(1).locator('[data-testid$="-title"]').getAttribute('aria-readonly')).toBe('false');
    await expectNoAxeViolations(fac.page);
    await screenshot(fac.page, 'round-controls');

    await fac.page.getByRole('button', { name: 'Cancel round…' }).click();
    await waitForText(fac.page, '[data-testid="round-cancel-confirm"]', 'Its ratings will decide nothing');
    await fac.page.getByRole('button', { name: 'Yes, cancel the round' }).click();
    await waitForText(c1.page, '[data-testid="round-status"]', 'The last round was cancelled: it decided nothing.');
    await expect.poll(() => field(c1.page, 'body').getAttribute('aria-readonly')).toBe('false');
    expect(await c1.page.locator('[data-testid="under-vote-badge"]').count()).toBe(0);
  });

  test('a round: the facilitator puts it to the vote, citizens rate, results and the agreed text is locked', async () => {
    // By default only the complete text is picked, and no confirmation is needed.
    await fac.page.getByLabel('Close the round').selectOption({ label: 'when I close it' });
    await fac.page.getByRole('button', { name: 'Put to the vote' }).click();
    for (const c of [c1, c2]) {
      await waitForText(c.page, '[data-testid="round-status"]', 'A round is open: 1 recommendation is put to the vote.');
      const form = c.page.locator('[data-testid="rating-form"]').first();
      await form.getByLabel('I fully support this.').check();
      if (c === c2) await form.getByLabel('Reason (optional)').fill('Long overdue.');
      await form.getByRole('button', { name: 'Submit rating' }).click();
      await waitForText(c.page, '[data-testid="my-rating"]', 'Your current rating: I fully support this.');
    }
    await expectNoAxeViolations(c2.page);
    await screenshot(c2.page, 'rating-form');
    await waitForText(fac.page, '[data-testid="results-live"]', '100% support, 2 ratings');
    expect(await textOf(fac.page, '[data-testid="results-live"]')).toContain('Agreed');

    await fac.page.getByRole('button', { name: 'Close round' }).click();
    await waitForText(c1.page, '[data-testid="results"]', /Protected cycle lanes\s*Agreed\s*100% support, 2 ratings/);
    await waitForText(c1.page, '[data-testid="agreed-badge"]', /^Agreed · [0-9a-f]{12}$/);
    expect(await field(c1.page, 'body').getAttribute('aria-readonly')).toBe('true');
    expect(await field(c1.page, 'body').getAttribute('contenteditable')).toBe('false');
    // Typing into the agreed text does nothing.
    await field(c1.page, 'body').click();
    await c1.page.keyboard.type('XYZ');
    // The editor's text is exactly the agreed text (no cursor or name inside it), and no cursor is drawn on a locked text.
    expect(await field(c1.page, 'body').textContent()).toBe('Build protected cycle lanes on the three radial roads.');
    expect(await firstRec(c1.page).locator('.cm-remoteCaret').count()).toBe(0);
    // The fields are named plainly, badges and hashes aside; the group says which recommendation they belong to.
    expect(await firstRec(c1.page).getByRole('textbox', { name: 'Title', exact: true }).count()).toBe(1);
    expect(await firstRec(c1.page).getByRole('group', { name: 'Recommendation 1', exact: true }).count()).toBe(1);

    // The facilitator sums up what the room decided; everyone sees it with the results.
    await fac.page.getByLabel(/Sum up what the room decided/).fill('The room backs protected cycle lanes on the radial roads.');
    await fac.page.getByRole('button', { name: 'Publish the statement' }).click();
    await waitForText(c1.page, '[data-testid="round-statement"]', 'The room backs protected cycle lanes on the radial roads.');
    expect(await c1.page.getByLabel(/Sum up what the room decided/).count()).toBe(0);
    await expectNoAxeViolations(c1.page);
    await screenshot(c1.page, 'drafting-agreed');
  });

  test('breakouts: create and shuffle move the citizens live into their own documents; recall brings them back', async () => {
    await openConsoleTab(fac.page, 'People');
    await fac.page.getByLabel('Number of rooms').fill('2');
    await fac.page.getByRole('button', { name: 'Create breakout rooms' }).click();
    await waitForText(fac.page, '[data-testid="room-list"]', 'Room 2');
    await fac.page.getByRole('button', { name: 'Shuffle citizens into rooms' }).click();
    const rooms: string[] = [];
    for (const c of [c1, c2]) {
      await waitForText(c.page, '[data-testid="my-room"]', /You are in the breakout room “Room [12]”/);
      const room = /Room [12]/.exec(await textOf(c.page, '[data-testid="my-room"]'))![0];
      rooms.push(room);
      await waitForText(c.page, '#drafting-heading', `Recommendations: ${room}`);
      await waitForText(c.page, '[data-testid="drafting"]', 'No recommendations yet.');
    }
    expect(new Set(rooms).size).toBe(2);
    // Writing in a breakout room's document works.
    await c1.page.getByRole('button', { name: 'Add recommendation' }).click();
    await c1.page.keyboard.type('Breakout idea');
    await openConsoleTab(fac.page, 'Drafting and votes');
    await fac.page.locator('[data-testid="drafting-room"]').selectOption({ label: rooms[0]! });
    await waitForText(fac.page, '[data-testid="recommendation"] [data-testid$="-title"]', 'Breakout idea');
    await screenshot(c1.page, 'drafting-breakout');
    // One click brings the room's text into the plenary document, marked with its origin.
    await fac.page.getByRole('button', { name: `Bring the recommendations of ${rooms[0]} to the plenary` }).click();
    await fac.page.locator('[data-testid="drafting-room"]').selectOption({ label: 'Plenary' });
    await waitForText(fac.page, '[data-testid="origin-badge"]', `From ${rooms[0]}`);
    await waitForText(fac.page, '[data-testid="drafting"]', 'Breakout idea');
    await expectNoAxeViolations(fac.page);

    await openConsoleTab(fac.page, 'People');
    await fac.page.getByRole('button', { name: 'Recall everyone to the plenary' }).click();
    for (const c of [c1, c2]) {
      await waitForText(c.page, '[data-testid="my-room"]', 'You are in the plenary.');
      await waitForText(c.page, '#drafting-heading', 'Recommendations: Plenary');
      await waitForText(c.page, '[data-testid="agreed-badge"]', /^Agreed · /);
    }
  });

  test('a comment on selected words stays on them as the text changes; a proposed change shows as a difference and the facilitator accepts it', async () => {
    const rec = (page: Page) => page.locator('[data-testid="recommendation"]', { hasText: 'Breakout idea' }).last();
    const title = (page: Page) => rec(page).locator('[data-testid$="-title"]');
    await waitForText(c1.page, '[data-testid="drafting"]', 'Breakout idea');
    // Select "idea" by keyboard, then comment on it.
    await title(c1.page).click();
    await c1.page.keyboard.press('End');
    for (let i = 0; i < 4; i++) await c1.page.keyboard.press('Shift+ArrowLeft');
    await rec(c1.page).getByRole('button', { name: 'Comment on the selected words' }).click();
    await waitForText(c1.page, '[data-testid="comment-quote"]', 'idea');
    await rec(c1.page).getByLabel('Comment', { exact: true }).fill('Which idea exactly?');
    await rec(c1.page).getByRole('button', { name: 'Add comment' }).click();
    await expect.poll(() => rec(c1.page).locator('[data-testid="notes-status"]').textContent()).toContain('Your comment was added.');
    await expect.poll(async () => (await rec(c2.page).locator('[data-testid="comment"]').allTextContents()).join('|')).toMatch(/“?idea”?\s*Which idea exactly\?/);

    // Another citizen writes before the commented words: the comment stays on "idea".
    await title(c2.page).click();
    await c2.page.keyboard.press('Home');
    await c2.page.keyboard.type('Our ');
    await expect.poll(() => title(c1.page).textContent()).toBe('Our Breakout idea');
    expect(await rec(c1.page).locator('[data-testid="comment"] q').textContent()).toBe('idea');

    // A proposed new text for the recommendation, shown to the others as a difference.
    await rec(c2.page).getByRole('button', { name: 'Propose a change to “Our Breakout idea”' }).click();
    expect(await rec(c2.page).getByLabel('Part to change').inputValue()).toBe('body');
    await rec(c2.page).getByLabel('Proposed Recommendation').fill('Run a pilot in one district.');
    await rec(c2.page).getByLabel('Why (optional)').fill('Start small.');
    await rec(c2.page).getByRole('button', { name: 'Propose this change' }).click();
    await expect.poll(() => rec(c1.page).locator('[data-testid="amendment-diff"] ins').allTextContents()).toEqual(['added: Run a pilot in one district.']);
    await expectNoAxeViolations(c1.page);
    await screenshot(c1.page, 'drafting-notes');
    await c1.page.setViewportSize({ width: 390, height: 844 });
    await rec(c1.page).locator('[data-testid="amendments"]').scrollIntoViewIfNeeded();
    await expectNoAxeViolations(c1.page);
    await screenshot(c1.page, 'drafting-notes-phone');
    await c1.page.setViewportSize({ width: 1280, height: 900 });

    // The facilitator accepts it; the server applies it for everyone.
    await openConsoleTab(fac.page, 'Drafting and votes');
    await rec(fac.page).getByRole('button', { name: 'Accept the new Recommendation' }).click();
    await expect.poll(() => rec(c1.page).locator('[data-testid$="-body"]').textContent()).toBe('Run a pilot in one district.');
    await expect.poll(() => rec(c1.page).locator('[data-testid="amendment"]').count()).toBe(0);
    await expectNoAxeViolations(fac.page);
  });

  test('no page errors and no CSP violations in any browser', () => {
    for (const p of [fac, c1, c2]) expect(p.errors, p.name).toEqual([]);
  });
});
