import { plural } from './formatting.js';
import type { Layout } from './layout.js';
import type { Outcome } from './outcomeParts.js';
import { sectionHeading } from './sectionHeading.js';
import { COLOR, STYLE } from './theme.js';

/** How many questions were asked and answered, and the most upvoted of them. */
export function questionsSection(layout: Layout, q: Outcome['questions'], rooms: Outcome['rooms']): void {
  const { doc } = layout;
  sectionHeading(layout, 'Questions', 'questions', `${plural(q.asked, 'question was', 'questions were')} asked; ${q.answered} answered.`);
  if (q.top.length === 0) return;
  layout.text('Most upvoted', STYLE.strong);
  layout.gap(3);
  const roomName = new Map(rooms.map((r) => [r.id, r.name]));
  q.top.forEach((question, i) => {
    const meta = `▲ ${plural(question.upvotes, 'upvote')} · ${question.answered ? 'answered' : 'not answered'} · Room: ${roomName.get(question.roomId) ?? question.roomId}`;
    layout.ensure(Math.min(layout.measure(question.text, STYLE.body, layout.width - 16) + 12, 60));
    const y = doc.y;
    layout.label(`${i + 1}.`, STYLE.strong, layout.left, y);
    doc.y = y;
    layout.text(question.text, STYLE.body, { x: layout.left + 16 });
    layout.text(meta, { ...STYLE.small, color: question.answered ? COLOR.agreed : COLOR.muted }, { x: layout.left + 16 });
    layout.gap(5);
  });
}
