import { forwardRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgreedView } from '../../../../shared/src/index.js';
import { formatCalendarDate, formatDateTime } from '../format';
import { isolate } from '../i18n';
import { useSession } from '../session/context';
import { PanelAssessment } from './panelFeedback/PanelAssessment';
import { PanelCounts } from './panelFeedback/PanelCounts';

/**
 * What the decision-makers answered to one agreed recommendation: the current answer
 * with its reason and due date, who gave it and when, then progress updates and the
 * answers it replaced. Officials answer in a public capacity, so their names are shown.
 * Focusable (tabIndex -1) so the official's form can hand the focus here once it is gone.
 */
export const AnswerDetails = forwardRef<HTMLDivElement, { agreed: AgreedView }>(function AnswerDetails({ agreed }, ref) {
  const { t, i18n } = useTranslation();
  const r = agreed.response;
  const when = (ms: number) => formatDateTime(ms, i18n.language);
  if (!r) {
    return (
      <div className="answer none" ref={ref} tabIndex={-1} data-testid="answer">
        <p className="muted">{t('answers.none')}</p>
      </div>
    );
  }
  return (
    <div className={`answer answer-${r.status}`} ref={ref} tabIndex={-1} data-testid="answer">
      <p className="answer-status">
        <span className={`badge status-${r.status}`} data-testid="answer-status">
          {t('answers.status', { status: t(`responseStatus.${r.status}`) })}
        </span>
      </p>
      {r.reason && (
        <p className="answer-reason">
          <strong>{t('answers.reason')}:</strong>{' '}
          <span dir="auto" data-testid="answer-reason">
            {r.reason}
          </span>
        </p>
      )}
      {r.dueDate && (
        <p className="answer-due" data-testid="answer-due">
          {t('answers.due', { date: formatCalendarDate(r.dueDate, i18n.language) })}
        </p>
      )}
      <p className="muted">{t('answers.by', { name: isolate(r.byName), date: when(r.at) })}</p>
      <PanelCounts panel={r.panel} />
      {r.progress.length > 0 && (
        <div className="answer-progress">
          <h4>{t('answers.progressHeading')}</h4>
          <ul className="plain progress" data-testid="answer-progress">
            {r.progress.map((p, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: progress notes have no id; they are only ever appended and hold no state.
              <li key={i}>
                <span className="muted">{t('answers.progressBy', { date: when(p.at), name: isolate(p.byName) })}:</span> <span dir="auto">{p.text}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {r.history.length > 0 && (
        <details className="answer-history">
          <summary>{t('answers.earlier', { count: r.history.length })}</summary>
          <ul className="plain" data-testid="answer-history">
            {/* Newest first: the one just replaced is the one people look for. */}
            {[...r.history].reverse().map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: earlier answers have no id and hold no state; the list is re-rendered whole.
              <li key={i}>
                <p>{t('answers.earlierItem', { status: t(`responseStatus.${h.status}`), date: when(h.at), name: isolate(h.byName) })}</p>
                {h.reason && (
                  <p>
                    <strong>{t('answers.reason')}:</strong> <span dir="auto">{h.reason}</span>
                  </p>
                )}
                {h.dueDate && <p>{t('answers.due', { date: formatCalendarDate(h.dueDate, i18n.language) })}</p>}
                {h.panel.total > 0 && <PanelCounts panel={h.panel} />}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
});

/** Citizens and observers: the decision-makers' answers to what the assembly agreed, and citizens' say on each. Nothing to show until something is agreed. */
export function AnswersPanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { agreed } = snapshot.view!.outcome;
  const citizen = snapshot.me!.role === 'citizen';
  if (agreed.length === 0) return null;
  const manyRooms = new Set(agreed.map((a) => a.roomId)).size > 1;
  return (
    <section className="panel answers" aria-labelledby="answers-heading" data-testid="answers">
      <h2 id="answers-heading">{t('answers.heading')}</h2>
      <p className="muted">{t('answers.intro')}</p>
      <ul className="outcomes" aria-label={t('answers.listLabel')}>
        {agreed.map((a) => (
          <li key={`${a.roomId}:${a.recommendationId}`} className="outcome-item" data-testid="answer-item" data-recommendation-id={a.recommendationId}>
            <h3 className="outcome-title" dir="auto">
              {a.title.trim() || t('outcome.untitled')}
            </h3>
            {manyRooms && <p className="muted">{t('outcome.room', { name: a.roomName })}</p>}
            <AnswerDetails agreed={a} />
            {citizen && a.response && <PanelAssessment agreed={a} answer={a.response} />}
          </li>
        ))}
      </ul>
    </section>
  );
}
