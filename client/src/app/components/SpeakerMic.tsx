import { useTranslation } from 'react-i18next';
import { useAudio } from '../audio/context';
import { useSession } from '../session/context';

/**
 * The speaker's own microphone, where "You have the floor" is shown: turning it on is
 * the next thing a speaker does, so it sits there and not with the audio settings.
 * Nothing at all when the server has no live audio. `compact`: the one-line state for
 * the status bar ("Microphone on"); otherwise a sentence that says what to do.
 */
export function SpeakerMic({ compact = false }: { compact?: boolean }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { controller, state } = useAudio();
  if (state.enabled !== true) return null;
  const connected = snapshot.status === 'connected';
  // Off, the button says it all in the bar; in the floor block a sentence says what to do.
  const stateText =
    state.mic === 'on'
      ? compact
        ? t('status.micOn')
        : t('audio.micIsOn')
      : state.mic === 'starting'
        ? compact
          ? t('status.micStarting')
          : t('audio.micStarting')
        : compact
          ? null
          : t('status.micHintOff');
  return (
    <div className="speaker-mic" data-mic={state.mic} data-testid="speaker-mic">
      {stateText && (
        <p className="speaker-mic-state">
          {state.mic === 'on' && <span className="mic-icon" aria-hidden="true" />}
          {stateText}
        </p>
      )}
      {state.mic === 'off' ? (
        <button type="button" className="primary" disabled={!connected || !controller} onClick={() => void controller?.startMic()}>
          {t('audio.micOn')}
        </button>
      ) : (
        <button type="button" className="danger" disabled={!controller} onClick={() => void controller?.stopMic()}>
          {t('audio.micOff')}
        </button>
      )}
    </div>
  );
}
