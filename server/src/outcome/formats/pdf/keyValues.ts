import type { Layout } from './layout.js';
import { STYLE, type Style } from './theme.js';

export type KeyValue = [key: string, value: string, valueStyle: Style];

/** Labels in a narrow left column, each beside its value. */
export function keyValues(layout: Layout, rows: readonly KeyValue[], labelWidth = 100): void {
  const { doc } = layout;
  const valueX = layout.left + labelWidth;
  const valueWidth = layout.width - labelWidth;
  for (const [key, value, style] of rows) {
    const h = Math.max(layout.measure(key, STYLE.smallBold, labelWidth - 8), layout.measure(value, style, valueWidth));
    layout.ensure(Math.min(h, 60));
    const y = doc.y;
    const keySize = Math.min(STYLE.smallBold.size, style.size);
    // Shift the smaller label down so both columns share a baseline (DejaVu's ascent is about 0.93 em).
    doc.y = y + (style.size - keySize) * 0.93;
    layout.text(key, { ...STYLE.smallBold, size: keySize }, { x: layout.left, width: labelWidth - 8 });
    const afterKey = { page: layout.pageIndex, y: doc.y };
    doc.y = y;
    layout.text(value, style, { x: valueX, width: valueWidth });
    if (afterKey.page === layout.pageIndex) doc.y = Math.max(doc.y, afterKey.y);
    layout.gap(4);
  }
}
