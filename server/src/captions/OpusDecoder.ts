import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { OggOpusWriter } from './oggOpus.js';

/**
 * Opus packets in, 16 kHz mono PCM out, through `opusdec` from Debian's `opus-tools`
 * (libopus itself), fed an Ogg stream on stdin. mediasoup forwards Opus but never
 * decodes it, and no Opus decoder is among the server's npm dependencies.
 */
export class OpusDecoder {
  private readonly child: ChildProcess;
  private readonly ogg = new OggOpusWriter();
  private readonly done: Promise<void>;
  private carry: Buffer | null = null;
  private ended = false;

  constructor(binary: string, onPcm: (pcm: Int16Array) => void) {
    this.child = spawn(binary, ['--quiet', '--rate', '16000', '-', '-'], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.stdin!.on('error', () => undefined);
    this.child.stdout!.on('data', (chunk: Buffer) => {
      // Samples are two bytes; a chunk may split one.
      const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
      const even = bytes.length - (bytes.length % 2);
      this.carry = even < bytes.length ? bytes.subarray(even) : null;
      if (even === 0) return;
      const pcm = new Int16Array(even / 2);
      for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(i * 2);
      onPcm(pcm);
    });
    this.done = new Promise((resolve) => {
      this.child.once('close', () => resolve());
      this.child.once('error', () => resolve());
    });
    this.child.stdin!.write(this.ogg.head());
  }

  write(packet: Uint8Array): void {
    if (this.ended || packet.length === 0) return;
    this.child.stdin!.write(this.ogg.packet(packet));
  }

  /** No more packets: what opusdec still holds is decoded, then it exits. */
  async end(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.child.stdin!.end();
    }
    await this.done;
  }

  /** Whether `opusdec` runs here. */
  static available(binary: string): Promise<boolean> {
    return new Promise((resolve) => execFile(binary, ['--version'], { timeout: 10_000 }, (err) => resolve(err === null)));
  }
}
