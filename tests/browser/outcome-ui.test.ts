import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { roomScoped } from '../../shared/src/drafting.js';
import { assembly } from '../helpers/fixtures.js';
import { runScriptedSession, type ScriptedSession } from '../helpers/outcome.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import {
  ensureClientBuilt,
  expectNoAxeViolations,
  joinByInvite,
  launchBrowser,
  newPerson,
  openAsParticipant,
  screenshotOf,
  textOf,
  waitForText,
} from '../helpers/browser.js';

/**
 * What happens to the outcome after the session, in the browser: the facilitator
 * registers a webhook, publishes and watches the delivery, and downloads the brief;
 * an official (joining after the close) answers the agreed recommendations; a citizen
 * sees the answers arrive live. The session itself is run and closed over the real
 * protocol beforehand (runScriptedSession), so the facilitator and the citizen come
 * back with the credentials they got then: a closed session admits no new citizens.
 */
describe('browser client: the outcome, the answers and the delivery', () => {
  let server: RunningServer;
  let browser: Browser;
  let scripted: ScriptedSession;
  let receiver: Server;
  let receiverUrl: string;
  let flakyUrl: string;
  /** The flaky receiver answers 503 until this is set. */
  let flakyHealthy = false;
  const received: { path: string; status: number; headers: IncomingHttpHeaders; body: string }[] = [];
  const deliveredTo = (path: string) => received.filter((r) => r.path === path);
  type Person = { context: BrowserContext; page: Page; errors: string[] };
  let fac: Person, cit: Person, off: Person;
  let sessionId: string;
  let webhookId: string;
  const officialName = assembly.officials[0]!;
  const lanesReason = 'The street is too narrow for a lane in each direction; we will widen the pavement instead.';

  const responses = () => server.townhall.registry.get(sessionId)!.state.responses;
  const item = (page: Page, testid: string, recommendationId: string) => page.locator(`[data-testid="${testid}"][data-recommendation-id="${recommendationId}"]`);

  beforeAll(async () => {
    await ensureClientBuilt();
    // Two quick attempts, so a delivery to a failing receiver ends up "failed" (and retryable) within the test.
    // The receiver listens on 127.0.0.1, which a server refuses unless told otherwise.
    server = await startServer({ env: { TOWNHALL_WEBHOOK_MAX_ATTEMPTS: '2', TOWNHALL_WEBHOOK_BASE_DELAY_MS: '50', TOWNHALL_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    browser = await launchBrowser();
    scripted = await runScriptedSession(server.url);
    sessionId = scripted.session.sessionId;
    receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const path = req.url ?? '';
        const status = path === '/flaky' && !flakyHealthy ? 503 : 200;
        if (req.method === 'POST') received.push({ path, status, headers: req.headers, body });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'down');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    receiverUrl = `${base}/townhall/outcome`;
    flakyUrl = `${base}/flaky`;
    [fac, cit, off] = await Promise.all([newPerson(browser), newPerson(browser), newPerson(browser)]);
  });

  afterAll(async () => {
    scripted?.close();
    await browser?.close();
    await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
    await server?.stop();
  });

  test('the facilitator and a citizen come back to the closed session; nothing is answered yet', async () => {
    const citizen = scripted.citizens[1]!;
    await Promise.all([openAsParticipant(fac.page, server.url, scripted.fac), openAsParticipant(cit.page, server.url, citizen)]);
    await waitForText(fac.page, '[data-testid="outcome-delivery"]', 'Nothing has been published yet.');
    await waitForText(fac.page, '[data-testid="answered-count"]', '0 of 2 agreed recommendations answered.');
    // The citizen's page must pick up the answers live: a reload would clear this mark.
    await cit.page.evaluate('window.__sameDocument = true');
    for (const id of ['rec-square', 'rec-lanes']) {
      await waitForText(cit.page, `[data-testid="answer-item"][data-recommendation-id="${id}"]`, 'No answer yet.');
    }
    expect(await cit.page.locator('[data-testid="answer-item"]').count()).toBe(2);
    expect(await textOf(cit.page, '[data-testid="answers"]')).not.toContain(scripted.notAgreedTitle);
  });

  test('the facilitator adds a webhook and is shown its secret once', async () => {
    const panel = fac.page.locator('[data-testid="outcome-delivery"]');
    await panel.getByLabel('Webhook URL').fill(receiverUrl);
    await panel.getByRole('button', { name: 'Add webhook' }).click();
    await waitForText(fac.page, '[data-testid="webhook-secret"]', 'Copy it now, it will not be shown again.');
    const secret = await textOf(fac.page, '[data-testid="webhook-secret-value"]');
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{20,}$/);
    // The focus moves to the secret, so a screen reader reads it out at once.
    expect(await fac.page.evaluate('document.activeElement?.dataset.testid ?? ""')).toBe('webhook-secret');
    await waitForText(fac.page, '[data-testid="webhooks"]', receiverUrl);
    webhookId = (await fac.page.locator('[data-testid="webhooks"] [data-webhook-id]').first().getAttribute('data-webhook-id'))!;
    expect(webhookId).toBeTruthy();

    await panel.getByRole('button', { name: 'I have stored the secret' }).click();
    expect(await fac.page.locator('[data-testid="webhook-secret"]').count()).toBe(0);
    expect(await textOf(fac.page, '[data-testid="outcome-delivery"]')).not.toContain(secret);
  });

  test('publishing: "Published as number 1", and the delivery log shows it delivered to the receiver', async () => {
    await fac.page.getByRole('button', { name: 'Publish the outcome' }).click();
    await waitForText(fac.page, '[data-testid="publish-result"]', 'Published as number 1.');
    await waitForText(fac.page, '[data-testid="publications"]', 'Number 1:');

    const delivered = fac.page.locator('[data-testid="delivery"][data-status="delivered"]');
    await expect.poll(() => delivered.count(), { timeout: 15_000, interval: 200 }).toBe(1);
    const row = await textOf(fac.page, '[data-testid="delivery"]');
    expect(row).toContain(receiverUrl);
    expect(row).toContain('Delivered');

    const posts = deliveredTo('/townhall/outcome');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.headers['idempotency-key']).toBe(`${sessionId}:1:${webhookId}`);
    const body = JSON.parse(posts[0]!.body) as { format: string };
    expect(body.format).toBe('townhall-outcome');

    // Nothing changed since: the server refuses a second, identical publication, and the page says why.
    await fac.page.getByRole('button', { name: 'Publish the outcome' }).click();
    await waitForText(fac.page, '[data-testid="publish-error"]', 'Nothing has changed since the last publication');
    expect(deliveredTo('/townhall/outcome')).toHaveLength(1);
  });

  test('the facilitator downloads the brief as a PDF through the page', async () => {
    // Downloads follow the latest publication unless another is picked.
    expect(await fac.page.getByLabel('Version').inputValue()).toBe('1');
    await fac.page.getByLabel('Version').selectOption('current');
    await fac.page.getByLabel('Version').selectOption('1');
    const [download] = await Promise.all([fac.page.waitForEvent('download'), fac.page.getByRole('button', { name: 'Brief (PDF)' }).click()]);
    // The name comes from the server's content-disposition, not from the URL.
    expect(download.suggestedFilename()).toMatch(new RegExp(`^townhall-${sessionId}-\\d+-outcome\\.pdf$`));
    const file = readFileSync((await download.path())!);
    expect(file.subarray(0, 4).toString('latin1')).toBe('%PDF');
    await waitForText(fac.page, '[data-testid="download-status"]', `Downloaded: ${download.suggestedFilename()}`);
  });

  test('an official joins after the close; a rejection without a reason is stopped before it is sent', async () => {
    await joinByInvite(off.page, { inviteUrl: scripted.session.invites.official.url, serverUrl: server.url, name: officialName, role: 'official' });
    await waitForText(off.page, '[data-testid="brief-latest"]', 'publication 1 of');
    await waitForText(off.page, '[data-testid="signing-key"]', /Signing key: [0-9a-f]{16} \(Ed25519\)/);
    await waitForText(off.page, '[data-testid="verify"]', 'npx townhall verify <export.json> --log <log.jsonl>');

    const lanes = item(off.page, 'respond', 'rec-lanes');
    await lanes.getByLabel('Rejected', { exact: true }).check();
    await waitForText(off.page, '[data-testid="respond"][data-recommendation-id="rec-lanes"] label[for$="-reason"]', 'Reason (required)');
    await lanes.getByRole('button', { name: 'Give the answer' }).click();
    await waitForText(off.page, '[data-testid="respond"][data-recommendation-id="rec-lanes"] [data-testid="reason-error"]', 'Please give the reason for the rejection.');
    const reason = lanes.getByLabel('Reason');
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    expect(await off.page.evaluate('document.activeElement?.id')).toBe(await reason.getAttribute('id'));
    expect(Object.keys(responses())).toEqual([]);
  });

  test('the official accepts one recommendation with a due date and rejects the other with its reason', async () => {
    const square = item(off.page, 'respond', 'rec-square');
    await square.getByLabel('Accepted', { exact: true }).check();
    await square.getByLabel('Due date').fill('2027-04-01');
    await square.getByRole('button', { name: 'Give the answer' }).click();
    await waitForText(off.page, '[data-testid="respond"][data-recommendation-id="rec-square"] [data-testid="respond-status"]', 'Your answer is saved');
    await waitForText(off.page, '[data-testid="respond"][data-recommendation-id="rec-square"] [data-testid="answer"]', 'Answer: Accepted');
    expect(responses()[roomScoped('plenary', 'rec-square')]?.current).toMatchObject({ status: 'accepted', reason: null, dueDate: '2027-04-01' });

    // The form with the rejection still waiting for its reason, and an answered one: both states, for axe and the eye.
    await expectNoAxeViolations(off.page);
    await screenshotOf(off.page, ['[data-testid="outcome"]', '[data-testid="brief"]'], 'outcome-official');

    const lanes = item(off.page, 'respond', 'rec-lanes');
    await lanes.getByLabel('Reason').fill(lanesReason);
    await lanes.getByRole('button', { name: 'Give the answer' }).click();
    await waitForText(off.page, '[data-testid="respond"][data-recommendation-id="rec-lanes"] [data-testid="answer"]', 'Answer: Rejected');
    expect(responses()[roomScoped('plenary', 'rec-lanes')]?.current).toMatchObject({ status: 'rejected', reason: lanesReason, dueDate: null });

    await square.getByLabel('Progress update').fill('The traders’ association has agreed the delivery hours.');
    await square.getByRole('button', { name: 'Report progress' }).click();
    await waitForText(off.page, '[data-testid="respond"][data-recommendation-id="rec-square"] [data-testid="answer-progress"]', 'delivery hours');
    await expectNoAxeViolations(off.page);
  });

  test('the citizen sees both answers arrive, without a reload, and hears of them', async () => {
    const square = '[data-testid="answer-item"][data-recommendation-id="rec-square"]';
    const lanes = '[data-testid="answer-item"][data-recommendation-id="rec-lanes"]';
    await waitForText(cit.page, square, 'Answer: Accepted');
    await waitForText(cit.page, square, 'To be done by 1 April 2027.');
    await waitForText(cit.page, square, `Answered by ${officialName} on`);
    await waitForText(cit.page, square, 'The traders’ association has agreed the delivery hours.');
    await waitForText(cit.page, lanes, 'Answer: Rejected');
    await waitForText(cit.page, lanes, `Reason: ${lanesReason}`);
    expect(await textOf(cit.page, lanes)).not.toContain('To be done by');
    expect(await cit.page.evaluate('window.__sameDocument === true')).toBe(true);
    await waitForText(cit.page, '[data-testid="announcer"]', 'New answer from the decision-makers:');
    await waitForText(cit.page, '[data-testid="announcer"]', 'Rejected');

    await expectNoAxeViolations(cit.page);
    await screenshotOf(cit.page, ['[data-testid="answers"]'], 'outcome-citizen-answers');
  });

  test('the facilitator publishes the answers as number 2; the receiver gets that delivery too', async () => {
    await waitForText(fac.page, '[data-testid="answered-count"]', '2 of 2 agreed recommendations answered.');
    await fac.page.getByRole('button', { name: 'Publish the outcome' }).click();
    await waitForText(fac.page, '[data-testid="publish-result"]', 'Published as number 2.');
    // The facilitator picked number 1 earlier: their choice stays.
    expect(await fac.page.getByLabel('Version').inputValue()).toBe('1');
    const delivered = fac.page.locator('[data-testid="delivery"][data-status="delivered"]');
    await expect.poll(() => delivered.count(), { timeout: 15_000, interval: 200 }).toBe(2);
    expect(deliveredTo('/townhall/outcome').map((r) => r.headers['idempotency-key'])).toEqual([`${sessionId}:1:${webhookId}`, `${sessionId}:2:${webhookId}`]);

    await expectNoAxeViolations(fac.page);
    await screenshotOf(fac.page, ['[data-testid="outcome-delivery"]'], 'outcome-facilitator');
  });

  test('a delivery that failed is retried from the log; a removed webhook stays named in it', async () => {
    const panel = fac.page.locator('[data-testid="outcome-delivery"]');
    await panel.getByLabel('Webhook URL').fill(flakyUrl);
    await panel.getByRole('button', { name: 'Add webhook' }).click();
    await waitForText(fac.page, '[data-testid="webhook-secret"]', flakyUrl);
    await panel.getByRole('button', { name: 'I have stored the secret' }).click();
    await waitForText(fac.page, '[data-testid="webhooks"]', flakyUrl);
    const flakyId = (await fac.page.locator('[data-testid="webhooks"] [data-webhook-id]').last().getAttribute('data-webhook-id'))!;

    // Something new to publish: a progress report on the rejected recommendation.
    const lanes = item(off.page, 'respond', 'rec-lanes');
    await lanes.getByLabel('Progress update').fill('The pavement widening is out to tender.');
    await lanes.getByRole('button', { name: 'Report progress' }).click();
    await waitForText(off.page, '[data-testid="respond"][data-recommendation-id="rec-lanes"] [data-testid="answer-progress"]', 'out to tender');
    await fac.page.getByRole('button', { name: 'Publish the outcome' }).click();
    await waitForText(fac.page, '[data-testid="publish-result"]', 'Published as number 3.');

    const row = `[data-testid="delivery"][data-webhook-id="${flakyId}"]`;
    await expect.poll(() => fac.page.locator(row).getAttribute('data-status'), { timeout: 15_000, interval: 200 }).toBe('failed');
    const failed = await textOf(fac.page, row);
    expect(failed).toContain('Failed');
    expect(failed).toContain('HTTP 503');
    expect(deliveredTo('/flaky').map((r) => r.status)).toEqual([503, 503]);
    await expectNoAxeViolations(fac.page);

    flakyHealthy = true;
    await fac.page.getByRole('button', { name: `Retry delivering publication 3 to ${flakyUrl}` }).click();
    await waitForText(fac.page, '[data-testid="retry-status"]', 'The delivery will be tried again.');
    await expect.poll(() => fac.page.locator(row).getAttribute('data-status'), { timeout: 15_000, interval: 200 }).toBe('delivered');
    const retried = deliveredTo('/flaky').at(-1)!;
    expect(retried.status).toBe(200);
    expect(retried.headers['idempotency-key']).toBe(`${sessionId}:3:${flakyId}`);

    await fac.page.getByRole('button', { name: `Remove the webhook ${flakyUrl}` }).click();
    await expect.poll(() => textOf(fac.page, '[data-testid="webhooks"]')).not.toContain(flakyUrl);
    await waitForText(fac.page, row, '(removed)');
  });

  test('an answer recorded with a due date already past: the receiver is reminded, and the delivery log says so', async () => {
    const lanes = item(off.page, 'respond', 'rec-lanes');
    await lanes.locator('summary').click();
    await lanes.getByLabel('Still being considered', { exact: true }).check();
    await lanes.getByLabel('Due date').fill('2020-05-31');
    await lanes.locator('button[type="submit"]', { hasText: 'Change the answer' }).click();
    await waitForText(off.page, '[data-testid="respond"][data-recommendation-id="rec-lanes"] [data-testid="answer"]', 'Answer: Still being considered');

    const reminderKey = `${sessionId}:overdue:plenary:rec-lanes:2020-05-31:${webhookId}`;
    await expect
      .poll(() => deliveredTo('/townhall/outcome').filter((r) => r.headers['idempotency-key'] === reminderKey).length, { timeout: 15_000, interval: 200 })
      .toBe(1);
    const reminder = deliveredTo('/townhall/outcome').find((r) => r.headers['idempotency-key'] === reminderKey)!;
    expect(reminder.headers['x-townhall-event']).toBe('response.overdue');
    expect(reminder.body).not.toContain(officialName);

    await fac.page.locator('[data-testid="outcome-delivery"]').getByRole('button', { name: 'Refresh' }).click();
    const row = fac.page.locator('[data-testid="delivery"]').filter({ hasText: 'Reminder: an answer is past its due date' });
    await expect.poll(() => row.count(), { timeout: 15_000, interval: 200 }).toBe(1);
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000, interval: 200 }).toBe('delivered');
    expect(await textOf(fac.page, '[data-testid="deliveries"] thead')).toContain('Message');
    expect(await textOf(fac.page, '[data-testid="deliveries"]')).toContain('Publication 2');
    await expectNoAxeViolations(fac.page);
    await screenshotOf(fac.page, ['[data-testid="deliveries"]'], 'outcome-delivery-reminder');
  });

  test('no page errors and no CSP violations in any browser', () => {
    for (const [name, p] of [
      ['facilitator', fac],
      ['citizen', cit],
      ['official', off],
    ] as const)
      expect(p.errors, name).toEqual([]);
  });
});
