/** PCM in and out of RIFF WAV: what pocketsphinx reads and espeak-ng writes. */

export interface Pcm {
  sampleRate: number;
  samples: Int16Array;
}

/** A mono 16-bit PCM WAV file. */
export function wavOf({ sampleRate, samples }: Pcm): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Reads a 16-bit PCM WAV (first channel only), walking the chunks, since writers add their own. */
export function readWav(file: Buffer): Pcm {
  if (file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let sampleRate = 0;
  let channels = 1;
  for (let at = 12; at + 8 <= file.length; ) {
    const id = file.toString('ascii', at, at + 4);
    // espeak-ng writing to a pipe leaves the sizes unset (0 or 0xffffffff): the data runs to the end.
    const declared = file.readUInt32LE(at + 4);
    const size = id === 'data' && (declared === 0 || declared > file.length - at - 8) ? file.length - at - 8 : declared;
    if (id === 'fmt ') {
      if (file.readUInt16LE(at + 8) !== 1 || file.readUInt16LE(at + 22) !== 16) throw new Error('only 16-bit PCM WAV is read');
      channels = file.readUInt16LE(at + 10);
      sampleRate = file.readUInt32LE(at + 12);
    } else if (id === 'data') {
      const frames = Math.floor(size / 2 / channels);
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = file.readInt16LE(at + 8 + i * 2 * channels);
      return { sampleRate, samples };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('the WAV file has no data');
}

/**
 * Band-limited resampling (a Hann-windowed sinc, 16 taps a side), so that going down
 * from 22.05 kHz does not fold the top octave into the band a recogniser listens to.
 */
export function resample({ sampleRate, samples }: Pcm, to: number): Pcm {
  if (sampleRate === to) return { sampleRate, samples };
  const out = new Int16Array(Math.floor((samples.length * to) / sampleRate));
  const ratio = to / sampleRate;
  const cutoff = Math.min(1, ratio) * 0.95;
  const taps = 16;
  const reach = Math.ceil(taps / cutoff);
  for (let i = 0; i < out.length; i++) {
    const x = i / ratio;
    const centre = Math.floor(x);
    let sum = 0;
    for (let j = centre - reach + 1; j <= centre + reach; j++) {
      if (j < 0 || j >= samples.length) continue;
      const t = x - j;
      const arg = Math.PI * cutoff * t;
      const sinc = t === 0 ? 1 : Math.sin(arg) / arg;
      const window = 0.5 + 0.5 * Math.cos((Math.PI * t) / reach);
      sum += samples[j]! * cutoff * sinc * window;
    }
    out[i] = Math.max(-32_768, Math.min(32_767, Math.round(sum)));
  }
  return { sampleRate: to, samples: out };
}
