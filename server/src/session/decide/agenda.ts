import type { EventDraft } from '../../../../shared/src/index.js';
import type { CommandsOf, Deciders } from './context.js';
import { fail } from './lookup.js';

/** The agenda: items started, extended and completed against their time boxes. */
export const agendaDeciders: Deciders<CommandsOf<'agenda'>> = {
  'agenda.start': ({ state, now }, { itemId }) => {
    const item = itemId === undefined ? state.agenda.find((i) => i.status === 'pending') : state.agenda.find((i) => i.id === itemId);
    if (!item) fail(itemId === undefined ? 'CONFLICT' : 'NOT_FOUND', itemId === undefined ? 'No agenda item is left to start.' : 'There is no such agenda item.');
    if (item.status === 'active') fail('CONFLICT', 'That item is already running.');
    if (item.status === 'done') fail('CONFLICT', 'That item has already been held.');
    const active = state.agenda.find((i) => i.status === 'active');
    return {
      events: [
        ...(active ? [{ type: 'agenda.item-completed' as const, payload: { itemId: active.id } }] : []),
        { type: 'agenda.item-started', payload: { itemId: item.id, deadline: now + item.minutes * 60_000 } },
      ],
    };
  },
  'agenda.next': ({ state, now }) => {
    const activeIndex = state.agenda.findIndex((i) => i.status === 'active');
    const next = state.agenda.find((i, idx) => idx > activeIndex && i.status === 'pending');
    if (activeIndex < 0 && !next) fail('CONFLICT', 'No agenda item is left to start.');
    const events: EventDraft[] = [];
    if (activeIndex >= 0) events.push({ type: 'agenda.item-completed', payload: { itemId: state.agenda[activeIndex]!.id } });
    if (next) events.push({ type: 'agenda.item-started', payload: { itemId: next.id, deadline: now + next.minutes * 60_000 } });
    return { events };
  },
  'agenda.extend': ({ state, now }, { minutes }) => {
    const active = state.agenda.find((i) => i.status === 'active');
    if (!active) fail('CONFLICT', 'No agenda item is running.');
    // An item already over its time is extended from now, not from the deadline it missed.
    const deadline = Math.max(active.deadline ?? now, now) + minutes * 60_000;
    return { events: [{ type: 'agenda.item-extended', payload: { itemId: active.id, minutes, deadline } }] };
  },
  'agenda.complete': ({ state }) => {
    const active = state.agenda.find((i) => i.status === 'active');
    if (!active) fail('CONFLICT', 'No agenda item is running.');
    return { events: [{ type: 'agenda.item-completed', payload: { itemId: active.id } }] };
  },
};
