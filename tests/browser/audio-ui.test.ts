import { mkdirSync, writeFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PLENARY } from '../../shared/src/index.js';
import { OPUS_RTP_PARAMETERS, someMediaId } from '../helpers/audio.js';
import { AUDIO_PANEL, AudioCast, type AudioPerson, expectReceiving, fromSpeaker, launchToneBrowser, type Reading, holdMediaLibrary } from '../helpers/audioBrowser.js';
import { serverAndBrowser } from '../helpers/browserSuite.js';
import { createSession, type CreatedSession } from '../helpers/clients.js';
import { assembly } from '../helpers/fixtures.js';
import { AUDIO_ON, startServer, type RunningServer } from '../helpers/server.js';
import { artifactsDir, ensureClientBuilt, expectNoAxeViolations, joinByInvite, newPerson, screenshot, textOf, waitForText } from '../helpers/browser.js';

/*
 * Live audio in real browsers: a facilitator, a citizen who is given the floor and two
 * citizens who only listen, each in their own Chromium profile, against a server with a
 * real mediasoup worker. Chromium's fake microphone plays a steady tone, so what arrives can be
 * measured: the listeners' inbound-rtp stats (bytesReceived, audioLevel) read through the
 * page's audio controller (exposed on window.__townhallAudio in test mode). Everything
 * a person does goes through the UI; only the attempts to speak without the floor are
 * made from the page's own code, as a hostile client would.
 */

/**
 * Runs before the app in every document: test mode on (so the controller is exposed), and
 * getUserMedia wrapped to count its calls, in sessionStorage so the count survives the
 * page changing from the invite to the session.
 */
const INIT = `(() => {
  try { localStorage.setItem('townhall.test', '1'); } catch {}
  const md = navigator.mediaDevices;
  if (md && md.getUserMedia) {
    const original = md.getUserMedia.bind(md);
    md.getUserMedia = (constraints) => {
      try { sessionStorage.setItem('gum-calls', String(Number(sessionStorage.getItem('gum-calls') ?? '0') + 1)); } catch {}
      return original(constraints);
    };
  }
})();`;

type Person = AudioPerson;

