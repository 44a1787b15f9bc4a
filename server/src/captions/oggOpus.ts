/**
 * Just enough Ogg to carry Opus packets from RTP to `opusdec` (RFC 7845): an OpusHead,
 * an OpusTags, then one packet per page. And the reverse, for tests and benchmarks
 * that send an `opusenc` file as RTP.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

function crc(page: Buffer): number {
  let c = 0;
  for (const b of page) c = ((c << 8) ^ CRC_TABLE[((c >>> 24) ^ b) & 0xff]!) >>> 0;
  return c;
}

/** Samples at 48 kHz in one Opus packet, from its TOC byte (RFC 6716 §3.1). */
export function opusPacketSamples(packet: Uint8Array): number {
  if (packet.length === 0) return 0;
  const toc = packet[0]!;
  const config = toc >> 3;
  const frame = config < 12 ? [480, 960, 1920, 2880][config & 3]! : config < 16 ? [480, 960][config & 1]! : [120, 240, 480, 960][config & 3]!;
  const code = toc & 3;
  const frames = code === 0 ? 1 : code === 3 ? (packet[1] ?? 0) & 0x3f : 2;
  return frame * frames;
}

export class OggOpusWriter {
  private seq = 0;
  private granule = 0n;
  private readonly serial = Math.floor(Math.random() * 0xffffffff);

  /** The two header pages. */
  head(): Buffer {
    const head = Buffer.alloc(19);
    head.write('OpusHead', 0);
    head.writeUInt8(1, 8); // version
    head.writeUInt8(1, 9); // one channel: speech, and libopus folds stereo packets down
    head.writeUInt16LE(312, 10); // pre-skip, what libopus's encoder uses
    head.writeUInt32LE(48_000, 12);
    head.writeInt16LE(0, 16);
    head.writeUInt8(0, 18); // mapping family 0
    const vendor = Buffer.from('townhall');
    const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
    tags.write('OpusTags', 0);
    tags.writeUInt32LE(vendor.length, 8);
    vendor.copy(tags, 12);
    tags.writeUInt32LE(0, 12 + vendor.length);
    return Buffer.concat([this.page(head, 0x02, 0n), this.page(tags, 0, 0n)]);
  }

  packet(packet: Uint8Array, last = false): Buffer {
    this.granule += BigInt(opusPacketSamples(packet));
    return this.page(packet, last ? 0x04 : 0, this.granule);
  }

  private page(data: Uint8Array, flags: number, granule: bigint): Buffer {
    const lacing: number[] = [];
    let left = data.length;
    while (left >= 255) {
      lacing.push(255);
      left -= 255;
    }
    lacing.push(left);
    const header = Buffer.alloc(27 + lacing.length);
    header.write('OggS', 0);
    header.writeUInt8(0, 4);
    header.writeUInt8(flags, 5);
    header.writeBigInt64LE(granule, 6);
    header.writeUInt32LE(this.serial, 14);
    header.writeUInt32LE(this.seq++, 18);
    header.writeUInt8(lacing.length, 26);
    Buffer.from(lacing).copy(header, 27);
    const page = Buffer.concat([header, data]);
    page.writeUInt32LE(crc(page), 22);
    return page;
  }
}

/** The Opus packets of an Ogg Opus file, headers left out. */
export function readOggOpusPackets(file: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  let partial: Buffer[] = [];
  for (let at = 0; at + 27 <= file.length; ) {
    if (file.toString('ascii', at, at + 4) !== 'OggS') throw new Error('not an Ogg page');
    const count = file.readUInt8(at + 26);
    let body = at + 27 + count;
    for (let i = 0; i < count; i++) {
      const len = file.readUInt8(at + 27 + i);
      partial.push(file.subarray(body, body + len));
      body += len;
      if (len < 255) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    at = body;
  }
  return packets.filter((p) => !p.subarray(0, 8).equals(Buffer.from('OpusHead')) && !p.subarray(0, 8).equals(Buffer.from('OpusTags')));
}
