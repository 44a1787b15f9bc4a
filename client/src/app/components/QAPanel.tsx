import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { QuestionStatus, QuestionView } from '../../../../shared/src/index.js';
import { isolate } from '../i18n';
import { useAction, useMyRoom, useSession } from '../session/context';

const ORDER: Record<QuestionStatus, number> = { live: 0, pending: 1, approved: 2, answered: 3, hidden: 4 };

/** Live questions first, then by upvotes, then oldest first. */
function sortQuestions(qs: QuestionView[]): QuestionView[] {
  return [...qs].sort((a, b) => ORDER[a.status] - ORDER[b.status] || b.upvotes - a.upvotes || a.askedAt - b.askedAt);
}

/** Q&A: citizens ask (optionally anonymously) and upvote; facilitators moderate. */
export function QAPanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const room = useMyRoom();
  const me = snapshot.me!;
  const view = snapshot.view!;
  const questions = sortQuestions(room?.questions ?? []);
  const pending = questions.filter((q) => q.status === 'pending').length;
  return (
    <section className="panel" aria-labelledby="qa-heading">
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
      {me.role === 'facilitator' && pending > 0 && (
        <p className="callout" data-testid="qa-pending">
          {t('qa.pendingCount', { count: pending })}
        </p>
      )}
      {questions.length === 0 ? (
        <p className="muted">{t('qa.empty')}</p>
      ) : (
        <ul className="questions" data-testid="questions">
          {questions.map((q) => (
            <QuestionItem key={q.id} q={q} />
          ))}
        </ul>
      )}
    </section>
  );
}

function AskForm({ premoderated }: { premoderated: boolean }) {
  const { t } = useTranslation();
  const { act, disabled, busy } = useAction();
  const [text, setText] = useState('');
  const [anonymous, setAnonymous] = useState(false);
  const textId = useId();
  const anonId = useId();
  const hintId = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = text.trim();
    if (!value) return;
    const ack = await act('qa.ask', { text: value, anonymous });
    if (ack?.ok) {
      setText('');
      setAnonymous(false);
    }
  };
  return (
    <form className="ask" onSubmit={(e) => void submit(e)}>
      <label htmlFor={textId}>{t('qa.askLabel')}</label>
      <textarea
        id={textId}
        value={text}
        maxLength={500}
        rows={3}
        required
        dir="auto"
        aria-describedby={premoderated ? hintId : undefined}
        onChange={(e) => setText(e.target.value)}
      />
      {premoderated && (
        <p id={hintId} className="hint">
          {t('qa.premoderated')}
        </p>
      )}
      <div className="check">
        <input id={anonId} type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} />
        <label htmlFor={anonId}>{t('qa.anonymous')}</label>
      </div>
      <button type="submit" className="primary" disabled={disabled || text.trim().length === 0}>
        {busy ? t('qa.asking') : t('qa.ask')}
      </button>
    </form>
  );
}

function QuestionItem({ q }: { q: QuestionView }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { act, disabled } = useAction();
  const me = snapshot.me!;
  const textId = useId();
  const voted = me.upvoted.includes(q.id);
  // The server refuses an upvote of one's own question, anonymous ones included: it is not offered.
  const mine = me.myQuestions.some((m) => m.id === q.id);
  const staff = me.role === 'facilitator';
  const moderate = (status: 'approved' | 'live' | 'answered' | 'hidden') => void act('qa.moderate', { questionId: q.id, status });
  return (
    <li className={`question status-${q.status}`}>
      <p id={textId} className="question-text" dir="auto">
        {q.text}
      </p>
      <p className="muted">
        {q.authorName === null ? t('qa.anonymousAuthor') : t('qa.by', { name: isolate(q.authorName) })} ·{' '}
        <span className={`status status-${q.status}`}>{t(`qa.status.${q.status}`)}</span> · <span data-testid="votes">{t('qa.votes', { count: q.upvotes })}</span>
      </p>
      <div className="controls">
        {me.role === 'citizen' && !mine && (
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
          <button type="button" className="primary" aria-describedby={textId} disabled={disabled} onClick={() => moderate('approved')}>
            {t('qa.approve')}
          </button>
        )}
        {staff && (q.status === 'approved' || q.status === 'answered') && (
          <button type="button" aria-describedby={textId} disabled={disabled} onClick={() => moderate('live')}>
            {t('qa.live')}
          </button>
        )}
        {staff && (q.status === 'approved' || q.status === 'live') && (
          <button type="button" aria-describedby={textId} disabled={disabled} onClick={() => moderate('answered')}>
            {t('qa.answered')}
          </button>
        )}
        {staff && q.status !== 'hidden' && (
          <button type="button" className="danger" aria-describedby={textId} disabled={disabled} onClick={() => moderate('hidden')}>
            {t('qa.hide')}
          </button>
        )}
      </div>
    </li>
  );
}