const gumCalls = async (page: Page) => Number((await page.evaluate(`sessionStorage.getItem('gum-calls') ?? '0'`)) as string);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('browser client: live audio', () => {
  let server: RunningServer;
  let browser: Browser;
  let session: CreatedSession;
  let fac: Person, speaker: Person, l1: Person, l2: Person, late: Person;
  let tone: Awaited<ReturnType<typeof launchToneBrowser>>;
  let cast: AudioCast;
  const names = { fac: assembly.facilitators[0]!, speaker: assembly.citizens[0]!, l1: assembly.citizens[1]!, l2: assembly.citizens[2]!, late: assembly.citizens[4]! };
  const audioPanel = AUDIO_PANEL;
  const person = (name: string, role: Person['role']) => cast.person(name, role);
  const join = (p: Person) => cast.join(p);
  const listen = (p: Person) => cast.listen(p);

  async function giveFloorAndSpeak() {
    await speaker.page.getByRole('button', { name: 'Raise hand' }).click();
    await waitForText(speaker.page, '[data-testid="my-place"]', 'You are number 1 in the queue.');
    await fac.page.getByRole('button', { name: 'Give the floor to the next person' }).click();
    await waitForText(speaker.page, '[data-testid="floor-you"]', 'You have the floor');
    // The microphone is switched where "You have the floor" says so (the status bar at the top has the same button).
    await speaker.page.getByTestId('floor-you').getByRole('button', { name: 'Turn on your microphone' }).click();
    await waitForText(speaker.page, '[data-testid="audio-mic"]', 'Your microphone is on', 20_000);
  }

  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer({ env: AUDIO_ON });
    tone = await launchToneBrowser();
    browser = tone.browser;
    session = await createSession(server.url);
    cast = new AudioCast(browser, server.url, session, INIT);
    [fac, speaker, l1, l2] = await Promise.all([
      person(names.fac, 'facilitator'),
      person(names.speaker, 'citizen'),
      person(names.l1, 'citizen'),
      person(names.l2, 'citizen'),
    ]);
  }, 60_000);

  afterAll(async () => {
    await tone?.close();
    await server?.stop();
  });

  test('a facilitator and three citizens join, each in their own browser', async () => {
    await Promise.all([join(fac), join(speaker), join(l1), join(l2)]);
  });

  test('listeners hear the room without a microphone; the speaker is heard once given the floor', async () => {
    for (const p of [fac, speaker, l1, l2]) await waitForText(p.page, audioPanel, 'Listen to the room');
    await Promise.all([listen(l1), listen(l2), listen(fac)]);
    for (const l of [l1, l2]) {
      await waitForText(l.page, '[data-testid="audio-heard"]', 'Nobody’s microphone is on.');
      // A citizen without the floor is not offered the microphone.
      expect(await l.page.getByRole('button', { name: 'Turn on your microphone' }).count()).toBe(0);
    }

    await giveFloorAndSpeak();
    expect(await gumCalls(speaker.page)).toBe(1);

    for (const l of [l1, l2]) {
      await waitForText(l.page, '[data-testid="audio-heard"]', `Can be heard: ${names.speaker}`);
      const grown = await expectReceiving(l.page, speaker.participantId);
      expect(grown.bytesReceived).toBeGreaterThan(0);
      // The fake microphone's tone is decoded and played: its level shows in the inbound-rtp stats.
      await expect.poll(async () => (await fromSpeaker(l.page, speaker.participantId))?.audioLevel ?? 0, { timeout: 20_000, interval: 200 }).toBeGreaterThan(0);
      // Played through an <audio autoplay> element the controller manages.
      const el = (await l.page.evaluate(
        `(() => { const a = window.__townhallAudio.audioElements[0]; return a && { autoplay: a.autoplay, paused: a.paused, hasStream: a.srcObject instanceof MediaStream, live: a.srcObject.getAudioTracks()[0].readyState }; })()`,
      )) as {
        autoplay: boolean;
        paused: boolean;
        hasStream: boolean;
        live: string;
      };
      expect(el).toEqual({ autoplay: true, paused: false, hasStream: true, live: 'live' });
    }
    // What the stats look like, once, for the record.
    const sample = (await l1.page.evaluate('window.__townhallAudio.getStats()')) as { consumers: { reports: Record<string, unknown>[] }[] };
    const types = sample.consumers[0]!.reports.map((r) => r.type);
    console.log(`[audio] consumer stats types: ${types.join(', ')}`);
    const inbound = sample.consumers[0]!.reports.find((r) => r.type === 'inbound-rtp')!;
    console.log(
      `[audio] inbound-rtp: bytesReceived=${inbound.bytesReceived} packetsReceived=${inbound.packetsReceived} audioLevel=${inbound.audioLevel} totalAudioEnergy=${inbound.totalAudioEnergy}`,
    );

    // Listening never asked for the microphone.
    for (const l of [l1, l2, fac]) expect(await gumCalls(l.page)).toBe(0);
  });

  test('a listener sees who is speaking, by name', async () => {
    for (const l of [l1, l2]) await waitForText(l.page, '[data-testid="audio-speaking"]', `${names.speaker} is speaking`, 30_000);
    // Announced once, politely, by the live region.
    await expect.poll(() => textOf(l1.page, '[data-testid="announcer"]'), { timeout: 5_000 }).toContain(`${names.speaker} is speaking.`);
  });

  test('screenshots and accessibility: listener, speaker and the facilitator console', async () => {
    await screenshot(l1.page, 'audio-listener');
    await screenshot(speaker.page, 'audio-speaker');
    await screenshot(fac.page, 'audio-facilitator');
    await expectNoAxeViolations(l1.page);
    await expectNoAxeViolations(speaker.page);
    await expectNoAxeViolations(fac.page);
  });

  test('the facilitator ends the turn: the speaker is told, and the listeners stop receiving', async () => {
    const before = await fromSpeaker(l1.page, speaker.participantId);
    expect(before).toBeDefined();
    await fac.page.getByRole('button', { name: 'End turn' }).click();
    await waitForText(speaker.page, '[data-testid="audio-mic-closed"]', 'Your turn ended: your microphone is off.');
    expect(await speaker.page.getByRole('button', { name: 'Turn off your microphone' }).count()).toBe(0);
    // The microphone track is stopped, not just muted.
    expect(await speaker.page.evaluate('window.__townhallAudio.getState().mic')).toBe('off');
    for (const l of [l1, l2]) {
      // The consumer is closed: nothing of that speaker is received any more.
      await expect.poll(() => fromSpeaker(l.page, speaker.participantId), { timeout: 10_000 }).toBeUndefined();
      await waitForText(l.page, '[data-testid="audio-heard"]', 'Nobody’s microphone is on.');
    }
    const snapshot = server.townhall.audio!.service.snapshot().find((r) => r.key === `${session.sessionId}:${PLENARY}`)!;
    expect(snapshot.producers).toBe(0);
  });

  test('a citizen without the floor cannot be heard, even by calling the controller directly', async () => {
    // Through the controller, as the button would (it is not shown): the server refuses the send transport.
    expect(await l1.page.evaluate('window.__townhallAudio.startMic()')).toBe('FORBIDDEN');
    await waitForText(l1.page, '[data-testid="audio-error"]', 'You can speak only when you have the floor.');
    // Raw signalling over the app's own control channel.
    const raw = async (name: string, payload: unknown) =>
      (await l1.page.evaluate(`window.__townhallAudio.send(${JSON.stringify(name)}, ${JSON.stringify(payload)})`)) as { ok: boolean; error?: { code: string } };
    expect(await raw('audio.createSendTransport', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await raw('audio.produce', { transportId: someMediaId(), kind: 'audio', rtpParameters: OPUS_RTP_PARAMETERS })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    // Refused before the microphone was even asked for; nobody receives anything from them.
    expect(await gumCalls(l1.page)).toBe(0);
    await sleep(1_000);
    for (const l of [l2, fac, speaker]) expect(await fromSpeaker(l.page, l1.participantId)).toBeUndefined();
    expect(server.townhall.audio!.service.snapshot().find((r) => r.key === `${session.sessionId}:${PLENARY}`)!.producers).toBe(0);
    // The refusal did not stop them listening.
    await waitForText(l1.page, audioPanel, 'You are listening to the room.');
  });

  test('the media worker dies mid-turn: listeners rejoin by themselves and the speaker is heard again', async () => {
    await giveFloorAndSpeak();
    const old: Record<string, string> = {};
    for (const l of [l1, l2]) old[l.name] = (await expectReceiving(l.page, speaker.participantId)).producerId;
    const gumBefore = await gumCalls(speaker.page);

    const pid = server.townhall.audio!.pool.workers[0]!.worker.pid;
    const killedAt = performance.now();
    process.kill(pid, 'SIGKILL');

    // Per listener: the first moment bytesReceived grows on a consumer of the speaker's new producer.
    const recovered = await Promise.all(
      [l1, l2].map(async (l) => {
        let previous: Reading | undefined;
        for (;;) {
          const r = await fromSpeaker(l.page, speaker.participantId);
          if (r && r.producerId !== old[l.name] && previous && previous.producerId === r.producerId && r.bytesReceived > previous.bytesReceived) {
            return performance.now() - killedAt;
          }
          if (r?.producerId !== old[l.name]) previous = r;
          if (performance.now() - killedAt > 60_000) throw new Error(`${l.name} did not hear the speaker again within 60 s`);
          await sleep(50);
        }
      }),
    );
    const ms = Math.max(...recovered);
    const line = `audio recovery after SIGKILL of the mediasoup worker: ${ms.toFixed(0)} ms until bytesReceived grew again on both listeners (${recovered.map((r) => r.toFixed(0)).join(' ms, ')} ms)`;
    console.log(`[audio] ${line}`);
    mkdirSync(artifactsDir, { recursive: true });
    writeFileSync(joinPath(artifactsDir, 'audio-recovery.txt'), `${line}\nmeasured ${new Date().toISOString()}\n`);

    expect(server.townhall.audio!.pool.workers[0]!.worker.pid).not.toBe(pid);
    // The speaker did nothing: the controller produced again with the same microphone track.
    await waitForText(speaker.page, '[data-testid="audio-mic"]', 'Your microphone is on');
    expect(await gumCalls(speaker.page)).toBe(gumBefore);
    for (const l of [l1, l2]) await waitForText(l.page, audioPanel, 'You are listening to the room.');
    await fac.page.getByRole('button', { name: 'End turn' }).click();
    await waitForText(speaker.page, '[data-testid="audio-mic-closed"]', 'Your turn ended: your microphone is off.');
  });

  test('the facilitator opens the mic for the room and mutes a speaker', async () => {
    await fac.page.getByRole('switch', { name: 'Open mic' }).click();
    await expect.poll(() => fac.page.getByRole('switch', { name: 'Open mic' }).getAttribute('aria-checked')).toBe('true');
    // Now everyone in the room may speak: the listener is offered the microphone.
    await l2.page.getByRole('button', { name: 'Turn on your microphone' }).click();
    await waitForText(l2.page, '[data-testid="audio-mic"]', 'Your microphone is on', 20_000);
    await expectReceiving(l1.page, l2.participantId);
    await fac.page.getByRole('switch', { name: 'Open mic' }).click();
    await waitForText(l2.page, '[data-testid="audio-mic-closed"]', 'Open mic ended: your microphone is off.');
    await expect.poll(() => fromSpeaker(l1.page, l2.participantId), { timeout: 10_000 }).toBeUndefined();

    // Mute: the speaker with the floor is cut off until given the floor again.
    await giveFloorAndSpeak();
    await expectReceiving(l1.page, speaker.participantId);
    await fac.page.getByRole('button', { name: `Mute ${names.speaker}` }).click();
    await waitForText(speaker.page, '[data-testid="audio-mic-closed"]', 'The facilitator muted you: your microphone is off.');
    await expect.poll(() => fac.page.getByRole('button', { name: `${names.speaker} is muted` }).isDisabled()).toBe(true);
    await expect.poll(() => fromSpeaker(l1.page, speaker.participantId), { timeout: 10_000 }).toBeUndefined();
    await fac.page.getByRole('button', { name: 'End turn' }).click();
    await waitForText(fac.page, '.panel.floor', 'Nobody has the floor.');
  });

  test('the speaker turns the microphone off and on while holding the floor, and keeps listening throughout', async () => {
    await giveFloorAndSpeak();
    await expectReceiving(l1.page, speaker.participantId);
    // The console's strip shows the floor holder's microphone live, then off (audio.test.ts: also for a facilitator who is not listening).
    await waitForText(fac.page, '[data-testid="live-floor"] [data-testid="mic-state"]', 'Microphone on');
    await speaker.page.getByTestId('floor-you').getByRole('button', { name: 'Turn off your microphone' }).click();
    await waitForText(fac.page, '[data-testid="live-floor"] [data-testid="mic-state"]', 'Microphone off');
    for (const l of [l1, l2]) await expect.poll(() => fromSpeaker(l.page, speaker.participantId), { timeout: 10_000 }).toBeUndefined();
    await waitForText(speaker.page, audioPanel, 'You are listening to the room.');
    expect(server.townhall.audio!.service.snapshot().find((r) => r.key === `${session.sessionId}:${PLENARY}`)!.producers).toBe(0);
    await speaker.page.getByTestId('floor-you').getByRole('button', { name: 'Turn on your microphone' }).click();
    await waitForText(speaker.page, '[data-testid="audio-mic"]', 'Your microphone is on', 20_000);
    await expectReceiving(l1.page, speaker.participantId);
    await waitForText(fac.page, '[data-testid="live-floor"] [data-testid="mic-state"]', 'Microphone on');
    await fac.page.getByRole('button', { name: 'End turn' }).click();
    await waitForText(fac.page, '.panel.floor', 'Nobody has the floor.');
  });

  test('a speaker whose page joins the audio again is no longer listed by the listeners', async () => {
    await giveFloorAndSpeak();
    await expectReceiving(l1.page, speaker.participantId);
    // What a client does after its ICE connection failed: audio.join again, straight away.
    const again = (await speaker.page.evaluate(`window.__townhallAudio.send('audio.join', {})`)) as { ok: boolean };
    expect(again.ok).toBe(true);
    for (const l of [l1, l2]) {
      await expect.poll(() => fromSpeaker(l.page, speaker.participantId), { timeout: 10_000 }).toBeUndefined();
      await waitForText(l.page, '[data-testid="audio-heard"]', 'Nobody’s microphone is on.');
    }
    await fac.page.getByRole('button', { name: 'End turn' }).click();
    await waitForText(fac.page, '.panel.floor', 'Nobody has the floor.');
    // That page's controller was bypassed: start it afresh.
    await speaker.page.reload();
    await waitForText(speaker.page, audioPanel, 'Listen to the room');
  });

  test('a listener whose device is still being set up when the speaker starts hears the speaker', async () => {
    // The gap the worker-death recovery above sometimes fell into: audio.join answered with nobody
    // heard, the speaker produced while mediasoup-client was still loading, and that news was lost.
    late = await person(names.late, 'citizen');
    await join(late);
    const release = await holdMediaLibrary(late.page);
    await speaker.page.getByRole('button', { name: 'Raise hand' }).click();
    await fac.page.getByRole('button', { name: 'Give the floor to the next person' }).click();
    await waitForText(speaker.page, '[data-testid="floor-you"]', 'You have the floor');
    const room = () => server.townhall.audio!.service.snapshot().find((r) => r.key === `${session.sessionId}:${PLENARY}`)!;
    const before = room().peers;
    await late.page.getByRole('button', { name: 'Listen to the room' }).click();
    // Joined on the server (answered: nobody heard yet), and held while loading the media library.
    await expect.poll(() => room().peers).toBe(before + 1);
    expect(room().producers).toBe(0);
    await speaker.page.getByTestId('floor-you').getByRole('button', { name: 'Turn on your microphone' }).click();
    await waitForText(speaker.page, '[data-testid="audio-mic"]', 'Your microphone is on', 20_000);
    await expect.poll(() => room().producers).toBe(1);
    release();
    await waitForText(late.page, audioPanel, 'You are listening to the room.', 20_000);
    await expectReceiving(late.page, speaker.participantId);
    await fac.page.getByRole('button', { name: 'End turn' }).click();
    await waitForText(fac.page, '.panel.floor', 'Nobody has the floor.');
  });

  test('no errors in any page', () => {
    for (const p of [fac, speaker, l1, l2, late]) expect(p.errors, p.name).toEqual([]);
  });
});

