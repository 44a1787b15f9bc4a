import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSession, type CreatedSession } from '../helpers/clients.js';
import { assembly } from '../helpers/fixtures.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import {
  ensureClientBuilt,
  expectNoAxeViolations,
  joinByInvite,
  launchBrowser,
  newPerson,
  openConsoleTab,
  plain,
  screenshot,
  textOf,
  waitForText,
} from '../helpers/browser.js';

/**
 * A whole town hall, start to finish, in one continuous scenario: a facilitator and
 * three citizens, each in their own browser profile, do everything through the UI —
 * join, agenda, queue and floor, Q&A, breakouts and recall, co-drafting, an agreement
 * round, and the agreed text locked. One screenshot per stage (whole-session-*.png).
 */
describe('browser client: a whole session through the UI', () => {
  let server: RunningServer;
  let browser: Browser;
  let session: CreatedSession;
  type Person = { name: string; context: BrowserContext; page: Page; errors: string[] };
  let fac: Person, c1: Person, c2: Person, c3: Person;
  const names = { fac: assembly.facilitators[1] ?? assembly.facilitators[0]!, c1: assembly.citizens[4]!, c2: assembly.citizens[5]!, c3: assembly.citizens[7]! };
  const shot = (p: Person, stage: string) => screenshot(p.page, `whole-session-${stage}`);
  const rec = (page: Page, f: 'title' | 'body' | 'rationale') => page.locator('[data-testid="recommendation"]').first().locator(`[data-testid$="-${f}"]`);

  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer();
    browser = await launchBrowser();
    session = await createSession(server.url);
    const person = async (name: string): Promise<Person> => ({ name, ...(await newPerson(browser)) });
    [fac, c1, c2, c3] = await Promise.all([person(names.fac), person(names.c1), person(names.c2), person(names.c3)]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('join, agenda, queue, floor, Q&A, breakouts, co-drafting, a round, the agreed text locked', async () => {
    const citizens = [c1, c2, c3];

    // 1. Everyone joins from their invite link.
    await Promise.all([
      joinByInvite(fac.page, { inviteUrl: session.invites.facilitator.url, serverUrl: server.url, name: fac.name, role: 'facilitator' }),
      ...citizens.map((c) => joinByInvite(c.page, { inviteUrl: session.invites.citizen.url, serverUrl: server.url, name: c.name, role: 'citizen' })),
    ]);
    await shot(c1, 'join');

    // 2. The facilitator starts the agenda; everyone sees the first item.
    await fac.page.getByRole('button', { name: 'Start the agenda' }).click();
    for (const p of [fac, ...citizens]) await waitForText(p.page, '.agenda-now', `Now: ${assembly.agenda[0]!.title}`);
    await shot(fac, 'agenda');

    // 3. Two hands and a point of order; each citizen sees their place and why.
    await c1.page.getByRole('button', { name: 'Raise hand' }).click();
    await waitForText(c1.page, '[data-testid="my-place"]', 'You are number 1 in the queue.');
    await c2.page.getByRole('button', { name: 'Raise hand' }).click();
    await waitForText(c2.page, '[data-testid="my-place"]', 'You are number 2 in the queue.');
    await c3.page.getByRole('button', { name: 'Other requests' }).click();
    await c3.page.getByRole('button', { name: 'Point of order' }).click();
    await waitForText(c3.page, '[data-testid="my-place"]', 'You are number 1 in the queue.');
    await waitForText(c3.page, '[data-testid="my-place"]', 'Why: A point of order goes ahead of everyone else.');
    await waitForText(c1.page, '[data-testid="my-place"]', 'You are number 2 in the queue.');
    await waitForText(c1.page, '[data-testid="my-place"]', 'Why: You have spoken 0 s so far; whoever has spoken least goes first.');
    await waitForText(c2.page, '[data-testid="my-place"]', 'You are number 3 in the queue.');
    await waitForText(fac.page, '[data-testid="queue-list"]', `3. ${names.c2}`);
    expect((await fac.page.locator('[data-testid="queue-list"] .queue-name').allTextContents()).map(plain)).toEqual([
      `1. ${names.c3}`,
      `2. ${names.c1}`,
      `3. ${names.c2}`,
    ]);
    await shot(c1, 'queue');

    // 4. The floor goes to the point of order; the turn ends.
    await fac.page.getByRole('button', { name: 'Give the floor to the next person' }).click();
    await waitForText(c3.page, '[data-testid="floor-you"]', 'You have the floor');
    await waitForText(c1.page, '.floor-speaker', `${names.c3} has the floor.`);
    await waitForText(c1.page, '[data-testid="my-place"]', 'You are number 1 in the queue.');
    await shot(c3, 'floor');
    await fac.page.getByRole('button', { name: 'End turn' }).click();
    for (const c of citizens) await waitForText(c.page, '.floor', 'Nobody has the floor.');
    await openConsoleTab(fac.page, 'People');
    await waitForText(fac.page, '[data-testid="speaking-chart"]', new RegExp(`${names.c3}: 0:\\d\\d in 1 turn`));

    // 5. Q&A: c1 asks, the facilitator approves, c2 upvotes.
    const q = assembly.questions[0]!;
    await c1.page.getByLabel('Your question').fill(q);
    await c1.page.getByRole('button', { name: 'Ask', exact: true }).click();
    await waitForText(c1.page, '[data-testid="my-questions"]', `${q} Waiting for approval`);
    await openConsoleTab(fac.page, 'Questions');
    await waitForText(fac.page, '[data-testid="qa-pending"]', '1 question waiting for approval');
    await fac.page.locator('li.question', { hasText: q }).getByRole('button', { name: 'Approve' }).click();
    await waitForText(c2.page, '[data-testid="questions"]', q);
    const upvote = c2.page.locator('li.question', { hasText: q }).getByRole('button', { name: 'Upvote' });
    await upvote.click();
    await expect.poll(() => upvote.getAttribute('aria-pressed')).toBe('true');
    await waitForText(c1.page, `li.question:has-text("${q}") [data-testid="votes"]`, '1 upvote');
    await waitForText(c3.page, `li.question:has-text("${q}") [data-testid="votes"]`, '1 upvote');
    await shot(c2, 'qa');

    // 6. Breakouts: two rooms, shuffled; each citizen sees their room; recall brings them back.
    await openConsoleTab(fac.page, 'People');
    await fac.page.getByLabel('Number of rooms').fill('2');
    await fac.page.getByRole('button', { name: 'Create breakout rooms' }).click();
    await waitForText(fac.page, '[data-testid="room-list"]', 'Room 2');
    await fac.page.getByRole('button', { name: 'Shuffle citizens into rooms' }).click();
    const rooms: string[] = [];
    for (const c of citizens) {
      await waitForText(c.page, '[data-testid="my-room"]', /You are in the breakout room “Room [12]”/);
      const room = /Room [12]/.exec(await textOf(c.page, '[data-testid="my-room"]'))![0];
      rooms.push(room);
      await waitForText(c.page, '#drafting-heading', `Recommendations: ${room}`);
    }
    expect(new Set(rooms)).toEqual(new Set(['Room 1', 'Room 2']));
    // The facilitator manages a breakout room's queue from the console: pick the room, give the floor.
    await c1.page.getByRole('button', { name: 'Raise hand' }).click();
    await waitForText(c1.page, '[data-testid="my-place"]', 'You are number 1 in the queue.');
    await openConsoleTab(fac.page, 'Floor and queue');
    expect(await textOf(fac.page, '#queue-heading + .controls')).toContain('Queue of room');
    expect(await fac.page.locator('[data-testid="queue-room"] option').allTextContents()).toEqual(['Plenary', 'Room 1', 'Room 2']);
    expect(await fac.page.locator('[data-testid="queue-room"]').inputValue()).toBe('plenary');
    expect(await fac.page.locator('[data-testid="queue-list"]').count()).toBe(0); // the plenary's queue is empty
    await fac.page.getByLabel('Queue of room').selectOption({ label: rooms[0]! });
    await waitForText(fac.page, '[data-testid="queue-list"]', `1. ${names.c1}`);
    await shot(fac, 'breakout-queue');
    await fac.page.getByRole('button', { name: `Give the floor to ${names.c1}` }).click();
    await waitForText(c1.page, '[data-testid="floor-you"]', 'You have the floor');
    await expect.poll(() => fac.page.locator('[data-testid="queue-list"]').count()).toBe(0);
    await shot(c1, 'breakout');
    // The facilitator's floor panel follows the picked room, so the breakout turn can be ended there.
    await waitForText(fac.page, '.floor-speaker', `${names.c1} has the floor.`);
    await fac.page.getByRole('button', { name: 'End turn' }).click();
    await waitForText(c1.page, '.floor', 'Nobody has the floor.');
    await openConsoleTab(fac.page, 'People');
    await fac.page.getByRole('button', { name: 'Recall everyone to the plenary' }).click();
    for (const c of citizens) {
      await waitForText(c.page, '[data-testid="my-room"]', 'You are in the plenary.');
      await waitForText(c.page, '#drafting-heading', 'Recommendations: Plenary');
    }

    // 7. Co-drafting in the plenary: c1 and c2 write the same recommendation.
    const draft = assembly.recommendations[0]!;
    await c1.page.getByRole('button', { name: 'Add recommendation' }).click();
    await expect.poll(() => c1.page.evaluate('document.activeElement?.getAttribute("data-testid") ?? ""')).toMatch(/^rec-.*-title$/);
    await c1.page.keyboard.type(draft.title);
    await waitForText(c2.page, '[data-testid="recommendation"] [data-testid$="-title"]', draft.title);
    await rec(c2.page, 'body').click();
    await c2.page.keyboard.type(draft.body);
    await waitForText(c1.page, '[data-testid="recommendation"] [data-testid$="-body"]', draft.body);
    await rec(c1.page, 'rationale').click();
    await c1.page.keyboard.type(draft.rationale);
    await waitForText(c2.page, '[data-testid="recommendation"] [data-testid$="-rationale"]', draft.rationale);
    await openConsoleTab(fac.page, 'Drafting and votes');
    await waitForText(fac.page, '[data-testid="recommendation"] [data-testid$="-rationale"]', draft.rationale);
    await shot(c2, 'drafting');

    // 8. The facilitator puts it to the vote; all three citizens rate; the round closes.
    await fac.page.getByRole('button', { name: 'Put to the vote' }).click();
    for (const c of citizens) {
      await waitForText(c.page, '[data-testid="round-status"]', 'A round is open: 1 recommendation is put to the vote.');
      const form = c.page.locator('[data-testid="rating-form"]').first();
      await form.getByLabel('I fully support this.').check();
      await form.getByRole('button', { name: 'Submit rating' }).click();
      await waitForText(c.page, '[data-testid="my-rating"]', 'Your current rating: I fully support this.');
    }
    await waitForText(fac.page, '[data-testid="results-live"]', '100% support, 3 ratings');
    await shot(fac, 'vote');
    await fac.page.getByRole('button', { name: 'Close round' }).click();

    // 9. The agreed text is locked for the citizens.
    await waitForText(c3.page, '[data-testid="results"]', new RegExp(`${draft.title}\\s*Agreed\\s*100% support, 3 ratings`));
    await waitForText(c3.page, '[data-testid="agreed-badge"]', /^Agreed · [0-9a-f]{12}$/);
    for (const f of ['title', 'body', 'rationale'] as const) {
      expect(await rec(c3.page, f).getAttribute('aria-readonly')).toBe('true');
      expect(await rec(c3.page, f).getAttribute('contenteditable')).toBe('false');
    }
    await shot(c3, 'agreed');

    // Accessibility of a citizen's view at the end, and no errors anywhere.
    await expectNoAxeViolations(c3.page);
    await expectNoAxeViolations(c1.page);
    for (const p of [fac, ...citizens]) expect(p.errors, p.name).toEqual([]);
  }, 90_000);
});
