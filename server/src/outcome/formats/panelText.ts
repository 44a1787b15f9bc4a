import { PANEL_VERDICTS, type OutcomeDocument, type PanelVerdict } from '../../../../shared/src/index.js';

type Panel = NonNullable<OutcomeDocument['outcome']['recommendations']['agreed'][number]['response']>['panel'];

/** How each verdict reads in the briefs: the question put to the panel was whether the answer addresses their recommendation. */
export const PANEL_VERDICT_LABELS: Record<PanelVerdict, string> = { addressed: 'addressed', partly: 'partly addressed', not: 'not addressed' };

/** The panel's counts on one answer, in one line: "Panel: 5 addressed · 2 partly addressed · 1 not addressed (8 citizens)". */
export function panelLine(panel: Panel): string {
  if (panel.total === 0) return 'Panel: no citizen has assessed this answer yet.';
  const counts = PANEL_VERDICTS.map((v) => `${panel.counts[v]} ${PANEL_VERDICT_LABELS[v]}`).join(' · ');
  return `Panel: ${counts} (${panel.total} citizen${panel.total === 1 ? '' : 's'})`;
}
