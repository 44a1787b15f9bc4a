import { useCallback, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type * as Y from 'yjs';
import { readRecommendations, type RecommendationText } from '../../../../shared/src/draftDoc.js';
import { AGREEMENT_LEVELS, type AgreementLevel } from '../../../../shared/src/vocabulary.js';
import type { RoomView, RoundView } from '../../../../shared/src/index.js';
import { useDocValue } from '../drafting/useDocValue';
import { formatDateTime, formatRemaining } from '../format';
import { useAction, useServerNow, useSession } from '../session/context';

/** Closing times a facilitator can give a round, in minutes; 0: they close it. */
const DEADLINES = [0, 5, 10, 15, 30, 60] as const;

/** The texts a round still judges: those not withdrawn. */
const activeItems = (round: RoundView) => round.items.filter((i) => !round.withdrawn.includes(i.recommendationId));

/** Agreement rounds of a room: open, withdraw, cancel, close (facilitator), rating (citizens), results. */
export function RoundsPanel({ room, doc }: { room: RoomView; doc: Y.Doc | null }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const me = snapshot.me!;
  const open = room.rounds.find((r) => r.closedAt === null);
  const lastClosed = [...room.rounds].reverse().find((r) => r.closedAt !== null);
  return (
    <section className="panel rounds" aria-labelledby="rounds-heading" data-testid="rounds">
      <h2 id="rounds-heading">{t('rounds.heading')}</h2>
      <p role="status" data-testid="round-status">
        {open
          ? t('rounds.openNow', { count: activeItems(open).length })
          : lastClosed?.cancelled
            ? t('rounds.cancelled')
            : lastClosed
              ? t('rounds.closedLast')
              : t('rounds.none')}
      </p>
      {open?.closesAt != null && <Countdown closesAt={open.closesAt} />}
      {me.role === 'facilitator' && (open ? <OpenRoundControls round={open} /> : doc && <OpenRoundForm room={room} doc={doc} />)}
      {open && me.role === 'citizen' && <RatingForms round={open} />}
      {open?.results && <Results round={open} provisional />}
      {lastClosed?.results && !lastClosed.cancelled && <Results round={lastClosed} provisional={false} />}
      {lastClosed && <RoundStatement round={lastClosed} />}
    </section>
  );
}

/** The time left, for everyone. A timer, not a live region: it would be read out every second. */
function Countdown({ closesAt }: { closesAt: number }) {
  const { t, i18n } = useTranslation();
  const now = useServerNow(1000);
  return (
    <p className="countdown" data-testid="round-countdown">
      <span role="timer">{t('rounds.closesIn', { time: formatRemaining(closesAt - now) })}</span>{' '}
      <span className="muted">{t('rounds.closesAt', { time: formatDateTime(closesAt, i18n.language) })}</span>
    </p>
  );
}

/** How complete a text is: a vote on an empty title or body is almost always a mistake. */
type Completeness = 'complete' | 'no-rationale' | 'incomplete';
const completeness = (r: RecommendationText): Completeness => (!r.title.trim() || !r.body.trim() ? 'incomplete' : !r.rationale.trim() ? 'no-rationale' : 'complete');

/** The room's recommendations as they read now. */
function useRecommendationTexts(doc: Y.Doc): RecommendationText[] {
  return useDocValue(
    doc,
    useCallback(() => readRecommendations(doc), [doc]),
  );
}

/**
 * The facilitator picks what goes to the vote: every text in the room with how complete
 * it is. Complete texts start picked; empty or half-written ones are flagged, start
 * unpicked, and picking one asks for confirmation before the round opens.
 */
function OpenRoundForm({ room, doc }: { room: RoomView; doc: Y.Doc }) {
  const { t } = useTranslation();
  const { act, disabled } = useAction();
  const [minutes, setMinutes] = useState<(typeof DEADLINES)[number]>(0);
  const texts = useRecommendationTexts(doc);
  const locked = new Set(room.locks.map((l) => l.recommendationId));
  const candidates = texts.filter((r) => !locked.has(r.id));
  // Only what the facilitator changed is kept; everything else follows its completeness.
  const [choice, setChoice] = useState<Record<string, boolean>>({});
  const [confirming, setConfirming] = useState(false);
  const picked = candidates.filter((r) => choice[r.id] ?? completeness(r) !== 'incomplete');
  const flagged = picked.filter((r) => completeness(r) === 'incomplete');
  const titleOf = (r: RecommendationText, i: number) => r.title.trim() || t('drafting.number', { n: i + 1 });
  const openRound = () =>
    void act('round.open', { roomId: room.id, recommendationIds: picked.map((r) => r.id), ...(minutes ? { closesInMinutes: minutes } : {}) }).then((ack) => {
      if (ack?.ok) {
        setChoice({});
        setConfirming(false);
      }
    });
  if (candidates.length === 0) return <p className="muted">{t('rounds.nothingToVote')}</p>;
  return (
    <div className="round-picker" data-testid="round-picker">
      <fieldset>
        <legend>{t('rounds.pickLegend')}</legend>
        <ul className="round-items">
          {candidates.map((r) => {
            const state = completeness(r);
            return (
              <li key={r.id} data-testid="pick-item">
                <label>
                  <input
                    type="checkbox"
                    checked={picked.includes(r)}
                    onChange={(e) => {
                      setConfirming(false);
                      setChoice({ ...choice, [r.id]: e.target.checked });
                    }}
                  />{' '}
                  {titleOf(r, texts.indexOf(r))}
                </label>{' '}
                <span className={`badge ${state === 'incomplete' ? 'not-agreed' : state === 'complete' ? 'agreed' : 'under-vote'}`}>
                  {t(`rounds.completeness.${state}`)}
                </span>
              </li>
            );
          })}
        </ul>
      </fieldset>
      <div className="controls">
        <label>
          {t('rounds.closesBy')}{' '}
          <select value={minutes} onChange={(e) => setMinutes(Number(e.target.value) as (typeof DEADLINES)[number])} data-testid="round-deadline">
            {DEADLINES.map((m) => (
              <option key={m} value={m}>
                {m === 0 ? t('rounds.closesByHand') : t('rounds.closesInMinutes', { count: m })}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="primary" disabled={disabled || picked.length === 0} onClick={() => (flagged.length ? setConfirming(true) : openRound())}>
          {t('rounds.open')}
        </button>
      </div>
      {confirming && (
        <div className="callout warn" role="group" aria-labelledby="round-open-question" data-testid="round-open-confirm">
          <p id="round-open-question">{t('rounds.incompleteConfirm', { count: flagged.length, titles: flagged.map((r) => titleOf(r, texts.indexOf(r))).join(', ') })}</p>
          <div className="controls">
            <button type="button" disabled={disabled} onClick={openRound}>
              {t('rounds.openAnyway')}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              {t('rounds.backToPicking')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/** What a facilitator can do with an open round: take a text out, call the round off, or close it. */
function OpenRoundControls({ round }: { round: RoundView }) {
  const { t } = useTranslation();
  const { act, disabled } = useAction();
  const [confirming, setConfirming] = useState(false);
  const remaining = activeItems(round).length;
  return (
    <>
      <ul className="round-items" aria-label={t('rounds.itemsLabel')} data-testid="round-items">
        {round.items.map((item, i) => {
          const title = item.text.title.trim() || t('drafting.number', { n: i + 1 });
          const withdrawn = round.withdrawn.includes(item.recommendationId);
          return (
            <li key={item.recommendationId} data-testid="round-item">
              <span>{title}</span>{' '}
              {withdrawn ? (
                <span className="badge" data-testid="withdrawn-badge">
                  {t('rounds.withdrawn')}
                </span>
              ) : (
                <button
                  type="button"
                  disabled={disabled || remaining <= 1}
                  title={remaining <= 1 ? t('rounds.lastItem') : undefined}
                  onClick={() => void act('round.withdraw', { roundId: round.id, recommendationId: item.recommendationId })}
                >
                  {t('rounds.withdraw', { title })}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <div className="controls">
        <button type="button" className="primary" disabled={disabled} onClick={() => void act('round.close', { roundId: round.id })}>
          {t('rounds.close')}
        </button>
        {!confirming && (
          <button type="button" disabled={disabled} onClick={() => setConfirming(true)}>
            {t('rounds.cancel')}
          </button>
        )}
      </div>
      {confirming && (
        <div className="callout warn" role="group" aria-labelledby="round-cancel-question" data-testid="round-cancel-confirm">
          <p id="round-cancel-question">{t('rounds.cancelConfirm')}</p>
          <div className="controls">
            <button type="button" disabled={disabled} onClick={() => void act('round.cancel', { roundId: round.id }).then(() => setConfirming(false))}>
              {t('rounds.cancelYes')}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              {t('rounds.cancelNo')}
            </button>
          </div>
        </div>
      )}
    </>
  );
}

function RatingForms({ round }: { round: RoundView }) {
  const { t } = useTranslation();
  return (
    <div className="rating-forms" data-testid="rating-forms">
      <p>{t('rounds.rateIntro')}</p>
      {activeItems(round).map((item, i) => (
        <RatingForm key={item.recommendationId} round={round} index={i + 1} item={item} />
      ))}
    </div>
  );
}

function RatingForm({ round, index, item }: { round: RoundView; index: number; item: RoundView['items'][number] }) {
  const { recommendationId, text } = item;
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
  const name = text.title.trim() || t('drafting.number', { n: index });
  return (
    // The id is how the status bar's "Rate now" finds the form.
    <form id={base} className="rating" onSubmit={submit} data-testid="rating-form">
      <fieldset>
        <legend>{t('rounds.rateLegend', { title: name })}</legend>
        {/* The exact words being rated, beside the scale: on a phone nobody rates one text while reading another. */}
        <div className="rated-text" role="group" aria-label={t('rounds.textBeingRated')} data-testid="rated-text">
          <p className="rated-title">
            <strong>{text.title}</strong>
          </p>
          <p className="rated-body">{text.body}</p>
          {text.rationale && <p className="rated-rationale muted">{text.rationale}</p>}
        </div>
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

/** What the room decided, in the facilitator's words: shown with the results, signed with the outcome. */
function RoundStatement({ round }: { round: RoundView }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { act, disabled } = useAction();
  const [draft, setDraft] = useState<string | null>(null);
  const text = draft ?? round.statement?.text ?? '';
  const id = `statement-${round.id}`;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    void act('round.setStatement', { roundId: round.id, text: text.trim() }).then((ack) => {
      if (ack?.ok) setDraft(null);
    });
  };
  return (
    <div className="statement" data-testid="round-statement">
      <h3>{t('rounds.statementHeading')}</h3>
      {round.statement ? <p className="statement-text">{round.statement.text}</p> : <p className="muted">{t('rounds.noStatement')}</p>}
      {snapshot.me!.role === 'facilitator' && (
        <form onSubmit={submit}>
          <label htmlFor={id}>{t('rounds.statementLabel')}</label>
          <textarea id={id} rows={3} maxLength={2000} value={text} onChange={(e) => setDraft(e.target.value)} />
          <div className="controls">
            <button type="submit" className="primary" disabled={disabled || !text.trim() || text.trim() === round.statement?.text}>
              {round.statement ? t('rounds.statementRevise') : t('rounds.statementSave')}
            </button>
          </div>
        </form>
      )}
    </div>
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
