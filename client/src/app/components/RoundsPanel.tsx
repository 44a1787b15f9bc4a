import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { AGREEMENT_LEVELS, type AgreementLevel } from '../../../../shared/src/drafting.js';
import type { RoomView, RoundView } from '../../../../shared/src/index.js';
import { useAction, useSession } from '../session/context';

/** Agreement rounds of a room: open/close (facilitator), rating (citizens), results. */
export function RoundsPanel({ room }: { room: RoomView }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const me = snapshot.me!;
  const { act, disabled } = useAction();
  const open = room.rounds.find((r) => r.closedAt === null);
  const lastClosed = [...room.rounds].reverse().find((r) => r.closedAt !== null);
  return (
    <section className="panel rounds" aria-labelledby="rounds-heading" data-testid="rounds">
      <h2 id="rounds-heading">{t('rounds.heading')}</h2>
      <p role="status" data-testid="round-status">
        {open ? t('rounds.openNow', { count: open.items.length }) : lastClosed ? t('rounds.closedLast') : t('rounds.none')}
      </p>
      {me.role === 'facilitator' && (
        <div className="controls">
          {open ? (
            <button type="button" className="primary" disabled={disabled} onClick={() => void act('round.close', { roundId: open.id })}>
              {t('rounds.close')}
            </button>
          ) : (
            <button type="button" className="primary" disabled={disabled} onClick={() => void act('round.open', { roomId: room.id })}>
              {t('rounds.open')}
            </button>
          )}
        </div>
      )}
      {open && me.role === 'citizen' && <RatingForms round={open} />}
      {open && open.results && <Results round={open} provisional />}
      {lastClosed && lastClosed.results && <Results round={lastClosed} provisional={false} />}
    </section>
  );
}

function RatingForms({ round }: { round: RoundView }) {
  const { t } = useTranslation();
  return (
    <div className="rating-forms" data-testid="rating-forms">
      <p>{t('rounds.rateIntro')}</p>
      {round.items.map((item, i) => (
        <RatingForm key={item.recommendationId} round={round} index={i + 1} recommendationId={item.recommendationId} title={item.text.title} />
      ))}
    </div>
  );
}

function RatingForm({ round, index, recommendationId, title }: { round: RoundView; index: number; recommendationId: string; title: string }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { act, disabled } = useAction();
  const mine = snapshot.me!.myRatings[round.id]?.[recommendationId];
  const [level, setLevel] = useState<AgreementLevel | null>(mine?.level ?? null);
  const [reason, setReason] = useState(mine?.reason ?? '');
  const base = `rate-${round.id}-${recommendationId}`;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!level) return;
    void act('round.rate', { roundId: round.id, recommendationId, level, ...(reason.trim() ? { reason: reason.trim() } : {}) });
  };
  const name = title.trim() || t('drafting.number', { n: index });
  return (
    <form className="rating" onSubmit={submit} data-testid="rating-form">
      <fieldset>
        <legend>{t('rounds.rateLegend', { title: name })}</legend>
        <p className="current-rating" role="status" data-testid="my-rating">
          {mine ? t('rounds.yourRating', { level: t(`levels.${mine.level}`) }) : t('rounds.notRated')}
        </p>
        <div className="levels">
          {AGREEMENT_LEVELS.map((l) => (
            <label key={l} className="level">
              <input type="radio" name={base} value={l} checked={level === l} onChange={() => setLevel(l)} />
              {t(`levels.${l}`)}
            </label>
          ))}
        </div>
        <label htmlFor={`${base}-reason`}>{t('rounds.reason')}</label>
        <textarea id={`${base}-reason`} rows={2} maxLength={1000} value={reason} onChange={(e) => setReason(e.target.value)} />
        <div className="controls">
          <button type="submit" className="primary" disabled={disabled || !level}>
            {mine ? t('rounds.change') : t('rounds.submit')}
          </button>
        </div>
      </fieldset>
    </form>
  );
}

function Results({ round, provisional }: { round: RoundView; provisional: boolean }) {
  const { t } = useTranslation();
  return (
    <div className="results" data-testid={provisional ? 'results-live' : 'results'}>
      <h3>{provisional ? t('rounds.liveResults') : t('rounds.results')}</h3>
      <ul>
        {round.results!.map((r) => {
          const item = round.items.find((i) => i.recommendationId === r.recommendationId);
          return (
            <li key={r.recommendationId} className="result" data-testid="result">
              <strong>{item?.text.title.trim() || r.recommendationId}</strong>{' '}
              <span className={`badge ${r.agreed ? 'agreed' : 'not-agreed'}`}>{r.agreed ? t('rounds.agreed') : t('rounds.notAgreed')}</span>
              <p>{t('rounds.share', { percent: Math.round(r.tally.supportShare * 100), count: r.tally.total })}</p>
              {r.textChanged && <p className="callout warn">{t('rounds.textChanged')}</p>}
              <ul className="counts" aria-label={t('rounds.countsLabel')}>
                {AGREEMENT_LEVELS.map((l) => (
                  <li key={l}>{t('rounds.count', { level: t(`levels.${l}`), count: r.tally.counts[l] })}</li>
                ))}
              </ul>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
