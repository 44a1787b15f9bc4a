import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { AGREEMENT_LEVELS, RESPONSE_STATUSES, type ResponseStatus } from '../../../../shared/src/vocabulary.js';
import type { AgreedView, ErrorBody, RoomView, RoundResult, RoundView } from '../../../../shared/src/index.js';
import { formatDateTime } from '../format';
import { useFormAction, useSession } from '../session/context';
import { AnswerDetails } from './AnswersPanel';
import { BriefDownloads, VerifyNote } from './BriefDownloads';

interface Outcome {
  key: string;
  room: RoomView;
  title: string;
  body: string;
  rationale: string;
  result: RoundResult;
  /** Agreed only: the SHA-256 of the locked text. */
  hash: string | null;
}

/**
 * The agreed recommendations, from the session view alone (no drafting connection):
 * each room's locks joined with the closed round that produced them, whose items hold
 * the exact text put to the vote and whose results hold the ratings. Then what was put
 * to the vote and not agreed, with the figures of its last closed round.
 */
export function collectOutcomes(rooms: RoomView[]): { agreed: Outcome[]; notAgreed: Outcome[] } {
  const agreed: Outcome[] = [];
  const notAgreed: Outcome[] = [];
  for (const room of rooms) {
    const rounds = new Map(room.rounds.map((r) => [r.id, r]));
    const locked = new Set(room.locks.map((l) => l.recommendationId));
    for (const lock of [...room.locks].sort((a, b) => a.lockedAt - b.lockedAt)) {
      const round = rounds.get(lock.roundId);
      const item = round?.items.find((i) => i.recommendationId === lock.recommendationId);
      const result = round?.results?.find((r) => r.recommendationId === lock.recommendationId);
      if (!item || !result) continue;
      agreed.push({ key: `${room.id}:${lock.recommendationId}`, room, ...texts(item.text), result, hash: lock.textHash });
    }
    // Later closed rounds replace earlier ones: the last word on each recommendation.
    const last = new Map<string, { round: RoundView; result: RoundResult }>();
    for (const round of room.rounds) {
      if (round.closedAt === null || !round.results) continue;
      for (const result of round.results) last.set(result.recommendationId, { round, result });
    }
    for (const [recommendationId, { round, result }] of last) {
      if (locked.has(recommendationId) || result.agreed) continue;
      const item = round.items.find((i) => i.recommendationId === recommendationId);
      if (!item) continue;
      notAgreed.push({ key: `${room.id}:${recommendationId}`, room, ...texts(item.text), result, hash: null });
    }
  }
  return { agreed, notAgreed };
}

const texts = (t: { title: string; body: string; rationale: string }) => ({ title: t.title.trim(), body: t.body.trim(), rationale: t.rationale.trim() });

/**
 * Officials and observers: what the assembly agreed (and did not), the brief to
 * download and how to check it. Officials also answer each agreed recommendation here.
 * The list of agreed recommendations comes from the outcome, which covers every room;
 * the full text and figures from the rooms this viewer can see.
 */
