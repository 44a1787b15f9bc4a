import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { toneWav } from './audio.js';
import { joinByInvite, launchBrowserWith, newPerson, storedCredentials, waitForText } from './browser.js';
import type { CreatedSession } from './clients.js';

/**
 * Chromium with fake media devices for the audio tests: a microphone that plays a steady
 * tone (so what arrives can be measured), no permission prompt, and autoplay allowed.
 * What a listener receives is read from its inbound-rtp stats through the page's audio
 * controller (window.__townhallAudio, exposed in test mode).
 */

const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'];

/** A browser whose every microphone plays a tone; `close` also removes the tone's file. */
export async function launchToneBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-tone-'));
  const wav = join(dir, 'tone.wav');
  toneWav(wav);
  const browser = await launchBrowserWith([...FAKE_MEDIA, `--use-file-for-fake-audio-capture=${wav}`]);
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One consumer of the page, as its inbound-rtp stats say. */
export interface Reading {
  producerId: string;
  participantId: string;
  /** The channel: null for the floor, an interpreter's language otherwise. */
  language: string | null;
  bytesReceived: number;
  packetsReceived: number;
  audioLevel: number | null;
  totalAudioEnergy: number | null;
}

/** The page's consumers with their inbound-rtp figures. */
export async function readings(page: Page): Promise<Reading[]> {
  const stats = (await page.evaluate('window.__townhallAudio.getStats()')) as {
    consumers: { producerId: string; participantId: string; language?: string | null; reports: Record<string, unknown>[] }[];
  };
  return stats.consumers.map((c) => {
    const inbound = c.reports.find((r) => r.type === 'inbound-rtp') ?? {};
    const num = (v: unknown) => (typeof v === 'number' ? v : null);
    return {
      producerId: c.producerId,
      participantId: c.participantId,
      language: c.language ?? null,
      bytesReceived: num(inbound.bytesReceived) ?? 0,
      packetsReceived: num(inbound.packetsReceived) ?? 0,
      audioLevel: num(inbound.audioLevel),
      totalAudioEnergy: num(inbound.totalAudioEnergy),
    };
  });
}

/** What the page receives from one participant, if anything. */
export const fromSpeaker = async (page: Page, participantId: string) => (await readings(page)).find((r) => r.participantId === participantId);

/** Waits until the page receives `participantId`: bytesReceived grows on the same consumer between two readings. */
export async function expectReceiving(page: Page, participantId: string, timeout = 30_000): Promise<Reading> {
  let last: Reading | undefined;
  let grown: Reading | undefined;
  await expect
    .poll(
      async () => {
        const now = await fromSpeaker(page, participantId);
        if (now && last && now.producerId === last.producerId && now.bytesReceived > last.bytesReceived) grown = now;
        last = now;
        return grown !== undefined;
      },
      { timeout, interval: 300 },
    )
    .toBe(true);
  return grown!;
}

export type AudioRole = 'facilitator' | 'citizen';
export type AudioPerson = Awaited<ReturnType<typeof newPerson>> & { name: string; role: AudioRole; participantId: string };

/** Turns the page's test mode on, so that the audio controller is exposed. */
export const TEST_MODE = `(() => { try { localStorage.setItem('townhall.test', '1'); } catch {} })();`;

/**
 * The people of one audio test, each in their own browser profile, joining a session
 * through its invite links and starting to listen with the Listen button.
 */
export class AudioCast {
  constructor(
    private readonly browser: Browser,
    private readonly serverUrl: string,
    private readonly session: CreatedSession,
    /** Runs before the app in every document (TEST_MODE at least). */
    private readonly init = TEST_MODE,
  ) {}

  async person(name: string, role: AudioRole): Promise<AudioPerson> {
    const p = await newPerson(this.browser);
    // Media set-up and a media worker's restart take longer than a click.
    p.context.setDefaultTimeout(20_000);
    await p.page.addInitScript(this.init);
    return { name, role, participantId: '', ...p };
  }

  async join(p: AudioPerson): Promise<void> {
    // Listening starts with the Listen button here, not with the Join click (citizen-phone.test.ts has that).
    await joinByInvite(p.page, { inviteUrl: this.session.invites[p.role].url, serverUrl: this.serverUrl, name: p.name, role: p.role, listen: false });
    p.participantId = (await storedCredentials(p.page, this.session.sessionId)).participantId;
  }

  async listen(p: AudioPerson): Promise<void> {
    await p.page.getByRole('button', { name: 'Listen to the room' }).click();
    await waitForText(p.page, AUDIO_PANEL, 'You are listening to the room.', 20_000);
  }
}

export const AUDIO_PANEL = '[data-testid="audio-panel"]';

/**
 * Holds back the page's mediasoup-client chunk until `release` is called, so that the gap
 * between audio.join's answer and the device being ready opens every time, not by chance.
 */
export async function holdMediaLibrary(page: Page): Promise<() => void> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await page.route('**/assets/mediasoup-client-*.js', async (route) => {
    await released;
    await route.continue();
  });
  return release;
}
