import { minutesAndSeconds } from '../displayText.js';
import type { Layout } from './layout.js';
import type { Outcome } from './outcomeParts.js';
import { sectionHeading } from './sectionHeading.js';
import { table } from './table.js';
import { STYLE } from './theme.js';

/** A table of the rooms: activity in each and which recommendations it produced, by their A/N labels. */
export function roomsSection(layout: Layout, o: Pick<Outcome, 'rooms' | 'recommendations'>): void {
  sectionHeading(layout, 'Rooms', 'rooms');
  if (o.rooms.length === 0) {
    layout.text('No rooms were recorded.', STYLE.body);
    return;
  }
  const labels = new Map<string, string>();
  o.recommendations.agreed.forEach((r, i) => labels.set(`${r.roomId}\n${r.id}`, `A${i + 1}`));
  o.recommendations.notAgreed.forEach((r, i) => labels.set(`${r.roomId}\n${r.id}`, `N${i + 1}`));
  const ids = (roomId: string, list: string[]) => (list.length ? list.map((id) => labels.get(`${roomId}\n${id}`) ?? id).join(', ') : '—');
  table(
    layout,
    [
      { header: 'Room', width: 0 },
      { header: 'Kind', width: 52 },
      { header: 'Turns', width: 38, align: 'right' },
      { header: 'Speaking', width: 50, align: 'right' },
      { header: 'Questions', width: 54, align: 'right' },
      { header: 'Agreed', width: 62 },
      { header: 'Not agreed', width: 62 },
    ],
    o.rooms.map((r) => ({
      cells: [r.name, r.kind, String(r.turns), minutesAndSeconds(r.speakingSeconds), String(r.questionsAsked), ids(r.id, r.agreed), ids(r.id, r.notAgreed)],
    })),
  );
}
