import { percent } from '../displayText.js';
import type { Layout } from './layout.js';
import type { Outcome } from './outcomeParts.js';
import { COLOR, STYLE } from './theme.js';

/** The headline numbers as a row of tiles under the title. */
export function keyFigures(layout: Layout, o: Outcome): void {
  const { doc } = layout;
  const p = o.participation;
  const figures: [string, string][] = [
    [String(o.recommendations.agreed.length), 'agreed'],
    [String(o.recommendations.notAgreed.length), 'not agreed'],
    [String(p.citizens), p.citizens === 1 ? 'citizen' : 'citizens'],
    [percent(p.spokeAtLeastOnceShare), 'took the floor'],
    [p.giniSpeakingTime.toFixed(2), 'Gini, speaking time'],
  ];
  const gap = 8;
  const w = (layout.width - gap * (figures.length - 1)) / figures.length;
  const y = doc.y;
  const h = 40;
  figures.forEach(([value, caption], i) => {
    const x = layout.left + i * (w + gap);
    doc.save().roundedRect(x, y, w, h, 3).fill(COLOR.zebra).restore();
    layout.label(layout.fit(value, { ...STYLE.title, size: 16 }, w - 12), { ...STYLE.title, size: 16 }, x + 8, y + 6);
    layout.label(layout.fit(caption, STYLE.small, w - 12), STYLE.small, x + 8, y + 27);
  });
  doc.y = y + h;
}
