import { useTranslation } from 'react-i18next';
import type { RoomView } from '../../../../shared/src/index.js';
import { formatRemaining } from '../format';
import { personName } from '../i18n';

/** Who has the floor, in the largest type on the screen, with a countdown the speaker can read from the lectern. */
export function ProjectorFloor({ floor, now }: { floor: RoomView['floor']; now: number }) {
  const { t } = useTranslation();
  const total = floor ? Math.max(1, floor.endsAt - floor.startedAt) : 1;
  const remaining = floor ? Math.min(floor.endsAt - now, total) : 0;
  const over = floor !== null && remaining < 0;
  const warn = floor !== null && !over && (floor.warned || now >= floor.warnAt) && floor.warnAt < floor.endsAt;
  const fraction = Math.min(1, Math.max(0, remaining / total));
  const state = over ? ' over' : warn ? ' warn' : '';
  return (
    <section className="projector-floor" aria-labelledby="projector-floor-heading">
      <h2 id="projector-floor-heading" className="projector-label">
        {t('projector.floorHeading')}
      </h2>
      {floor ? (
        <>
          <p className="projector-speaker" data-testid="projector-speaker">
            {personName(floor.displayName)}
          </p>
          <p className={`projector-countdown${state}`} data-testid="projector-countdown">
            <span className="projector-countdown-label">{over ? t('projector.timeOver') : t('projector.timeLeft')}</span>{' '}
            <span className="projector-countdown-time">{formatRemaining(remaining)}</span>
          </p>
          <div className="projector-timebar" aria-hidden="true">
            <div className={`projector-timebar-fill${state}`} style={{ width: `${fraction * 100}%` }} />
          </div>
          {warn && <p className="projector-warn">{t('projector.comeToAnEnd')}</p>}
        </>
      ) : (
        <p className="projector-nobody" data-testid="projector-speaker">
          {t('projector.nobody')}
        </p>
      )}
    </section>
  );
}
