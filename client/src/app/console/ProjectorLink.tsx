import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { projectorPath } from '../router';
import { useSession } from '../session/context';

/**
 * The way to the room's screen: a link, not a button, so it can be opened in a new
 * window, dragged onto the projector's display or copied. The new tab uses this
 * device's credential (same browser, same storage), so it needs no sign-in of its own.
 */
export function ProjectorLink() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const hintId = useId();
  const sessionId = snapshot.view!.sessionId;
  return (
    <p className="projector-link">
      <a href={projectorPath(sessionId)} target="_blank" rel="noopener" aria-describedby={hintId} data-testid="projector-link">
        {t('projector.link')} {t('projector.linkNewTab')}
      </a>{' '}
      <span id={hintId} className="hint">
        {t('projector.linkHint')}
      </span>
    </p>
  );
}
