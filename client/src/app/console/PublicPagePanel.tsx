import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../format';
import { useFormAction, useSession } from '../session/context';
import './publicPage.css';
import { useConfirmDialog } from '../components/useConfirmDialog';

/** Where the server shows the public accountability page of a session (server/src/http/publicPageApi.ts). */
export function publicPageUrl(sessionId: string): string {
  return `${window.location.origin}/p/${encodeURIComponent(sessionId)}`;
}

/**
 * Facilitator: publish the public page (no login, linkable from the council's website) or
 * withdraw it. Either way a dialog first says what anyone with the link will see, because
 * publishing makes the outcome public and keeps it up to date, later answers included.
 */
export function PublicPagePanel() {
  const { t, i18n } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const { published, since } = view.outcome.publicPage;
  const { send, disabled, error, setError } = useFormAction({ afterClose: true });
  const [asking, setAsking] = useState(false);
  const { dialog, cancelRef } = useConfirmDialog(asking);
  const [done, setDone] = useState<'published' | 'withdrawn' | null>(null);
  const [copy, setCopy] = useState<'copied' | 'failed' | null>(null);
  const toggleRef = useRef<HTMLButtonElement>(null);
  const linkRef = useRef<HTMLInputElement>(null);
  const linkId = useId();
  const url = publicPageUrl(view.sessionId);

  const confirm = async () => {
    const wanted = !published;
    const ack = await send('publicPage.set', { published: wanted });
    // CONFLICT: another facilitator did the same a moment ago; the page is as wanted.
    if (ack.ok || ack.error.code === 'CONFLICT') {
      setDone(wanted ? 'published' : 'withdrawn');
      setCopy(null);
      setAsking(false);
    }
  };

  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopy('copied');
    } catch {
      linkRef.current?.select();
      setCopy('failed');
    }
  };

  return (
    <section className="panel public-page" aria-labelledby="public-page-heading" data-testid="public-page">
      <h2 id="public-page-heading">{t('publicPage.heading')}</h2>
      <p className="muted">{t('publicPage.intro')}</p>
      {published ? (
        <>
          <p data-testid="public-page-state">{since !== null && t('publicPage.publishedSince', { date: formatDateTime(since, i18n.language) })}</p>
          <label htmlFor={linkId}>{t('publicPage.linkLabel')}</label>
          <div className="inline-field wide public-page-link">
            <input ref={linkRef} id={linkId} type="text" readOnly value={url} onFocus={(e) => e.currentTarget.select()} data-testid="public-page-url" />
            <button type="button" className="small" onClick={() => void copyLink()}>
              {t('publicPage.copy')}
            </button>
          </div>
          <p>
            <a href={url} target="_blank" rel="noopener" data-testid="public-page-open">
              {t('publicPage.open')}
            </a>
          </p>
        </>
      ) : (
        <p data-testid="public-page-state">{t('publicPage.notPublished')}</p>
      )}
      <p role="status" data-testid="public-page-status">
        {copy ? (copy === 'copied' ? t('publicPage.copied') : t('publicPage.copyFailed')) : done && t(done === 'published' ? 'publicPage.done' : 'publicPage.withdrawn')}
      </p>
      <div className="controls">
        <button
          ref={toggleRef}
          type="button"
          className={published ? 'danger' : 'primary'}
          disabled={disabled}
          onClick={() => {
            setError(null);
            setDone(null);
            setAsking(true);
          }}
        >
          {published ? t('publicPage.withdraw') : t('publicPage.publish')}
        </button>
      </div>
      <dialog
        ref={dialog}
        className="public-page-dialog"
        aria-labelledby="public-page-dialog-heading"
        aria-describedby="public-page-dialog-what"
        onClose={() => {
          setAsking(false);
          toggleRef.current?.focus();
        }}
      >
        <h2 id="public-page-dialog-heading">{published ? t('publicPage.withdrawHeading') : t('publicPage.publishHeading')}</h2>
        <div id="public-page-dialog-what">
          {published ? (
            <p>{t('publicPage.withdrawWhat')}</p>
          ) : (
            <>
              <p>{t('publicPage.publishWhat')}</p>
              <ul>
                <li>{t('publicPage.publishQuestion')}</li>
                <li>{t('publicPage.publishTexts')}</li>
                <li>{t('publicPage.publishAnswers')}</li>
                <li>{t('publicPage.publishCounts')}</li>
              </ul>
              <p className="strong">{t('publicPage.publishNoNames')}</p>
            </>
          )}
        </div>
        <div role="alert">{error && error.code !== 'CONFLICT' && <p className="callout error">{t(`errors.${error.code}`)}</p>}</div>
        <div className="controls">
          <button ref={cancelRef} type="button" onClick={() => setAsking(false)}>
            {t('publicPage.cancel')}
          </button>
          <button type="button" className={published ? 'danger' : 'primary'} disabled={disabled} onClick={() => void confirm()}>
            {published ? t('publicPage.withdrawConfirm') : t('publicPage.publishConfirm')}
          </button>
        </div>
      </dialog>
    </section>
  );
}
