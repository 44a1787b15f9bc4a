import type { Appliers, EventsOf } from './applier.js';

/** The agenda: items started, extended, overrun and completed. */
export const agendaAppliers: Appliers<EventsOf<'agenda'>> = {
  'agenda.item-started': (s, e) => {
    for (const item of s.agenda) {
      if (item.status === 'active') Object.assign(item, { status: 'done', endedAt: e.at });
    }
    const item = s.agenda.find((i) => i.id === e.payload.itemId);
    if (item) Object.assign(item, { status: 'active', startedAt: e.at, deadline: e.payload.deadline, endedAt: null, overran: false });
  },
  'agenda.item-extended': (s, e) => {
    const item = s.agenda.find((i) => i.id === e.payload.itemId);
    if (!item) return;
    item.extendedMinutes += e.payload.minutes;
    item.deadline = e.payload.deadline;
    item.overran = false;
  },
  'agenda.item-overran': (s, e) => {
    const item = s.agenda.find((i) => i.id === e.payload.itemId);
    if (item) item.overran = true;
  },
  'agenda.item-completed': (s, e) => {
    const item = s.agenda.find((i) => i.id === e.payload.itemId);
    if (item) Object.assign(item, { status: 'done', endedAt: e.at });
  },
};
