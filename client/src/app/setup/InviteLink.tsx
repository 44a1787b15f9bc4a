import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role } from '../../../../shared/src/domain.js';
import { copyText } from './copyText';
import { QrCode } from './QrCode';
import './setup.css';

const COPIED_SHOWN_MS = 5_000;

/**
 * One role's invitation link: the link itself in a read-only field (selected as soon as
 * it gets focus, so it can always be copied by hand), a Copy button that confirms on
 * screen and to screen readers, and a large QR code on demand for a room full of phones.
 * `children` is what a page adds for the role, among the buttons (the console's "Make a new link").
 */
export function InviteLink({ role, url, heading: Heading = 'h3', children }: { role: Role; url: string | null; heading?: 'h2' | 'h3'; children?: ReactNode }) {
  const { t } = useTranslation();
  const headingId = useId();
  const hintId = useId();
  const qrId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'copied' | 'failed' | null>(null);
  const [qrShown, setQrShown] = useState(false);

  useEffect(() => {
    if (copied !== 'copied') return;
    const id = setTimeout(() => setCopied(null), COPIED_SHOWN_MS);
    return () => clearTimeout(id);
  }, [copied]);
  // A new link (after "Make a new link") is not the one that was copied.
  // biome-ignore lint/correctness/useExhaustiveDependencies: url is the trigger.
  useEffect(() => setCopied(null), [url]);

  const copy = async () => {
    if (!url) return;
    // Emptied first, so a second copy is announced again.
    setCopied(null);
    const ok = await copyText(url, input.current);
    setCopied(ok ? 'copied' : 'failed');
    if (!ok) input.current?.select();
  };

  return (
    <div className="invite-link" data-testid={`invite-${role}`}>
      <Heading id={headingId} className="invite-role">
        {t(`setup.roles.${role}.link`)}
      </Heading>
      <p id={hintId} className="hint">
        {t(`setup.roles.${role}.hint`)}
      </p>
      {url ? (
        <>
          <input
            ref={input}
            type="text"
            className="invite-url"
            readOnly
            value={url}
            dir="ltr"
            spellCheck={false}
            aria-labelledby={headingId}
            aria-describedby={hintId}
            onFocus={(e) => e.currentTarget.select()}
          />
          <div className="controls">
            <button type="button" className="primary" aria-label={t(`setup.roles.${role}.copyLabel`)} onClick={() => void copy()}>
              {t('setup.link.copy')}
            </button>
            <button
              type="button"
              aria-expanded={qrShown}
              aria-controls={qrShown ? qrId : undefined}
              aria-label={t(qrShown ? `setup.roles.${role}.hideQrLabel` : `setup.roles.${role}.showQrLabel`)}
              onClick={() => setQrShown((s) => !s)}
            >
              {t(qrShown ? 'setup.link.hideQr' : 'setup.link.showQr')}
            </button>
            {children}
            <span className="copy-status" role="status">
              {copied === 'copied' ? t('setup.link.copied') : ''}
            </span>
          </div>
          {copied === 'failed' && (
            <p className="callout warn" role="alert">
              {t('setup.link.copyFailed')}
            </p>
          )}
          {qrShown && (
            <div id={qrId} className="qr-box">
              <QrCode text={url} label={t(`setup.roles.${role}.qrLabel`)} />
              <p className="hint">{t('setup.link.qrHint')}</p>
            </div>
          )}
        </>
      ) : (
        <>
          <p className="muted" data-testid="invite-unknown">
            {t('setup.link.unknown')}
          </p>
          {children && <div className="controls">{children}</div>}
        </>
      )}
    </div>
  );
}
