import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ControlClient } from '../../client/src/ControlClient.js';
import { en } from '../../client/src/app/i18n/en.js';
import { addRecommendation } from '../../shared/src/index.js';
import type { QueueReason } from '../../shared/src/queue.js';
import { toneWav } from '../helpers/audio.js';
import { connect, createSession, join, type CreatedSession, type Joined } from '../helpers/clients.js';
import { draftClient, synced } from '../helpers/drafting.js';
import { ok } from '../helpers/expect.js';
import { assembly } from '../helpers/fixtures.js';
import { AUDIO_ON, startServer, type RunningServer } from '../helpers/server.js';
import {
  artifactsDir,
  ensureClientBuilt,
  expectNoAxeViolations,
  joinByInvite,
  launchBrowserWith,
  plain,
  screenshot,
  storedCredentials,
  textOf,
  waitForText,
} from '../helpers/browser.js';

/*
 * The citizen's view on a phone (issue 13): one citizen in Chromium on a 390×844 touch
 * screen among a crowd on the control channel, a facilitator on the control channel, and
 * a second citizen in Chromium at 1280 who speaks so the first can be heard listening.
 * What the citizen needs (raise a hand, take the floor with the microphone, rate) must be
 * on the first screen: asserted with bounding boxes while the page is not scrolled, and
 * after scrolling, the sticky bar must still be in sight. The server runs a real media
 * worker; Chromium has a fake microphone but no autoplay exemption: the Join click is
 * what lets the room's audio play.
 */

const CROWD = Number(process.env.CITIZEN_PHONE_CROWD ?? 120);
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

/** Test mode (the page exposes its audio controller and counts the tones it plays). */
const INIT = `try { localStorage.setItem('townhall.test', '1'); } catch {}`;

