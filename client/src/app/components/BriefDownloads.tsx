import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, OUTCOME_FILES, downloadFile, outcomeFilePath, signingKey, type Publication, type SigningKeyInfo } from '../api';
import { ERROR_CODES, type ErrorCode } from '../../../../shared/src/errors.js';
import { useSession } from '../session/context';
import { loadCredential } from '../storage';

const isErrorCode = (code: string): code is ErrorCode => (ERROR_CODES as readonly string[]).includes(code);

type FileKey = (typeof OUTCOME_FILES)[number]['key'] | 'log';

/** An HTTP failure in the reader's language (the server's own message is English and for developers). */
export function useErrorText() {
  const { t } = useTranslation();
  return (err: unknown): string => {
    if (!(err instanceof ApiError)) return t('errors.INTERNAL');
    if (err.code === 'NETWORK') return t('errors.UNAVAILABLE');
    return isErrorCode(err.code) ? t(`errors.${err.code}`) : t('errors.INTERNAL');
  };
}

/** The participant's token, for the HTTP endpoints (the control channel has its own copy). */
export function useToken(): string {
  const { snapshot } = useSession();
  const sessionId = snapshot.view!.sessionId;
  return useMemo(() => loadCredential(sessionId)?.token ?? '', [sessionId]);
}

/**
 * One button per file of the outcome. Buttons, not links: each fetches the file with
 * the bearer token and hands it to the browser as a download (see downloadFile).
 */
export function BriefDownloads({ publication, includeLog = false, labelledBy }: { publication: Publication; includeLog?: boolean; labelledBy?: string }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const sessionId = snapshot.view!.sessionId;
  const token = useToken();
  const errorText = useErrorText();
  const [busy, setBusy] = useState<FileKey | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error' | 'busy'; text: string } | null>(null);

  const files: { key: FileKey; path: string }[] = [
    ...OUTCOME_FILES.map((f) => ({ key: f.key as FileKey, path: outcomeFilePath(sessionId, f.path, f.key === 'readme' ? undefined : publication) })),
    ...(includeLog ? [{ key: 'log' as const, path: `/api/sessions/${encodeURIComponent(sessionId)}/log` }] : []),
  ];

  const download = async (key: FileKey, path: string) => {
    const file = t(`brief.files.${key}`);
    setBusy(key);
    setMessage({ kind: 'busy', text: t('brief.downloading', { file }) });
    try {
      const name = await downloadFile(path, token, path.split('/').pop()!.split('?')[0]!);
      setMessage({ kind: 'ok', text: t('brief.downloaded', { name }) });
    } catch (err) {
      setMessage({ kind: 'error', text: t('brief.failed', { reason: errorText(err) }) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="downloads" data-testid="downloads">
      <ul className="download-list" aria-label={labelledBy ? undefined : t('brief.filesLabel')} aria-labelledby={labelledBy}>
        {files.map((f) => (
          <li key={f.key}>
            <button type="button" className="small" disabled={busy !== null} data-file={f.key} onClick={() => void download(f.key, f.path)}>
              {t(`brief.files.${f.key}`)}
            </button>
          </li>
        ))}
      </ul>
      <div role="status" data-testid="download-status">
        {message && <p className={message.kind === 'error' ? 'callout error' : 'muted'}>{message.text}</p>}
      </div>
    </div>
  );
}

export const VERIFY_COMMAND = 'npx townhall verify <export.json> --log <log.jsonl>';

/** How anyone can check an export: the server's key id, and the command that checks signature and log. */
export function VerifyNote({ logFromFacilitators }: { logFromFacilitators: boolean }) {
  const { t } = useTranslation();
  const [key, setKey] = useState<SigningKeyInfo | null | 'failed'>(null);
  useEffect(() => {
    let cancelled = false;
    signingKey().then(
      (k) => !cancelled && setKey(k),
      () => !cancelled && setKey('failed'),
    );
    return () => {
      cancelled = true;
    };
  }, []);
  return (
    <div className="verify" data-testid="verify">
      <h3>{t('brief.verifyHeading')}</h3>
      <p>{t('brief.verifyIntro')}</p>
      <pre className="command">
        <code>{VERIFY_COMMAND}</code>
      </pre>
      <p data-testid="signing-key">
        {key === null ? t('brief.keyLoading') : key === 'failed' ? t('brief.keyUnavailable') : t('brief.keyId', { keyId: key.keyId, algorithm: key.algorithm })}
      </p>
      {logFromFacilitators && <p className="muted">{t('brief.logFromFacilitators')}</p>}
    </div>
  );
}
