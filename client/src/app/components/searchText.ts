/**
 * Text as a search compares it: case and accents set aside ("Zoë" is found by "zoe"),
 * bidi isolates and extra spaces ignored, so a facilitator finds a name however it was
 * typed.
 */
export function searchable(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f\u2066-\u2069]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether every word of the query appears in the text. */
export function matchesQuery(text: string, query: string): boolean {
  const words = searchable(query).split(' ').filter(Boolean);
  if (words.length === 0) return true;
  const hay = searchable(text);
  return words.every((w) => hay.includes(w));
}
