import { useTranslation } from 'react-i18next';
import { useMicLive } from './liveMics';

/** "Microphone on" / "Microphone off" for whoever has the floor; nothing when the server has no audio. */
export function MicState({ roomId, participantId }: { roomId: string; participantId: string }) {
  const { t } = useTranslation();
  const live = useMicLive(roomId, participantId);
  if (live === null) return null;
  return (
    <span className={live ? 'tag live mic-state' : 'tag mic-state'} data-testid="mic-state" data-live={live}>
      {live ? t('console.micOn') : t('console.micOff')}
    </span>
  );
}
