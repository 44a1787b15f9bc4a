import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QuestionView } from '../../../../shared/src/index.js';
import { useMyRoom, useSession } from '../session/context';
import { AskForm } from './qa/AskForm';
import { ModerationBar } from './qa/ModerationBar';
import { QuestionItem } from './qa/QuestionItem';
import { QuestionToolbar } from './qa/QuestionToolbar';
import { arrange, AUDIENCE_SORTS, countByFilter, FACILITATOR_SORTS, indexQuestions, type QuestionFilter, type QuestionSort } from './qa/questionOrder';
import { useFocusStaysInList } from './qa/useFocusStaysInList';
import './qa/qa.css';

/**
 * Questions are shown 30 at a time, with "show more", rather than through a virtualised
 * list. A plenary's few hundred questions are a few hundred list items at most, and the
 * filter, the search and the counts mean nobody scrolls through all of them; a plain
 * list keeps what a virtual one breaks: the browser's find-in-page, a screen reader's
 * reading of every item shown with its true count, Tab moving through everything on the
 * page, and no guessing of row heights for questions of one line or ten.
 */
const PAGE = 30;
const NO_QUESTIONS: QuestionView[] = [];

/** Q&A: citizens ask (optionally anonymously) and upvote; facilitators moderate, one by one or many at once. */
export function QAPanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const room = useMyRoom();
  const me = snapshot.me!;
  const view = snapshot.view!;
  const staff = me.role === 'facilitator';
  const viewer = staff ? 'facilitator' : me.role === 'citizen' ? 'citizen' : 'reader';
  const questions = room?.questions ?? NO_QUESTIONS;

  const [sort, setSort] = useState<QuestionSort>(staff ? 'waiting' : 'top');
  const [filter, setFilter] = useState<QuestionFilter>('all');
  const [search, setSearch] = useState('');
  const [shown, setShown] = useState(PAGE);
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  /** The index of the first question a "show more" revealed: focus goes there, not back to the top. */
  const [revealedFrom, setRevealedFrom] = useState<number | null>(null);
  const revealedRef = useRef<HTMLLIElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const summaryRef = useRef<HTMLParagraphElement>(null);
  useFocusStaysInList(listRef, summaryRef);
  const selectWordId = useId();

  const indexed = useMemo(() => indexQuestions(questions), [questions]);
  const listed = useMemo(() => arrange(indexed, { sort, filter: staff ? filter : 'all', search }), [indexed, sort, filter, search, staff]);
  const listedQuestions = useMemo(() => listed.map((x) => x.q), [listed]);
  const counts = useMemo(() => countByFilter(questions), [questions]);
  const mine = useMemo(() => new Set(me.myQuestions.map((q) => q.id)), [me.myQuestions]);
  const upvoted = useMemo(() => new Set(me.upvoted), [me.upvoted]);

  // Another order or another list starts again from its top.
  const reset =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setShown(PAGE);
      setRevealedFrom(null);
    };
  const select = useCallback((ids: readonly string[], on: boolean) => {
    setSelected((prev) => {
      const next = new Set(prev);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });
  }, []);
  const toggle = useCallback((id: string, on: boolean) => select([id], on), [select]);

  useEffect(() => {
    if (revealedFrom !== null) revealedRef.current?.focus();
  }, [revealedFrom]);

  const page = listed.slice(0, shown);
  const rest = listed.length - page.length;
  const pending = counts.pending;
  return (
    <section className="panel qa" aria-labelledby="qa-heading">
      <h2 id="qa-heading">{t('qa.heading')}</h2>
      {me.role === 'citizen' && <AskForm premoderated={view.settings.qaPremoderation} />}
      {me.role === 'citizen' && me.myQuestions.length > 0 && (
        <>
          <h3>{t('qa.mineHeading')}</h3>
          <ul className="plain mine" data-testid="my-questions">
            {me.myQuestions.map((q) => (
              <li key={q.id}>
                <span dir="auto">{q.text}</span> <span className={`status status-${q.status}`}>{t(`qa.status.${q.status}`)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>{t('qa.listHeading')}</h3>
      {staff && pending > 0 && (
        <p className="callout" data-testid="qa-pending">
          {t('qa.pendingCount', { count: pending })}
        </p>
      )}
      {questions.length === 0 ? (
        <p className="muted">{t('qa.empty')}</p>
      ) : (
        <>
          <QuestionToolbar
            sorts={staff ? FACILITATOR_SORTS : AUDIENCE_SORTS}
            sort={sort}
            onSort={reset(setSort)}
            search={search}
            onSearch={reset(setSearch)}
            filters={staff ? { filter, onFilter: reset(setFilter), counts } : undefined}
          />
          {staff && <ModerationBar listed={listedQuestions} selected={selected} select={select} />}
          <p ref={summaryRef} tabIndex={-1} className="muted" data-testid="qa-showing">
            {listed.length === 0
              ? t(search.trim() ? 'qa.noMatch' : 'qa.noneHere')
              : rest > 0
                ? t('qa.showing', { shown: page.length, count: listed.length })
                : t('qa.showingAll', { count: listed.length })}
          </p>
          {staff && (
            <span id={selectWordId} hidden>
              {t('qa.select')}
            </span>
          )}
          {page.length > 0 && (
            <ul ref={listRef} className="questions" data-testid="questions">
              {page.map(({ q }, i) => (
                <QuestionItem
                  key={q.id}
                  q={q}
                  viewer={viewer}
                  mine={mine.has(q.id)}
                  voted={upvoted.has(q.id)}
                  selection={staff ? { selected: selected.has(q.id), toggle, selectWordId } : undefined}
                  itemRef={i === revealedFrom ? revealedRef : undefined}
                />
              ))}
            </ul>
          )}
          {rest > 0 && (
            <button
              type="button"
              onClick={() => {
                setRevealedFrom(page.length);
                setShown(page.length + PAGE);
              }}
            >
              {t('qa.showMore', { count: Math.min(PAGE, rest) })}
            </button>
          )}
        </>
      )}
    </section>
  );
}
