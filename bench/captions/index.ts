/**
 * `npm run bench -- captions`: English sentences spoken by espeak-ng, sent as Opus RTP
 * into a room as the floor holder's microphone, recognised by the pocketsphinx adapter
 * on the server. It prints the word error rate and the delay after each sentence, and,
 * as the baseline in the same run, pocketsphinx on the original WAV (resampled to
 * 16 kHz) without the room: the ratio is what the room (Opus at the encoder's default
 * rate, the pause detector) costs.
 */
import { performance } from 'node:perf_hooks';
import type { AutomaticPhrase } from '../../server/src/captions/AutoCaptioner.js';
import { PocketsphinxEngine } from '../../server/src/captions/PocketsphinxEngine.js';
import { resample } from '../../server/src/captions/wav.js';
import { PLENARY } from '../../shared/src/index.js';
import { createSession, joinAndConnect } from '../../tests/helpers/clients.js';
import { AUDIO_ON, removeDir, startServer } from '../../tests/helpers/server.js';
import { microphoneInRoom, speak } from '../../tests/helpers/speech.js';
import { wordErrors } from './wer.js';

export const SENTENCES = [
  'The people of this town want cleaner air.',
  'I would like to ask a question about the budget.',
  'We want more buses in the morning.',
  'Thank you very much for listening.',
  'The meeting will start at nine in the morning.',
  'We need more money for the schools.',
  'I think we should build more bike lanes.',
  'Please give the floor to the next speaker.',
  'The city should plant more trees along the river.',
  'Can everyone hear me at the back of the room?',
];

const until = async (ok: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

export async function captions(): Promise<void> {
  const spoken = SENTENCES.map((s) => speak(s));
  const seconds = (s: (typeof spoken)[number]) => s.wav.samples.length / s.wav.sampleRate;
  const audioSeconds = spoken.reduce((n, s) => n + seconds(s), 0);

  // Baseline: the WAV espeak-ng wrote, straight into pocketsphinx.
  const engine = new PocketsphinxEngine();
  let baseErrors = 0;
  let refWords = 0;
  const t0 = performance.now();
  for (const s of spoken) {
    const hyp = await engine.recognise(resample(s.wav, 16_000).samples);
    const e = wordErrors(s.text, hyp);
    baseErrors += e.errors;
    refWords += e.words;
    console.log(`captions: baseline  "${s.text}" → "${hyp}"`);
  }
  const baseRtf = (performance.now() - t0) / 1000 / audioSeconds;

  // Through the room, at the pace of speech.
  const server = await startServer({ env: AUDIO_ON });
  const heard: AutomaticPhrase[] = [];
  server.townhall.captions!.useSink(async (_id, phrase) => {
    heard.push(phrase);
  });
  const session = await createSession(server.url);
  const fac = await joinAndConnect(server.url, session, 'facilitator', 'Facilitator');
  const speaker = await joinAndConnect(server.url, session, 'citizen', 'Speaker');
  await fac.client.send('settings.update', { patch: { automaticCaptions: true } });
  for (const p of [fac, speaker]) await p.client.send('audio.join', {});
  await speaker.client.send('queue.raise', {});
  await fac.client.send('floor.give', { roomId: PLENARY, participantId: speaker.participantId });
  const mic = await microphoneInRoom(server.townhall.audio!.service, session.sessionId, PLENARY, speaker.participantId);
  await until(() => server.townhall.captions!.listening().length === 1, 10_000);
  let roomErrors = 0;
  const delays: number[] = [];
  for (const s of spoken) {
    const before = heard.length;
    await mic.play(s.packets, 20);
    const sent = Date.now();
    // The pause detector closes the phrase in the trailing silence; recognition follows.
    await until(() => heard.length > before, 20_000);
    delays.push((Date.now() - sent) / 1000);
    // A sentence cut in two arrives as two phrases: wait for the recogniser to go quiet.
    let count = heard.length;
    for (;;) {
      await until(() => heard.length > count, 2000);
      if (heard.length === count) break;
      count = heard.length;
    }
    const hyp = heard
      .slice(before)
      .map((h) => h.text)
      .join(' ');
    roomErrors += wordErrors(s.text, hyp).errors;
    console.log(`captions: room      "${s.text}" → "${hyp}"`);
  }
  mic.close();
  fac.client.close();
  speaker.client.close();
  await server.stop();
  removeDir(server.dataDir);

  const wer = (e: number) => `${((e / refWords) * 100).toFixed(1)}%`;
  delays.sort((a, b) => a - b);
  console.log(`captions: ${SENTENCES.length} sentences, ${refWords} words, ${audioSeconds.toFixed(1)} s of speech`);
  console.log(
    `captions: word error rate through the room ${wer(roomErrors)}, baseline (WAV straight into pocketsphinx) ${wer(baseErrors)}, ratio ${(roomErrors / Math.max(1, baseErrors)).toFixed(2)}`,
  );
  console.log(
    `captions: baseline real-time factor ${baseRtf.toFixed(2)} (recognition time / speech time, one phrase per run); ` +
      `through the room a caption arrives ${delays[Math.floor(delays.length / 2)]!.toFixed(1)} s (median, max ${delays.at(-1)!.toFixed(1)} s) after the sentence's last packet, 1.5 s of it trailing silence`,
  );
}
