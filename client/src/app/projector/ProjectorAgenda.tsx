import { useTranslation } from 'react-i18next';
import type { AgendaItem } from '../../../../shared/src/index.js';
import { formatRemaining } from '../format';

/** The running agenda item and its clock; once over time, the clock says so in words and colour, not colour alone. */
export function ProjectorAgenda({ agenda, now }: { agenda: AgendaItem[]; now: number }) {
  const { t } = useTranslation();
  const active = agenda.find((i) => i.status === 'active');
  const finished = agenda.length > 0 && agenda.every((i) => i.status === 'done');
  // Never more than the item's whole time box (a view that took a few ms to arrive would otherwise show 10:01 of 10:00).
  const remaining = active?.deadline != null ? Math.min(active.deadline - now, active.deadline - (active.startedAt ?? active.deadline)) : null;
  return (
    <section className="projector-agenda" aria-labelledby="projector-agenda-heading" data-testid="projector-agenda">
      <h2 id="projector-agenda-heading" className="projector-label">
        {t('projector.agendaHeading')}
      </h2>
      {active ? (
        <>
          <p className="projector-agenda-item" dir="auto">
            {t('projector.agendaNow', { title: active.title })}
          </p>
          {remaining !== null && (
            <p className={remaining < 0 ? 'projector-clock over' : 'projector-clock'} data-testid="projector-agenda-clock">
              {remaining >= 0 ? t('projector.agendaLeft', { time: formatRemaining(remaining) }) : t('projector.agendaOver', { time: formatRemaining(remaining) })}
            </p>
          )}
        </>
      ) : (
        <p className="projector-agenda-item">{finished ? t('projector.agendaFinished') : t('projector.agendaNotStarted')}</p>
      )}
    </section>
  );
}
