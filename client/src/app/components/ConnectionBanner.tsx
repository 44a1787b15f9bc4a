import { useTranslation } from 'react-i18next';
import { useSession } from '../session/context';

/** Always in the page (a live region must exist before it changes); it has content only while the connection is down. */
export function ConnectionBanner() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const down = snapshot.status === 'reconnecting';
  return (
    <div role="status" className="connection" data-testid="connection-status">
      {down && (
        <div className="banner warn">
          <strong>{t('connection.reconnecting')}</strong> <span>{t('connection.reconnectingDetail')}</span>
        </div>
      )}
    </div>
  );
}

/** The last refused command, in the viewer's language. */
export function ErrorArea() {
  const { t } = useTranslation();
  const { error, clearError } = useSession();
  return (
    <div role="alert" className="error-area">
      {error && (
        <div className="callout error">
          <span>{t(`errors.${error.code}`)}</span>{' '}
          <button type="button" className="small" onClick={clearError}>
            {t('errors.dismiss')}
          </button>
        </div>
      )}
    </div>
  );
}
