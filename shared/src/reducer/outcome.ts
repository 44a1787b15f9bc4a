import { roomScoped } from '../drafting.js';
import type { Appliers, EventsOf } from './applier.js';

/** The outcome: officials' answers to agreed recommendations, their progress, and the publications. */
export const outcomeAppliers: Appliers<EventsOf<'response'> | EventsOf<'outcome'>> = {
  'response.given': (s, e) => {
    const { roomId, recommendationId, ...answer } = e.payload;
    const by = e.actor.kind === 'participant' ? e.actor.participantId : e.actor.kind;
    const key = roomScoped(roomId, recommendationId);
    const existing = s.responses[key];
    // A new answer starts with no verdicts: the panel judges each answer on its own, and the one replaced keeps its own.
    const current = { ...answer, at: e.at, by, panel: {} };
    if (existing) {
      existing.history.push(existing.current);
      existing.current = current;
      // A new answer is a new commitment: its own due date may pass unmet.
      existing.progressedSinceAnswer = false;
      existing.overdue = null;
    } else {
      s.responses[key] = { roomId, recommendationId, current, history: [], progress: [], progressedSinceAnswer: false, overdue: null, reminders: [] };
    }
  },
  'response.progressed': (s, e) => {
    const r = s.responses[roomScoped(e.payload.roomId, e.payload.recommendationId)];
    const by = e.actor.kind === 'participant' ? e.actor.participantId : e.actor.kind;
    if (!r) return;
    r.progress.push({ text: e.payload.text, at: e.at, by });
    r.progressedSinceAnswer = true;
    r.overdue = null;
  },
  'response.overdue': (s, e) => {
    const r = s.responses[roomScoped(e.payload.roomId, e.payload.recommendationId)];
    if (!r) return;
    r.overdue = { dueDate: e.payload.dueDate, since: e.at };
    r.reminders.push({ dueDate: e.payload.dueDate, at: e.at, seq: e.seq });
  },
  'response.assessed': (s, e) => {
    const { roomId, recommendationId, participantId, answeredAt, verdict, reason } = e.payload;
    const answer = s.responses[roomScoped(roomId, recommendationId)]?.current;
    // Keyed by citizen: a later verdict replaces theirs, so two tabs sending at once still count once.
    if (answer && answer.at === answeredAt) answer.panel[participantId] = { verdict, reason };
  },
  'outcome.published': (s, e) => {
    s.publications.push({ ...e.payload, at: e.at, by: e.actor.kind === 'participant' ? e.actor.participantId : e.actor.kind });
  },
};
