/** One phrase a recogniser heard, with the wall-clock times (ms since the epoch) of its audio. */
export interface RecognisedPhrase {
  text: string;
  startedAt: number;
  endedAt: number;
}

/** Who is being recognised: the room, and who held the floor there (null: nobody, e.g. open mic). */
export interface CaptionTarget {
  roomId: string;
  speakerId: string | null;
}

/**
 * One speaker's audio on its way through a recogniser. The feeder writes 16 kHz mono
 * signed 16-bit little-endian PCM as it arrives, each chunk with the wall-clock time of
 * its first sample; the stream calls `onPhrase` for every phrase it recognises, in order.
 */
export interface CaptionStream {
  write(pcm: Int16Array, at: number): void;
  /** No more audio: what is still buffered is recognised, then the promise settles. */
  end(): Promise<void>;
}

/**
 * The port behind automatic captions: a local speech recogniser. The server sends it
 * audio of whoever holds the floor and nothing else; an operator plugs in a better
 * engine by implementing this (docs/CAPTIONS.md).
 */
export interface CaptionEngine {
  /** Shown to operators and facilitators: which engine writes the automatic captions. */
  readonly name: string;
  /** The BCP 47 tag of the one language it recognises. */
  readonly language: string;
  /** Whether the engine can run here (its program and model are installed). Checked once at start. */
  available(): Promise<boolean>;
  start(target: CaptionTarget, onPhrase: (phrase: RecognisedPhrase) => void): CaptionStream;
}
