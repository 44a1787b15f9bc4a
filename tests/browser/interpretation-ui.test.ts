import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OPUS_RTP_PARAMETERS, someMediaId } from '../helpers/audio.js';
import { AUDIO_PANEL, AudioCast, type AudioPerson, expectReceiving, launchToneBrowser, readings, TEST_MODE, holdMediaLibrary } from '../helpers/audioBrowser.js';
import { createSession, join as joinOverApi, type CreatedSession } from '../helpers/clients.js';
import { assembly } from '../helpers/fixtures.js';
import { AUDIO_ON, startServer, type RunningServer } from '../helpers/server.js';
import { ensureClientBuilt, expectNoAxeViolations, newPerson, openAsParticipant, openConsoleTab, screenshot, textOf, waitForText } from '../helpers/browser.js';

/*
 * Interpretation in real browsers: a facilitator makes a citizen the German
 * interpreter from the People list; a speaker is given the floor; the interpreter
 * interprets; a listener chooses German and receives the interpreter's audio (its
 * inbound-rtp grows) over the floor, which plays quieter. A citizen who is no
 * interpreter tries the same from the page's code, as a hostile client would, and is
 * refused. Chromium's fake microphone plays a steady tone for both voices.
 */

type Person = AudioPerson;

describe('browser client: interpretation channels', () => {
  let server: RunningServer;
  let browser: Browser;
  let session: CreatedSession;
  let fac: Person, speaker: Person, interpreter: Person, listener: Person;
  let tone: Awaited<ReturnType<typeof launchToneBrowser>>;
  let cast: AudioCast;
  const names = { fac: assembly.facilitators[0]!, speaker: assembly.citizens[0]!, interpreter: assembly.citizens[1]!, listener: assembly.citizens[2]! };
  const audioPanel = AUDIO_PANEL;

  const person = (name: string, role: Person['role']) => cast.person(name, role);
  const join = (p: Person) => cast.join(p);
  const listen = (p: Person) => cast.listen(p);

  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer({ env: AUDIO_ON });
    tone = await launchToneBrowser();
    browser = tone.browser;
    session = await createSession(server.url);
    cast = new AudioCast(browser, server.url, session);
    [fac, speaker, interpreter, listener] = await Promise.all([
      person(names.fac, 'facilitator'),
      person(names.speaker, 'citizen'),
      person(names.interpreter, 'citizen'),
      person(names.listener, 'citizen'),
    ]);
  }, 90_000);

  afterAll(async () => {
    await tone?.close();
    await server?.stop();
  });

  test('a facilitator and three citizens join, each in their own browser', async () => {
    await Promise.all([join(fac), join(speaker), join(interpreter), join(listener)]);
  });

  test('the facilitator makes a citizen the German interpreter from the People list, by keyboard', async () => {
    await openConsoleTab(fac.page, 'People');
    const row = fac.page.locator(`[data-participant-id="${interpreter.participantId}"]`);
    await row.getByRole('combobox', { name: `Language ${names.interpreter} interprets into` }).selectOption('de');
    await row.getByRole('button', { name: `Make interpreter: ${names.interpreter}` }).focus();
    await fac.page.keyboard.press('Enter');
    await expect.poll(() => row.getByTestId('interpreter-badge').textContent()).toBe('Interpreter (DE)');
    await expectNoAxeViolations(fac.page);
    await screenshot(fac.page, 'interpretation-people');
    await openConsoleTab(fac.page, 'Floor and queue');
  });

  test('without a floor the interpreter waits; the listener chooses German and hears the original meanwhile', async () => {
    await Promise.all([listen(speaker), listen(interpreter), listen(listener)]);
    const interpret = interpreter.page.getByRole('button', { name: 'Interpret into German' });
    await expect.poll(() => interpret.isDisabled()).toBe(true);
    await waitForText(interpreter.page, audioPanel, 'You can interpret while someone else has the floor.');

    const select = listener.page.getByRole('combobox', { name: 'Listen in' });
    expect(await select.locator('option').allTextContents()).toEqual(['Original', 'German']);
    await select.selectOption('de');
    await waitForText(listener.page, '[data-testid="listen-in-status"]', 'Nobody is interpreting into German right now');
  });

  test('a citizen who is no interpreter is refused a channel', async () => {
    const send = (name: string, payload: unknown) => listener.page.evaluate(`window.__townhallAudio.send(${JSON.stringify(name)}, ${JSON.stringify(payload)})`);
    const transport = (await send('audio.createSendTransport', {})) as { ok: boolean; error?: { code: string } };
    expect(transport).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const produce = (await send('audio.produce', { transportId: someMediaId(), kind: 'audio', rtpParameters: OPUS_RTP_PARAMETERS, language: 'de' })) as {
      ok: boolean;
      error?: { code: string; message: string };
    };
    expect(produce).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(produce.error!.message).toMatch(/not an interpreter/);
  });

  test('with the floor held the interpreter interprets; the listener receives the channel over the ducked floor', async () => {
    await speaker.page.getByRole('button', { name: 'Raise hand' }).click();
    await waitForText(speaker.page, '[data-testid="my-place"]', 'You are number 1 in the queue.');
    await fac.page.getByRole('button', { name: 'Give the floor to the next person' }).click();
    await waitForText(speaker.page, '[data-testid="floor-you"]', 'You have the floor');
    await speaker.page.getByTestId('floor-you').getByRole('button', { name: 'Turn on your microphone' }).click();
    await waitForText(speaker.page, '[data-testid="audio-mic"]', 'Your microphone is on', 20_000);

    const interpret = interpreter.page.getByRole('button', { name: 'Interpret into German' });
    await expect.poll(() => interpret.isEnabled()).toBe(true);
    await interpret.click();
    await waitForText(interpreter.page, '[data-testid="audio-mic"]', 'Your microphone is on', 20_000);
    await waitForText(interpreter.page, '[data-testid="audio-mic"]', 'You are interpreting into German: everyone who listens in German hears you.');

    const channel = await expectReceiving(listener.page, interpreter.participantId);
    expect(channel.language).toBe('de');
    await expectReceiving(listener.page, speaker.participantId);
    await waitForText(listener.page, '[data-testid="listen-in-status"]', `You hear German, interpreted by ${names.interpreter}.`);
    // The floor plays quieter under the interpreter; the interpreter at full volume.
    const volumes = (await listener.page.evaluate(`window.__townhallAudio.audioElements.map((a) => ({ language: a.dataset.language, volume: a.volume }))`)) as {
      language: string;
      volume: number;
    }[];
    expect(volumes.sort((a, b) => a.language.localeCompare(b.language))).toEqual([
      { language: '', volume: 0.2 },
      { language: 'de', volume: 1 },
    ]);
    // The speaker, who chose nothing, hears no interpreter.
    expect((await readings(speaker.page)).map((h) => h.participantId)).toEqual([]);

    await expectNoAxeViolations(listener.page);
    await expectNoAxeViolations(interpreter.page);
    await screenshot(listener.page, 'interpretation-listener');
    await screenshot(interpreter.page, 'interpretation-interpreter');
    await listener.page.setViewportSize({ width: 390, height: 844 });
    await expectNoAxeViolations(listener.page);
    await screenshot(listener.page, 'interpretation-listener-phone');
    await listener.page.setViewportSize({ width: 1280, height: 900 });
  });

  test('in a German browser on a phone, a listener chooses German and is told, in German, who interprets', async () => {
    const who = await joinOverApi(server.url, session, 'citizen', assembly.citizens[3]!);
    const de = await newPerson(browser, { locale: 'de-DE' });
    await de.page.addInitScript(TEST_MODE);
    await de.page.setViewportSize({ width: 390, height: 844 });
    // The helper waits for the English line; in German the same place names the person.
    await openAsParticipant(de.page, server.url, { ...who, role: 'citizen' }).catch(() => waitForText(de.page, '[data-testid="who"]', who.displayName));
    // German is chosen while the audio is still being set up: the media library is held back until then.
    const release = await holdMediaLibrary(de.page);
    await de.page.getByRole('button', { name: 'Dem Raum zuhören' }).click();
    const select = de.page.getByRole('combobox', { name: 'Hören auf' });
    await select.selectOption('de');
    release();
    await waitForText(de.page, AUDIO_PANEL, 'Sie hören dem Raum zu.', 20_000);
    await waitForText(de.page, '[data-testid="listen-in-status"]', `gedolmetscht von ${names.interpreter}`, 20_000);
    expect((await expectReceiving(de.page, interpreter.participantId)).language).toBe('de');
    await expectNoAxeViolations(de.page);
    await screenshot(de.page, 'interpretation-listener-de-390');
    expect(de.errors).toEqual([]);
    await de.context.close();
  });

  test('back to the original: the channel is no longer received and the floor is at full volume', async () => {
    await listener.page.getByRole('combobox', { name: 'Listen in' }).selectOption('');
    await expect.poll(async () => (await readings(listener.page)).map((h) => h.participantId)).toEqual([speaker.participantId]);
    await waitForText(listener.page, '[data-testid="listen-in-status"]', 'You hear the original.');
    expect(await listener.page.evaluate('window.__townhallAudio.audioElements.map((a) => a.volume)')).toEqual([1]);
    expect(await textOf(listener.page, '[data-testid="listen-in-status"]')).not.toContain('German');
  });
});
