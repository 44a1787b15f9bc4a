import { join as joinPath } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ControlClient } from '../../client/src/ControlClient.js';
import { addRecommendation } from '../../shared/src/drafting.js';
import { connect, createSession, type CreatedSession } from '../helpers/clients.js';
import { draftClient, synced, type DraftClient } from '../helpers/drafting.js';
import { ok } from '../helpers/expect.js';
import { assembly } from '../helpers/fixtures.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import {
  artifactsDir,
  ensureClientBuilt,
  expectNoAxeViolations,
  joinByInvite,
  launchBrowser,
  newPerson,
  screenshot,
  storedCredentials,
  openConsoleTab,
  textOf,
  waitForText,
} from '../helpers/browser.js';

/**
 * The facilitator console and the official view: queue reordering, the participant
 * list (speaking rights, removal with a confirmation step), a timed turn running out,
 * and the agreed recommendations as an official sees them, from the session view alone.
 * The round and the timed turn are set up over the control channel with the
 * facilitator's own token, as a second device of the facilitator would.
 */
describe('browser client: facilitator console and official view', () => {
  let server: RunningServer;
  let browser: Browser;
  let session: CreatedSession;
  type Role = 'facilitator' | 'citizen' | 'official';
  type Person = { name: string; role: Role; context: BrowserContext; page: Page; errors: string[]; token: string; participantId: string };
  let fac: Person, c1: Person, c2: Person, off: Person;
  const names = { fac: assembly.facilitators[0]!, c1: assembly.citizens[0]!, c2: assembly.citizens[1]!, off: assembly.officials[0]! };
  const control: ControlClient[] = [];
  const drafts: DraftClient[] = [];
  let facControl: ControlClient;

  const queueNames = (page: Page) =>
    page
      .locator('[data-testid="queue-list"] .queue-name')
      .allTextContents()
      .then((ts) =>
        ts.map((t) =>
          t
            .replace(/[\u2068\u2069]/g, '')
            .replace(/\s+/g, ' ')
            .trim(),
        ),
      );

  async function join(person: Person) {
    await joinByInvite(person.page, { inviteUrl: session.invites[person.role].url, serverUrl: server.url, name: person.name, role: person.role });
    const cred = await storedCredentials(person.page, session.sessionId);
    person.token = cred.token;
    person.participantId = cred.participantId;
  }

  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer();
    browser = await launchBrowser();
    session = await createSession(server.url);
    const person = async (name: string, role: Role): Promise<Person> => ({ name, role, token: '', participantId: '', ...(await newPerson(browser)) });
    [fac, c1, c2, off] = await Promise.all([person(names.fac, 'facilitator'), person(names.c1, 'citizen'), person(names.c2, 'citizen'), person(names.off, 'official')]);
  });

  afterAll(async () => {
    for (const c of control) c.close();
    for (const d of drafts) d.destroy();
    await browser?.close();
    await server?.stop();
  });

  test('a facilitator, two citizens and an official join', async () => {
    await Promise.all([join(fac), join(c1), join(c2), join(off)]);
    facControl = await connect(server.url, { sessionId: session.sessionId, token: fac.token });
    control.push(facControl);
  });

  test('the facilitator moves a citizen up the queue with the keyboard; both citizens see the new order and why', async () => {
    await c1.page.getByRole('button', { name: 'Raise hand' }).click();
    await waitForText(c1.page, '[data-testid="my-place"]', 'You are number 1 in the queue.');
    await c2.page.getByRole('button', { name: 'Raise hand' }).click();
    await waitForText(c2.page, '[data-testid="my-place"]', 'You are number 2 in the queue.');
    await waitForText(fac.page, '[data-testid="queue-list"]', `2. ${names.c2}`);
    // The first entry cannot move up, the last not down.
    expect(await fac.page.getByRole('button', { name: `Move up: ${names.c1}` }).isDisabled()).toBe(true);
    expect(await fac.page.getByRole('button', { name: `Move down: ${names.c2}` }).isDisabled()).toBe(true);

    await fac.page.getByRole('button', { name: `Move up: ${names.c2}` }).focus();
    await fac.page.keyboard.press('Enter');
    await expect.poll(() => queueNames(c1.page)).toEqual([`1. ${names.c2}`, `2. ${names.c1} (you)`]);
    await expect.poll(() => queueNames(c2.page)).toEqual([`1. ${names.c2} (you)`, `2. ${names.c1}`]);
    await waitForText(c2.page, '[data-testid="my-place"]', 'You are number 1 in the queue.');
    await waitForText(c2.page, '.my-reason', 'Why: The facilitator placed you here.');
    await waitForText(c1.page, '[data-testid="queue-list"] li:first-child .queue-reason', 'Placed here by the facilitator.');
    // The focus stays with the moved entry (now first, so on its "Move down").
    await expect.poll(() => fac.page.evaluate('document.activeElement?.getAttribute("aria-label") ?? ""')).toBe(`Move down: ${names.c2}`);

    for (const c of [c1, c2]) {
      await c.page.getByRole('button', { name: 'Lower hand' }).click();
      await waitForText(c.page, '[data-testid="my-place"]', 'Your hand is down.');
    }
  });

  test('the participant list: withdraw and restore a citizen’s right to speak', async () => {
    await openConsoleTab(fac.page, 'People');
    const list = fac.page.locator('[data-testid="participant-list"]');
    await waitForText(fac.page, `[data-participant-id="${off.participantId}"]`, /online\s*official · Plenary/);
    expect(await list.locator('[data-testid="participant"]').count()).toBe(4);
    await expectNoAxeViolations(fac.page);
    await fac.page.locator('[data-testid="participants"]').screenshot({ path: joinPath(artifactsDir, 'participants.png') });

    await fac.page.getByRole('button', { name: `Withdraw right to speak from ${names.c1}` }).click();
    await waitForText(c1.page, '[data-testid="cannot-speak"]', 'The facilitator has paused your right to speak.');
    const raise = c1.page.getByRole('button', { name: 'Raise hand' });
    await expect.poll(() => raise.isDisabled()).toBe(true);
    expect(await raise.getAttribute('aria-describedby')).toBe('cannot-speak raise-help');
    await waitForText(fac.page, `[data-participant-id="${c1.participantId}"]`, 'Right to speak withdrawn');
    // Keyboard: the restore button takes the same place.
    await fac.page.getByRole('button', { name: `Restore right to speak to ${names.c1}` }).focus();
    await fac.page.keyboard.press('Enter');
    await expect.poll(() => raise.isDisabled()).toBe(false);
    expect(await c1.page.locator('[data-testid="cannot-speak"]').count()).toBe(0);
  });

  test('a timed turn: the speaker is warned, and the floor is gone once the time is up', async () => {
    ok(await facControl.send('floor.give', { roomId: 'plenary', participantId: c1.participantId, seconds: 10 }));
    await waitForText(c1.page, '[data-testid="floor-you"]', 'You have the floor');
    // 10 s is inside the default 15 s warning window: the warning shows at once.
    await waitForText(c1.page, '.floor .callout.warn', 'Please come to an end.');
    await waitForText(c2.page, '.floor-speaker', `${names.c1} has the floor.`);
    // The turn runs on while the next test sets up a round; its end is checked after that.
  });

  test('the official sees the agreed recommendation with its support, and what was not agreed', async () => {
    const doc = draftClient(server.url, session.sessionId, 'plenary', fac.token);
    drafts.push(doc);
    await synced(doc);
    addRecommendation(doc.doc, { id: 'rec-a', ...assembly.recommendations[0]! });
    addRecommendation(doc.doc, { id: 'rec-b', ...assembly.recommendations[1]! });
    await waitForText(off.page, '[data-testid="drafting"]', assembly.recommendations[1]!.title);
    await waitForText(off.page, '[data-testid="outcome"]', 'No recommendation has been agreed yet.');

    const opened = await facControl.send('round.open', { roomId: 'plenary' });
    ok(opened);
    await facControl.caughtUp(opened.ok ? opened.seq : 0);
    const round = facControl.room('plenary')!.rounds.at(-1)!;
    expect(round.items.map((i) => i.recommendationId).sort()).toEqual(['rec-a', 'rec-b']);
    const [k1, k2] = await Promise.all([c1, c2].map((c) => connect(server.url, { sessionId: session.sessionId, token: c.token })));
    control.push(k1!, k2!);
    ok(await k1!.send('round.rate', { roundId: round.id, recommendationId: 'rec-a', level: 'full-support' }));
    ok(await k2!.send('round.rate', { roundId: round.id, recommendationId: 'rec-a', level: 'support-with-reservations' }));
    ok(await k1!.send('round.rate', { roundId: round.id, recommendationId: 'rec-b', level: 'full-support' }));
    ok(await k2!.send('round.rate', { roundId: round.id, recommendationId: 'rec-b', level: 'block', reason: 'Too expensive.' }));
    ok(await facControl.send('round.close', { roundId: round.id }));

    const agreed = off.page.locator('[data-testid="outcome-agreed"]');
    await waitForText(off.page, '[data-testid="outcome-agreed"]', assembly.recommendations[0]!.title);
    const text = await textOf(off.page, '[data-testid="outcome-agreed"]');
    expect(text).toContain(assembly.recommendations[0]!.body);
    expect(text).toContain(assembly.recommendations[0]!.rationale);
    expect(text).toContain('100% support, 2 ratings');
    expect(text).toContain('1 × “I fully support this.”');
    expect(text).toContain('1 × “I support this, with minor reservations.”');
    expect(text).not.toContain(assembly.recommendations[1]!.title);
    const lock = facControl.room('plenary')!.locks.find((l) => l.recommendationId === 'rec-a')!;
    expect(await textOf(off.page, '[data-testid="outcome-hash"]')).toBe(`Fingerprint of the agreed text: ${lock.textHash.slice(0, 12)}`);
    expect(await agreed.locator('[data-testid="outcome-item"]').count()).toBe(1);

    const notAgreed = await textOf(off.page, '[data-testid="outcome-not-agreed"]');
    expect(notAgreed).toContain(assembly.recommendations[1]!.title);
    expect(notAgreed).toContain('Not agreed');
    expect(notAgreed).toContain('1 × “I block this: it must not go forward.”');

    await expectNoAxeViolations(off.page);
    await screenshot(off.page, 'official-view');
  });

  test('the timed turn has run out: the citizen no longer has the floor', async () => {
    await expect.poll(() => c1.page.locator('[data-testid="floor-you"]').count(), { timeout: 15_000, interval: 200 }).toBe(0);
    await waitForText(c1.page, '.floor', 'Nobody has the floor.');
  });

  test('removing a citizen takes a confirmation; their page then says they were removed', async () => {
    await openConsoleTab(fac.page, 'People');
    await fac.page.getByRole('button', { name: `Remove ${names.c2} from the town hall` }).click();
    // Nothing happens before the confirmation; the focus is on it, Escape would cancel.
    const confirm = fac.page.getByRole('button', { name: `Confirm removal of ${names.c2}` });
    await expect.poll(() => fac.page.evaluate('document.activeElement?.getAttribute("aria-label") ?? ""')).toBe(`Confirm removal of ${names.c2}`);
    await fac.page.keyboard.press('Escape');
    await expect.poll(() => confirm.count()).toBe(0);
    expect(await fac.page.locator('[data-testid="participant"]').count()).toBe(4);

    await fac.page.getByRole('button', { name: `Remove ${names.c2} from the town hall` }).click();
    await confirm.click();
    await waitForText(c2.page, '.callout.error', 'The facilitator has removed you from this town hall.');
    await expect.poll(() => fac.page.locator('[data-testid="participant"]').count()).toBe(3);
    await expectNoAxeViolations(fac.page);
  });

  test('no page errors and no CSP violations in any browser', () => {
    for (const p of [fac, c1, c2, off]) expect(p.errors, p.name).toEqual([]);
  });
});
