import { AGREEMENT_LEVELS } from '../../../../../shared/src/index.js';
import { percent } from '../displayText.js';
import { plural } from './formatting.js';
import type { Layout } from './layout.js';
import type { Recommendation } from './outcomeParts.js';
import { COLOR, LEVELS, STYLE } from './theme.js';

/** Six agreement levels as one stacked bar, with the rule's threshold marked. */
export function supportBar(layout: Layout, r: Pick<Recommendation, 'support' | 'rule'>): void {
  const { doc } = layout;
  const h = 13;
  const below = 11;
  layout.ensure(h + below + 4);
  const x0 = layout.left;
  const w = layout.width;
  const y = doc.y + 2;
  const total = AGREEMENT_LEVELS.reduce((a, l) => a + r.support.counts[l], 0);
  if (total === 0) {
    doc.save().rect(x0, y, w, h).lineWidth(0.5).strokeColor(COLOR.rule).stroke().restore();
    layout.label('no ratings', STYLE.small, x0, y + 3, { width: w, align: 'center' });
  } else {
    let x = x0;
    for (const level of AGREEMENT_LEVELS) {
      const n = r.support.counts[level];
      if (n === 0) continue;
      const sw = (n / total) * w;
      doc.save().rect(x, y, sw, h).fill(LEVELS[level].fill).restore();
      layout.use(STYLE.smallBold);
      if (doc.widthOfString(String(n)) + 4 <= sw) {
        layout.label(String(n), { ...STYLE.smallBold, color: LEVELS[level].ink }, x, y + 2.5, { width: sw, align: 'center' });
      }
      x += sw;
    }
  }
  // Supportive levels come first, so the bar's supportive part reaching the mark is the rule being met.
  const tx = x0 + r.rule.minShare * w;
  doc
    .save()
    .moveTo(tx, y - 2)
    .lineTo(tx, y + h + 2)
    .lineWidth(1)
    .strokeColor(COLOR.ink)
    .stroke()
    .restore();
  const note = `${percent(r.rule.minShare)} needed in the top ${plural(r.rule.topLevels, 'level')}`;
  layout.use(STYLE.small);
  const nw = doc.widthOfString(note);
  const nx = Math.min(Math.max(tx - nw / 2, x0), x0 + w - nw);
  layout.label(note, STYLE.small, nx, y + h + 2.5);
  doc.y = y + h + below + 2;
}
