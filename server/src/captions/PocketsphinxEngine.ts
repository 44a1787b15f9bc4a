import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CaptionEngine, CaptionStream, CaptionTarget, RecognisedPhrase } from '../ports/CaptionEngine.js';
import { EnergyVad } from './EnergyVad.js';
import { wavOf } from './wav.js';

export interface PocketsphinxOptions {
  /** `pocketsphinx_continuous` from Debian's `pocketsphinx` package. */
  binary: string;
  /** The acoustic model directory from `pocketsphinx-en-us`; the binary's built-in default points here. */
  model: string;
}

export const POCKETSPHINX_DEFAULTS: PocketsphinxOptions = {
  binary: 'pocketsphinx_continuous',
  model: '/usr/share/pocketsphinx/model/en-us/en-us',
};

/**
 * CMU PocketSphinx 0.8 as Debian ships it: English only, modest accuracy, no network.
 * Each phrase (cut at pauses by an energy detector) goes to a fresh
 * `pocketsphinx_continuous -infile` run on a temporary WAV file. Phrases of one
 * speaker are recognised one after another, so captions arrive in order and one
 * speaker never holds more than one core.
 */
export class PocketsphinxEngine implements CaptionEngine {
  readonly name = 'pocketsphinx';
  readonly language = 'en';

  constructor(private readonly opts: PocketsphinxOptions = POCKETSPHINX_DEFAULTS) {}

  async available(): Promise<boolean> {
    if (!existsSync(this.opts.model)) return false;
    // Asked for help, the program prints its options and exits (with status 1) without loading the
    // model; a missing program fails to spawn (ENOENT, a string code) instead.
    return new Promise((resolve) => execFile(this.opts.binary, ['-h'], { timeout: 10_000 }, (err) => resolve(err === null || typeof err.code === 'number')));
  }

  start(_target: CaptionTarget, onPhrase: (phrase: RecognisedPhrase) => void): CaptionStream {
    let queue: Promise<void> = Promise.resolve();
    const vad = new EnergyVad((cut) => {
      queue = queue.then(async () => {
        const text = await this.recognise(cut.samples).catch(() => '');
        if (text) onPhrase({ text, startedAt: cut.startedAt, endedAt: cut.endedAt });
      });
    });
    return {
      write: (pcm, at) => vad.write(pcm, at),
      end: async () => {
        vad.flush();
        await queue;
      },
    };
  }

  /** The words pocketsphinx hears in 16 kHz mono PCM ('' for none). */
  async recognise(samples: Int16Array): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'townhall-asr-'));
    try {
      const file = join(dir, 'phrase.wav');
      await writeFile(file, wavOf({ sampleRate: 16_000, samples }));
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(this.opts.binary, ['-infile', file, '-hmm', this.opts.model, '-logfn', '/dev/null'], { timeout: 120_000, maxBuffer: 1 << 20 }, (err, out) =>
          err ? reject(err) : resolve(out),
        ),
      );
      // One line per utterance pocketsphinx found inside the phrase.
      return stdout
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .join(' ');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
