import { minutes, plural } from './formatting.js';
import type { Layout } from './layout.js';
import type { Outcome } from './outcomeParts.js';
import { sectionHeading } from './sectionHeading.js';
import { table } from './table.js';
import { COLOR, STYLE } from './theme.js';

const AGENDA_STATUS = { pending: 'not started', active: 'running', done: 'done' } as const;

/** Planned against actual time for each agenda item, and the totals. */
export function agendaSection(layout: Layout, agenda: Outcome['agenda']): void {
  sectionHeading(layout, 'Agenda as it ran', 'agenda');
  if (agenda.length === 0) {
    layout.text('The session had no agenda.', STYLE.body);
    return;
  }
  table(
    layout,
    [
      { header: 'Item', width: 0 },
      { header: 'Planned (min)', width: 78, align: 'right' },
      { header: 'Actual (min)', width: 70, align: 'right' },
      { header: 'Overran', width: 52 },
      { header: 'Status', width: 64 },
    ],
    agenda.map((a) => ({
      cells: [
        a.title,
        a.extendedMinutes > 0 ? `${a.plannedMinutes} (+${a.extendedMinutes})` : String(a.plannedMinutes),
        a.actualMinutes === null ? '—' : minutes(a.actualMinutes),
        a.overran ? 'yes' : 'no',
        AGENDA_STATUS[a.status],
      ],
      colors: [undefined, undefined, undefined, a.overran ? COLOR.warn : undefined, undefined],
    })),
  );
  const planned = agenda.reduce((s, a) => s + a.plannedMinutes, 0);
  const extended = agenda.reduce((s, a) => s + a.extendedMinutes, 0);
  const actual = agenda.reduce((s, a) => s + (a.actualMinutes ?? 0), 0);
  layout.gap(4);
  layout.text(
    `Planned ${planned} min${extended ? ` (+${extended} by extensions)` : ''}; items that ran took ${minutes(Math.round(actual * 10) / 10)} min. ${plural(agenda.filter((a) => a.overran).length, 'item')} overran.`,
    STYLE.small,
  );
}
