import type { Layout } from './layout.js';
import { MARGIN, STYLE } from './theme.js';

const FOOTER_GAP = 22;

/** "<title> — outcome brief — page N of M" on every page, once the page count is final. */
export function pageFooters(layout: Layout, title: string): void {
  const { doc } = layout;
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const suffix = ` — outcome brief — page ${i + 1} of ${range.count}`;
    layout.use(STYLE.small);
    const room = layout.width - doc.widthOfString(suffix);
    const line = `${layout.fit(title, STYLE.small, room)}${suffix}`;
    // Drawn inside the bottom margin: without lifting the margin pdfkit would treat the footer as overflow and add a page.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    layout.label(line, STYLE.small, layout.left, doc.page.height - MARGIN + FOOTER_GAP, { width: layout.width, align: 'center' });
    doc.page.margins.bottom = bottom;
  }
}
