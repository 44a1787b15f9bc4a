import { CHANGED_MEANWHILE, roomScoped } from '../../../../shared/src/index.js';
import type { CommandsOf, Deciders } from './context.js';
import { fail, roomOf } from './lookup.js';

/** The outcome: officials' answers to agreed recommendations, the panel's verdicts on them, their progress, and its publication. */
export const outcomeDeciders: Deciders<CommandsOf<'response'> | CommandsOf<'outcome'>> = {
  'response.give': ({ state, now }, { roomId, recommendationId, status, reason, dueDate }) => {
    roomOf(state, roomId);
    const key = roomScoped(roomId, recommendationId);
    if (!Object.hasOwn(state.locks, key)) fail('NOT_FOUND', 'Only agreed recommendations can be answered, and this one is not agreed.');
    const answer = { status, reason: reason ?? null, dueDate: dueDate ?? null };
    const current = Object.hasOwn(state.responses, key) ? state.responses[key]!.current : null;
    if (current && current.status === answer.status && current.reason === answer.reason && current.dueDate === answer.dueDate) {
      fail('CONFLICT', 'This recommendation already has exactly this answer.');
    }
    // The panel names the answer it judges by its time (response.assess): two answers to one recommendation must never share it.
    if (current && [...state.responses[key]!.history, current].some((a) => a.at === now)) fail('CONFLICT', CHANGED_MEANWHILE);
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
  'response.assess': ({ state, actor }, { roomId, recommendationId, answeredAt, verdict, reason }) => {
    roomOf(state, roomId);
    const key = roomScoped(roomId, recommendationId);
    const response = Object.hasOwn(state.responses, key) ? state.responses[key] : undefined;
    if (!response) fail('NOT_FOUND', 'This recommendation has no answer to assess yet.');
    if (response.current.at !== answeredAt) {
      // The verdict is on the text its sender read: never carried over to an answer they have not seen.
      if (response.history.some((a) => a.at === answeredAt)) fail('CONFLICT', 'This answer was replaced; read the new one.');
      fail('NOT_FOUND', 'There is no answer to this recommendation given at that time.');
    }
    const why = reason ?? null;
    const previous = response.current.panel[actor.id];
    // The same verdict again (a double submit, a second tab) changes nothing, and says so by writing nothing.
    if (previous && previous.verdict === verdict && previous.reason === why) return { events: [] };
    return { events: [{ type: 'response.assessed', payload: { roomId, recommendationId, participantId: actor.id, answeredAt, verdict, reason: why } }] };
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
