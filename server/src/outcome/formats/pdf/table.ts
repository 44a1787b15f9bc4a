import type { Layout } from './layout.js';
import { COLOR, STYLE } from './theme.js';

/** `width: 0` shares out whatever width the fixed columns leave. */
export interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right';
}

export interface Row {
  cells: string[];
  colors?: (string | undefined)[];
}

/** A zebra-striped table whose header is repeated on every page it runs onto. */
export function table(layout: Layout, columns: readonly Column[], rows: readonly Row[]): void {
  const { doc } = layout;
  const pad = 4;
  const fixed = columns.reduce((a, c) => a + c.width, 0);
  const flex = columns.filter((c) => c.width === 0).length;
  const widths = columns.map((c) => (c.width === 0 ? (layout.width - fixed) / flex : c.width));
  const xs = widths.map((_, i) => layout.left + widths.slice(0, i).reduce((a, b) => a + b, 0));
  const header = () => {
    const y = doc.y;
    const h = Math.max(...columns.map((c, i) => layout.measure(c.header, STYLE.cellHead, widths[i]! - 2 * pad))) + 2 * pad;
    columns.forEach((c, i) => {
      doc.y = y + pad;
      layout.text(c.header, STYLE.cellHead, { x: xs[i]! + pad, width: widths[i]! - 2 * pad, align: c.align ?? 'left' });
    });
    layout.rule(y + h);
    doc.y = y + h;
  };
  layout.ensure(40);
  header();
  rows.forEach((row, r) => {
    const h = Math.max(...row.cells.map((c, i) => layout.measure(c, STYLE.cell, widths[i]! - 2 * pad))) + 2 * pad;
    if (doc.y + h > layout.bottom) {
      doc.addPage();
      header();
    }
    const y = doc.y;
    if (r % 2 === 1) doc.save().rect(layout.left, y, layout.width, h).fill(COLOR.zebra).restore();
    row.cells.forEach((cell, i) => {
      doc.y = y + pad;
      layout.text(
        cell,
        { ...STYLE.cell, color: row.colors?.[i] ?? STYLE.cell.color },
        { x: xs[i]! + pad, width: widths[i]! - 2 * pad, align: columns[i]!.align ?? 'left' },
      );
    });
    doc.y = y + h;
  });
}