export function OutcomePanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const official = snapshot.me!.role === 'official';
  const { agreed: details, notAgreed } = collectOutcomes(view.rooms);
  const byKey = new Map(details.map((o) => [o.key, o]));
  const agreed = view.outcome.agreed;
  const manyRooms = view.rooms.length > 1 || new Set(agreed.map((a) => a.roomId)).size > 1;
  return (
    <>
      <section className="panel outcome" aria-labelledby="outcome-heading" data-testid="outcome">
        <h2 id="outcome-heading">{t('outcome.heading')}</h2>
        <p className="muted">{t('outcome.intro')}</p>
        {agreed.length === 0 ? (
          <p data-testid="outcome-none">{t('outcome.none')}</p>
        ) : (
          <ul className="outcomes" aria-label={t('outcome.listLabel')} data-testid="outcome-agreed">
            {agreed.map((a) => {
              const key = `${a.roomId}:${a.recommendationId}`;
              const o = byKey.get(key);
              return o ? (
                <OutcomeItem key={key} o={o} manyRooms={manyRooms} level={3}>
                  {official && <Respond agreed={a} />}
                </OutcomeItem>
              ) : (
                <li key={key} className="outcome-item agreed" data-testid="outcome-item">
                  <h3 className="outcome-title" dir="auto">
                    {a.title.trim() || t('outcome.untitled')} <span className="badge agreed">{t('rounds.agreed')}</span>
                  </h3>
                  <p className="muted">{t('outcome.room', { name: a.roomName })}</p>
                  <p className="muted">{t('outcome.detailsElsewhere')}</p>
                  <p className="outcome-hash">{t('outcome.fingerprint', { hash: a.textHash.slice(0, 12) })}</p>
                  {official && <Respond agreed={a} />}
                </li>
              );
            })}
          </ul>
        )}
        {notAgreed.length > 0 && (
          <>
            <h3>{t('outcome.notAgreedHeading')}</h3>
            <p className="muted">{t('outcome.notAgreedIntro')}</p>
            <ul className="outcomes" aria-label={t('outcome.notAgreedListLabel')} data-testid="outcome-not-agreed">
              {notAgreed.map((o) => (
                <OutcomeItem key={o.key} o={o} manyRooms={manyRooms} level={4} />
              ))}
            </ul>
          </>
        )}
      </section>
      <BriefPanel />
    </>
  );
}

/** The latest publication's files, for everyone but the facilitators (who pick any version in their console). */
function BriefPanel() {
  const { t, i18n } = useTranslation();
  const { snapshot } = useSession();
  const latest = snapshot.view!.outcome.publications.at(-1);
  return (
    <section className="panel brief" aria-labelledby="brief-heading" data-testid="brief">
      <h2 id="brief-heading">{t('brief.heading')}</h2>
      {latest ? (
        <>
          <p data-testid="brief-latest">{t('brief.latest', { number: latest.number, date: formatDateTime(latest.at, i18n.language) })}</p>
          <BriefDownloads publication="latest" />
        </>
      ) : (
        <p className="muted" data-testid="brief-none">
          {t('brief.notPublished')}
        </p>
      )}
      <VerifyNote logFromFacilitators />
    </section>
  );
}

/**
 * An official's part for one agreed recommendation: the answer as it stands, a form to
 * give it (later: to change it, folded away) and, once answered, progress reports.
 */
function Respond({ agreed }: { agreed: AgreedView }) {
  const { t } = useTranslation();
  const answerRef = useRef<HTMLDivElement>(null);
  const [changing, setChanging] = useState(false);
  const [saved, setSaved] = useState<'answer' | 'progress' | null>(null);
  const [focusAnswer, setFocusAnswer] = useState(false);
  const answeredAt = agreed.response?.at;

  // The form that was used may be gone once the answer arrives: the focus goes to the answer, not to the page's top.
  useEffect(() => {
    if (!focusAnswer || answeredAt === undefined) return;
    setFocusAnswer(false);
    answerRef.current?.focus();
  }, [focusAnswer, answeredAt]);

  const onAnswered = () => {
    setSaved('answer');
    setChanging(false);
    setFocusAnswer(true);
  };
  return (
    <div className="respond" data-testid="respond" data-recommendation-id={agreed.recommendationId}>
      <h4>{t('respond.heading')}</h4>
      <AnswerDetails agreed={agreed} ref={answerRef} />
      <div role="status" data-testid="respond-status">
        {saved && <p className="callout ok">{saved === 'answer' ? t('respond.saved') : t('respond.progressSaved')}</p>}
      </div>
      {agreed.response ? (
        <>
          <ProgressForm agreed={agreed} onSaved={() => setSaved('progress')} />
          <details className="change-answer" open={changing} onToggle={(e) => setChanging(e.currentTarget.open)}>
            <summary>{t('respond.changeSummary')}</summary>
            {changing && <AnswerForm agreed={agreed} onSaved={onAnswered} />}
          </details>
        </>
      ) : (
        <AnswerForm agreed={agreed} onSaved={onAnswered} />
      )}
    </div>
  );
}

