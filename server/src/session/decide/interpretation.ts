import type { CommandsOf, Deciders } from './context.js';
import { fail, participantOf, roomOf } from './lookup.js';

/**
 * Interpreters: a facilitator makes a citizen the voice of one language in one room.
 * A language may have several interpreters (a team taking turns); a person interprets
 * into one language at a time, so changing it is a revoke and a new assignment.
 */
export const interpretationDeciders: Deciders<CommandsOf<'interpretation'>> = {
  'interpretation.assign': ({ state }, { participantId, roomId, language }) => {
    const target = participantOf(state, participantId);
    roomOf(state, roomId);
    if (target.role !== 'citizen') fail('FORBIDDEN', 'Only a citizen can be made an interpreter.');
    const post = target.interpreting;
    if (post && post.roomId === roomId && post.language === language) fail('CONFLICT', 'This participant already interprets into this language here.');
    if (post) fail('CONFLICT', 'This participant already interprets into another language; end that first.');
    return { events: [{ type: 'interpreter.assigned', payload: { participantId, roomId, language } }] };
  },
  'interpretation.revoke': ({ state }, { participantId }) => {
    const target = participantOf(state, participantId);
    if (!target.interpreting) fail('CONFLICT', 'This participant is not an interpreter.');
    return { events: [{ type: 'interpreter.revoked', payload: { participantId } }] };
  },
};
