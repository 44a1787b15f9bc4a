import { dateTime } from './formatting.js';
import type { Layout } from './layout.js';
import type { NotAgreed } from './outcomeParts.js';
import { ratingLegend } from './ratingLegend.js';
import { recommendation } from './recommendation.js';
import { sectionHeading } from './sectionHeading.js';

export function notAgreedRecommendationsSection(layout: Layout, list: readonly NotAgreed[]): void {
  const item = sectionHeading(
    layout,
    'Not agreed',
    'not-agreed',
    list.length === 0
      ? 'None: no recommendation put to a vote failed to reach agreement.'
      : 'Recommendations put to a vote that did not reach agreement, each with the last round that judged it.',
  );
  if (list.length > 0) ratingLegend(layout);
  list.forEach((r, i) =>
    recommendation(layout, r, `N${i + 1}`, item, {
      meta: `Room: ${r.roomName} · vote closed ${dateTime(r.closedAt)}`,
      ...(r.textChanged ? { warning: 'Text changed after the vote opened: the ratings were given to an earlier text.' } : {}),
    }),
  );
}
