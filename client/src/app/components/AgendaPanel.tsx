import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatRemaining } from '../format';
import { useAction, useServerNow, useSession } from '../session/context';

const EXTEND_CHOICES = [1, 2, 5, 10, 15] as const;

/** The running agenda item with its countdown to the absolute deadline; facilitators also drive the agenda. */
export function AgendaPanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const now = useServerNow();
  const view = snapshot.view!;
  const isFacilitator = snapshot.me?.role === 'facilitator';
  const active = view.agenda.find((i) => i.status === 'active');
  const hasPending = view.agenda.some((i) => i.status === 'pending');
  const finished = view.agenda.length > 0 && view.agenda.every((i) => i.status === 'done');
  // Never more than the item's whole time box (a view that took a few ms to arrive would otherwise show 10:01 of 10:00).
  const remaining = active?.deadline != null ? Math.min(active.deadline - now, active.deadline - (active.startedAt ?? active.deadline)) : null;
  const isLast = active !== undefined && !view.agenda.some((i, idx) => idx > view.agenda.indexOf(active) && i.status === 'pending');

  return (
    <section className="panel" aria-labelledby="agenda-heading">
      <h2 id="agenda-heading">{t('agenda.heading')}</h2>
      {active ? (
        <p className="agenda-now">
          <strong>{t('agenda.current', { title: active.title })}</strong>{' '}
          {remaining !== null && (
            <span className={remaining < 0 ? 'countdown over' : 'countdown'} data-testid="agenda-countdown">
              {remaining >= 0 ? t('agenda.timeLeft', { time: formatRemaining(remaining) }) : t('agenda.overtime', { time: formatRemaining(remaining) })}
            </span>
          )}
        </p>
      ) : (
        <p>{finished ? t('agenda.finished') : t('agenda.notStarted')}</p>
      )}
      {view.agenda.length > 0 && (
        <ol className="agenda" aria-label={t('agenda.listLabel')}>
          {view.agenda.map((item) => (
            <li key={item.id} className={`agenda-item ${item.status}`} aria-current={item.status === 'active' ? 'step' : undefined}>
              <span className="agenda-title">{item.title}</span>{' '}
              <span className="muted">
                {t('agenda.itemMinutes', { count: item.minutes + item.extendedMinutes })} · {t(`agenda.status.${item.status}`)}
              </span>
            </li>
          ))}
        </ol>
      )}
      {isFacilitator && <AgendaControls hasActive={active !== undefined} hasPending={hasPending} isLast={isLast} />}
    </section>
  );
}

function AgendaControls({ hasActive, hasPending, isLast }: { hasActive: boolean; hasPending: boolean; isLast: boolean }) {
  const { t } = useTranslation();
  const { act, disabled } = useAction();
  const [minutes, setMinutes] = useState<number>(5);
  const selectId = useId();
  return (
    <div className="controls">
      {!hasActive && (
        <button type="button" className="primary" disabled={disabled || !hasPending} onClick={() => void act('agenda.start', {})}>
          {t('agenda.start')}
        </button>
      )}
      {hasActive && (
        <button type="button" className="primary" onClick={() => void act('agenda.next', {})} disabled={disabled}>
          {isLast ? t('agenda.finishLast') : t('agenda.next')}
        </button>
      )}
      {hasActive && (
        <span className="inline-field">
          <label htmlFor={selectId}>{t('agenda.extendLabel')}</label>
          <select id={selectId} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
            {EXTEND_CHOICES.map((m) => (
              <option key={m} value={m}>
                {t('agenda.extendMinutes', { count: m })}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => void act('agenda.extend', { minutes })} disabled={disabled}>
            {t('agenda.extend')}
          </button>
        </span>
      )}
    </div>
  );
}
