import { roomScoped, type SessionState } from '../../../shared/src/index.js';

/** One response.overdue in the log, as the state keeps it (OfficialResponse.reminders). */
export interface Reminder {
  roomId: string;
  recommendationId: string;
  dueDate: string;
  at: number;
  seq: number;
}

/**
 * One reminder per webhook per recommendation per due date: a new answer that keeps the
 * same due date is not reminded of twice. Ids are [A-Za-z0-9_-], so the colons separate.
 */
export function reminderKey(sessionId: string, r: Pick<Reminder, 'roomId' | 'recommendationId' | 'dueDate'>, webhookId: string): string {
  return `${sessionId}:overdue:${r.roomId}:${r.recommendationId}:${r.dueDate}:${webhookId}`;
}

/** Where the public accountability page of a session is: absolute when the server knows its public URL. */
export function publicPageOf(sessionId: string, publicUrl: string | null): string {
  const path = `/p/${encodeURIComponent(sessionId)}`;
  return publicUrl ? new URL(path, publicUrl).toString() : path;
}

/**
 * The body of a response.overdue delivery, built from the state right after the
 * reminder's event (the log's prefix up to it), so that however often and wherever it
 * is rebuilt, it is the same. It names no one: officials are "an official" here, and
 * the webhook's HMAC vouches for it. The signed export carries the same answer.
 */
export function reminderBody(state: SessionState, r: Reminder, publicUrl: string | null): string {
  const key = roomScoped(r.roomId, r.recommendationId);
  const lock = Object.hasOwn(state.locks, key) ? state.locks[key] : undefined;
  const response = Object.hasOwn(state.responses, key) ? state.responses[key] : undefined;
  if (!lock || !response) throw new Error(`no agreed, answered recommendation ${key} at seq ${state.seq}`);
  const answer = response.current;
  return JSON.stringify({
    event: 'response.overdue',
    sessionId: state.sessionId,
    session: { title: state.title },
    recommendation: {
      id: r.recommendationId,
      roomId: r.roomId,
      roomName: state.rooms[r.roomId]?.name ?? r.roomId,
      title: lock.text.title,
      textHash: lock.textHash,
    },
    response: {
      status: answer.status,
      reason: answer.reason,
      dueDate: r.dueDate,
      answeredAt: new Date(answer.at).toISOString(),
      answeredBy: 'an official',
    },
    overdueSince: new Date(r.at).toISOString(),
    page: publicPageOf(state.sessionId, publicUrl),
    log: { sessionId: state.sessionId, seq: state.seq, head: state.head },
  });
}
