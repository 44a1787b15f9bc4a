import type { QuestionStatus, QuestionView } from '../../../../../shared/src/index.js';
import { searchable, searchWords } from '../searchText';

/**
 * - top: most upvotes first; among equals the newer first, so that a fresh question is seen
 *   (and can gather support) rather than buried under the early ones with as few votes.
 * - newest: the last asked first.
 * - waiting: for moderation; questions waiting for approval first, the one waiting longest at
 *   the top, then the rest, oldest first.
 * In every order the question being discussed comes first: it is what the room is on.
 */
export type QuestionSort = 'top' | 'newest' | 'waiting';
export const FACILITATOR_SORTS: readonly QuestionSort[] = ['waiting', 'top', 'newest'];
export const AUDIENCE_SORTS: readonly QuestionSort[] = ['top', 'newest'];

/** The facilitator's status filter: everything, or one status. */
export type QuestionFilter = 'all' | QuestionStatus;
export const FILTERS: readonly QuestionFilter[] = ['all', 'pending', 'approved', 'live', 'answered', 'hidden'];

/** A question with what searching and sorting need, computed once per question rather than per comparison. */
export interface IndexedQuestion {
  q: QuestionView;
  /** Its place in the order asked (the view lists questions in log order): later is newer, even within one millisecond. */
  order: number;
  folded: string;
}

export function indexQuestions(questions: readonly QuestionView[]): IndexedQuestion[] {
  return questions.map((q, order) => ({ q, order, folded: searchable(q.authorName === null ? q.text : `${q.text}\n${q.authorName}`) }));
}

const live = (a: IndexedQuestion, b: IndexedQuestion) => Number(b.q.status === 'live') - Number(a.q.status === 'live');
const waiting = (a: IndexedQuestion, b: IndexedQuestion) => Number(b.q.status === 'pending') - Number(a.q.status === 'pending');
const newer = (a: IndexedQuestion, b: IndexedQuestion) => b.order - a.order;

const COMPARE: Record<QuestionSort, (a: IndexedQuestion, b: IndexedQuestion) => number> = {
  top: (a, b) => live(a, b) || b.q.upvotes - a.q.upvotes || newer(a, b),
  newest: (a, b) => live(a, b) || newer(a, b),
  waiting: (a, b) => live(a, b) || waiting(a, b) || -newer(a, b),
};

/** The questions that match the search words (every word, anywhere in the text or the asker's name), in the chosen order. */
export function arrange(questions: readonly IndexedQuestion[], opts: { sort: QuestionSort; filter: QuestionFilter; search: string }): IndexedQuestion[] {
  const words = searchWords(opts.search);
  return questions.filter((x) => (opts.filter === 'all' || x.q.status === opts.filter) && words.every((w) => x.folded.includes(w))).sort(COMPARE[opts.sort]);
}

/** How many questions have each status, and how many there are. */
export function countByFilter(questions: readonly QuestionView[]): Record<QuestionFilter, number> {
  const counts: Record<QuestionFilter, number> = { all: questions.length, pending: 0, approved: 0, live: 0, answered: 0, hidden: 0 };
  for (const q of questions) counts[q.status] += 1;
  return counts;
}

/** What a bulk action would change, as the server decides it: approving lets pending and hidden questions be seen; hiding hides anything not hidden yet. */
export function bulkChanges(status: 'approved' | 'hidden', q: QuestionView): boolean {
  return status === 'approved' ? q.status === 'pending' || q.status === 'hidden' : q.status !== 'hidden';
}
