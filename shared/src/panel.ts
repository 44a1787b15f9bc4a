import type { PanelAssessment } from './state.js';
import { PANEL_VERDICTS, type PanelVerdict } from './vocabulary.js';

/** What the panel said of one answer, with nobody's name on it. */
export interface PanelSummary {
  counts: Record<PanelVerdict, number>;
  total: number;
  /** The reasons given, by verdict and then by text: an order that tells nothing of who gave them or when. */
  reasons: { verdict: PanelVerdict; reason: string }[];
}

const rank = new Map<PanelVerdict, number>(PANEL_VERDICTS.map((v, i) => [v, i]));

/**
 * The counts and reasons of the verdicts on one answer. Reasons are compared by code
 * unit, not by locale, so every server and every replay of the log sorts them alike.
 */
export function panelSummary(panel: Readonly<Record<string, PanelAssessment>>): PanelSummary {
  const counts = Object.fromEntries(PANEL_VERDICTS.map((v) => [v, 0])) as Record<PanelVerdict, number>;
  const reasons: PanelSummary['reasons'] = [];
  for (const { verdict, reason } of Object.values(panel)) {
    counts[verdict] += 1;
    if (reason !== null) reasons.push({ verdict, reason });
  }
  reasons.sort((a, b) => rank.get(a.verdict)! - rank.get(b.verdict)! || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  return { counts, total: PANEL_VERDICTS.reduce((n, v) => n + counts[v], 0), reasons };
}
