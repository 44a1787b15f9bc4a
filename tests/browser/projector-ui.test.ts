import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ControlClient } from '../../client/src/ControlClient.js';
import { connect, createSession, join, type CreatedSession, type Joined } from '../helpers/clients.js';
import { ok } from '../helpers/expect.js';
import { assembly, hostileStrings } from '../helpers/fixtures.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import {
  ensureClientBuilt,
  expectNoAxeViolations,
  joinByInvite,
  launchBrowser,
  newPerson,
  plain,
  screenshot,
  openConsoleTab,
  screenshotOf,
  storedCredentials,
  textOf,
  waitForText,
} from '../helpers/browser.js';

/**
 * The projector view follows a live plenary of 50 citizens: a facilitator opens it from
 * the console (a new tab on the same device, with the same credential) and acts from a
 * third connection, as from a phone; the citizens act over the control channel. The
 * screen shows the clock, the speaker and countdown, the next five with their reasons,
 * the question put live and a closed list, and never a question awaiting moderation or
 * hidden, although the facilitator's view it is drawn from holds them. Hostile names are
 * text. Axe at 1920×1080 and 390×844; screenshots at 1920×1080, 1280×720 and 390×844.
 */
describe('browser client: the projector view of a plenary of 50', () => {
  const CROWD = 50;
  let server: RunningServer;
  let browser: Browser;
  let session: CreatedSession;
  let facContext: BrowserContext;
  let facPage: Page;
  let projector: Page;
  let facControl: ControlClient;
  const crowd: { joined: Joined; client: ControlClient }[] = [];
  const errors: string[][] = [];
  const dialogs: string[] = [];
  // Names that have broken other platforms, among ordinary ones in many scripts; cut to the 80 characters a name may have.
  const hostileNames = hostileStrings.filter((s) => /[<{"'\u202e]|Supercali|Zalgo/.test(s)).map((s) => [...s].slice(0, 80).join(''));
  const nameOf = (i: number) => plain(crowd[i]!.joined.displayName);
  const pid = (i: number) => crowd[i]!.joined.participantId;
  const projectorText = async (page: Page = projector) => plain((await page.locator('main').textContent()) ?? '');

  function watch(page: Page, into: string[]): void {
    page.on('pageerror', (err) => into.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/net::ERR_/.test(msg.text())) into.push(`console: ${msg.text()}`);
    });
    // A name that ran as script would most likely call alert().
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  }

  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer({ env: { TOWNHALL_BROADCAST_MS: '50' } });
    browser = await launchBrowser();
    session = await createSession(server.url, {
      settings: { queueRule: 'first-time-speakers-first', turnSeconds: 90, warnSeconds: 5, onTurnExpiry: 'flag', qaPremoderation: true },
    });
    const fac = await newPerson(browser);
    errors.push(fac.errors);
    facContext = fac.context;
    facPage = fac.page;
    watch(facPage, []);
    for (let i = 0; i < CROWD; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(25, CROWD - i) }, async (_, k) => {
          const n = i + k;
          const name = hostileNames[n] ?? assembly.citizens[n % assembly.citizens.length] + (n >= assembly.citizens.length ? ` ${n}` : '');
          const joined = await join(server.url, session, 'citizen', name);
          return { joined, client: await connect(server.url, joined) };
        }),
      );
      crowd.push(...batch);
    }
    expect(hostileNames.length).toBeGreaterThanOrEqual(6);
  }, 120_000);

  afterAll(async () => {
    crowd.forEach((c) => c.client.close());
    facControl?.close();
    await browser?.close();
    await server?.stop();
  });

  test('the server answers the projector address with the app, and nothing next to it', async () => {
    const base = `${server.url}/s/${session.sessionId}`;
    for (const ok of ['/projector', '/projector/', '/projector?room=room-1']) {
      const res = await fetch(base + ok);
      expect(res.status, ok).toBe(200);
      expect(await res.text()).toContain('<div id="root">');
    }
    for (const wrong of ['/projector/x', '/projectorx', '/projector/extra/more', '/other']) expect((await fetch(base + wrong)).status, wrong).toBe(404);
  });

  test('the facilitator opens it from the console in a new tab; a third connection, as from a phone, is not refused', async () => {
    await joinByInvite(facPage, { inviteUrl: session.invites.facilitator.url, serverUrl: server.url, name: assembly.facilitators[0]!, role: 'facilitator' });
    await openConsoleTab(facPage, 'Session');
    const link = facPage.getByRole('link', { name: 'Open the projector view (opens in a new tab)' });
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toContain('noopener');
    await expectNoAxeViolations(facPage);
    const [opened] = await Promise.all([facContext.waitForEvent('page'), link.click()]);
    projector = opened;
    const projectorErrors: string[] = [];
    errors.push(projectorErrors);
    watch(projector, projectorErrors);
    await projector.setViewportSize({ width: 1920, height: 1080 });
    expect(new URL(projector.url()).pathname).toBe(`/s/${session.sessionId}/projector`);
    await waitForText(projector, 'h1', assembly.title, 20_000);
    await waitForText(projector, '[data-testid="projector-question"]', plain(assembly.question));
    await waitForText(projector, '[data-testid="projector-agenda"]', 'The agenda has not started yet.');
    await waitForText(projector, '[data-testid="projector-speaker"]', 'Nobody has the floor.');
    await waitForText(projector, '[data-testid="projector-queue-empty"]', 'Nobody is waiting to speak.');
    expect(await projector.title()).toBe(`Projector: ${assembly.title} – Townhall`);
    // The facilitator's own credential, from a third connection (console, projector, "phone").
    facControl = await connect(server.url, { sessionId: session.sessionId, ...(await storedCredentials(facPage, session.sessionId)) });
    expect(facControl.me?.role).toBe('facilitator');
  });

  test('the agenda starts: the item and its clock show', async () => {
    ok(await facControl.send('agenda.start', {}));
    await waitForText(projector, '[data-testid="projector-agenda"]', `Now: ${assembly.agenda[0]!.title}`);
    await waitForText(projector, '[data-testid="projector-agenda-clock"]', /^(10:00|9:\d\d) left$/);
  });

  test('hands go up: the next five show in order with their reasons, and how many more wait; hostile names are text', async () => {
    for (let i = 0; i < 8; i++) ok(await crowd[i]!.client.send('queue.raise', { kind: 'normal' }));
    await waitForText(projector, '[data-testid="projector-more"]', 'and 3 more waiting');
    const entries = projector.locator('[data-testid="projector-entry"]');
    await expect.poll(() => entries.count()).toBe(5);
    for (let i = 0; i < 5; i++) {
      const text = plain((await entries.nth(i).textContent()) ?? '');
      expect(text).toBe(`${i + 1}${nameOf(i)}Has not spoken yet, so goes ahead of those who have.`);
    }
    // Markup in names stayed text: no element was made from it, and nothing ran.
    expect(await projector.locator('main script, main img, main svg, main iframe').count()).toBe(0);
    expect(dialogs).toEqual([]);
    // The names are wrapped in isolates, so a right-to-left name cannot reorder what follows it.
    const raw = (await projector.locator('.projector-entry-name').first().textContent()) ?? '';
    expect(raw.startsWith('\u2068')).toBe(true);
  });

  test('the floor is given: the speaker and a countdown show, and the queue moves up', async () => {
    ok(await facControl.send('floor.give', { roomId: 'plenary', seconds: 10 }));
    await waitForText(projector, '[data-testid="projector-speaker"]', nameOf(0));
    await waitForText(projector, '[data-testid="projector-countdown"]', /^Time left (0:(10|0\d))$/);
    await waitForText(projector, '[data-testid="projector-next"]', new RegExp(`^1${regexEscape(nameOf(1))}`));
    await waitForText(projector, '[data-testid="projector-more"]', 'and 2 more waiting');
    // A direct reply and a point of order go ahead, each with its reason; one hand placed by the facilitator says so.
    ok(await crowd[8]!.client.send('queue.raise', { kind: 'direct-reply' }));
    ok(await crowd[9]!.client.send('queue.raise', { kind: 'point-of-order' }));
    ok(await crowd[10]!.client.send('queue.raise', { kind: 'normal' }));
    ok(await crowd[11]!.client.send('queue.raise', { kind: 'normal' }));
    ok(await facControl.send('queue.move', { roomId: 'plenary', participantId: pid(8), position: 3 }));
    await waitForText(projector, '[data-testid="projector-more"]', 'and 6 more waiting');
    const entries = projector.locator('[data-testid="projector-entry"]');
    await expect.poll(async () => plain((await entries.nth(2).textContent()) ?? '')).toBe(`3${nameOf(8)} Direct replyPlaced here by the facilitator.`);
    expect(plain((await entries.nth(0).textContent()) ?? '')).toBe(`1${nameOf(9)}Point of order: goes ahead of everyone else.`);
    expect(plain((await entries.nth(1).textContent()) ?? '')).toBe(`2${nameOf(1)}Has not spoken yet, so goes ahead of those who have.`);
  });

  test('Q&A: the question put live shows; questions awaiting moderation or hidden never do', async () => {
    const pendingText = 'A question still waiting for approval about parking fees';
    const hiddenText = `${hostileStrings[1]} hidden by the facilitator`;
    const liveText = assembly.questions[0]!;
    const anonText = assembly.questions[1]!;
    const asked = async (i: number, text: string, anonymous = false) => {
      const ack = await crowd[i]!.client.send('qa.ask', { text, anonymous });
      ok(ack);
      return (ack as { result: { questionId: string } }).result.questionId;
    };
    await asked(20, pendingText);
    const hidden = await asked(21, hiddenText);
    const live = await asked(22, liveText);
    const anon = await asked(23, anonText, true);
    ok(await facControl.send('qa.moderate', { questionId: hidden, status: 'hidden' }));
    ok(await facControl.send('qa.moderate', { questionId: live, status: 'approved' }));
    ok(await facControl.send('qa.moderate', { questionId: anon, status: 'approved' }));
    const seq = ok(await facControl.send('qa.moderate', { questionId: live, status: 'live' }));
    await waitForText(projector, '[data-testid="projector-live-question"]', `Being discussed now${plain(liveText)}Asked by ${nameOf(22)} · 0 upvotes`);
    // The view the projector is drawn from (the facilitator's) does hold the other two.
    await facControl.caughtUp(seq);
    const statuses = facControl.room('plenary')!.questions.map((q) => q.status);
    expect(statuses).toEqual(expect.arrayContaining(['pending', 'hidden', 'approved', 'live']));
    let text = await projectorText();
    for (const absent of [pendingText, plain(hiddenText), plain(anonText)]) expect(text).not.toContain(absent);
    // Another question put live replaces it; an anonymous one names nobody.
    ok(await crowd[30]!.client.send('qa.upvote', { questionId: anon }));
    ok(await facControl.send('qa.moderate', { questionId: anon, status: 'live' }));
    await waitForText(projector, '[data-testid="projector-live-question"]', `Being discussed now${plain(anonText)}Asked anonymously · 1 upvote`);
    text = await projectorText();
    for (const absent of [pendingText, plain(hiddenText), plain(liveText), nameOf(23)]) expect(text).not.toContain(absent);
    expect(await projector.locator('main img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  test('the speaker runs over time: the screen says so in words, not colour alone', async () => {
    await waitForText(projector, '[data-testid="projector-countdown"]', /^Time is up: over by 0:\d\d$/, 20_000);
    expect(await projector.locator('[data-testid="projector-countdown"]').getAttribute('class')).toContain('over');
  });

  test('the floor ends, then goes to the next: the speaker and the next five follow', async () => {
    ok(await facControl.send('floor.end', { roomId: 'plenary' }));
    await waitForText(projector, '[data-testid="projector-speaker"]', 'Nobody has the floor.');
    expect(await projector.locator('[data-testid="projector-countdown"]').count()).toBe(0);
    ok(await facControl.send('floor.give', { roomId: 'plenary' }));
    // The point of order had the head of the queue.
    await waitForText(projector, '[data-testid="projector-speaker"]', nameOf(9));
    await waitForText(projector, '[data-testid="projector-countdown"]', /^Time left (1:30|1:2\d)$/);
    await waitForText(projector, '[data-testid="projector-next"]', new RegExp(`^1${regexEscape(nameOf(1))}`));
    expect(await textOf(projector, '[data-testid="projector-next"]')).not.toContain(nameOf(9));
    await waitForText(projector, '[data-testid="projector-more"]', 'and 5 more waiting');
  });

  test('the list of speakers is closed: the screen says so', async () => {
    expect(await projector.locator('[data-testid="projector-list-closed"]').count()).toBe(0);
    ok(await facControl.send('queue.setOpen', { roomId: 'plenary', open: false }));
    await waitForText(projector, '[data-testid="projector-list-closed"]', 'The list of speakers is closed: only points of order are taken.');
  });

  test('read-only: the only control is the full-screen button, which hides itself in full screen', async () => {
    const controls = projector.locator('button, input, select, textarea, a[href], [contenteditable], [tabindex]:not([tabindex="-1"])');
    expect(await controls.count()).toBe(1);
    const toggle = projector.getByRole('button', { name: 'Full screen' });
    expect(await toggle.count()).toBe(1);
    // No live region: a screen reader on the projecting machine would never stop talking.
    expect(await projector.locator('[aria-live], [role="status"], [role="alert"], [role="log"], [role="timer"]').count()).toBe(0);
    await toggle.click();
    await expect.poll(() => projector.evaluate('document.fullscreenElement !== null')).toBe(true);
    await expect.poll(() => controls.count()).toBe(0);
    await projector.evaluate('document.exitFullscreen()');
    await expect.poll(() => toggle.count()).toBe(1);
    await projector.setViewportSize({ width: 1920, height: 1080 });
  });

  test('an observer on the hall PC sees the same screen as the facilitator: nothing the room may not see', async () => {
    const obs = await newPerson(browser);
    errors.push(obs.errors);
    watch(obs.page, obs.errors);
    await joinByInvite(obs.page, { inviteUrl: session.invites.observer.url, serverUrl: server.url, name: 'Hall PC', role: 'observer' });
    // A generous bound, not a speed check: a busy CI machine can be slow to load a fresh context.
    await obs.page.goto(`${server.url}/s/${session.sessionId}/projector`, { timeout: 30_000 });
    await obs.page.setViewportSize({ width: 1920, height: 1080 });
    await waitForText(obs.page, '[data-testid="projector-list-closed"]', 'The list of speakers is closed');
    for (const part of ['projector-question', 'projector-agenda', 'projector-speaker', 'projector-next', 'projector-more', 'projector-live-question']) {
      const selector = `[data-testid="${part}"]`;
      // The clocks tick; what they say around the time is the same.
      const same = async () => (await textOf(obs.page, selector)).replace(/\d+:\d\d/g, 'm:ss') === (await textOf(projector, selector)).replace(/\d+:\d\d/g, 'm:ss');
      await expect.poll(same, { message: part }).toBe(true);
    }
    await obs.context.close();
  });

  test('a breakout room on its own screen with ?room=, and a room this device cannot see says so', async () => {
    const created = await facControl.send('rooms.create', { count: 1, names: ['Table by the window'] });
    const roomId = (created as { result: { roomIds: string[] } }).result.roomIds[0]!;
    ok(await facControl.send('rooms.assign', { assignments: [40, 41].map((i) => ({ participantId: pid(i), roomId })) }));
    ok(await crowd[40]!.client.send('queue.raise', { kind: 'normal' }));
    const breakout = await facContext.newPage();
    watch(breakout, errors[0]!);
    await breakout.goto(`${server.url}/s/${session.sessionId}/projector?room=${roomId}`, { timeout: 30_000 });
    await waitForText(breakout, '[data-testid="projector-room"]', 'Room: Table by the window');
    await waitForText(breakout, '[data-testid="projector-next"]', `1${nameOf(40)}`);
    expect(await breakout.locator('[data-testid="projector-list-closed"]').count()).toBe(0);
    // The plenary's screen does not show the breakout's queue.
    expect(await projectorText()).not.toContain(nameOf(40));
    await expectNoAxeViolations(breakout);
    await breakout.goto(`${server.url}/s/${session.sessionId}/projector?room=room-404`, { timeout: 30_000 });
    await waitForText(breakout, 'main', 'This room cannot be shown on this screen.');
    await breakout.close();
    ok(await facControl.send('rooms.recall', {}));
  });

  test('a device that has not joined is told how to open the screen', async () => {
    const stranger = await newPerson(browser);
    await stranger.page.goto(`${server.url}/s/${session.sessionId}/projector`, { timeout: 30_000 });
    await waitForText(stranger.page, 'h1', 'This device has not joined this town hall.');
    await expectNoAxeViolations(stranger.page);
    await stranger.context.close();
  });

  test('the hall loses its network: the screen says it is reconnecting, then follows again', async () => {
    expect(await projector.locator('[data-testid="projector-reconnecting"]').count()).toBe(0);
    await facContext.setOffline(true);
    await waitForText(projector, '[data-testid="projector-reconnecting"]', 'Reconnecting…');
    // What happens meanwhile is on the screen once it is back.
    ok(await crowd[12]!.client.send('queue.raise', { kind: 'point-of-order' }));
    await facContext.setOffline(false);
    await expect.poll(() => projector.locator('[data-testid="projector-reconnecting"]').count(), { timeout: 20_000 }).toBe(0);
    await waitForText(projector, '[data-testid="projector-next"]', new RegExp(`^1${regexEscape(nameOf(12))}Point of order`), 20_000);
  });

  test('axe and screenshots with the crowd in place: 1920×1080, 1280×720 and a 390×844 phone', async () => {
    // Something live in every part of the screen.
    await waitForText(projector, '[data-testid="projector-live-question"]', 'Asked anonymously');
    await projector.setViewportSize({ width: 1920, height: 1080 });
    await expectNoAxeViolations(projector);
    await screenshot(projector, 'projector-1920');
    // One screen, no scrolling, on the hall's full-HD display.
    expect(await projector.evaluate('document.documentElement.scrollHeight')).toBeLessThanOrEqual(1080);
    await projector.setViewportSize({ width: 1280, height: 720 });
    await screenshot(projector, 'projector-1280');
    await projector.setViewportSize({ width: 390, height: 844 });
    await expectNoAxeViolations(projector);
    await screenshot(projector, 'projector-phone');
    // Nothing wider than the phone (a long name or word wraps).
    expect(await projector.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshotOf(facPage, ['[role="tablist"]', '.projector-link'], 'projector-console-link');
    expect(dialogs).toEqual([]);
    expect(errors.flat()).toEqual([]);
  });

  test('the session closes: the screen says it has ended', async () => {
    ok(await facControl.send('session.close', {}));
    await waitForText(projector, 'main', 'This town hall has ended.');
    // The question stays; the clock, the queue and the floor, which no longer mean anything, go.
    await waitForText(projector, '[data-testid="projector-question"]', plain(assembly.question));
    for (const gone of ['projector-agenda', 'projector-speaker', 'projector-next', 'projector-live-question']) {
      expect(await projector.locator(`[data-testid="${gone}"]`).count(), gone).toBe(0);
    }
    await projector.setViewportSize({ width: 1280, height: 720 });
    await expectNoAxeViolations(projector);
    await screenshot(projector, 'projector-ended-1280');
  });
});

function regexEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
