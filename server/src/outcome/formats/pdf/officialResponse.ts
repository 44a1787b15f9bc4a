import { PANEL_VERDICT_LABELS, panelLine } from '../panelText.js';
import { dateTime } from './formatting.js';
import type { Layout } from './layout.js';
import type { Agreed, Answer } from './outcomeParts.js';
import { COLOR, STATUS, STYLE } from './theme.js';

function answerMeta(a: Answer): string {
  return `answered ${dateTime(a.answeredAt)} by ${a.answeredBy}${a.dueDate ? ` · due ${a.dueDate}` : ''}`;
}

/** The official answer to an agreed recommendation, its progress and the answers it replaced. */
export function officialResponse(layout: Layout, resp: Agreed['response']): void {
  const { doc } = layout;
  layout.gap(6);
  const indent = 10;
  const x = layout.left + indent;
  if (!resp) {
    layout.ensure(14);
    layout.text('No official response yet.', { ...STYLE.smallBold, color: COLOR.muted });
    return;
  }
  layout.ensure(50);
  const from = { page: layout.pageIndex, y: doc.y };
  const status = STATUS[resp.status];
  layout.runs(
    [
      { text: 'Official response: ', style: STYLE.strong },
      { text: status.label, style: { ...STYLE.strong, color: status.color } },
    ],
    { x },
  );
  layout.text(answerMeta(resp), STYLE.small, { x });
  if (resp.overdue)
    layout.text(`Overdue: no progress reported by the end of ${resp.overdue.dueDate} (UTC).`, { ...STYLE.smallBold, color: STATUS.rejected.color }, { x });
  if (resp.reason) {
    layout.gap(2);
    layout.text(resp.reason, STYLE.body, { x });
  }
  panelVerdicts(layout, resp.panel, x);
  if (resp.progress.length > 0) {
    layout.gap(4);
    layout.ensure(24);
    layout.text('Progress', STYLE.smallBold, { x });
    for (const p of resp.progress) {
      layout.ensure(12);
      layout.runs(
        [
          { text: `${dateTime(p.at)}, ${p.by}: `, style: { ...STYLE.small, size: 8.5, color: COLOR.muted } },
          { text: p.text, style: { ...STYLE.body, size: 8.5 } },
        ],
        { x: x + 6 },
      );
      layout.gap(1.5);
    }
  }
  if (resp.history.length > 0) {
    layout.gap(4);
    layout.ensure(24);
    layout.text(resp.history.length === 1 ? 'Earlier answer' : 'Earlier answers', STYLE.smallBold, { x });
    for (const h of resp.history) {
      layout.ensure(12);
      layout.runs(
        [
          { text: `${STATUS[h.status].label}`, style: { ...STYLE.strong, size: 8.5, color: STATUS[h.status].color } },
          { text: ` — ${answerMeta(h)}${h.reason ? ': ' : ''}`, style: { ...STYLE.small, size: 8.5, color: COLOR.muted } },
          { text: h.reason ?? '', style: { ...STYLE.body, size: 8.5 } },
          { text: ` — ${panelLine(h.panel)}`, style: { ...STYLE.small, size: 8.5, color: COLOR.muted } },
        ],
        { x: x + 6 },
      );
      layout.gap(1.5);
    }
  }
  layout.stripe(status.color, from, layout.left + 1, 2);
}

/** What the panel said of the answer: the counts, then each reason under its verdict, nameless. */
function panelVerdicts(layout: Layout, panel: Answer['panel'], x: number): void {
  layout.gap(4);
  layout.ensure(12);
  layout.text(panelLine(panel), STYLE.smallBold, { x });
  for (const r of panel.reasons) {
    layout.ensure(12);
    layout.runs(
      [
        { text: `${PANEL_VERDICT_LABELS[r.verdict]}: `, style: { ...STYLE.small, size: 8.5, color: COLOR.muted } },
        { text: r.reason, style: { ...STYLE.body, size: 8.5 } },
      ],
      { x: x + 6 },
    );
    layout.gap(1.5);
  }
}
