/** 75 000 → "1:15", 3 725 000 → "1:02:05". Negative input is shown as its magnitude. */
export function formatDuration(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Countdowns round up, so "0:00" only shows once the time is really up. */
export function formatRemaining(ms: number): string {
  return formatDuration(ms > 0 ? Math.ceil(ms / 1000) * 1000 : ms);
}

/**
 * The locale to format dates in: the browser's own when it is a variant of the app's
 * language (en-GB writes "1 April", en-US "April 1"), else the app's language, so a
 * German page never shows English month names.
 */
export function dateLocale(language: string): string {
  // Through globalThis: this module also runs outside a browser (the tests), where there is no navigator.
  const nav = (globalThis as { navigator?: { languages?: readonly string[]; language?: string } }).navigator;
  const preferred = nav ? (nav.languages ?? (nav.language ? [nav.language] : [])) : [];
  return preferred.find((tag) => tag.toLowerCase().split('-')[0] === language.toLowerCase()) ?? language;
}

/**
 * A moment, in the reader's language and time zone, which it names: "12 March 2026 at
 * 14:05 CET". Officials, citizens and a council's website are not always in one zone,
 * and a due date or a round's closing time read in the wrong one is an hour off.
 */
export function formatDateTime(ms: number, language: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(dateLocale(language), {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).format(ms);
}

/**
 * A calendar date as the server stores it ("2027-04-01"), in the reader's language:
 * "1 April 2027". Formatted in UTC, so no time zone can move it to the day before.
 */
export function formatCalendarDate(isoDate: string, language: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) return isoDate;
  const at = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Intl.DateTimeFormat(dateLocale(language), { dateStyle: 'long', timeZone: 'UTC' }).format(at);
}
