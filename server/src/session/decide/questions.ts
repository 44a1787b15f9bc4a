import { hasUpvoted, type QuestionStatus } from '../../../../shared/src/index.js';
import type { CommandsOf, Deciders } from './context.js';
import { fail } from './lookup.js';

const MAX_QUESTIONS_PER_PARTICIPANT = 50;
/** The statuses a bulk approval changes: waiting for approval, or hidden. */
const CAN_APPROVE: ReadonlySet<QuestionStatus> = new Set(['pending', 'hidden']);

/** Q&A: questions asked, upvoted and moderated. */
export const questionDeciders: Deciders<CommandsOf<'qa'>> = {
  'qa.ask': ({ state, actor, newId }, { text, anonymous }) => {
    const mine = Object.values(state.questions).filter((q) => q.authorId === actor.id);
    if (mine.length >= MAX_QUESTIONS_PER_PARTICIPANT) fail('CONFLICT', `You have asked the maximum of ${MAX_QUESTIONS_PER_PARTICIPANT} questions.`);
    if (mine.some((q) => q.text === text && q.roomId === actor.roomId)) fail('CONFLICT', 'You have already asked this question.');
    const questionId = newId('q');
    return {
      events: [
        {
          type: 'qa.asked',
          payload: { roomId: actor.roomId, questionId, authorId: actor.id, anonymous, text, approved: !state.settings.qaPremoderation },
        },
      ],
      result: { questionId },
    };
  },
  'qa.upvote': ({ state, actor }, { questionId }) => {
    const q = Object.hasOwn(state.questions, questionId) ? state.questions[questionId] : undefined;
    // Questions of other rooms, and those not (or no longer) visible, are indistinguishable from absent ones.
    if (!q || q.roomId !== actor.roomId || q.status === 'pending' || q.status === 'hidden') fail('NOT_FOUND', 'There is no such question.');
    // Support is what others give a question; its author's own vote would only inflate it.
    if (q.authorId === actor.id) fail('CONFLICT', 'You cannot upvote your own question.');
    if (hasUpvoted(q.upvoters, actor.id)) fail('CONFLICT', 'You have already upvoted this question.');
    return { events: [{ type: 'qa.upvoted', payload: { questionId, participantId: actor.id } }] };
  },
  'qa.unvote': ({ state, actor }, { questionId }) => {
    const q = Object.hasOwn(state.questions, questionId) ? state.questions[questionId] : undefined;
    if (!q || q.roomId !== actor.roomId) fail('NOT_FOUND', 'There is no such question.');
    if (!hasUpvoted(q.upvoters, actor.id)) fail('CONFLICT', 'You have not upvoted this question.');
    return { events: [{ type: 'qa.unvoted', payload: { questionId, participantId: actor.id } }] };
  },
  'qa.moderate': ({ state }, { questionId, status }) => {
    const q = Object.hasOwn(state.questions, questionId) ? state.questions[questionId] : undefined;
    if (!q) fail('NOT_FOUND', 'There is no such question.');
    if (q.status === status) fail('CONFLICT', `The question is already ${status}.`);
    return { events: [{ type: 'qa.status-set', payload: { questionId, status } }] };
  },
  'qa.moderateMany': ({ state }, { questionIds, status }) => {
    // All or nothing on the ids: questions are never deleted, so an unknown one is a mistake to say, not to skip.
    const unknown = questionIds.find((id) => !Object.hasOwn(state.questions, id));
    if (unknown) fail('NOT_FOUND', `There is no such question: ${unknown}.`);
    // What another facilitator (or this one, a moment ago) already did is left as it is, so the rest of the batch still goes
    // through. Approving only lets a question be seen: one that is live or answered is seen already, and "approving" it
    // would take it off the floor or reopen it, which nobody ticking a long list means to do.
    const changing = questionIds.filter((id) => (status === 'approved' ? CAN_APPROVE.has(state.questions[id]!.status) : state.questions[id]!.status !== 'hidden'));
    if (changing.length === 0) {
      fail('CONFLICT', status === 'approved' ? 'None of these questions is waiting for approval or hidden.' : 'All of these questions are already hidden.');
    }
    // The same event qa.moderate appends, one per question: the record and the reducer need nothing new.
    return {
      events: changing.map((questionId) => ({ type: 'qa.status-set' as const, payload: { questionId, status } })),
      result: { changed: changing.length, unchanged: questionIds.length - changing.length },
    };
  },
};
