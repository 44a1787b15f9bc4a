import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

const isFull = () => document.fullscreenElement !== null;

/**
 * The screen's only control. Browsers go full screen only on a click, so it is a
 * button; in full screen it is gone (Escape leaves, as the browser itself says), and
 * where full screen is not available (an iPhone) it is never shown.
 */
export function FullScreenToggle() {
  const { t } = useTranslation();
  const [full, setFull] = useState(isFull);
  useEffect(() => {
    const onChange = () => setFull(isFull());
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);
  if (full || !document.fullscreenEnabled) return null;
  return (
    <button
      type="button"
      className="projector-fullscreen"
      data-testid="projector-fullscreen"
      onClick={() => {
        // Refused (a policy, an iframe): the page still works in a window.
        document.documentElement.requestFullscreen().catch(() => {});
      }}
    >
      {t('projector.fullScreen')}
    </button>
  );
}
