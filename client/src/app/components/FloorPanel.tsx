import { useTranslation } from 'react-i18next';
import { formatRemaining } from '../format';
import { personName, plainPersonName } from '../i18n';
import { useAction, useServerNow, useSession } from '../session/context';
import { MuteButton, OpenMicSwitch } from './AudioConsole';
import { usePanelRoom } from './roomPick';
import { SpeakerMic } from './SpeakerMic';

/** Who has the floor and how long they have left; the speaker gets an unmistakable "You have the floor", with their microphone. */
export function FloorPanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  // Facilitators follow the room picked in the queue panel; everyone else sees their own room.
  const { room } = usePanelRoom();
  const now = useServerNow();
  const { act, disabled } = useAction();
  const me = snapshot.me!;
  const floor = room?.floor ?? null;
  const mine = floor !== null && floor.participantId === me.participantId;
  const total = floor ? Math.max(1, floor.endsAt - floor.startedAt) : 1;
  const remaining = floor ? Math.min(floor.endsAt - now, total) : 0;
  const fraction = floor ? Math.min(1, Math.max(0, remaining / total)) : 0;
  const timeText = floor ? (remaining >= 0 ? t('floor.timeLeft', { time: formatRemaining(remaining) }) : t('floor.overran', { time: formatRemaining(remaining) })) : '';
  const warn = floor !== null && (floor.warned || now >= floor.warnAt) && floor.warnAt < floor.endsAt;

  return (
    <section className={mine ? 'panel floor mine' : 'panel floor'} aria-labelledby="floor-heading">
      <h2 id="floor-heading">{t('floor.heading')}</h2>
      {!floor && <p>{t('floor.nobody')}</p>}
      {floor && mine && (
        <div className="floor-you" data-testid="floor-you">
          <p className="floor-you-title">{t('floor.you')}</p>
          <p>{t('floor.youDetail')}</p>
          {me.role === 'citizen' && <SpeakerMic />}
        </div>
      )}
      {floor && !mine && (
        <div className="floor-speaker-row">
          <p className="floor-speaker">{t('floor.speaking', { name: personName(floor.displayName) })}</p>
          {me.role === 'facilitator' && <MuteButton participantId={floor.participantId} name={plainPersonName(floor.displayName)} turn={floor.startedAt} />}
        </div>
      )}
      {floor && (
        <>
          <p className={remaining < 0 ? 'countdown over' : 'countdown'} data-testid="floor-countdown">
            {timeText}
          </p>
          <div className="timebar" aria-hidden="true">
            <div className={warn ? 'timebar-fill warn' : 'timebar-fill'} style={{ width: `${fraction * 100}%` }} />
          </div>
          {warn && remaining >= 0 && <p className="callout warn">{t('floor.warned')}</p>}
        </>
      )}
      <div className="controls">
        {mine && (
          <button type="button" className="primary" disabled={disabled} onClick={() => void act('floor.yield', {})}>
            {t('floor.yield')}
          </button>
        )}
        {me.role === 'facilitator' && floor && room && (
          <button type="button" className="danger" disabled={disabled} onClick={() => void act('floor.end', { roomId: room.id })}>
            {t('floor.endTurn')}
          </button>
        )}
      </div>
      {room?.openMic && <p className="callout">{t('audio.openMicActive')}</p>}
      {me.role === 'facilitator' && room && <OpenMicSwitch room={room} />}
    </section>
  );
}
