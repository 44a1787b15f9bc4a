import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { qrMatrix, type QrMatrix } from './qrMatrix';

/** The white border a scanner needs around the code, in modules (the standard asks for 4). */
const QUIET_ZONE = 4;

/**
 * A large QR code of a link, drawn as inline SVG: no image URL, so the page's
 * Content-Security-Policy needs nothing extra, and it stays sharp when projected.
 */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { t } = useTranslation();
  const [state, setState] = useState<{ text: string; matrix: QrMatrix } | 'failed' | null>(null);
  useEffect(() => {
    let cancelled = false;
    qrMatrix(text).then(
      (matrix) => !cancelled && setState({ text, matrix }),
      () => !cancelled && setState('failed'),
    );
    return () => {
      cancelled = true;
    };
  }, [text]);
  if (state === 'failed') return <p className="callout error">{t('setup.qr.failed')}</p>;
  if (state === null || state.text !== text) return <p className="muted">{t('setup.qr.loading')}</p>;
  const { size, path } = state.matrix;
  const full = size + 2 * QUIET_ZONE;
  return (
    <svg className="qr-code" role="img" aria-label={label} viewBox={`0 0 ${full} ${full}`} shapeRendering="crispEdges">
      <rect width={full} height={full} fill="#ffffff" />
      <path d={path} fill="#000000" transform={`translate(${QUIET_ZONE} ${QUIET_ZONE})`} />
    </svg>
  );
}
