import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { FILTERS, type QuestionFilter, type QuestionSort } from './questionOrder';

interface Props {
  sorts: readonly QuestionSort[];
  sort: QuestionSort;
  onSort: (sort: QuestionSort) => void;
  search: string;
  onSearch: (search: string) => void;
  /** Facilitator only: the status filter with how many questions each holds. */
  filters?: { filter: QuestionFilter; onFilter: (filter: QuestionFilter) => void; counts: Record<QuestionFilter, number> };
}

/** Which questions, in which order: a status filter with counts (facilitators), the order, and a search. */
export function QuestionToolbar({ sorts, sort, onSort, search, onSearch, filters }: Props) {
  const { t } = useTranslation();
  const sortId = useId();
  const sortHintId = useId();
  const searchId = useId();
  return (
    <div className="qa-toolbar">
      {filters && (
        <div className="qa-filters" role="group" aria-label={t('qa.filter.label')}>
          {FILTERS.map((f) => (
            <button key={f} type="button" className="small" aria-pressed={filters.filter === f} onClick={() => filters.onFilter(f)}>
              {t(`qa.filter.${f}`)} <span className="qa-count">{filters.counts[f]}</span>
            </button>
          ))}
        </div>
      )}
      <div className="qa-find">
        <div className="qa-field">
          <label htmlFor={sortId}>{t('qa.sort.label')}</label>
          <select id={sortId} value={sort} aria-describedby={sortHintId} onChange={(e) => onSort(e.target.value as QuestionSort)}>
            {sorts.map((s) => (
              <option key={s} value={s}>
                {t(`qa.sort.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="qa-field qa-search">
          <label htmlFor={searchId}>{t('qa.search')}</label>
          <input id={searchId} type="search" value={search} autoComplete="off" dir="auto" onChange={(e) => onSearch(e.target.value)} />
        </div>
      </div>
      <p id={sortHintId} className="hint">
        {t(`qa.sortHint.${sort}`)}
      </p>
    </div>
  );
}
