import type { EventDraft } from './events.js';
import type { OfficialResponse, SessionState } from './state.js';

const DAY_MS = 86_400_000;

/**
 * When a due date has passed: the end of that calendar day in UTC. One clock for every
 * deployment, whatever its time zone, so that the log decides the same anywhere.
 */
export function dueDatePassesAt(dueDate: string): number {
  return Date.parse(`${dueDate}T00:00:00Z`) + DAY_MS;
}

/** The due date at which this answer becomes overdue, or null if it cannot (no due date, progress since, already flagged). */
function pendingDueDate(r: OfficialResponse): string | null {
  if (r.current.dueDate === null || r.progressedSinceAnswer || r.overdue !== null) return null;
  return r.current.dueDate;
}

/**
 * The answers whose due date has passed at `now` with no progress since they were given.
 * Pure, like dueTimerEvents, and unlike it also for closed sessions: officials answer
 * after the session has ended, and that is when their due dates fall.
 */
export function overdueEvents(state: SessionState, now: number): EventDraft[] {
  const out: EventDraft[] = [];
  for (const r of Object.values(state.responses)) {
    const dueDate = pendingDueDate(r);
    if (dueDate !== null && dueDatePassesAt(dueDate) <= now) {
      out.push({ type: 'response.overdue', payload: { roomId: r.roomId, recommendationId: r.recommendationId, dueDate } });
    }
  }
  return out;
}

/** The earliest moment at which overdueEvents would return something (possibly already past), or null. */
export function nextOverdueAt(state: SessionState): number | null {
  let next: number | null = null;
  for (const r of Object.values(state.responses)) {
    const dueDate = pendingDueDate(r);
    if (dueDate === null) continue;
    const at = dueDatePassesAt(dueDate);
    if (next === null || at < next) next = at;
  }
  return next;
}
