import { dateTime } from './formatting.js';
import { keyValues } from './keyValues.js';
import type { Layout } from './layout.js';
import type { Outcome } from './outcomeParts.js';
import { sectionHeading } from './sectionHeading.js';
import { STYLE } from './theme.js';

/** The question put to the session, when it ran, and the rules it ran by. */
export function sessionSection(layout: Layout, s: Outcome['session']): void {
  sectionHeading(layout, 'Session', 'session');
  keyValues(layout, [
    ['Question', s.question, STYLE.body],
    ['Opened', dateTime(s.createdAt), STYLE.body],
    ['Closed', s.closedAt ? dateTime(s.closedAt) : 'still open when this record was taken', STYLE.body],
    ['Speaking order', s.queueRuleDescription, STYLE.body],
    ['Agreement rule', s.agreementRuleDescription, STYLE.body],
  ]);
}
