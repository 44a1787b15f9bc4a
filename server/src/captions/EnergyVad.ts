/** 20 ms frames at 16 kHz. */
const FRAME = 320;

export interface VadOptions {
  /** RMS level (of 32 767) above which a frame counts as speech. */
  threshold: number;
  /** This much silence ends a phrase. */
  hangoverMs: number;
  /** A phrase is cut here even if the speaker does not pause, so captions keep up. */
  maxPhraseMs: number;
  /** Shorter bursts (a cough, a click) are dropped. */
  minSpeechMs: number;
  /** Audio kept before the first loud frame, so soft onsets are not clipped. */
  preRollMs: number;
}

export const DEFAULT_VAD: VadOptions = { threshold: 400, hangoverMs: 600, maxPhraseMs: 12_000, minSpeechMs: 200, preRollMs: 200 };

export interface CutPhrase {
  samples: Int16Array;
  startedAt: number;
  endedAt: number;
}

/**
 * Cuts 16 kHz speech into phrases at pauses, by frame energy. Recognising a phrase at a
 * time keeps pocketsphinx's search short and gives each caption a start and an end.
 */
export class EnergyVad {
  private pending: number[] = [];
  private pendingAt = 0;
  private phrase: Int16Array[] = [];
  private phraseAt = 0;
  private speechFrames = 0;
  private silentFrames = 0;
  private readonly preRoll: Int16Array[] = [];
  private preRollAt = 0;

  constructor(
    private readonly onPhrase: (phrase: CutPhrase) => void,
    private readonly opts: VadOptions = DEFAULT_VAD,
  ) {}

  write(pcm: Int16Array, at: number): void {
    if (this.pending.length === 0) this.pendingAt = at;
    for (const s of pcm) this.pending.push(s);
    while (this.pending.length >= FRAME) {
      const frame = Int16Array.from(this.pending.splice(0, FRAME));
      this.frame(frame, this.pendingAt);
      this.pendingAt += (FRAME / 16_000) * 1000;
    }
  }

  /** The speaker stopped: whatever phrase is open is finished. */
  flush(): void {
    this.finish();
  }

  private frame(frame: Int16Array, at: number): void {
    let sum = 0;
    for (const s of frame) sum += s * s;
    const loud = Math.sqrt(sum / frame.length) >= this.opts.threshold;
    const ms = (n: number) => (n * FRAME * 1000) / 16_000;
    if (this.phrase.length === 0) {
      if (!loud) {
        this.preRoll.push(frame);
        if (this.preRoll.length === 1) this.preRollAt = at;
        while (ms(this.preRoll.length) > this.opts.preRollMs) {
          this.preRoll.shift();
          this.preRollAt += ms(1);
        }
        return;
      }
      this.phrase.push(...this.preRoll);
      this.phraseAt = this.preRoll.length > 0 ? this.preRollAt : at;
      this.preRoll.length = 0;
    }
    this.phrase.push(frame);
    if (loud) {
      this.speechFrames += 1;
      this.silentFrames = 0;
    } else this.silentFrames += 1;
    if (ms(this.silentFrames) >= this.opts.hangoverMs || ms(this.phrase.length) >= this.opts.maxPhraseMs) this.finish();
  }

  private finish(): void {
    const frames = this.phrase;
    const speech = this.speechFrames;
    this.phrase = [];
    this.speechFrames = 0;
    this.silentFrames = 0;
    if (frames.length === 0 || (speech * FRAME * 1000) / 16_000 < this.opts.minSpeechMs) return;
    const samples = new Int16Array(frames.length * FRAME);
    frames.forEach((f, i) => samples.set(f, i * FRAME));
    this.onPhrase({ samples, startedAt: this.phraseAt, endedAt: this.phraseAt + (samples.length / 16_000) * 1000 });
  }
}
