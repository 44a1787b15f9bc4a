import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { PLENARY } from '../../../../shared/src/domain.js';
import { useServerNow, useSession } from '../session/context';
import { FullScreenToggle } from './FullScreenToggle';
import { CaptionRegion } from '../components/captions/CaptionRegion';
import { ProjectorAgenda } from './ProjectorAgenda';
import { ProjectorFloor } from './ProjectorFloor';
import { ProjectorLiveQuestion } from './ProjectorLiveQuestion';
import { ProjectorQueue } from './ProjectorQueue';
import { useWakeLock } from './useWakeLock';

/** `?room=<roomId>` puts a breakout room on its own screen; without it, the plenary. */
function requestedRoom(): string | null {
  const id = new URLSearchParams(window.location.search).get('room');
  return id && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : null;
}

/**
 * What the hall sees. Everything here is what a citizen of the room may see too: a
 * facilitator's view also carries questions awaiting moderation or hidden, the roster
 * and live vote tallies, and none of those is read here (the Q&A part takes only the
 * question put live).
 *
 * There is deliberately no live region: the screen changes every second and with every
 * hand raised, and a screen reader on the projecting machine would never stop talking.
 * People following with a screen reader have their own session page, which announces.
 */
export function ProjectorScreen() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const now = useServerNow();
  useWakeLock();
  const view = snapshot.view!;
  const me = snapshot.me!;
  const wanted = useMemo(requestedRoom, []);
  // A facilitator's view holds every room; anyone else's holds only their own, which is then the one shown.
  const room = wanted ? view.rooms.find((r) => r.id === wanted) : (view.rooms.find((r) => r.id === PLENARY) ?? view.rooms.find((r) => r.id === me.roomId));

  return (
    <div className="projector">
      <main id="main" className="projector-screen">
        <div className="projector-top">
          <div className="projector-heading">
            <h1 className="projector-title">{view.title}</h1>
            {room && room.kind !== 'plenary' && (
              <p className="projector-room" data-testid="projector-room">
                {t('projector.room', { room: room.name })}
              </p>
            )}
          </div>
          <FullScreenToggle />
          {snapshot.status !== 'connected' && (
            <p className="projector-reconnecting" data-testid="projector-reconnecting">
              {t('projector.reconnecting')}
            </p>
          )}
          {!view.closed && <ProjectorAgenda agenda={view.agenda} now={now} />}
          {view.closed && <p className="projector-banner">{t('projector.ended')}</p>}
          {room && !room.open && <p className="projector-banner">{t('projector.roomClosed')}</p>}
          {!room && <p className="projector-banner">{t('projector.roomNotShown')}</p>}
        </div>
        <section className="projector-question" aria-labelledby="projector-question-heading">
          <h2 id="projector-question-heading" className="projector-label">
            {t('projector.questionHeading')}
          </h2>
          <p className="projector-question-text" dir="auto" data-testid="projector-question">
            {view.question}
          </p>
        </section>
        {/* Once the session has ended, a queue or a clock on the screen would only say what is no longer so. */}
        {room && !view.closed && (
          <>
            <ProjectorFloor floor={room.floor} now={now} />
            <CaptionRegion room={room} onScreen />
            <ProjectorQueue room={room} />
            <ProjectorLiveQuestion room={room} />
          </>
        )}
      </main>
    </div>
  );
}