describe('browser client: audio off on the server', () => {
  const suite = serverAndBrowser();

  test('the panel says audio is off, and the rest of the page works', async () => {
    const session = await createSession(suite.server.url);
    const fac = await newPerson(suite.browser);
    const citizen = await newPerson(suite.browser);
    await joinByInvite(fac.page, { inviteUrl: session.invites.facilitator.url, serverUrl: suite.server.url, name: names().fac, role: 'facilitator' });
    await joinByInvite(citizen.page, { inviteUrl: session.invites.citizen.url, serverUrl: suite.server.url, name: names().citizen, role: 'citizen' });
    await waitForText(citizen.page, '[data-testid="audio-off"]', 'Audio is off on this server.');
    expect(await citizen.page.getByRole('button', { name: 'Listen to the room' }).count()).toBe(0);
    await citizen.page.getByRole('button', { name: 'Raise hand' }).click();
    await waitForText(citizen.page, '[data-testid="my-place"]', 'You are number 1 in the queue.');
    await fac.page.getByRole('button', { name: 'Give the floor to the next person' }).click();
    await waitForText(citizen.page, '[data-testid="floor-you"]', 'You have the floor');
    // No microphone offered either, and no mute button without audio; open mic can still be set ahead of time.
    expect(await citizen.page.getByRole('button', { name: 'Turn on your microphone' }).count()).toBe(0);
    expect(await fac.page.getByRole('button', { name: `Mute ${names().citizen}` }).count()).toBe(0);
    await waitForText(fac.page, '[data-testid="audio-off"]', 'Audio is off on this server.');
    await expectNoAxeViolations(citizen.page);
    expect([...citizen.errors, ...fac.errors]).toEqual([]);
  });
});

function names() {
  return { fac: assembly.facilitators[1] ?? 'Facilitator', citizen: assembly.citizens[3]! };
}
