import type { OutcomeDocument } from '../../../../../shared/src/index.js';
import { groupReferences } from './claimReferences.js';
import { dateTime, longDate } from './formatting.js';
import { keyFigures } from './keyFigures.js';
import type { Layout, Run } from './layout.js';
import type { Claim } from './outcomeParts.js';
import { COLOR, STYLE, type Style } from './theme.js';

/** Page 1: title, key figures, and each claim of the summary with links to where it comes from. */
export function summaryPage(layout: Layout, d: OutcomeDocument): void {
  const o = d.outcome;
  const { doc } = layout;
  doc.outline.addItem('Summary');
  layout.anchor('summary');
  layout.text(o.session.title, STYLE.title);
  layout.gap(2);
  const generated = longDate.format(new Date(d.generatedAt));
  layout.text(`Outcome brief · ${generated} · record up to ${dateTime(d.generatedAt)}`, { ...STYLE.body, color: COLOR.muted });
  layout.gap(12);
  keyFigures(layout, o);
  layout.gap(14);

  const claimPieces = (claim: Claim, size: number) => {
    const emphasis = claim.kind === 'agreed';
    const main: Style = { font: emphasis ? 'bold' : 'sans', size, color: COLOR.ink, lineGap: 1.5 };
    const small: Style = { font: 'sans', size: Math.max(7, size - 2), color: COLOR.muted, lineGap: 1 };
    const refs: Run[] = [{ text: 'see ', style: small }];
    groupReferences(claim.refs).forEach((g, gi) => {
      if (gi > 0) refs.push({ text: '; ', style: small });
      if (g.prefix) refs.push({ text: `${g.prefix} `, style: small });
      g.items.forEach((item, ii) => {
        if (ii > 0) refs.push({ text: ', ', style: small });
        refs.push({ text: `${item.text}${layout.pageRef(item.dest)}`, style: { ...small, color: COLOR.heading }, goTo: item.dest });
      });
    });
    return { main, small, refs, emphasis };
  };

  // Page 1 is the page that gets read: shrink the type a little rather than spill over.
  const indent = 10;
  const available = layout.bottom - doc.y;
  const heightAt = (size: number) =>
    o.summary.reduce((sum, claim) => {
      const p = claimPieces(claim, size);
      return sum + layout.measure(claim.text, p.main, layout.width - indent) + 1 + layout.runsHeight(p.refs, layout.width - indent) + size * 0.9;
    }, 0);
  const size = [11, 10.5, 10, 9.5, 9, 8.5, 8].find((s) => heightAt(s) <= available) ?? 8;

  for (const claim of o.summary) {
    const p = claimPieces(claim, size);
    const h = layout.measure(claim.text, p.main, layout.width - indent) + layout.runsHeight(p.refs, layout.width - indent);
    layout.ensure(Math.min(h, 80));
    const from = { page: layout.pageIndex, y: doc.y + 1 };
    layout.text(claim.text, p.main, { x: layout.left + indent });
    doc.y += 1;
    layout.runs(p.refs, { x: layout.left + indent });
    const color = p.emphasis ? COLOR.agreed : claim.kind === 'contested' ? COLOR.contested : COLOR.neutral;
    layout.stripe(color, from, layout.left, p.emphasis ? 3 : 2);
    layout.gap(size * 0.9);
  }
}
