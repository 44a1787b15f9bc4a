/**
 * Stale cursors: the browser draws a collaborator's cursor only while it moves now and
 * then (client/src/app/drafting/cursorMoves.ts). Tested on the class that decides it,
 * with a clock the test sets, rather than by waiting a minute in a browser.
 */
import { describe, expect, test } from 'vitest';
import { CursorMoves, STALE_CURSOR_MS } from '../client/src/app/drafting/cursorMoves.js';

describe('which collaborators’ cursors are drawn', () => {
  const at = (index: number) => ({ anchor: { index }, head: { index } });

  test('a cursor that stands still for longer than the limit is stale; moving makes it fresh again', () => {
    const moves = new CursorMoves();
    expect(moves.fresh(7, at(3), 0)).toBe(true);
    expect(moves.fresh(7, at(3), STALE_CURSOR_MS)).toBe(true);
    expect(moves.fresh(7, at(3), STALE_CURSOR_MS + 1)).toBe(false);
    expect(moves.fresh(7, at(4), STALE_CURSOR_MS + 2)).toBe(true);
    expect(moves.fresh(7, at(4), 2 * STALE_CURSOR_MS + 2)).toBe(true);
    expect(moves.fresh(7, at(4), 2 * STALE_CURSOR_MS + 3)).toBe(false);
  });

  test('clients are timed apart, and one that left starts afresh when it comes back', () => {
    const moves = new CursorMoves();
    moves.fresh(1, at(1), 0);
    moves.fresh(2, at(1), 0);
    expect(moves.fresh(2, at(2), STALE_CURSOR_MS + 10)).toBe(true);
    expect(moves.fresh(1, at(1), STALE_CURSOR_MS + 10)).toBe(false);
    moves.keepOnly(new Set([2]));
    expect(moves.fresh(1, at(1), STALE_CURSOR_MS + 20)).toBe(true);
  });
});
