import type { CreateSessionInput, EventDraft, Role } from '../../../../shared/src/index.js';
import type { CommandsOf, Deciders } from './context.js';
import { fail } from './lookup.js';

/** The first event of every log: the session as created, with the hashes of its invites. */
export function sessionCreated(input: CreateSessionInput, inviteHashes: Record<Role, string>): EventDraft {
  return {
    type: 'session.created',
    payload: {
      title: input.title,
      question: input.question,
      agenda: input.agenda.map((item, i) => ({ ...item, id: `item-${i + 1}` })),
      settings: input.settings,
      inviteHashes,
    },
  };
}

/** The session as a whole: its settings, its invites, and its close. */
export const sessionDeciders: Deciders<CommandsOf<'settings'> | CommandsOf<'invite'> | CommandsOf<'session'>> = {
  'settings.update': ({ state }, { patch }) => {
    // Compared by value: the agreement rule is an object.
    const changes = Object.entries(patch).filter(([k, v]) => JSON.stringify(state.settings[k as keyof typeof state.settings]) !== JSON.stringify(v));
    if (changes.length === 0) fail('CONFLICT', 'Those settings are already in force.');
    return { events: [{ type: 'settings.updated', payload: { patch: Object.fromEntries(changes) } }] };
  },
  'invite.rotate': ({ newSecret }, { role }) => {
    const { secret, hash } = newSecret();
    return { events: [{ type: 'invite.rotated', payload: { role, inviteHash: hash } }], result: { role, invite: secret } };
  },
  'session.close': ({ state, now }) => {
    const events: EventDraft[] = [];
    for (const roomId of state.roomOrder) {
      const floor = state.rooms[roomId]!.floor;
      if (floor) events.push({ type: 'floor.ended', payload: { roomId, participantId: floor.participantId, endedAt: now, reason: 'ended-by-facilitator' } });
    }
    const active = state.agenda.find((i) => i.status === 'active');
    if (active) events.push({ type: 'agenda.item-completed', payload: { itemId: active.id } });
    events.push({ type: 'session.closed', payload: {} });
    return { events };
  },
};
