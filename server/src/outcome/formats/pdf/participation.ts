import { minutesAndSeconds, percent } from '../displayText.js';
import { plural } from './formatting.js';
import { type KeyValue, keyValues } from './keyValues.js';
import type { Layout } from './layout.js';
import type { Outcome } from './outcomeParts.js';
import { sectionHeading } from './sectionHeading.js';
import { COLOR, STYLE } from './theme.js';

const MAX_CHART_ROWS = 40;

/**
 * Who took part and how evenly the speaking time was shared, with a bar per citizen. Those
 * who rendered others' words (captioners, interpreters) are counted apart. The transcript
 * itself is not printed: a brief stays short, and the export carries it under the signature.
 */
export function participationSection(layout: Layout, p: Outcome['participation'], transcriptLines: number): void {
  sectionHeading(layout, 'Participation and equity', 'participation');
  const rows: KeyValue[] = [
    ['Citizens', String(p.citizens), STYLE.body],
    ['Spoke at least once', `${p.spokeAtLeastOnce} (${percent(p.spokeAtLeastOnceShare)})`, STYLE.body],
    ['Turns', String(p.turns), STYLE.body],
    ['Total speaking time', `${minutesAndSeconds(p.totalSpeakingSeconds)} (m:ss)`, STYLE.body],
    ['Gini, speaking time', `${p.giniSpeakingTime.toFixed(2)} — 0 means everyone spoke equally long, 1 that one person did all the speaking`, STYLE.body],
  ];
  if (p.captioners !== undefined) rows.push(['Captioners', `${p.captioners}, counted apart from the citizens`, STYLE.body]);
  if (p.interpreters > 0) rows.push(['Interpreters', `${p.interpreters} (into ${p.interpretationLanguages.join(', ')}), counted apart from the citizens`, STYLE.body]);
  if (transcriptLines > 0)
    rows.push(['Transcript', `${plural(transcriptLines, 'caption line')}, with corrections, in the signed export (JSON) and the Markdown`, STYLE.body]);
  keyValues(layout, rows);
  if (p.people.length === 0) return;
  speakingTimeChart(layout, p.people);
}

function speakingTimeChart(layout: Layout, everyone: Outcome['participation']['people']): void {
  const { doc } = layout;
  const people = everyone.map((person, i) => ({ ...person, i })).sort((a, b) => b.speakingSeconds - a.speakingSeconds || a.i - b.i);
  const shown = people.slice(0, MAX_CHART_ROWS);
  const max = Math.max(0, ...shown.map((x) => x.speakingSeconds));
  const labelWidth = 110;
  const valueWidth = 60;
  const barX = layout.left + labelWidth + 6;
  const barMax = layout.width - labelWidth - 6 - valueWidth;
  const rowHeight = 12;

  layout.gap(8);
  // A chart is read as a whole: move it to the next page rather than cut it, since even the full 40 rows fit on one.
  layout.ensure(20 + shown.length * rowHeight);
  layout.text('Speaking time per citizen', STYLE.strong);
  layout.gap(4);
  for (const person of shown) {
    layout.ensure(rowHeight);
    const y = doc.y;
    layout.label(layout.fit(person.pseudonym, STYLE.small, labelWidth), { ...STYLE.small, color: COLOR.ink }, layout.left, y + 1.5, {
      width: labelWidth,
      align: 'right',
    });
    const w = max > 0 ? (person.speakingSeconds / max) * barMax : 0;
    if (w > 0)
      doc
        .save()
        .rect(barX, y + 2, w, rowHeight - 4)
        .fill(COLOR.bar)
        .restore();
    else
      doc
        .save()
        .moveTo(barX, y + 2)
        .lineTo(barX, y + rowHeight - 2)
        .lineWidth(0.5)
        .strokeColor(COLOR.faint)
        .stroke()
        .restore();
    layout.label(`${minutesAndSeconds(person.speakingSeconds)} · ${plural(person.turns, 'turn')}`, STYLE.small, barX + w + 4, y + 1.5);
    doc.y = y + rowHeight;
  }
  if (people.length > shown.length) {
    const rest = people.slice(shown.length);
    layout.gap(3);
    layout.text(
      `…and ${plural(rest.length, 'more citizen')}, together ${minutesAndSeconds(rest.reduce((a, x) => a + x.speakingSeconds, 0))} of speaking time (the ${shown.length} who spoke longest are shown).`,
      STYLE.small,
    );
  }
}
