import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { CHANGED_MEANWHILE, type ErrorBody } from '../../../../../shared/src/errors.js';
import type { AgreedView } from '../../../../../shared/src/index.js';
import { PANEL_VERDICTS, type PanelVerdict } from '../../../../../shared/src/vocabulary.js';
import { useFormAction, useSession } from '../../session/context';
import './panelFeedback.css';

type Answer = NonNullable<AgreedView['response']>;

/**
 * A citizen's word on one official answer: does it address the recommendation? Once
 * said, it shows what they said, with a way to change it. The form is always for the
 * answer on the screen: when the officials give a new one, the form starts again empty
 * and says so, so that nobody's verdict lands on a text they have not read.
 */
export function PanelAssessment({ agreed, answer }: { agreed: AgreedView; answer: Answer }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { send, disabled, error, setError } = useFormAction({ afterClose: true });
  const mine = snapshot.me!.myAssessments.find((a) => a.roomId === agreed.roomId && a.recommendationId === agreed.recommendationId && a.answeredAt === answer.at);
  const [formFor, setFormFor] = useState(answer.at);
  const [replaced, setReplaced] = useState(false);
  const [changing, setChanging] = useState(false);
  const [verdict, setVerdict] = useState<PanelVerdict | null>(null);
  const [reason, setReason] = useState('');
  const saidRef = useRef<HTMLDivElement>(null);
  const firstRadioRef = useRef<HTMLInputElement>(null);
  const changeRef = useRef<HTMLButtonElement>(null);
  const [focus, setFocus] = useState<'said' | 'form' | 'change' | null>(null);
  const base = `assess-${agreed.roomId}-${agreed.recommendationId}`;

  // A new answer: what was being said was about the old one.
  useEffect(() => {
    if (formFor === answer.at) return;
    setFormFor(answer.at);
    setVerdict(null);
    setReason('');
    setChanging(false);
    setError(null);
    setReplaced(true);
  }, [answer.at, formFor, setError]);

  useEffect(() => {
    if (!focus) return;
    if (focus === 'said') saidRef.current?.focus();
    if (focus === 'form') firstRadioRef.current?.focus();
    if (focus === 'change') changeRef.current?.focus();
    setFocus(null);
  }, [focus]);

  const startChange = () => {
    setVerdict(mine?.verdict ?? null);
    setReason(mine?.reason ?? '');
    setChanging(true);
    setFocus('form');
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!verdict || formFor !== answer.at) return;
    const text = reason.trim();
    const ack = await send('response.assess', {
      roomId: agreed.roomId,
      recommendationId: agreed.recommendationId,
      answeredAt: formFor,
      verdict,
      ...(text ? { reason: text } : {}),
    });
    if (ack.ok) {
      setChanging(false);
      setReplaced(false);
      setFocus('said');
    }
  };

  const showForm = !mine || changing;
  return (
    <div className="panel-assess" data-testid="panel-assess" data-answered-at={answer.at}>
      {replaced && !mine && (
        <p className="callout warn" role="status" data-testid="panel-replaced">
          {t('panelFeedback.replaced')}
        </p>
      )}
      {mine && !changing && (
        <div className="panel-said" ref={saidRef} tabIndex={-1} data-testid="panel-said">
          <p>
            <strong>{t('panelFeedback.youSaid', { verdict: t(`panelFeedback.verdict.${mine.verdict}`) })}</strong>
          </p>
          {mine.reason && (
            <p>
              {t('panelFeedback.yourReason')} <span dir="auto">{mine.reason}</span>
            </p>
          )}
          <button type="button" className="small" ref={changeRef} onClick={startChange}>
            {t('panelFeedback.change')}
          </button>
        </div>
      )}
      {showForm && (
        <form className="panel-form" onSubmit={(e) => void submit(e)} noValidate data-testid="panel-form">
          <fieldset className="verdicts">
            <legend>{t('panelFeedback.question')}</legend>
            {PANEL_VERDICTS.map((v, i) => (
              <label key={v} className="verdict-choice">
                <input
                  ref={(i === 0 && !verdict) || v === verdict ? firstRadioRef : undefined}
                  type="radio"
                  name={`${base}-verdict`}
                  value={v}
                  checked={verdict === v}
                  onChange={() => setVerdict(v)}
                />
                {t(`panelFeedback.verdict.${v}`)}
              </label>
            ))}
          </fieldset>
          <label htmlFor={`${base}-reason`}>
            {t('panelFeedback.reason')} <span className="optional">{t('panelFeedback.optional')}</span>
          </label>
          <p id={`${base}-hint`} className="hint">
            {t('panelFeedback.reasonHint')}
          </p>
          <textarea
            id={`${base}-reason`}
            rows={2}
            maxLength={1000}
            dir="auto"
            value={reason}
            aria-describedby={`${base}-hint`}
            onChange={(e) => setReason(e.target.value)}
          />
          <div role="alert" data-testid="panel-error">
            {error && <p className="callout error">{errorText(t, error)}</p>}
          </div>
          <div className="controls">
            <button type="submit" className="primary" disabled={disabled || !verdict}>
              {t('panelFeedback.send')}
            </button>
            {changing && (
              <button
                type="button"
                onClick={() => {
                  setChanging(false);
                  setError(null);
                  setFocus('change');
                }}
              >
                {t('panelFeedback.cancel')}
              </button>
            )}
          </div>
        </form>
      )}
    </div>
  );
}

function errorText(t: TFunction, error: ErrorBody): string {
  // The only other conflict is the passing one, which any command can meet.
  if (error.code === 'CONFLICT' && error.message !== CHANGED_MEANWHILE) return t('panelFeedback.replacedError');
  if (error.code === 'NOT_FOUND') return t('panelFeedback.notFound');
  return t(`errors.${error.code}`);
}
