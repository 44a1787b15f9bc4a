import { useTranslation } from 'react-i18next';
import { AGREEMENT_LEVELS } from '../../../../shared/src/drafting.js';
import type { RoomView, RoundResult, RoundView } from '../../../../shared/src/index.js';
import { useSession } from '../session/context';

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

/** Officials and observers: a read-only account of what the assembly agreed. */
export function OutcomePanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const { agreed, notAgreed } = collectOutcomes(view.rooms);
  const manyRooms = view.rooms.length > 1;
  return (
    <section className="panel outcome" aria-labelledby="outcome-heading" data-testid="outcome">
      <h2 id="outcome-heading">{t('outcome.heading')}</h2>
      <p className="muted">{t('outcome.intro')}</p>
      {agreed.length === 0 ? (
        <p data-testid="outcome-none">{t('outcome.none')}</p>
      ) : (
        <ul className="outcomes" aria-label={t('outcome.listLabel')} data-testid="outcome-agreed">
          {agreed.map((o) => (
            <OutcomeItem key={o.key} o={o} manyRooms={manyRooms} level={3} />
          ))}
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
  );
}

function OutcomeItem({ o, manyRooms, level }: { o: Outcome; manyRooms: boolean; level: 3 | 4 }) {
  const { t } = useTranslation();
  const Heading = level === 3 ? 'h3' : 'h4';
  const { tally } = o.result;
  return (
    <li className={o.hash ? 'outcome-item agreed' : 'outcome-item'} data-testid="outcome-item">
      <Heading className="outcome-title">
        {o.title || t('outcome.untitled')}{' '}
        <span className={`badge ${o.hash ? 'agreed' : 'not-agreed'}`}>{o.hash ? t('rounds.agreed') : t('rounds.notAgreed')}</span>
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
    </li>
  );
}
