import { useId, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import type { QuestionView } from '../../../../../shared/src/index.js';
import { isolate } from '../../i18n';
import { useAction } from '../../session/context';

interface Props {
  q: QuestionView;
  /** Who looks: the facilitator moderates, a citizen upvotes, observers and officials read. */
  viewer: 'facilitator' | 'citizen' | 'reader';
  /** Asked by the viewer (the server refuses an upvote of one's own question, anonymous ones included: it is not offered). */
  mine: boolean;
  voted: boolean;
  /** Facilitator only: whether it is ticked for a bulk action, and the id of the hidden word "Select" that starts the checkbox's name. */
  selection?: { selected: boolean; toggle: (id: string, on: boolean) => void; selectWordId: string };
  /** Set on the first question a "show more" revealed, so that focus can move there. */
  itemRef?: Ref<HTMLLIElement>;
}

/** One question: its text, who asked, its status and support, and what the viewer can do with it. */
export function QuestionItem({ q, viewer, mine, voted, selection, itemRef }: Props) {
  const { t } = useTranslation();
  const { act, disabled } = useAction();
  const textId = useId();
  const staff = viewer === 'facilitator';
  const moderate = (status: 'approved' | 'live' | 'answered' | 'hidden') => void act('qa.moderate', { questionId: q.id, status });
  return (
    <li ref={itemRef} tabIndex={itemRef ? -1 : undefined} className={`question status-${q.status}${selection ? ' selectable' : ''}${mine ? ' mine' : ''}`}>
      {selection && (
        <input
          type="checkbox"
          className="question-select"
          checked={selection.selected}
          aria-labelledby={`${selection.selectWordId} ${textId}`}
          onChange={(e) => selection.toggle(q.id, e.target.checked)}
        />
      )}
      <div className="question-body">
        <p id={textId} className="question-text" dir="auto">
          {q.text}
        </p>
        <p className="muted">
          {mine && <span className="badge-mine">{t('qa.yours')}</span>} {q.authorName === null ? t('qa.anonymousAuthor') : t('qa.by', { name: isolate(q.authorName) })} ·{' '}
          <span className={`status status-${q.status}`}>{t(`qa.status.${q.status}`)}</span> · <span data-testid="votes">{t('qa.votes', { count: q.upvotes })}</span>
        </p>
        {(staff || (viewer === 'citizen' && !mine)) && (
          <div className="controls">
            {viewer === 'citizen' && (
              <button
                type="button"
                aria-pressed={voted}
                aria-describedby={textId}
                disabled={disabled}
                onClick={() => void act(voted ? 'qa.unvote' : 'qa.upvote', { questionId: q.id })}
              >
                {t('qa.upvote')}
              </button>
            )}
            {staff && (q.status === 'pending' || q.status === 'hidden') && (
              <button type="button" className="primary small" aria-describedby={textId} disabled={disabled} onClick={() => moderate('approved')}>
                {t('qa.approve')}
              </button>
            )}
            {staff && (q.status === 'approved' || q.status === 'answered') && (
              <button type="button" className="small" aria-describedby={textId} disabled={disabled} onClick={() => moderate('live')}>
                {t('qa.live')}
              </button>
            )}
            {staff && (q.status === 'approved' || q.status === 'live') && (
              <button type="button" className="small" aria-describedby={textId} disabled={disabled} onClick={() => moderate('answered')}>
                {t('qa.answered')}
              </button>
            )}
            {staff && q.status !== 'hidden' && (
              <button type="button" className="danger small" aria-describedby={textId} disabled={disabled} onClick={() => moderate('hidden')}>
                {t('qa.hide')}
              </button>
            )}
          </div>
        )}
      </div>
    </li>
  );
}
