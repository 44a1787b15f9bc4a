import { roomScoped } from '../../../../shared/src/index.js';
import type { CommandsOf, Deciders } from './context.js';
import { fail, roomOf } from './lookup.js';

/** The outcome: officials' answers to agreed recommendations, their progress, and its publication. */
export const outcomeDeciders: Deciders<CommandsOf<'response'> | CommandsOf<'outcome'>> = {
  'response.give': ({ state }, { roomId, recommendationId, status, reason, dueDate }) => {
    roomOf(state, roomId);
    const key = roomScoped(roomId, recommendationId);
    if (!Object.hasOwn(state.locks, key)) fail('NOT_FOUND', 'Only agreed recommendations can be answered, and this one is not agreed.');
    const answer = { status, reason: reason ?? null, dueDate: dueDate ?? null };
    const current = Object.hasOwn(state.responses, key) ? state.responses[key]!.current : null;
    if (current && current.status === answer.status && current.reason === answer.reason && current.dueDate === answer.dueDate) {
      fail('CONFLICT', 'This recommendation already has exactly this answer.');
    }
    return { events: [{ type: 'response.given', payload: { roomId, recommendationId, ...answer } }] };
  },
  'response.progress': ({ state }, { roomId, recommendationId, text }) => {
    roomOf(state, roomId);
    const key = roomScoped(roomId, recommendationId);
    const response = Object.hasOwn(state.responses, key) ? state.responses[key] : undefined;
    if (!response) fail('NOT_FOUND', 'Answer this recommendation before reporting progress on it.');
    if (response.progress.at(-1)?.text === text) fail('CONFLICT', 'This progress update was already given.');
    return { events: [{ type: 'response.progressed', payload: { roomId, recommendationId, text } }] };
  },
  'outcome.publish': ({ state }) => {
    const last = state.publications.at(-1);
    // Nothing but the last publication happened since: the same outcome would go out twice.
    if (last && last.headSeq === state.seq - 1) fail('CONFLICT', 'The outcome has not changed since it was last published.');
    const number = (last?.number ?? 0) + 1;
    return {
      events: [{ type: 'outcome.published', payload: { number, headSeq: state.seq, headHash: state.head } }],
      result: { number, headSeq: state.seq, headHash: state.head },
    };
  },
};