/** The English wording of the reason the server gave for one's own place (client/src/app/components/queueWords.ts). */
function ownReason(reason: QueueReason): string {
  if (reason.code === 'speaking-time') return en.reasons.self['speaking-time'].replace('{{time}}', `${Math.round(reason.speakingMs / 1000)} s`);
  if (reason.code === 'has-spoken-before') {
    return reason.turns === 1 ? en.reasons.self['has-spoken-before_one'] : en.reasons.self['has-spoken-before_other'].replace('{{count}}', String(reason.turns));
  }
  return en.reasons.self[reason.code];
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

describe('the citizen on a phone, among a crowd', () => {
  let server: RunningServer;
  let browser: Browser;
  let session: CreatedSession;
  let toneDir: string;
  let facJoined: Joined;
  let fac: ControlClient;
  const crowd: { joined: Joined; client: ControlClient }[] = [];
  let phone: { context: BrowserContext; page: Page; errors: string[]; participantId: string };
  let desk: { context: BrowserContext; page: Page; errors: string[]; participantId: string };
  const title = assembly.title;
  const bar = '[data-testid="status-bar"]';

  async function person(viewport: { width: number; height: number }, mobile: boolean) {
    const context = await browser.newContext({
      locale: 'en-GB',
      viewport,
      ...(mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
      reducedMotion: 'reduce',
    });
    // Media set-up takes longer than a click.
    context.setDefaultTimeout(20_000);
    await context.addInitScript(INIT);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/net::ERR_/.test(msg.text())) errors.push(`console: ${msg.text()}`);
    });
    return { context, page, errors, participantId: '' };
  }

  const viewportOf = (page: Page) => page.viewportSize()!;
  /** What the citizen sees without scrolling (the shared helper captures the whole page). */
  const firstScreen = (page: Page, name: string) => page.screenshot({ path: joinPath(artifactsDir, `${name}.png`) });

  /** The element's box, asserted to lie wholly inside the viewport as it is scrolled now. */
  async function expectInView(page: Page, locator: ReturnType<Page['locator']>, what: string): Promise<Box> {
    const box = await locator.boundingBox();
    expect(box, `${what} is rendered`).not.toBeNull();
    const { width, height } = viewportOf(page);
    expect(box!.y, `${what}: top in view`).toBeGreaterThanOrEqual(0);
    expect(box!.x, `${what}: left in view`).toBeGreaterThanOrEqual(0);
    expect(box!.y + box!.height, `${what}: bottom in view`).toBeLessThanOrEqual(height);
    expect(box!.x + box!.width, `${what}: right in view`).toBeLessThanOrEqual(width);
    return box!;
  }

  const scrollY = (page: Page) => page.evaluate('window.scrollY') as Promise<number>;
  const barButton = (page: Page, name: string) => page.locator(bar).getByRole('button', { name, exact: true });
  const activeText = (page: Page) => page.evaluate('document.activeElement?.textContent ?? ""').then((t) => plain(String(t)));

  /** axe and a screenshot at 390×844 (as it is now) and at 1280, where the bar must be in sight too; back to the phone after. */
  async function checkBothSizes(page: Page, state: string) {
    await expectNoAxeViolations(page);
    await firstScreen(page, `citizen-phone-${state}-390`);
    await screenshot(page, `citizen-phone-${state}-390-full`);
    await page.setViewportSize(DESKTOP);
    await page.evaluate('window.scrollTo(0, 0)');
    await expectInView(page, page.locator(bar), `the bar at 1280 (${state})`);
    await expectNoAxeViolations(page);
    await screenshot(page, `citizen-phone-${state}-1280`);
    await page.setViewportSize(PHONE);
    await page.evaluate('window.scrollTo(0, 0)');
  }

  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer({ env: { ...AUDIO_ON, TOWNHALL_BROADCAST_MS: '50' } });
    toneDir = mkdtempSync(joinPath(tmpdir(), 'townhall-tone-'));
    toneWav(joinPath(toneDir, 'tone.wav'));
    browser = await launchBrowserWith([...FAKE_MEDIA, `--use-file-for-fake-audio-capture=${joinPath(toneDir, 'tone.wav')}`]);
    session = await createSession(server.url);
    facJoined = await join(server.url, session, 'facilitator', assembly.facilitators[0]!);
    fac = await connect(server.url, facJoined);
    for (let i = 0; i < CROWD; i += 40) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(40, CROWD - i) }, async (_, k) => {
          const joined = await join(server.url, session, 'citizen', `Crowd citizen ${i + k}`);
          return { joined, client: await connect(server.url, joined) };
        }),
      );
      crowd.push(...batch);
    }
    phone = await person(PHONE, true);
    desk = await person(DESKTOP, false);
  }, 180_000);

  afterAll(async () => {
    crowd.forEach((c) => c.client.close());
    fac?.close();
    await browser?.close();
    await server?.stop();
    if (toneDir) rmSync(toneDir, { recursive: true, force: true });
  });

  test('joining on a phone offers the room’s audio, and the Join click starts it; unticked, it does not', async () => {
    const listenBox = 'Listen to the room’s audio when I join';
    await phone.page.goto(session.invites.citizen.url.replace(/^https?:\/\/[^/]+/, server.url), { timeout: 30_000 });
    // On by default: people come to a town hall to hear it.
    await expect.poll(() => phone.page.getByLabel(listenBox).isChecked()).toBe(true);
    await phone.page.getByLabel('Your display name').fill(assembly.citizens[0]!);
    await expectNoAxeViolations(phone.page);
    await firstScreen(phone.page, 'citizen-phone-join-390');
    await phone.page.getByRole('button', { name: 'Join the town hall' }).tap();
    await waitForText(phone.page, '[data-testid="who"]', `You take part as ${assembly.citizens[0]} (citizen)`);
    phone.participantId = (await storedCredentials(phone.page, session.sessionId)).participantId;
    await waitForText(phone.page, '[data-testid="audio-status"]', 'You are listening to the room.', 20_000);
    expect(await phone.page.evaluate('window.__townhallAudio.getState().phase')).toBe('listening');

    // The second citizen unticks it: no audio until they ask.
    await joinByInvite(desk.page, { inviteUrl: session.invites.citizen.url, serverUrl: server.url, name: assembly.citizens[1]!, role: 'citizen', listen: false });
    desk.participantId = (await storedCredentials(desk.page, session.sessionId)).participantId;
    await expect.poll(() => desk.page.evaluate('window.__townhallAudio.getState().enabled')).toBe(true);
    expect(await desk.page.evaluate('window.__townhallAudio.getState().phase')).toBe('off');
    await waitForText(desk.page, '[data-testid="audio-panel"]', 'Listen to the room');

    // The second citizen is given the floor and speaks: the phone hears it, through an <audio> element that really plays.
    ok(await fac.send('floor.give', { roomId: 'plenary', participantId: desk.participantId }));
    await waitForText(desk.page, '[data-testid="floor-you"]', 'You have the floor');
    await desk.page.getByTestId('floor-you').getByRole('button', { name: 'Turn on your microphone' }).click();
    await waitForText(desk.page, '[data-testid="floor-you"]', 'Your microphone is on', 20_000);
    let before = -1;
    await expect
      .poll(
        async () => {
          const stats = (await phone.page.evaluate('window.__townhallAudio.getStats()')) as {
            consumers: { participantId: string; reports: { type?: string; bytesReceived?: number }[] }[];
          };
          const bytes = stats.consumers.find((c) => c.participantId === desk.participantId)?.reports.find((r) => r.type === 'inbound-rtp')?.bytesReceived ?? 0;
          const grew = before >= 0 && bytes > before;
          before = bytes;
          return grew;
        },
        { timeout: 30_000, interval: 300 },
      )
      .toBe(true);
    // No autoplay exemption in this browser: the element plays because the Join click allowed it.
    expect(await phone.page.evaluate('window.__townhallAudio.audioElements.map((e) => e.paused)')).toEqual([false]);
    await desk.page.locator(bar).getByRole('button', { name: 'I am done speaking' }).click();
    await waitForText(phone.page, '.panel.floor', 'Nobody has the floor.');
  });

  test('at 390×844 the hand is raised from the first screen; with six hands ahead the bar says number 7 and why', async () => {
    const page = phone.page;
    // The tone for the floor is asked for once (a click, which also lets the page make sound later).
    await page.getByLabel('Play a sound when I get the floor').check();
    await page.evaluate('window.scrollTo(0, 0)');
    const raised = await Promise.all(crowd.slice(0, 6).map((c) => c.client.send('queue.raise', { kind: 'normal' })));
    await fac.caughtUp(Math.max(...raised.map(ok)));
    await waitForText(page, bar, 'Your hand is down. Nobody has the floor.');
    expect(await scrollY(page)).toBe(0);
    const raise = barButton(page, 'Raise hand');
    await expectInView(page, raise, '"Raise hand"');
    await raise.tap();
    await waitForText(page, bar, 'You are number 7 in the queue.');
    // The reason is the one the server gives for this place, in the citizen's words.
    await expect.poll(() => fac.room('plenary')!.queue.find((e) => e.participantId === phone.participantId)?.position).toBe(7);
    const { reason } = fac.room('plenary')!.queue.find((e) => e.participantId === phone.participantId)!;
    expect(await textOf(page, `${bar} .my-reason`)).toBe(`Why: ${ownReason(reason)}`);
    expect(await scrollY(page)).toBe(0);
    await expectInView(page, barButton(page, 'Lower hand'), '"Lower hand"');
    // Scrolled to the end of the page, the bar is still in sight.
    await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    expect(await scrollY(page)).toBeGreaterThan(0);
    await expectInView(page, page.locator(bar), 'the sticky bar after scrolling down');
    await firstScreen(page, 'citizen-phone-hand-scrolled-390');
    await page.evaluate('window.scrollTo(0, 0)');
    await checkBothSizes(page, 'hand');
  });

  test('given the floor: the bar says so with the time left and the microphone, the tab title too, a tone plays; the microphone and yield work from the bar', async () => {
    const page = phone.page;
    const lowered = await Promise.all(crowd.slice(0, 6).map((c) => c.client.send('queue.lower', {})));
    lowered.forEach(ok);
    ok(await fac.send('floor.give', { roomId: 'plenary' }));
    await waitForText(page, `${bar} [data-testid="status-floor"]`, 'You have the floor');
    expect(await scrollY(page)).toBe(0);
    await expectInView(page, page.locator('[data-testid="status-floor"]'), '"You have the floor" in the bar');
    const countdown = page.locator('[data-testid="status-countdown"]');
    await expectInView(page, countdown, 'the time left');
    const first = await textOf(page, '[data-testid="status-countdown"]');
    expect(first).toMatch(/^Time left: 1:(30|2\d)$/);
    // It counts down.
    await expect.poll(() => textOf(page, '[data-testid="status-countdown"]'), { timeout: 5_000 }).not.toBe(first);
    const micOn = barButton(page, 'Turn on your microphone');
    await expectInView(page, micOn, 'the microphone button');
    expect(await textOf(page, `${bar} [data-testid="speaker-mic"]`)).not.toContain('Microphone on');
    expect(await textOf(page, '[data-testid="floor-you"] [data-testid="speaker-mic"]')).toContain('Your microphone is off: turn it on to be heard.');
    await expect.poll(() => page.title()).toBe(`● You have the floor – ${title}`);
    // The tone was asked for, and the checkbox click allowed the page to make sound.
    expect(await page.evaluate('window.__townhallChimes ?? 0')).toBe(1);
    // The floor block further down has the microphone too, not the audio panel.
    expect(await page.getByTestId('floor-you').getByRole('button', { name: 'Turn on your microphone' }).count()).toBe(1);
    expect(await page.getByTestId('audio-panel').getByRole('button', { name: 'Turn on your microphone' }).count()).toBe(0);
    // The live region says it once; the bar itself is not a live region (its countdown would be read every second).
    await waitForText(page, '[data-testid="announcer"]', 'You have the floor.');
    expect(await page.locator(`${bar}[aria-live], ${bar} [aria-live]`).count()).toBe(0);
    await checkBothSizes(page, 'floor-mic-off');

    await micOn.tap();
    await waitForText(page, `${bar} [data-testid="speaker-mic"]`, 'Microphone on', 20_000);
    await expect.poll(() => page.evaluate('window.__townhallAudio.getState().mic')).toBe('on');
    await expectInView(page, barButton(page, 'Turn off your microphone'), 'the microphone-off button');
    await checkBothSizes(page, 'floor-mic-on');

    await barButton(page, 'I am done speaking').tap();
    await waitForText(page, bar, 'Your hand is down. Nobody has the floor.');
    await expect.poll(() => page.title()).toBe(`${title} – Townhall`);
    await waitForText(page, '[data-testid="audio-mic-closed"]', 'Your turn ended: your microphone is off.');
    expect(fac.room('plenary')!.floor).toBeNull();
  });

  test('by keyboard alone: Tab reaches "Raise hand" early, Enter raises it, the focus stays in the bar, and yield works the same way', async () => {
    const page = phone.page;
    // Start where a keyboard user starts: the page's heading (it takes the focus on arrival).
    await page.locator('h1').focus();
    let tabs = 0;
    while ((await activeText(page)) !== 'Raise hand' && tabs < 12) {
      await page.keyboard.press('Tab');
      tabs++;
    }
    expect(await activeText(page), 'reached within 12 Tab presses').toBe('Raise hand');
    await page.keyboard.press('Enter');
    await waitForText(page, bar, 'You are number 1 in the queue.');
    // The button that had the focus is gone; the focus moved to its successor, not to the top of the page.
    await expect.poll(() => activeText(page)).toBe('Lower hand');
    ok(await fac.send('floor.give', { roomId: 'plenary' }));
    await waitForText(page, '[data-testid="status-floor"]', 'You have the floor');
    await expect.poll(() => activeText(page)).toBe('Turn on your microphone');
    await page.keyboard.press('Tab');
    expect(await activeText(page)).toBe('I am done speaking');
    await page.keyboard.press('Enter');
    await waitForText(page, bar, 'Your hand is down.');
    await expect.poll(() => activeText(page)).toBe('Raise hand');
    await expect.poll(() => page.title()).toBe(`${title} – Townhall`);
    expect(fac.room('plenary')!.floor).toBeNull();
  });

  test('a vote opens: "Rate now" is on the first screen, one tap brings each rating form into view with its scale in focus', async () => {
    const page = phone.page;
    const draft = draftClient(server.url, session.sessionId, 'plenary', facJoined.token);
    await synced(draft);
    const [r1, r2] = assembly.recommendations;
    addRecommendation(draft.doc, { id: 'rec-phone-1', ...r1! });
    addRecommendation(draft.doc, { id: 'rec-phone-2', ...r2! });
    // The crowd waits to speak meanwhile; the citizen's hand is up too.
    const waiting = crowd.slice(10, 40);
    const raised = await Promise.all(waiting.map((c) => c.client.send('queue.raise', { kind: 'normal' })));
    raised.forEach(ok);
    await barButton(page, 'Raise hand').tap();
    // Having spoken already, behind everyone who has not.
    const place = `You are number ${waiting.length + 1} in the queue.`;
    await waitForText(page, bar, place);
    const opened = await fac.send('round.open', { roomId: 'plenary', recommendationIds: ['rec-phone-1', 'rec-phone-2'], closesInMinutes: 10 });
    ok(opened);
    const roundId = (opened as { result: { roundId: string } }).result.roundId;
    const raters = crowd.slice(0, 60);
    (await Promise.all(raters.map((c) => c.client.send('round.rate', { roundId, recommendationId: 'rec-phone-1', level: 'full-support' })))).forEach(ok);

    await waitForText(page, bar, 'A vote is open: 2 texts to rate.');
    expect(await textOf(page, bar)).toContain(place);
    expect(await scrollY(page)).toBe(0);
    const rateNow = barButton(page, 'Rate now');
    await expectInView(page, rateNow, '"Rate now"');
    await checkBothSizes(page, 'vote-open');

    // One tap: the first form below the bar, its scale focused.
    await rateNow.tap();
    const form1 = page.locator(`#rate-${roundId}-rec-phone-1`);
    await expect.poll(() => page.evaluate(`document.getElementById('rate-${roundId}-rec-phone-1').contains(document.activeElement)`)).toBe(true);
    expect(await page.evaluate('document.activeElement.type')).toBe('radio');
    const barBottom = await page.locator(bar).evaluate((el) => el.getBoundingClientRect().bottom);
    const formBox = (await form1.boundingBox())!;
    expect(formBox.y, 'the form starts below the bar, not under it').toBeGreaterThanOrEqual(barBottom - 1);
    expect(formBox.y).toBeLessThan(PHONE.height);
    await expectInView(page, form1.locator('legend'), 'the first form’s heading');
    await firstScreen(page, 'citizen-phone-rate-form-390');
    await form1.getByLabel('I fully support this.').tap();
    await form1.getByRole('button', { name: 'Submit rating' }).tap();
    await waitForText(page, `#rate-${roundId}-rec-phone-1 [data-testid="my-rating"]`, 'Your current rating: I fully support this.');
    await waitForText(page, bar, 'A vote is open: 1 text to rate.');

    // The bar is still in sight down here; the next tap goes to the second text, rated by keyboard.
    await expectInView(page, page.locator(bar), 'the bar while rating');
    await barButton(page, 'Rate now').tap();
    await expect.poll(() => page.evaluate(`document.getElementById('rate-${roundId}-rec-phone-2').contains(document.activeElement)`)).toBe(true);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await waitForText(page, `#rate-${roundId}-rec-phone-2 [data-testid="my-rating"]`, 'Your current rating: I support this, with minor reservations.');
    await expect.poll(() => page.locator('[data-testid="status-vote"]').count()).toBe(0);
    // The server has both ratings: the crowd's and the citizen's on the first text, the citizen's alone on the second.
    const counts = () => fac.room('plenary')!.rounds.find((r) => r.id === roundId)!.ratingCounts;
    await expect.poll(() => counts()['rec-phone-2']).toBe(1);
    expect(counts()['rec-phone-1']).toBe(raters.length + 1);
    draft.destroy();
  });

  test('in German the bar’s longer words still fit the phone, the rarer requests one tap away', async () => {
    const page = phone.page;
    await page.getByLabel('Language').selectOption('de');
    await waitForText(page, bar, 'Warum:');
    await page.evaluate('window.scrollTo(0, 0)');
    await barButton(page, 'Hand senken').tap();
    await waitForText(page, bar, 'Ihre Hand ist unten.');
    await expectInView(page, barButton(page, 'Hand heben'), '"Hand heben"');
    const others = barButton(page, 'Andere Meldungen');
    await others.tap();
    expect(await others.getAttribute('aria-expanded')).toBe('true');
    await expectInView(page, barButton(page, 'Zur Geschäftsordnung'), '"Zur Geschäftsordnung"');
    await expectInView(page, barButton(page, 'Direkte Erwiderung'), '"Direkte Erwiderung"');
    await expectNoAxeViolations(page);
    await firstScreen(page, 'citizen-phone-other-requests-de-390');
    await others.tap();
    expect(await page.locator('#other-requests').isHidden()).toBe(true);
    await page.getByLabel('Sprache').selectOption('en');
    await waitForText(page, bar, 'Your hand is down.');
  });

  test('offline on a phone: the connection banner and the bar both stay in sight, the bar under the banner', async () => {
    const page = phone.page;
    await phone.context.setOffline(true);
    await waitForText(page, '[data-testid="connection-status"]', 'Reconnecting…');
    await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    const banner = await expectInView(page, page.locator('[data-testid="connection-status"] .banner'), 'the connection banner');
    await expect
      .poll(async () => (await page.locator(bar).boundingBox())!.y, { message: 'the bar moves below the banner' })
      .toBeGreaterThanOrEqual(banner.y + banner.height - 1);
    await expectInView(page, page.locator(bar), 'the bar while reconnecting');
    await firstScreen(page, 'citizen-phone-offline-390');
    await phone.context.setOffline(false);
    await expect.poll(() => textOf(page, '[data-testid="connection-status"]'), { timeout: 20_000 }).toBe('');
    await expect.poll(async () => (await page.locator(bar).boundingBox())!.y).toBe(0);
  });

  test('no errors in either page', () => {
    expect(phone.errors).toEqual([]);
    expect(desk.errors).toEqual([]);
  });
});
