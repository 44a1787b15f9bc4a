import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import type { PanelView } from '../../../../../shared/src/index.js';
import { PANEL_VERDICTS } from '../../../../../shared/src/vocabulary.js';
import './panelFeedback.css';

/**
 * What the panel says of one answer: the counts, for everyone who sees the answer, and
 * the reasons (nameless) when the view carries them, which it does for facilitators and
 * officials only.
 */
export function PanelCounts({ panel }: { panel: PanelView }) {
  const { t } = useTranslation();
  const reasons = panel.reasons ?? [];
  return (
    <div className="panel-counts" data-testid="panel-counts" data-total={panel.total}>
      {panel.total === 0 ? (
        <p className="muted">{t('panelFeedback.none')}</p>
      ) : (
        <p>
          <strong>{t('panelFeedback.countsLabel')}</strong>{' '}
          {PANEL_VERDICTS.map((v, i) => (
            <Fragment key={v}>
              <span className={`panel-count verdict-${v}`} data-verdict={v}>
                {t(`panelFeedback.${v}`, { count: panel.counts[v] })}
              </span>
              {/* A no-break space before the dot: it ends the line it follows, never starts the next one on a narrow screen. */}
              {i < PANEL_VERDICTS.length - 1 && '\u00a0· '}
            </Fragment>
          ))}
        </p>
      )}
      {reasons.length > 0 && (
        <details className="panel-reasons" data-testid="panel-reasons">
          <summary>{t('panelFeedback.reasons', { count: reasons.length })}</summary>
          <p className="hint">{t('panelFeedback.reasonsHint')}</p>
          <ul className="plain">
            {reasons.map((r, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: reasons carry no id on purpose (nothing may tell who gave them); the list is re-rendered whole.
              <li key={i}>
                <span className={`verdict-label verdict-${r.verdict}`}>{t(`panelFeedback.verdict.${r.verdict}`)}:</span> <span dir="auto">{r.reason}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
