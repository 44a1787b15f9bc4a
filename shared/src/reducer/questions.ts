import { hasUpvoted } from '../upvoters.js';
import type { Appliers, EventsOf } from './applier.js';

/** Q&A: questions asked, upvoted and moderated. */
export const questionAppliers: Appliers<EventsOf<'qa'>> = {
  'qa.asked': (s, e) => {
    const q = e.payload;
    s.questions[q.questionId] = {
      id: q.questionId,
      roomId: q.roomId,
      authorId: q.authorId,
      anonymous: q.anonymous,
      text: q.text,
      status: q.approved ? 'approved' : 'pending',
      askedAt: e.at,
      upvoters: [],
    };
    s.questionOrder.push(q.questionId);
  },
  'qa.upvoted': (s, e) => {
    const q = s.questions[e.payload.questionId];
    if (q && !hasUpvoted(q.upvoters, e.payload.participantId)) q.upvoters.push(e.payload.participantId);
  },
  'qa.unvoted': (s, e) => {
    const q = s.questions[e.payload.questionId];
    if (q) q.upvoters = q.upvoters.filter((id) => id !== e.payload.participantId);
  },
  'qa.status-set': (s, e) => {
    const q = s.questions[e.payload.questionId];
    if (!q) return;
    if (e.payload.status === 'live') {
      // One live question per room: the previous one goes back to the approved list.
      for (const other of Object.values(s.questions)) {
        if (other.roomId === q.roomId && other.status === 'live') other.status = 'approved';
      }
    }
    q.status = e.payload.status;
  },
};
