import type { Layout } from './layout.js';
import { STYLE } from './theme.js';

/** Opens a section: its title in the outline and on the page, a link target, and an optional introduction. */
export function sectionHeading(layout: Layout, title: string, dest: string, intro?: string): PDFKit.PDFOutline {
  const { doc } = layout;
  const introHeight = intro ? layout.measure(intro, STYLE.body) + 6 : 0;
  // Keep a section title with at least a few lines of what follows it.
  layout.ensure(30 + introHeight + 50);
  if (doc.y > doc.page.margins.top + 1) layout.gap(14);
  layout.anchor(dest);
  const item = doc.outline.addItem(title);
  layout.text(title, STYLE.section);
  const y = doc.y + 2;
  layout.rule(y);
  doc.y = y + 7;
  if (intro) {
    layout.text(intro, STYLE.body);
    layout.gap(6);
  }
  return item;
}
