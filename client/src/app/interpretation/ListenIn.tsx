import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useAudio } from '../audio/context';
import { isolate, plainPersonName } from '../i18n';
import { useMyRoom, useSession } from '../session/context';
import { languageName } from './languageName';
import './interpretation.css';

/**
 * Interpretation beside the room's audio: the listener's choice of channel (the
 * original, or a language someone interprets into, heard over the quieter floor), and
 * for an interpreter the microphone into their language, offered while someone else
 * holds the floor. The server decides; this says what it decided.
 */
export function ListenIn() {
  const { t, i18n } = useTranslation();
  const { snapshot } = useSession();
  const { controller, state } = useAudio();
  const room = useMyRoom();
  const selectId = useId();
  const statusId = useId();
  const me = snapshot.me;
  if (!room || !me) return null;
  const languages = [...new Set(room.interpreters.map((i) => i.language))];
  const post = me.interpreting?.roomId === room.id ? me.interpreting : null;
  if (languages.length === 0 && !post) return null;
  const listening = state.phase === 'listening';
  const name = (tag: string) => languageName(tag, i18n.language);
  const chosen = state.chosenLanguage;
  // Citizens of a large room do not see its members, but they do see who renders the words.
  const interpreterName = (participantId: string | undefined) => {
    const listed = room.interpreters.find((i) => i.participantId === participantId);
    return listed ? isolate(plainPersonName(listed.displayName)) : t('interpretation.interpreter');
  };
  const live = state.speakers.find((s) => s.language !== null);
  const status =
    chosen === null
      ? t('interpretation.hearingOriginal')
      : state.language === chosen
        ? t('interpretation.hearing', { language: name(chosen), name: interpreterName(live?.participantId) })
        : t('interpretation.fallback', { language: name(chosen) });
  const floorHeld = room.floor !== null && room.floor.participantId !== me.participantId;
  const mayInterpret = post !== null && (floorHeld || room.openMic) && !snapshot.view?.closed;
  const interpreting = post !== null && state.mic !== 'off';

  return (
    <div className="interpretation" data-testid="interpretation">
      {languages.length > 0 && (
        <>
          <div className="listen-in">
            <label htmlFor={selectId}>{t('interpretation.listenIn')}</label>
            <select
              id={selectId}
              data-testid="listen-in"
              aria-describedby={statusId}
              value={chosen ?? ''}
              disabled={!controller}
              onChange={(e) => void controller?.setLanguage(e.target.value === '' ? null : e.target.value)}
            >
              <option value="">{t('interpretation.original')}</option>
              {languages.map((l) => (
                <option key={l} value={l} lang={l}>
                  {name(l)}
                </option>
              ))}
            </select>
          </div>
          <p id={statusId} className="hint" data-testid="listen-in-status" aria-live="polite">
            {listening ? status : t('interpretation.listenFirst')}
          </p>
        </>
      )}
      {post && !interpreting && (
        <div className="controls">
          <button
            type="button"
            className="primary"
            data-testid="interpret"
            disabled={!controller || !mayInterpret}
            aria-describedby={mayInterpret ? undefined : `${statusId}-interpret`}
            onClick={() => void controller?.startMic(post.language)}
          >
            {t('interpretation.interpretInto', { language: name(post.language) })}
          </button>
          {!mayInterpret && (
            <p id={`${statusId}-interpret`} className="hint">
              {t('interpretation.waitForFloor')}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
