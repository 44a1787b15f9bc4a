import { useTranslation } from 'react-i18next';
import type { RoomView, SessionView } from '../../../../shared/src/index.js';
import { reasonText } from '../components/queueWords';
import { usePanelRoom } from '../components/roomPick';
import { formatRemaining } from '../format';
import { personName } from '../i18n';
import { useAction, useServerNow, useSession } from '../session/context';
import { MicState } from './MicState';

/** Questions waiting for approval in every room: the strip's count and the Questions tab's badge. */
export const waitingQuestions = (view: SessionView): number => view.rooms.reduce((n, r) => n + r.questions.filter((q) => q.status === 'pending').length, 0);

/** How many of the queue the strip names; the rest is a count. */
const NEXT_SHOWN = 3;

/**
 * What a facilitator must never lose sight of, whichever tab is open: who has the floor
 * and for how long (with their microphone), who is next and why, the agenda clock, and
 * how many are here. It stays at the top of the screen while the page scrolls.
 */
export function LiveStrip({ withActions }: { withActions: boolean }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { room } = usePanelRoom();
  const view = snapshot.view!;
  const waiting = waitingQuestions(view);
  return (
    <section className="live-strip" aria-labelledby="live-strip-heading" data-testid="live-strip">
      <h2 id="live-strip-heading" className="sr-only">
        {t('console.liveHeading')}
      </h2>
      <div className="live-strip-side">
        {room && <FloorNow room={room} withActions={withActions} />}
        <AgendaClock />
      </div>
      <div className="live-strip-side">
        {room && <NextUp room={room} />}
        <p className="live-counts" data-testid="live-counts">
          {snapshot.presence && <span>{t('console.people', { count: snapshot.presence.members, online: snapshot.presence.online })}</span>}
          <span>{t('console.waitingQuestions', { count: waiting })}</span>
        </p>
      </div>
    </section>
  );
}

/** `withActions`: the floor's own buttons, left out while the floor area (which has them) is open. */
function FloorNow({ room, withActions }: { room: RoomView; withActions: boolean }) {
  const { t } = useTranslation();
  const now = useServerNow(500);
  const { act, disabled } = useAction();
  const floor = room.floor;
  const remaining = floor ? floor.endsAt - now : 0;
  return (
    <div className="live-floor" data-testid="live-floor">
      <span className="live-label">{t('console.floorLabel', { room: room.name })}</span>{' '}
      {floor ? (
        <>
          <strong>{personName(floor.displayName)}</strong>{' '}
          <span className={remaining < 0 ? 'countdown over' : 'countdown'}>
            {remaining >= 0 ? t('floor.timeLeft', { time: formatRemaining(remaining) }) : t('floor.overran', { time: formatRemaining(remaining) })}
          </span>{' '}
          <MicState roomId={room.id} participantId={floor.participantId} />{' '}
          {withActions && (
            <button type="button" className="danger small" disabled={disabled} onClick={() => void act('floor.end', { roomId: room.id })}>
              {t('floor.endTurn')}
            </button>
          )}
        </>
      ) : (
        <>
          <span>{t('console.nobody')}</span>{' '}
          {withActions && (
            <button type="button" className="primary small" disabled={disabled || room.queue.length === 0} onClick={() => void act('floor.give', { roomId: room.id })}>
              {t('facilitator.giveNext')}
            </button>
          )}
        </>
      )}
    </div>
  );
}

function NextUp({ room }: { room: RoomView }) {
  const { t } = useTranslation();
  const next = room.queue.slice(0, NEXT_SHOWN);
  const more = room.queue.length - next.length;
  return (
    <div className="live-next" data-testid="live-next">
      <span className="live-label">{t('console.nextLabel', { count: room.queue.length })}</span>
      {!room.queueOpen && <span className="tag warn">{t('console.listClosed')}</span>}
      {next.length === 0 ? (
        <span> {t('queue.empty')}</span>
      ) : (
        <ol className="live-next-list" aria-label={t('console.nextListLabel')}>
          {next.map((e) => (
            <li key={e.participantId}>
              <span className="live-next-name">{personName(e.displayName)}</span> <span className="hint">{reasonText(t, e.reason, false)}</span>
            </li>
          ))}
        </ol>
      )}
      {more > 0 && <span className="hint live-more">{t('console.andMore', { count: more })}</span>}
    </div>
  );
}

function AgendaClock() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const now = useServerNow(500);
  const active = snapshot.view!.agenda.find((i) => i.status === 'active');
  if (!active) return <p className="live-agenda">{t('console.noAgendaItem')}</p>;
  const remaining = active.deadline != null ? Math.min(active.deadline - now, active.deadline - (active.startedAt ?? active.deadline)) : null;
  return (
    <p className="live-agenda" data-testid="live-agenda">
      <span className="live-label">{t('console.agendaLabel')}</span> <strong>{active.title}</strong>{' '}
      {remaining !== null && (
        <span className={remaining < 0 ? 'countdown over' : 'countdown'}>
          {remaining >= 0 ? t('agenda.timeLeft', { time: formatRemaining(remaining) }) : t('agenda.overtime', { time: formatRemaining(remaining) })}
        </span>
      )}
    </p>
  );
}
