import { AGREEMENT_LEVELS } from '../../../../../shared/src/index.js';
import type { Layout } from './layout.js';
import { LEVELS, STYLE } from './theme.js';

/** Layouts that already show the legend: it explains every support bar, so once per brief is enough. */
const drawn = new WeakSet<Layout>();

/** The colour of each agreement level, before the first support bar of the brief. */
export function ratingLegend(layout: Layout): void {
  if (drawn.has(layout)) return;
  drawn.add(layout);
  const { doc } = layout;
  layout.use(STYLE.small);
  const swatch = 8;
  const rowHeight = 12;
  layout.ensure(rowHeight * 2 + 6);
  let x = layout.left;
  let y = doc.y;
  layout.label(layout.fit('Ratings, left to right:', STYLE.smallBold, 120), STYLE.smallBold, x, y);
  layout.use(STYLE.smallBold);
  x += doc.widthOfString('Ratings, left to right:') + 8;
  for (const level of AGREEMENT_LEVELS) {
    layout.use(STYLE.small);
    const w = swatch + 4 + doc.widthOfString(LEVELS[level].label) + 10;
    if (x + w > layout.left + layout.width) {
      x = layout.left;
      y += rowHeight;
    }
    doc
      .save()
      .rect(x, y + 0.5, swatch, swatch)
      .fill(LEVELS[level].fill)
      .restore();
    layout.label(LEVELS[level].label, STYLE.small, x + swatch + 4, y);
    x += w;
  }
  doc.y = y + rowHeight + 6;
}
