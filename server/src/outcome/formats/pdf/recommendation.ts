import { displayText, percent } from '../displayText.js';
import { plural } from './formatting.js';
import type { Layout } from './layout.js';
import { officialResponse } from './officialResponse.js';
import type { Agreed, Recommendation } from './outcomeParts.js';
import { supportBar } from './supportBar.js';
import { COLOR, LEVELS, STYLE } from './theme.js';

function supportLine(r: Recommendation): string {
  const s = r.support;
  return `${percent(s.supportShare)} support · ${plural(s.total, 'rating')} · ${plural(s.blocks, 'block')}`;
}

/**
 * One recommendation in full: heading, text, rationale, how it was rated, minority notes
 * and, for agreed ones, the official response. `id` (A1, N2, …) names it in the outline
 * and is the destination the summary links to.
 */
export function recommendation(
  layout: Layout,
  r: Recommendation,
  id: string,
  parent: PDFKit.PDFOutline,
  extra: { meta: string; warning?: string; response?: Agreed['response'] },
): void {
  const { doc } = layout;
  const heading = `${id}. ${r.title}`;
  const headHeight = layout.measure(heading, STYLE.heading) + layout.measure(extra.meta, STYLE.small);
  const bodyHeight = layout.measure(r.body, STYLE.body);
  const firstLines = Math.min(bodyHeight, 40);
  // The whole recommendation on one page when it can be; otherwise at least its heading with the start of its text.
  const estimate = headHeight + bodyHeight + layout.measure(`Why: ${r.rationale}`, STYLE.body) + 90 + (extra.response ? 60 : 0);
  if (estimate < layout.bottom - doc.page.margins.top) layout.ensure(estimate);
  else layout.ensure(headHeight + firstLines + 10);

  layout.anchor(id);
  parent.addItem(displayText(`${id}. ${r.title}`));
  layout.text(heading, STYLE.heading);
  layout.gap(1);
  layout.text(extra.meta, STYLE.small);
  if (extra.warning) {
    layout.gap(2);
    layout.text(extra.warning, { ...STYLE.smallBold, color: COLOR.warn });
  }
  layout.gap(4);
  layout.text(r.body, STYLE.body);
  layout.gap(3);
  layout.runs([
    { text: 'Why: ', style: STYLE.strong },
    { text: r.rationale, style: STYLE.body },
  ]);
  layout.gap(5);
  layout.ensure(12 + 30);
  layout.text(supportLine(r), STYLE.strong);
  layout.gap(1);
  supportBar(layout, r);
  layout.text(`Text SHA-256: ${r.textHash}`, STYLE.mono);

  if (r.minorityNotes.length > 0) {
    layout.gap(5);
    layout.ensure(30);
    layout.text(`Minority ${r.minorityNotes.length === 1 ? 'note' : 'notes'}`, STYLE.smallBold);
    layout.gap(1);
    for (const note of r.minorityNotes) {
      layout.ensure(14);
      layout.runs(
        [
          { text: `${LEVELS[note.level].label}: `, style: { ...STYLE.strong, size: 8.5 } },
          { text: note.reason, style: { ...STYLE.body, size: 8.5 } },
        ],
        { x: layout.left + 8 },
      );
      layout.gap(2);
    }
  }
  if (extra.response !== undefined) officialResponse(layout, extra.response);
  layout.gap(16);
}
