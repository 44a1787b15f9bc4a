import { dateTime, plural } from './formatting.js';
import type { Layout } from './layout.js';
import type { Agreed } from './outcomeParts.js';
import { ratingLegend } from './ratingLegend.js';
import { recommendation } from './recommendation.js';
import { sectionHeading } from './sectionHeading.js';

export function agreedRecommendationsSection(layout: Layout, list: readonly Agreed[]): void {
  const item = sectionHeading(
    layout,
    'Agreed recommendations',
    'agreed',
    list.length === 0 ? 'No recommendation reached agreement.' : `${plural(list.length, 'recommendation')} reached agreement, in the order they were locked.`,
  );
  if (list.length > 0) ratingLegend(layout);
  list.forEach((r, i) =>
    recommendation(layout, r, `A${i + 1}`, item, {
      meta: `Room: ${r.roomName} · agreed and locked ${dateTime(r.lockedAt)}`,
      response: r.response,
    }),
  );
}
