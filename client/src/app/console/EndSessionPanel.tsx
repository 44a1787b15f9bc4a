import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormAction, useSession } from '../session/context';
import '../setup/setup.css';
import { useConfirmDialog } from '../components/useConfirmDialog';

/**
 * Facilitator: ending the town hall for good. It cannot be undone, so it asks first in
 * a modal dialog (the browser's own <dialog>: focus stays inside, Escape cancels) that
 * says what stops and what goes on: after the end the server takes only the outcome's
 * follow-up (publishing it, and the decision-makers' answers; shared/src/commands.ts
 * `afterClose`) and joins by decision-makers only.
 */
export function EndSessionPanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { send, disabled, error, setError } = useFormAction();
  const [asking, setAsking] = useState(false);
  const { dialog, cancelRef } = useConfirmDialog(asking);
  const endRef = useRef<HTMLButtonElement>(null);
  const endedRef = useRef<HTMLParagraphElement>(null);
  const endedHere = useRef(false);
  const closed = snapshot.view!.closed;

  // Whoever ended it here lands on the confirmation, not on a button that has gone.
  useEffect(() => {
    if (closed && endedHere.current) endedRef.current?.focus();
  }, [closed]);

  const end = async () => {
    const ack = await send('session.close', {});
    if (ack.ok || ack.error.code === 'SESSION_CLOSED') {
      endedHere.current = true;
      setAsking(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="end-heading" data-testid="end-session">
      <h2 id="end-heading">{t('setup.end.heading')}</h2>
      {closed ? (
        <p ref={endedRef} tabIndex={-1} className="callout" data-testid="session-ended">
          {t('setup.end.ended')}
        </p>
      ) : (
        <>
          <p>{t('setup.end.intro')}</p>
          <button
            ref={endRef}
            type="button"
            className="danger"
            disabled={disabled}
            onClick={() => {
              setError(null);
              setAsking(true);
            }}
          >
            {t('setup.end.open')}
          </button>
        </>
      )}
      <dialog
        ref={dialog}
        className="end-dialog"
        aria-labelledby="end-dialog-heading"
        aria-describedby="end-dialog-what"
        onClose={() => {
          setAsking(false);
          (endedHere.current ? endedRef.current : endRef.current)?.focus();
        }}
      >
        <h2 id="end-dialog-heading">{t('setup.end.dialogHeading')}</h2>
        <div id="end-dialog-what">
          <ul>
            <li>{t('setup.end.stops')}</li>
            <li>{t('setup.end.officials')}</li>
            <li>{t('setup.end.outcome')}</li>
            <li>{t('setup.end.record')}</li>
          </ul>
          <p className="strong">{t('setup.end.final')}</p>
        </div>
        <div role="alert">{error && <p className="callout error">{t(`errors.${error.code}`)}</p>}</div>
        <div className="controls">
          <button ref={cancelRef} type="button" onClick={() => setAsking(false)}>
            {t('setup.end.cancel')}
          </button>
          <button type="button" className="danger" disabled={disabled} onClick={() => void end()}>
            {t('setup.end.confirm')}
          </button>
        </div>
      </dialog>
    </section>
  );
}
