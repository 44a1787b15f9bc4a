import { dateTime } from './formatting.js';
import type { Layout } from './layout.js';
import type { Outcome } from './outcomeParts.js';
import { STYLE } from './theme.js';

/** Where copies brought from breakout rooms came from: traceable back to the room and the exact text there. */
export function broughtBackSection(layout: Layout, list: Outcome['broughtBack']): void {
  if (list.length === 0) return;
  layout.gap(8);
  layout.text('Brought from breakout rooms', STYLE.strong);
  for (const b of list) {
    layout.text(`${b.recommendationId} in ${b.roomId}: from ${b.fromRoomName} (${b.sourceId} there), ${dateTime(b.at)}`, STYLE.body);
    layout.text(`Text there, SHA-256: ${b.sourceHash}`, STYLE.small);
  }
}
