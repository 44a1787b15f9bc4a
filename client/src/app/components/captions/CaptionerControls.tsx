import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaptionView, RoomView } from '../../../../../shared/src/index.js';
import { useAction, useSession } from '../../session/context';

/** The live line goes out at most this often while typing; the server takes five a second. */
const TYPING_EVERY_MS = 300;
const MY_LAST_LINES = 5;

/** The captioner's desk: type a line (it shows live as you type), Enter commits it; the last lines, each with "Correct". */
export function CaptionerControls({ room }: { room: RoomView }) {
  const { t } = useTranslation();
  const { connection } = useSession();
  const { act, disabled } = useAction();
  const [text, setText] = useState('');
  const inputId = useId();
  const hintId = useId();
  const lastSent = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef('');
  const noFloor = !room.floor && !room.captionsWithoutFloor;

  const pushLive = () => {
    pending.current = null;
    lastSent.current = Date.now();
    void connection.command('captions.typing', { text: latest.current.replace(/\s+/g, ' ').trim().slice(0, 500) });
  };
  const onChange = (value: string) => {
    setText(value);
    latest.current = value;
    if (pending.current) return;
    pending.current = setTimeout(pushLive, Math.max(0, lastSent.current + TYPING_EVERY_MS - Date.now()));
  };
  useEffect(
    () => () => {
      if (pending.current) clearTimeout(pending.current);
    },
    [],
  );

  const commit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!text.trim()) return;
    if (pending.current) clearTimeout(pending.current);
    pending.current = null;
    const ack = await act('captions.add', { text });
    if (ack?.ok) {
      setText('');
      latest.current = '';
    }
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') void commit(e);
  };

  return (
    <div className="captioner" data-testid="captioner-controls">
      <form onSubmit={(e) => void commit(e)}>
        <label htmlFor={inputId}>{t('captions.inputLabel')}</label>
        <input
          id={inputId}
          type="text"
          value={text}
          maxLength={500}
          autoComplete="off"
          aria-describedby={hintId}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKey}
        />
        <p id={hintId} className="hint">
          {noFloor ? t('captions.noFloorHint') : t('captions.inputHint')}
        </p>
        <button type="submit" className="primary" disabled={disabled || !text.trim()}>
          {t('captions.commit')}
        </button>
      </form>
      {room.captions.length > 0 && (
        <>
          <h3>{t('captions.lastLines')}</h3>
          <ul className="captioner-lines">
            {room.captions.slice(-MY_LAST_LINES).map((c) => (
              <CorrectableLine key={c.id} caption={c} />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function CorrectableLine({ caption }: { caption: CaptionView }) {
  const { t } = useTranslation();
  const { act, disabled } = useAction();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(caption.text);
  const inputId = useId();
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const ack = await act('captions.correct', { segmentId: caption.id, text });
    if (ack?.ok) setEditing(false);
  };
  if (!editing) {
    return (
      <li>
        <span>{caption.text}</span>{' '}
        <button
          type="button"
          aria-label={t('captions.correctLabel', { text: caption.text.slice(0, 40) })}
          onClick={() => {
            setText(caption.text);
            setEditing(true);
          }}
        >
          {t('captions.correct')}
        </button>
      </li>
    );
  }
  return (
    <li>
      <form onSubmit={(e) => void save(e)}>
        <label htmlFor={inputId}>{t('captions.correctionLabel')}</label>
        <input id={inputId} type="text" value={text} maxLength={500} onChange={(e) => setText(e.target.value)} />
        <button type="submit" className="primary" disabled={disabled || !text.trim()}>
          {t('captions.saveCorrection')}
        </button>
        <button type="button" onClick={() => setEditing(false)}>
          {t('captions.cancel')}
        </button>
      </form>
    </li>
  );
}
