/**
 * Puts text on the clipboard. navigator.clipboard needs a secure context (https, or
 * localhost) and may be refused by the browser; then the older copy command copies the
 * given input's selection, which works over plain http on a local network too. Resolves
 * false when neither worked: the caller leaves the text selected for the person to copy.
 */
export async function copyText(text: string, fallback: HTMLInputElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* refused: try the selection */
  }
  if (!fallback) return false;
  fallback.focus();
  fallback.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}
