import { dateTime } from './formatting.js';
import type { Layout } from './layout.js';
import type { Outcome } from './outcomeParts.js';
import { sectionHeading } from './sectionHeading.js';
import { STYLE } from './theme.js';

/** Each round that ended, what it decided, and the facilitator's statement of what the room decided. */
export function roundsSection(layout: Layout, o: Pick<Outcome, 'rounds' | 'recommendations'>): void {
  sectionHeading(
    layout,
    'Rounds and what the rooms decided',
    'rounds',
    o.rounds.length === 0 ? 'No round has ended.' : 'Every agreement round that ended, with what was withdrawn or cancelled and the facilitator’s statement.',
  );
  const label = (kind: 'agreed' | 'notAgreed', roomId: string, id: string) => {
    const i = o.recommendations[kind].findIndex((r) => r.roomId === roomId && r.id === id);
    return i < 0 ? id : `${kind === 'agreed' ? 'A' : 'N'}${i + 1}`;
  };
  o.rounds.forEach((r, i) => {
    const what = r.cancelled
      ? 'Cancelled: it decided nothing.'
      : `Agreed: ${r.agreed.map((id) => label('agreed', r.roomId, id)).join(', ') || 'none'} · not agreed: ${r.notAgreed.map((id) => label('notAgreed', r.roomId, id)).join(', ') || 'none'}` +
        (r.withdrawn.length ? ` · withdrawn while open: ${r.withdrawn.join(', ')}` : '');
    layout.ensure(60);
    layout.text(`Round ${i + 1} · ${r.roomName} · closed ${dateTime(r.closedAt)}`, STYLE.strong);
    layout.text(what, STYLE.body);
    if (r.statement) {
      layout.text(r.statement.text, STYLE.body, { x: layout.left + 12, width: layout.width - 12 });
      layout.text(`Statement by the facilitator, ${dateTime(r.statement.at)}`, STYLE.small);
    }
    layout.gap(6);
  });
}
