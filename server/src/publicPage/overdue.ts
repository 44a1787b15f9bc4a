import type { OutcomeDocument } from '../../../shared/src/index.js';

type Response = NonNullable<OutcomeDocument['outcome']['recommendations']['agreed'][number]['response']>;

/**
 * Whether an official answer is overdue: its due date has ended (the whole day, in UTC)
 * and no progress was reported since the answer was given. The one place this rule
 * lives on the page; when the export carries `overdue` per response, read that instead.
 */
export function overdueOf(response: Response, now: number): boolean {
  if (response.dueDate === null) return false;
  const endOfDueDay = Date.parse(`${response.dueDate}T00:00:00Z`) + 24 * 60 * 60 * 1000;
  if (now < endOfDueDay) return false;
  const answeredAt = Date.parse(response.answeredAt);
  return !response.progress.some((p) => Date.parse(p.at) >= answeredAt);
}
