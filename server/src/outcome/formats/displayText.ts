/**
 * Text from the document as a reader should see it in a rendered format. The JSON
 * export keeps the exact characters (the hashes depend on them); the human formats
 * show any character that could hide or reorder text as a visible code point instead,
 * so "‮evil.exe‭txt" can never pass for something else.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this pattern is for.
const INVISIBLE_OR_DECEPTIVE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF\uFFF9-\uFFFB]/gu;

export function codePointLabel(ch: string): string {
  return `[U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`;
}

export function displayText(text: string): string {
  return text.replace(INVISIBLE_OR_DECEPTIVE, codePointLabel).replace(/\t/g, ' ');
}

/** Shortest readable form of a hash for people; the full value stays in the JSON. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}

export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

export function minutesAndSeconds(totalSeconds: number): string {
  const m = Math.floor(totalSeconds / 60);
  const s = totalSeconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}
