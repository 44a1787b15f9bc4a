import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Search, sort and filters above a long list, with "showing N of M" announced politely
 * (typing a name should say how many match, not read the list).
 */
export function ListTools<S extends string>({
  query,
  onQuery,
  searchLabel,
  sort,
  onSort,
  sorts,
  shown,
  total,
  children,
}: {
  query: string;
  onQuery: (q: string) => void;
  searchLabel: string;
  sort: S;
  onSort: (s: S) => void;
  sorts: { value: S; label: string }[];
  shown: number;
  total: number;
  /** Extra filters (selects, checkboxes) placed beside the search. */
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const searchId = useId();
  const sortId = useId();
  return (
    <div className="list-tools">
      <div className="list-tools-row">
        <span className="inline-field">
          <label htmlFor={searchId}>{searchLabel}</label>
          <input id={searchId} type="search" value={query} onChange={(e) => onQuery(e.target.value)} autoComplete="off" />
        </span>
        <span className="inline-field">
          <label htmlFor={sortId}>{t('lists.sortBy')}</label>
          <select id={sortId} value={sort} onChange={(e) => onSort(e.target.value as S)}>
            {sorts.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </span>
        {children}
      </div>
      <p className="hint" role="status">
        {shown === total ? t('lists.showingAll', { count: total }) : t('lists.showing', { shown, count: total })}
      </p>
    </div>
  );
}
