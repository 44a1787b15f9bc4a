import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

export interface AgendaRow {
  /** Stable across removals, so React keeps each row's inputs (and focus) with the right item. */
  key: number;
  title: string;
  minutes: string;
}

/** The most items the server takes (createSessionSchema). */
export const MAX_AGENDA_ITEMS = 100;

/**
 * The agenda as rows of title and minutes; rows can be added and removed. Errors arrive
 * per row and field ("2.minutes") from the server. After adding, focus goes to the new
 * row's title; after removing, to the row that took its place (or the Add button).
 */
export function AgendaFields({
  rows,
  onChange,
  errorOf,
  newKey,
}: {
  rows: AgendaRow[];
  onChange: (rows: AgendaRow[]) => void;
  errorOf: (index: number, field: 'title' | 'minutes') => string | null;
  newKey: () => number;
}) {
  const { t } = useTranslation();
  const focusKey = useRef<number | 'add' | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const target = focusKey.current;
    focusKey.current = null;
    if (target === 'add') addButton.current?.focus();
    else if (target !== null) document.getElementById(`agenda-${target}-title`)?.focus();
  });

  const update = (key: number, patch: Partial<AgendaRow>) => onChange(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const add = () => {
    const key = newKey();
    focusKey.current = key;
    onChange([...rows, { key, title: '', minutes: '' }]);
  };
  const remove = (index: number) => {
    focusKey.current = rows[index + 1]?.key ?? rows[index - 1]?.key ?? 'add';
    onChange(rows.filter((_, i) => i !== index));
  };

  return (
    <fieldset className="setup-group">
      <legend>
        {t('setup.form.agenda')} <span className="optional">{t('setup.form.optional')}</span>
      </legend>
      <p className="hint">{t('setup.form.agendaHint')}</p>
      {rows.length > 0 && (
        <ol className="agenda-rows">
          {rows.map((row, i) => {
            const n = i + 1;
            const titleError = errorOf(i, 'title');
            const minutesError = errorOf(i, 'minutes');
            const base = `agenda-${row.key}`;
            return (
              <li key={row.key} className="agenda-row" data-testid="agenda-row">
                <div className="agenda-row-title">
                  <label htmlFor={`${base}-title`}>{t('setup.form.itemTitle', { n })}</label>
                  <input
                    id={`${base}-title`}
                    type="text"
                    dir="auto"
                    maxLength={800}
                    value={row.title}
                    aria-invalid={titleError ? true : undefined}
                    aria-describedby={titleError ? `${base}-title-error` : undefined}
                    onChange={(e) => update(row.key, { title: e.target.value })}
                  />
                  {titleError && (
                    <p id={`${base}-title-error`} className="field-error">
                      {titleError}
                    </p>
                  )}
                </div>
                <div className="agenda-row-minutes">
                  <label htmlFor={`${base}-minutes`}>{t('setup.form.itemMinutes', { n })}</label>
                  <input
                    id={`${base}-minutes`}
                    type="number"
                    inputMode="numeric"
                    min={1}
                    max={1440}
                    step={1}
                    value={row.minutes}
                    aria-invalid={minutesError ? true : undefined}
                    aria-describedby={minutesError ? `${base}-minutes-error` : undefined}
                    onChange={(e) => update(row.key, { minutes: e.target.value })}
                  />
                  {minutesError && (
                    <p id={`${base}-minutes-error`} className="field-error">
                      {minutesError}
                    </p>
                  )}
                </div>
                <button type="button" className="small agenda-remove" aria-label={t('setup.form.removeItemLabel', { n })} onClick={() => remove(i)}>
                  {t('setup.form.removeItem')}
                </button>
              </li>
            );
          })}
        </ol>
      )}
      <button ref={addButton} type="button" disabled={rows.length >= MAX_AGENDA_ITEMS} onClick={add}>
        {t('setup.form.addItem')}
      </button>
    </fieldset>
  );
}
