/**
 * Text as a search compares it: case and accents set aside (NFD splits "é" into "e" and
 * a combining mark, which is dropped, so "muller" finds "Müller" and "ECOLE" "école"),
 * bidi isolates and extra spaces ignored, so a facilitator finds a name however it was
 * typed.
 */
export function searchable(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\p{M}\u2066-\u2069]/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** The words of a search box, folded like the text they are looked for in. */
export const searchWords = (query: string): string[] => searchable(query).split(' ').filter(Boolean);

/** Whether every word of the query appears somewhere in the text. */
export function matchesQuery(text: string, query: string): boolean {
  const words = searchWords(query);
  if (words.length === 0) return true;
  const hay = searchable(text);
  return words.every((w) => hay.includes(w));
}
