import { describe, expect, test } from 'vitest';
import { formatCalendarDate, formatDateTime } from '../client/src/app/format.js';

/** What the browser client writes for moments and dates (client/src/app/format.ts). */
describe('dates and times in the page', () => {
  const moment = Date.UTC(2026, 2, 12, 13, 5); // 12 March 2026, 13:05 UTC

  test("a moment names its time zone, in the reader's language", () => {
    const en = formatDateTime(moment, 'en', 'Europe/Berlin');
    expect(en).toMatch(/12 March 2026|March 12, 2026/);
    expect(en).toMatch(/14:05|02:05/);
    expect(en).toMatch(/GMT\+1|CET/);
    const de = formatDateTime(moment, 'de', 'Europe/Berlin');
    expect(de).toContain('12. März 2026');
    expect(de).toMatch(/MEZ|GMT\+1|CET/);
    // The same moment elsewhere is another wall-clock time, and says so.
    const utc = formatDateTime(moment, 'en', 'UTC');
    expect(utc).toMatch(/13:05|01:05/);
    expect(utc).toMatch(/UTC/);
  });

  test('a calendar date is never moved by a time zone', () => {
    expect(formatCalendarDate('2027-04-01', 'de')).toBe('1. April 2027');
    expect(formatCalendarDate('not a date', 'en')).toBe('not a date');
  });
});
