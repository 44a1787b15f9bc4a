import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect, createSession, type CreatedSession } from '../helpers/clients.js';
import { ok } from '../helpers/expect.js';
import { assembly } from '../helpers/fixtures.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import {
  ensureClientBuilt,
  expectNoAxeViolations,
  launchBrowser,
  newPerson,
  openConsoleTab,
  plain,
  screenshot,
  tapControlChannel,
  textOf,
  waitForText,
  type ControlChannelTap,
} from '../helpers/browser.js';

/**
 * The browser client end to end: a facilitator and three citizens, each in their own
 * browser profile, against a real server serving the built client. Everything goes
 * through the UI; only the session itself is created over HTTP, as an organiser would.
 */
describe('browser client: one facilitator, three citizens', () => {
  let server: RunningServer;
  let browser: Browser;
  let session: CreatedSession;
  type Person = { name: string; context: BrowserContext; page: Page; errors: string[] };
  let fac: Person, c1: Person, c2: Person, c3: Person;
  let c1Tap: ControlChannelTap;
  const names = { fac: assembly.facilitators[0]!, c1: assembly.citizens[0]!, c2: assembly.citizens[1]!, c3: assembly.citizens[6]! };
  const sessionPath = () => `/s/${session.sessionId}`;

  const focused = (page: Page) =>
    page.evaluate(`(() => { const el = document.activeElement; const css = getComputedStyle(el);
      return { tag: el.tagName.toLowerCase(), label: el.labels?.[0]?.textContent ?? el.textContent, outline: css.outlineStyle + ' ' + css.outlineWidth }; })()`) as Promise<{
      tag: string;
      label: string;
      outline: string;
    }>;

  async function join(person: Person, role: 'facilitator' | 'citizen', opts: { check?: (p: Page) => Promise<void>; keyboard?: boolean } = {}) {
    await person.page.goto(session.invites[role].url.replace(/^https?:\/\/[^/]+/, server.url));
    await person.page.getByLabel('Your display name').waitFor();
    await opts.check?.(person.page);
    if (opts.keyboard) {
      // Keyboard only: focus starts on the heading, Tab reaches the name field with a visible focus ring, Enter submits.
      expect((await focused(person.page)).tag).toBe('h1');
      await person.page.keyboard.press('Tab');
      expect(await focused(person.page)).toEqual({ tag: 'input', label: 'Your display name', outline: 'solid 3px' });
      await person.page.keyboard.type(person.name);
      await person.page.keyboard.press('Enter');
    } else {
      await person.page.getByLabel('Your display name').fill(person.name);
      await person.page.getByRole('button', { name: 'Join the town hall' }).click();
    }
    await person.page.waitForURL(`**${sessionPath()}`);
    await waitForText(person.page, '[data-testid="who"]', `You take part as ${person.name} (${role})`);
  }

  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer();
    browser = await launchBrowser();
    session = await createSession(server.url);
    const person = async (name: string): Promise<Person> => ({ name, ...(await newPerson(browser)) });
    [fac, c1, c2, c3] = await Promise.all([person(names.fac), person(names.c1), person(names.c2), person(names.c3)]);
    c1Tap = await tapControlChannel(c1.context);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the server serves the client: pages, assets with CSP, and the API untouched', async () => {
    const page = await fetch(`${server.url}/join/${session.sessionId}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline scripts
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${server.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.url}/s/${session.sessionId}`)).status).toBe(200);
    // No SPA fallback outside the app's own pages.
    expect((await fetch(`${server.url}/api/nope`)).status).toBe(404);
    expect(await (await fetch(`${server.url}/api/nope`)).json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await fetch(`${server.url}/healthz`)).headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${server.url}/yjs/whatever`)).status).toBe(404);
    expect((await fetch(`${server.url}/somewhere/else`)).status).toBe(404);
  });

  test('join: the invite shows title, question and role; four people join, each in their own browser', async () => {
    await join(fac, 'facilitator', {
      check: async (page) => {
        expect(await textOf(page, 'h1')).toBe(assembly.title);
        expect(await textOf(page, 'main')).toContain(assembly.question);
        expect(await textOf(page, 'main')).toContain('You are invited to take part as facilitator.');
        await screenshot(page, 'join-page');
        await expectNoAxeViolations(page);
      },
    });
    await Promise.all([join(c1, 'citizen'), join(c2, 'citizen', { keyboard: true }), join(c3, 'citizen')]);
    // The token is kept per session.
    const stored = await c1.page.evaluate(`localStorage.getItem('townhall.session.${session.sessionId}')`);
    expect(JSON.parse(stored as string)).toMatchObject({
      sessionId: session.sessionId,
      token: expect.stringMatching(/^tok_/),
      participantId: expect.stringMatching(/^p_/),
    });
  });

  test('agenda: the facilitator starts it; everyone sees the item and a countdown from the absolute deadline', async () => {
    await fac.page.getByRole('button', { name: 'Start the agenda' }).click();
    const first = assembly.agenda[0]!;
    for (const p of [fac, c1, c2, c3]) {
      await waitForText(p.page, '.agenda-now', `Now: ${first.title}`);
      // 10 minutes, just started: "9:5x left" or "10:00 left".
      expect(await textOf(p.page, '[data-testid="agenda-countdown"]')).toMatch(/^(10:00|9:[45]\d) left$/);
    }
  });

  test('queue: hands and a point of order; each citizen sees their place, the reason and the rule', async () => {
    await c1.page.getByRole('button', { name: 'Raise hand' }).click();
    await waitForText(c1.page, '[data-testid="my-place"]', 'You are number 1 in the queue.');
    // Keyboard again: the button takes focus and Enter raises the hand.
    await c2.page.getByRole('button', { name: 'Raise hand' }).focus();
    await c2.page.keyboard.press('Enter');
    await waitForText(c2.page, '[data-testid="my-place"]', 'You are number 2 in the queue.');
    // The rarer kinds of request are one click further, under "Other requests".
    await c3.page.getByRole('button', { name: 'Other requests' }).click();
    await c3.page.getByRole('button', { name: 'Point of order' }).click();

    await waitForText(c3.page, '[data-testid="my-place"]', 'You are number 1 in the queue.');
    expect(await textOf(c3.page, '[data-testid="my-place"]')).toContain('Why: A point of order goes ahead of everyone else.');
    await waitForText(c1.page, '[data-testid="my-place"]', 'You are number 2 in the queue.');
    expect(await textOf(c1.page, '[data-testid="my-place"]')).toContain('Why: You have spoken 0 s so far; whoever has spoken least goes first.');
    await waitForText(c2.page, '[data-testid="my-place"]', 'You are number 3 in the queue.');
    for (const p of [c1, c2, c3]) {
      expect(await textOf(p.page, '[data-testid="queue-rule"]')).toBe(
        'Least speaking time first: whoever has spoken least so far goes next. Points of order come first, then direct replies.',
      );
    }
    // Everyone sees the whole queue in speaking order; the facilitator's list has the same order.
    await waitForText(fac.page, '[data-testid="queue-list"]', `1. ${names.c3}`);
    const order = (await fac.page.locator('[data-testid="queue-list"] .queue-name').allTextContents()).map(plain);
    expect(order).toEqual([`1. ${names.c3}`, `2. ${names.c1}`, `3. ${names.c2}`]);
    // The change was announced politely to the citizen whose place moved.
    await waitForText(c1.page, '[data-testid="announcer"]', 'You are now number 2 in the queue.');
  });

  test('floor: next speaker, then a chosen one; the speaker sees "You have the floor" with the turn timer', async () => {
    await fac.page.getByRole('button', { name: 'Give the floor to the next person' }).click();
    await waitForText(c3.page, '[data-testid="floor-you"]', 'You have the floor');
    expect(await textOf(c3.page, '[data-testid="floor-countdown"]')).toMatch(/^Time left: 1:(30|2\d)$/);
    await waitForText(c3.page, '[data-testid="announcer"]', 'You have the floor.');
    await waitForText(c1.page, '.floor-speaker', `${names.c3} has the floor.`);
    await waitForText(c1.page, '[data-testid="announcer"]', `${names.c3} has the floor.`);
    await waitForText(c1.page, '[data-testid="my-place"]', 'You are number 1 in the queue.');

    // Give the floor to a chosen person, out of order.
    await fac.page.getByRole('button', { name: `Give the floor to ${names.c2}` }).click();
    await waitForText(c2.page, '[data-testid="floor-you"]', 'You have the floor');
    await waitForText(c3.page, '.floor-speaker', `${names.c2} has the floor.`);
    await screenshot(c2.page, 'citizen-has-floor');
    await openConsoleTab(fac.page, 'People');
    await waitForText(fac.page, '[data-testid="speaking-chart"]', `${names.c3}: 0:0`);
    // From the console's live strip, which stays in view whichever area is open.
    await fac.page.getByTestId('live-strip').getByRole('button', { name: 'End turn' }).click();
    await waitForText(c2.page, '.floor', 'Nobody has the floor.');
    await waitForText(fac.page, '[data-testid="speaking-chart"]', `${names.c2}: 0:0`);
    expect(await textOf(fac.page, '[data-testid="speaking-chart"]')).toMatch(new RegExp(`${names.c2}: 0:\\d\\d in 1 turn`));
    await openConsoleTab(fac.page, 'Floor and queue');
  });

  test('Q&A: citizens ask (one anonymously), the facilitator approves, citizens upvote', async () => {
    const q1 = assembly.questions[0]!;
    const q2 = assembly.questions[1]!;
    await c1.page.getByLabel('Your question').fill(q1);
    await c1.page.getByRole('button', { name: 'Ask', exact: true }).click();
    await waitForText(c1.page, '[data-testid="my-questions"]', `${q1} Waiting for approval`);
    await c2.page.getByLabel('Your question').fill(q2);
    await c2.page.getByLabel('Ask anonymously (others will not see your name)').check();
    await c2.page.getByRole('button', { name: 'Ask', exact: true }).click();
    await waitForText(c2.page, '[data-testid="my-questions"]', `${q2} Waiting for approval`);

    await openConsoleTab(fac.page, 'Questions');
    await waitForText(fac.page, '[data-testid="qa-pending"]', '2 questions waiting for approval');
    for (const q of [q1, q2]) {
      await fac.page.locator('li.question', { hasText: q }).getByRole('button', { name: 'Approve' }).click();
    }
    await waitForText(c3.page, '[data-testid="questions"]', q1);
    await waitForText(c3.page, '[data-testid="questions"]', q2);
    expect(await textOf(c3.page, `li.question:has-text("${q1}")`)).toContain(`Asked by ${names.c1}`);
    expect(await textOf(c3.page, `li.question:has-text("${q2}")`)).toContain('Asked anonymously');

    const upvote = c3.page.locator('li.question', { hasText: q1 }).getByRole('button', { name: 'Upvote' });
    await upvote.click();
    await expect.poll(() => upvote.getAttribute('aria-pressed')).toBe('true');
    await waitForText(c1.page, `li.question:has-text("${q1}") [data-testid="votes"]`, '1 upvote');
    // Its author is not offered an upvote of their own question.
    expect(await c1.page.locator('li.question', { hasText: q1 }).getByRole('button', { name: 'Upvote' }).count()).toBe(0);
    await fac.page.locator('li.question', { hasText: q1 }).getByRole('button', { name: 'Discuss now' }).click();
    await waitForText(c2.page, `li.question:has-text("${q1}")`, 'Being discussed now');
  });

  test('offline: the banner shows, buttons pause, the state catches up on return, and a command whose answer was lost is done exactly once', async () => {
    const q3 = assembly.questions[2]!;
    // c1 asks; the server stores the question, but its answer never reaches the page.
    c1Tap.dropAcksFor = 'qa.ask';
    await c1.page.getByLabel('Your question').fill(q3);
    await c1.page.getByRole('button', { name: 'Ask', exact: true }).click();
    await expect.poll(() => c1Tap.dropped.length).toBe(1);
    c1Tap.dropAcksFor = null;
    await openConsoleTab(fac.page, 'Questions');
    await waitForText(fac.page, '[data-testid="qa-pending"]', '1 question waiting for approval');
    expect(await c1.page.getByLabel('Your question').inputValue()).toBe(q3); // still waiting for the answer

    // The network goes away before the answer came.
    await c1.context.setOffline(true);
    await waitForText(c1.page, '[data-testid="connection-status"]', 'Reconnecting…');
    expect(await c1.page.getByRole('status').filter({ hasText: 'Reconnecting…' }).count()).toBe(1);
    await expect.poll(() => c1.page.getByRole('button', { name: 'Lower hand' }).isDisabled()).toBe(true);
    await screenshot(c1.page, 'citizen-offline');
    await openConsoleTab(fac.page, 'People');
    await waitForText(fac.page, '[data-testid="speaking-chart"]', `${names.c1}: 0:00 in 0 turns offline`);

    // Meanwhile the room moves on: c1 is given the floor while away.
    await openConsoleTab(fac.page, 'Floor and queue');
    await fac.page.getByRole('button', { name: `Give the floor to ${names.c1}` }).click();
    await waitForText(c2.page, '.floor-speaker', `${names.c1} has the floor.`);
    await new Promise((r) => setTimeout(r, 1500));

    await c1.context.setOffline(false);
    await waitForText(c1.page, '[data-testid="floor-you"]', 'You have the floor');
    await expect.poll(async () => textOf(c1.page, '[data-testid="connection-status"]')).toBe('');
    await waitForText(c1.page, '[data-testid="announcer"]', 'Connection restored.');
    // The ask was sent again under its requestId and answered with the original outcome: one question, not two.
    await expect.poll(() => c1.page.getByLabel('Your question').inputValue()).toBe('');
    expect(await textOf(c1.page, '.error-area')).toBe('');
    expect(await c1.page.locator('[data-testid="my-questions"] li').count()).toBe(2);
    await openConsoleTab(fac.page, 'Questions');
    await waitForText(fac.page, '[data-testid="qa-pending"]', '1 question waiting for approval');
    expect(await fac.page.locator('li.question').count()).toBe(3);
    expect(await fac.page.locator('li.question', { hasText: q3 }).count()).toBe(1);
    // Nobody twice in the queue, and the facilitator sees c1 back online with the turn counted.
    await openConsoleTab(fac.page, 'Floor and queue');
    expect(await fac.page.locator('[data-testid="queue-list"] li').count()).toBe(0);
    await waitForText(fac.page, '[data-testid="live-next"]', 'Next (0 hands up)');
    await openConsoleTab(fac.page, 'People');
    await waitForText(fac.page, '[data-testid="speaking-chart"]', new RegExp(`${names.c1}: 0:\\d\\d in 1 turn speaking now(?! offline)`));
  });

  test('accessibility: no axe violations on the citizen and facilitator views; screenshots', async () => {
    await expectNoAxeViolations(c1.page);
    await expectNoAxeViolations(c3.page);
    await expectNoAxeViolations(fac.page);
    await screenshot(c1.page, 'citizen-view');
    await screenshot(c3.page, 'citizen-view-2');
    await screenshot(fac.page, 'facilitator-view');
  });

  test('language: switching to German translates the page, reasons and rule included', async () => {
    await c3.page.getByRole('button', { name: 'Raise hand' }).click();
    await waitForText(c3.page, '[data-testid="my-place"]', 'You are number 1 in the queue.');
    await c3.page.getByLabel('Language').selectOption('de');
    await waitForText(c3.page, 'h2#queue-heading', 'Redeliste');
    expect(await c3.page.evaluate('document.documentElement.lang')).toBe('de');
    expect(await textOf(c3.page, '[data-testid="my-place"]')).toContain('Sie sind Nummer 1 auf der Redeliste.');
    expect(await textOf(c3.page, '[data-testid="my-place"]')).toContain('Warum: Sie haben bisher');
    expect(await textOf(c3.page, '[data-testid="queue-rule"]')).toMatch(/^Wenigste Redezeit zuerst/);
    expect(await textOf(c3.page, '.floor-speaker')).toBe(`${names.c1} hat das Wort.`);
    await expectNoAxeViolations(c3.page);
    await screenshot(c3.page, 'citizen-view-de');
    // The choice is remembered on this device, and a reload keeps the session (stored token, checked with GET …/me).
    await c3.page.reload();
    await waitForText(c3.page, '[data-testid="who"]', `Sie nehmen als ${names.c3} teil (Bürger:in).`);
    await waitForText(c3.page, '[data-testid="my-place"]', 'Sie sind Nummer 1 auf der Redeliste.');
  });

  test('a device that has not joined is told to use its invite; a removed participant is told so and forgets the token', async () => {
    const stranger = await newPerson(browser);
    await stranger.page.goto(`${server.url}${sessionPath()}`);
    await waitForText(stranger.page, 'h1', 'You have not joined this town hall on this device.');
    await expectNoAxeViolations(stranger.page);
    await stranger.context.close();

    // The facilitator removes c2 (there is no button for that yet: the facilitator's own token, over the control channel).
    const stored = JSON.parse((await fac.page.evaluate(`localStorage.getItem('townhall.session.${session.sessionId}')`)) as string);
    const facilitator = await connect(server.url, { sessionId: session.sessionId, token: stored.token });
    const c2Id = JSON.parse((await c2.page.evaluate(`localStorage.getItem('townhall.session.${session.sessionId}')`)) as string).participantId;
    ok(await facilitator.send('participant.remove', { participantId: c2Id }));
    facilitator.close();
    await waitForText(c2.page, 'main', 'The facilitator has removed you from this town hall.');
    await expect.poll(() => c2.page.evaluate(`localStorage.getItem('townhall.session.${session.sessionId}')`)).toBeNull();
  });

  test('no page errors and no CSP violations in any browser', () => {
    for (const p of [fac, c1, c2, c3]) expect(p.errors, p.name).toEqual([]);
  });
});
