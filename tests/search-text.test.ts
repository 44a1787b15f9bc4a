import { describe, expect, test } from 'vitest';
import { matchesQuery, searchable, searchWords } from '../client/src/app/components/searchText.js';

describe('searching lists in the console', () => {
  test('case, accents, bidi isolates and spacing are set aside', () => {
    expect(searchable('  Zoë  MÜLLER ')).toBe('zoe muller');
    expect(searchable('\u2068École\u2069')).toBe('ecole');
    expect(searchWords('  crowd   CITIZEN 25 ')).toEqual(['crowd', 'citizen', '25']);
  });

  test('every word must appear, in any order; an empty search matches everything', () => {
    expect(matchesQuery('Jonas Müller', 'muller jonas')).toBe(true);
    expect(matchesQuery('Jonas Müller', 'muller anna')).toBe(false);
    expect(matchesQuery('Crowd citizen 125', 'citizen 25')).toBe(true);
    expect(matchesQuery('Crowd citizen 125', 'citizen 7')).toBe(false);
    expect(matchesQuery('anyone', '   ')).toBe(true);
  });

  test('hostile names are only text to compare', () => {
    expect(matchesQuery('<img src=x onerror=alert(1)>', 'onerror')).toBe(true);
    expect(matchesQuery('\u202Eevil', 'evil')).toBe(true);
  });
});
