import { useTranslation } from 'react-i18next';
import { useSession } from '../../session/context';
import { AnswerDetails } from '../AnswersPanel';
import './panelFeedback.css';

/**
 * Facilitators: every agreed recommendation with the decision-makers' answer and what the
 * panel says of it, reasons included (without names). Nothing to show until something is agreed.
 */
export function PanelFeedbackPanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { agreed } = snapshot.view!.outcome;
  if (agreed.length === 0) return null;
  const answered = agreed.filter((a) => a.response);
  const manyRooms = new Set(agreed.map((a) => a.roomId)).size > 1;
  return (
    <section className="panel panel-feedback" aria-labelledby="panel-feedback-heading" data-testid="panel-feedback">
      <h2 id="panel-feedback-heading">{t('panelFeedback.heading')}</h2>
      <p className="muted">{t('panelFeedback.intro')}</p>
      {answered.length === 0 ? (
        <p>{t('panelFeedback.noAnswers')}</p>
      ) : (
        <ul className="outcomes" aria-labelledby="panel-feedback-heading">
          {answered.map((a) => (
            <li key={`${a.roomId}:${a.recommendationId}`} className="outcome-item" data-testid="panel-feedback-item" data-recommendation-id={a.recommendationId}>
              <h3 className="outcome-title" dir="auto">
                {a.title.trim() || t('outcome.untitled')}
              </h3>
              {manyRooms && <p className="muted">{t('outcome.room', { name: a.roomName })}</p>}
              <AnswerDetails agreed={a} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
