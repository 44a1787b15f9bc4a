import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useAction } from '../../session/context';

/** A citizen's question, optionally anonymous. */
export function AskForm({ premoderated }: { premoderated: boolean }) {
  const { t } = useTranslation();
  const { act, disabled, busy } = useAction();
  const [text, setText] = useState('');
  const [anonymous, setAnonymous] = useState(false);
  const textId = useId();
  const anonId = useId();
  const hintId = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = text.trim();
    if (!value) return;
    const ack = await act('qa.ask', { text: value, anonymous });
    if (ack?.ok) {
      setText('');
      setAnonymous(false);
    }
  };
  return (
    <form className="ask" onSubmit={(e) => void submit(e)}>
      <label htmlFor={textId}>{t('qa.askLabel')}</label>
      <textarea
        id={textId}
        value={text}
        maxLength={500}
        rows={3}
        required
        dir="auto"
        aria-describedby={premoderated ? hintId : undefined}
        onChange={(e) => setText(e.target.value)}
      />
      {premoderated && (
        <p id={hintId} className="hint">
          {t('qa.premoderated')}
        </p>
      )}
      <div className="check">
        <input id={anonId} type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} />
        <label htmlFor={anonId}>{t('qa.anonymous')}</label>
      </div>
      <button type="submit" className="primary" disabled={disabled || text.trim().length === 0}>
        {busy ? t('qa.asking') : t('qa.ask')}
      </button>
    </form>
  );
}