function AnswerForm({ agreed, onSaved }: { agreed: AgreedView; onSaved: () => void }) {
  const { t } = useTranslation();
  const current = agreed.response;
  const { send, disabled, error } = useFormAction({ afterClose: true });
  const [status, setStatus] = useState<ResponseStatus | null>(current?.status ?? null);
  const [reason, setReason] = useState(current?.reason ?? '');
  const [dueDate, setDueDate] = useState(current?.dueDate ?? '');
  const [reasonMissing, setReasonMissing] = useState(false);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const base = `respond-${agreed.roomId}-${agreed.recommendationId}`;
  const required = status === 'rejected';
  // The server's check is the one that counts; its refusal is shown at the field it names.
  const serverReason = error?.code === 'VALIDATION_FAILED' && (error.issues ?? []).some((i) => i.path === 'reason');
  const reasonInvalid = (required && reasonMissing) || serverReason;
  const otherError = error && !serverReason ? error : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!status) return;
    const text = reason.trim();
    if (status === 'rejected' && !text) {
      setReasonMissing(true);
      reasonRef.current?.focus();
      return;
    }
    setReasonMissing(false);
    const ack = await send('response.give', {
      roomId: agreed.roomId,
      recommendationId: agreed.recommendationId,
      status,
      ...(text ? { reason: text } : {}),
      ...(dueDate ? { dueDate } : {}),
    });
    if (ack.ok) onSaved();
    else if (ack.error.code === 'VALIDATION_FAILED' && (ack.error.issues ?? []).some((i) => i.path === 'reason')) reasonRef.current?.focus();
  };

  return (
    <form className="answer-form" onSubmit={(e) => void submit(e)} noValidate data-testid="answer-form">
      <fieldset className="statuses">
        <legend>{t('respond.status')}</legend>
        {RESPONSE_STATUSES.map((s) => (
          <label key={s} className="level">
            <input type="radio" name={`${base}-status`} value={s} checked={status === s} onChange={() => setStatus(s)} />
            {t(`responseStatus.${s}`)}
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${base}-reason`}>
        {t('respond.reason')} <span className={required ? 'required' : 'optional'}>{required ? t('respond.required') : t('respond.optional')}</span>
      </label>
      <p id={`${base}-reason-hint`} className="hint">
        {t('respond.reasonHint')}
      </p>
      <textarea
        ref={reasonRef}
        id={`${base}-reason`}
        rows={3}
        maxLength={2000}
        dir="auto"
        value={reason}
        required={required}
        aria-invalid={reasonInvalid ? true : undefined}
        aria-describedby={`${base}-reason-hint${reasonInvalid ? ` ${base}-reason-error` : ''}`}
        onChange={(e) => {
          setReason(e.target.value);
          if (e.target.value.trim()) setReasonMissing(false);
        }}
      />
      {reasonInvalid && (
        <p id={`${base}-reason-error`} className="field-error" data-testid="reason-error">
          {t('respond.reasonMissing')}
        </p>
      )}
      <label htmlFor={`${base}-due`}>
        {t('respond.dueDate')} <span className="optional">{t('respond.optional')}</span>
      </label>
      <p id={`${base}-due-hint`} className="hint">
        {t('respond.dueHint')}
      </p>
      <input id={`${base}-due`} type="date" value={dueDate} aria-describedby={`${base}-due-hint`} onChange={(e) => setDueDate(e.target.value)} />
      <div role="alert" data-testid="answer-error">
        {otherError && <p className="callout error">{answerErrorText(t, otherError)}</p>}
      </div>
      <div className="controls">
        <button type="submit" className="primary" disabled={disabled || !status}>
          {current ? t('respond.change') : t('respond.submit')}
        </button>
      </div>
    </form>
  );
}

function answerErrorText(t: TFunction, error: ErrorBody): string {
  if (error.code === 'CONFLICT') return t('respond.unchanged');
  if (error.code === 'NOT_FOUND') return t('respond.notAgreed');
  return t(`errors.${error.code}`);
}

function ProgressForm({ agreed, onSaved }: { agreed: AgreedView; onSaved: () => void }) {
  const { t } = useTranslation();
  const { send, disabled, error } = useFormAction({ afterClose: true });
  const [text, setText] = useState('');
  const [missing, setMissing] = useState(false);
  const base = `progress-${agreed.roomId}-${agreed.recommendationId}`;
  const invalid = missing || (error?.code === 'VALIDATION_FAILED' && (error.issues ?? []).some((i) => i.path === 'text'));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = text.trim();
    if (!value) {
      setMissing(true);
      return;
    }
    setMissing(false);
    const ack = await send('response.progress', { roomId: agreed.roomId, recommendationId: agreed.recommendationId, text: value });
    if (ack.ok) {
      setText('');
      onSaved();
    }
  };
  return (
    <form className="progress-form" onSubmit={(e) => void submit(e)} noValidate data-testid="progress-form">
      <label htmlFor={`${base}-text`}>{t('respond.progressLabel')}</label>
      <p id={`${base}-hint`} className="hint">
        {t('respond.progressHint')}
      </p>
      <textarea
        id={`${base}-text`}
        rows={2}
        maxLength={2000}
        dir="auto"
        value={text}
        aria-invalid={invalid ? true : undefined}
        aria-describedby={`${base}-hint${invalid ? ` ${base}-error` : ''}`}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim()) setMissing(false);
        }}
      />
      {invalid && (
        <p id={`${base}-error`} className="field-error">
          {t('respond.progressMissing')}
        </p>
      )}
      <div role="alert">
        {error && !invalid && <p className="callout error">{error.code === 'CONFLICT' ? t('respond.progressRepeated') : t(`errors.${error.code}`)}</p>}
      </div>
      <div className="controls">
        <button type="submit" disabled={disabled}>
          {t('respond.progressSubmit')}
        </button>
      </div>
    </form>
  );
}

function OutcomeItem({ o, manyRooms, level, children }: { o: Outcome; manyRooms: boolean; level: 3 | 4; children?: ReactNode }) {
  const { t } = useTranslation();
  const Heading = level === 3 ? 'h3' : 'h4';
  const { tally } = o.result;
  return (
    <li className={o.hash ? 'outcome-item agreed' : 'outcome-item'} data-testid="outcome-item">
      <Heading className="outcome-title">
        {o.title || t('outcome.untitled')} <span className={`badge ${o.hash ? 'agreed' : 'not-agreed'}`}>{o.hash ? t('rounds.agreed') : t('rounds.notAgreed')}</span>
      </Heading>
      {manyRooms && <p className="muted">{t('outcome.room', { name: o.room.name })}</p>}
      {o.body && <p className="outcome-body">{o.body}</p>}
      {o.rationale && (
        <p className="outcome-rationale">
          <strong>{t('outcome.rationale')}:</strong> {o.rationale}
        </p>
      )}
      <p className="outcome-share" data-testid="outcome-share">
        {t('rounds.share', { percent: Math.round(tally.supportShare * 100), count: tally.total })}
      </p>
      {o.result.textChanged && <p className="callout warn">{t('rounds.textChanged')}</p>}
      <ul className="counts" aria-label={t('rounds.countsLabel')}>
        {AGREEMENT_LEVELS.map((l) => (
          <li key={l}>{t('rounds.count', { level: t(`levels.${l}`), count: tally.counts[l] })}</li>
        ))}
      </ul>
      {o.hash && (
        <p className="outcome-hash" data-testid="outcome-hash">
          {t('outcome.fingerprint', { hash: o.hash.slice(0, 12) })}
        </p>
      )}
      {children}
    </li>
  );
}
