import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AudioError } from '../audio/AudioController';
import { useAudio, useNameOf } from '../audio/context';
import { isolate } from '../i18n';
import { useMyRoom, useSession } from '../session/context';
import { ListenIn } from '../interpretation/ListenIn';
import { languageName } from '../interpretation/languageName';

const KNOWN_ERRORS = ['MIC_DENIED', 'MIC_UNAVAILABLE', 'UNSUPPORTED', 'FORBIDDEN', 'UNAVAILABLE'] as const;
type KnownError = (typeof KNOWN_ERRORS)[number];
const isKnown = (e: AudioError): e is KnownError => (KNOWN_ERRORS as readonly string[]).includes(e);

/**
 * Live audio of one's own room, for every role. Listening is a button press (a user
 * gesture, which browsers want before they play sound) and needs no microphone; the
 * microphone is offered only when the server would take it: with the floor, as a
 * facilitator, or in an open-mic room.
 */
export function AudioPanel() {
  const { t, i18n } = useTranslation();
  const { snapshot } = useSession();
  const { controller, state } = useAudio();
  const nameOf = useNameOf();
  const room = useMyRoom();
  const me = snapshot.me!;
  const closed = snapshot.view?.closed === true;
  const connected = snapshot.status === 'connected';

  const hasFloor = room?.floor?.participantId === me.participantId;
  // While joined the server says whether it would take the microphone; before that, the view tells the same.
  const viewMay = !closed && (me.role === 'facilitator' || (me.role === 'citizen' && me.canSpeak && (hasFloor || room?.openMic === true)));
  const mayProduce = state.phase === 'listening' ? state.mayProduce : viewMay;
  // With the floor, the microphone is switched where "You have the floor" is shown (SpeakerMic), not here.
  const micHere = !(hasFloor && me.role === 'citizen');
  const why = me.role === 'facilitator' ? t('audio.mayFacilitator') : hasFloor ? t('audio.mayFloor') : t('audio.mayOpenMic');

  const name = (participantId: string) => nameOf(participantId) ?? t('audio.someone');
  const heard = [...(state.mic === 'on' ? [t('audio.you')] : []), ...state.speakers.map((s) => isolate(name(s.participantId)))];
  // The server reports every pause as silence; the name stays up a moment so it does not flicker between words.
  const speaking = useHeld(state.phase === 'listening' ? state.speaking : null, 1_500);

  return (
    <section className="panel audio" aria-labelledby="audio-heading" data-testid="audio-panel">
      <h2 id="audio-heading">{t('audio.heading')}</h2>
      {state.enabled === false && (
        <p className="callout" data-testid="audio-off">
          {t('audio.off')}
        </p>
      )}
      {state.enabled === null && <p className="muted">{t('audio.checking')}</p>}
      {state.enabled && closed && state.phase === 'off' && <p className="muted">{t('audio.sessionEnded')}</p>}
      {state.enabled && !(closed && state.phase === 'off') && (
        <>
          {state.phase === 'off' && (
            <>
              <div className="controls">
                <button type="button" className="primary" disabled={!connected || !controller} aria-describedby="listen-hint" onClick={() => void controller?.listen()}>
                  {t('audio.listen')}
                </button>
              </div>
              <p id="listen-hint" className="hint">
                {t('audio.listenHint')}
              </p>
            </>
          )}
          {state.phase === 'joining' && <p data-testid="audio-status">{t('audio.joining')}</p>}
          {state.phase === 'reconnecting' && (
            <p className="callout warn" data-testid="audio-status">
              {t('audio.reconnecting')}
            </p>
          )}
          {state.mic === 'on' && (
            <div className="mic-on" data-testid="audio-mic">
              <p className="mic-on-title">
                <span className="mic-icon" aria-hidden="true" />
                {t('audio.micIsOn')}
              </p>
              <p>{state.micLanguage ? t('interpretation.micDetail', { language: languageName(state.micLanguage, i18n.language) }) : t('audio.micIsOnDetail')}</p>
            </div>
          )}
          {state.mic === 'starting' && <p data-testid="audio-mic">{t('audio.micStarting')}</p>}
          {state.phase === 'listening' && (
            <div className="audio-live" data-testid="audio-status">
              <p className="audio-listening">
                <span className="audio-dot" aria-hidden="true" /> {t('audio.listening')}
              </p>
              {heard.length > 0 && (
                <p className={speaking ? 'audio-speaking active' : 'audio-speaking'} data-testid="audio-speaking">
                  {speaking === me.participantId ? t('audio.youSpeaking') : speaking ? t('audio.speaking', { name: isolate(name(speaking)) }) : t('audio.nobodySpeaking')}
                </p>
              )}
              <p className="audio-heard" data-testid="audio-heard">
                {heard.length > 0 ? t('audio.heard', { names: heard.join(', ') }) : t('audio.nobodyHeard')}
              </p>
            </div>
          )}
          <ListenIn />
          {state.mic === 'off' && state.micClosed && (
            <p className="callout warn" data-testid="audio-mic-closed">
              {t(`audio.closed.${state.micClosed}`)}
            </p>
          )}
          {state.mic === 'off' && mayProduce && micHere && <p className="hint">{why}</p>}
          <div className="controls">
            {state.mic === 'off' && mayProduce && micHere && (
              <button type="button" className="primary" disabled={!connected || !controller} onClick={() => void controller?.startMic()}>
                {t('audio.micOn')}
              </button>
            )}
            {state.mic !== 'off' && micHere && (
              <button type="button" className="danger" disabled={!controller} onClick={() => void controller?.stopMic()}>
                {t('audio.micOff')}
              </button>
            )}
            {state.phase !== 'off' && (
              <button type="button" disabled={!controller} onClick={() => controller?.stopListening()}>
                {t('audio.stop')}
              </button>
            )}
          </div>
        </>
      )}
      {state.error && (
        <p className="callout error" role="alert" data-testid="audio-error">
          {isKnown(state.error) ? t(`audio.errors.${state.error}`) : t('audio.errors.generic')}
        </p>
      )}
    </section>
  );
}

/** The latest non-null value, kept for `holdMs` after it becomes null. */
function useHeld<T>(value: T | null, holdMs: number): T | null {
  const [held, setHeld] = useState<T | null>(value);
  useEffect(() => {
    if (value !== null) {
      setHeld(value);
      return;
    }
    const id = setTimeout(() => setHeld(null), holdMs);
    return () => clearTimeout(id);
  }, [value, holdMs]);
  return value ?? held;
}
