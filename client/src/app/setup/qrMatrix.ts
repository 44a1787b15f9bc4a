/** A QR code as one SVG path: a 1×1 square per dark module, on a grid of `size` modules. */
export interface QrMatrix {
  size: number;
  path: string;
}

/**
 * Encodes text as a QR code with medium error correction (a printed or projected code
 * still scans when part of it is glare). qrcode-generator reads each character as one
 * byte, so the text goes in as UTF-8 bytes: any address, not only ASCII ones, scans right.
 * Loaded on demand, so the library is not in the bundle every participant downloads.
 */
export async function qrMatrix(text: string): Promise<QrMatrix> {
  const { default: qrcode } = await import('qrcode-generator');
  const qr = qrcode(0, 'M');
  qr.addData(String.fromCharCode(...new TextEncoder().encode(text)), 'Byte');
  qr.make();
  const size = qr.getModuleCount();
  const parts: string[] = [];
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) if (qr.isDark(row, col)) parts.push(`M${col} ${row}h1v1h-1z`);
  }
  return { size, path: parts.join('') };
}
