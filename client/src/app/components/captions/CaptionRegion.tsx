import { useCallback, useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaptionView, RoomView } from '../../../../../shared/src/index.js';
import { useListeningLanguage } from '../../audio/context';
import { personName, plainPersonName } from '../../i18n';
import { useAction, useMyRoom, useSession } from '../../session/context';
import { usePanelRoom } from '../roomPick';
import { CAPTION_SIZES, useCaptionPrefs, type CaptionSize } from './captionPrefs';
import { CaptionerControls } from './CaptionerControls';
import { useCoalescedAnnouncement } from './useCoalescedAnnouncement';
import { useLiveLines } from './useLiveLines';
import './captions.css';

/**
 * Live captions of a room for everyone in it: the committed lines with who held the
 * floor, the line being typed in a quieter style, who renders the words, and a polite
 * live region that reads out new lines at a calm pace. `language`: whose captions to
 * show (null: the floor's own language), chosen by the listener. `onScreen`: the
 * projector's, with the words only.
 */
export function CaptionRegion({ room, language = null, onScreen = false }: { room: RoomView; language?: string | null; onScreen?: boolean }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const me = snapshot.me!;
  const [prefs, setPrefs] = useCaptionPrefs();
  const live = useLiveLines(room.id);
  const headingId = useId();
  const linesId = useId();
  const sizeId = useId();
  const segments = room.captions.filter((c) => c.language === language);
  const captioners = room.captioners.filter((c) => c.language === language);
  const speakerOf = useCallback((c: CaptionView) => (c.speakerId ? plainPersonName(c.speakerName) : ''), []);
  const announcement = useCoalescedAnnouncement(segments, speakerOf);
  const liveLines = captioners.flatMap((c) => (live.get(c.participantId) ? [{ id: c.participantId, text: live.get(c.participantId)! }] : []));
  // On the hall's screen nobody types or switches settings: only the words.
  const captioning = !onScreen && me.captioning?.roomId === room.id;
  const list = useRef<HTMLOListElement>(null);
  // The newest line is at the bottom, as on a caption screen: keep it in sight.
  useEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  });
  if (!captioning && captioners.length === 0 && room.captions.length === 0) return null;

  return (
    <section className={onScreen ? 'captions on-screen lines-4' : `panel captions lines-${prefs.lines}`} aria-labelledby={headingId} data-testid="caption-region">
      <div className="captions-head">
        <h2 id={headingId}>{t('captions.heading')}</h2>
        {!onScreen && (
          <button type="button" aria-expanded={prefs.shown} aria-controls={linesId} onClick={() => setPrefs({ shown: !prefs.shown })}>
            {prefs.shown ? t('captions.hide') : t('captions.show')}
          </button>
        )}
        {prefs.shown && !onScreen && (
          <span className="captions-size">
            <label htmlFor={sizeId}>{t('captions.size')}</label>
            <select id={sizeId} value={prefs.lines} onChange={(e) => setPrefs({ lines: Number(e.target.value) as CaptionSize })}>
              {CAPTION_SIZES.map((n) => (
                <option key={n} value={n}>
                  {t('captions.lines', { count: n })}
                </option>
              ))}
            </select>
          </span>
        )}
      </div>
      {captioners.length > 0 && (
        <p className="captions-by">
          {t('captions.by')}{' '}
          {captioners.map((c, i) => (
            <span key={c.participantId}>
              {i > 0 && ', '}
              {personName(c.displayName)} <span className="tag captioner-badge">{t('captions.badge')}</span>
            </span>
          ))}
        </p>
      )}
      <div id={linesId} hidden={!prefs.shown && !onScreen}>
        <ol ref={list} className="caption-lines" data-testid="caption-lines">
          {segments.length === 0 && liveLines.length === 0 && <li className="caption-empty">{t('captions.none')}</li>}
          {segments.map((c) => (
            <li key={c.id} className="caption-line" data-testid="caption-line">
              {c.speakerId && <span className="caption-speaker">{personName(c.speakerName)}: </span>}
              <span className="caption-text">{c.text}</span>
              {c.automatic && <span className="tag caption-auto"> {t('captions.automatic')}</span>}
              {c.original !== null && (
                <details className="caption-corrected">
                  <summary>{t('captions.corrected')}</summary>
                  {t('captions.original')} <q>{c.original}</q>
                </details>
              )}
            </li>
          ))}
          {liveLines.map((l) => (
            <li key={`live-${l.id}`} className="caption-live" data-testid="caption-live">
              <span className="sr-only">{t('captions.typing')} </span>
              {l.text}
            </li>
          ))}
        </ol>
      </div>
      <div className="sr-only" aria-live="polite" aria-atomic="true" data-testid="caption-announcer">
        {prefs.shown ? announcement : ''}
      </div>
      {captioning && <CaptionerControls room={room} />}
      {me.role === 'facilitator' && !onScreen && <WithoutFloorSwitch room={room} />}
    </section>
  );
}

/** The facilitator lets captioners write while nobody holds the floor (a presentation, their own words). Logged. */
function WithoutFloorSwitch({ room }: { room: RoomView }) {
  const { t } = useTranslation();
  const { act, disabled } = useAction();
  const id = useId();
  return (
    <p className="captions-without-floor">
      <input
        id={id}
        type="checkbox"
        checked={room.captionsWithoutFloor}
        disabled={disabled}
        onChange={(e) => void act('captions.allowWithoutFloor', { roomId: room.id, allowed: e.target.checked })}
      />{' '}
      <label htmlFor={id}>{t('captions.withoutFloor')}</label>
    </p>
  );
}

/**
 * The captions of the room this person is in, in the language they listen in where
 * someone captions into it (issue 15 §4), and otherwise the floor's own.
 */
export function MyCaptions() {
  const room = useMyRoom();
  const listening = useListeningLanguage();
  if (!room) return null;
  const language = listening !== null && room.captioners.some((c) => c.language === listening) ? listening : null;
  return <CaptionRegion room={room} language={language} />;
}

/** The facilitator's: the captions of the room picked in the console. */
export function PanelCaptions({ language = null }: { language?: string | null }) {
  const { room } = usePanelRoom();
  return room ? <CaptionRegion room={room} language={language} /> : null;
}
