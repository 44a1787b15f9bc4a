/** The payload of an RTP packet (RFC 3550 §5.1), past CSRCs, the header extension and padding. */
export function rtpPayload(packet: Buffer): { payload: Buffer; timestamp: number; sequence: number } | null {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return null;
  const csrcs = packet[0]! & 0x0f;
  let at = 12 + csrcs * 4;
  if (packet[0]! & 0x10) {
    if (packet.length < at + 4) return null;
    at += 4 + packet.readUInt16BE(at + 2) * 4;
  }
  const padding = packet[0]! & 0x20 ? packet[packet.length - 1]! : 0;
  const end = packet.length - padding;
  if (at > end) return null;
  return { payload: packet.subarray(at, end), timestamp: packet.readUInt32BE(4), sequence: packet.readUInt16BE(2) };
}
