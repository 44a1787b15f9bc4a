import { AGREEMENT_DESCRIPTIONS, AGREEMENT_LEVELS, type OutcomeDocument } from '../../../../shared/src/index.js';
import { displayText, minutesAndSeconds, percent } from './displayText.js';
import { PANEL_VERDICT_LABELS, panelLine } from './panelText.js';

/**
 * User text inside Markdown: HTML becomes entities (so no renderer turns it into
 * markup) and every character Markdown gives meaning to is backslash-escaped.
 */
export function md(text: string): string {
  return displayText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]()#+\-.!|~{}:]/g, (c) => `\\${c}`)
    .replace(/\n+/g, '  \n');
}

function labelsOf(doc: OutcomeDocument): Map<string, string> {
  const labels = new Map<string, string>();
  doc.outcome.recommendations.agreed.forEach((_, i) => labels.set(`/recommendations/agreed/${i}`, `A${i + 1}`));
  doc.outcome.recommendations.notAgreed.forEach((_, i) => labels.set(`/recommendations/notAgreed/${i}`, `N${i + 1}`));
  return labels;
}

/** Where a claim's pointer leads, as a heading a reader can find on the page. */
function refLabel(ref: string, labels: Map<string, string>): string {
  const rec = /^\/recommendations\/(agreed|notAgreed)\/\d+/.exec(ref);
  if (rec && labels.has(rec[0])) return labels.get(rec[0])!;
  if (ref.startsWith('/recommendations/agreed')) return 'Agreed recommendations';
  if (ref.startsWith('/participation')) return 'Participation and equity';
  if (ref.startsWith('/agenda')) return 'Agenda as it ran';
  if (ref.startsWith('/questions')) return 'Questions';
  if (ref.startsWith('/rooms')) return 'Rooms';
  return 'Session';
}

export function renderMarkdown(doc: OutcomeDocument): string {
  const o = doc.outcome;
  const labels = labelsOf(doc);
  const out: string[] = [];
  const p = (line = '') => out.push(line);

  p(`# ${md(o.session.title)}`);
  p();
  p(`Outcome brief, as of ${doc.generatedAt} (log event ${doc.log.seq}).`);
  p();
  p('## Summary');
  p();
  for (const claim of o.summary) {
    const refs = [...new Set(claim.refs.map((r) => refLabel(r, labels)))].join(', ');
    p(`- ${md(claim.text)} *(see ${md(refs)})*`);
  }
  p();

  const support = (s: OutcomeDocument['outcome']['recommendations']['agreed'][number]['support']) =>
    `${percent(s.supportShare)} support · ${s.total} rating${s.total === 1 ? '' : 's'} · ${s.blocks} block${s.blocks === 1 ? '' : 's'}`;
  const distribution = (s: OutcomeDocument['outcome']['recommendations']['agreed'][number]['support']) =>
    AGREEMENT_LEVELS.map((l) => `| ${md(AGREEMENT_DESCRIPTIONS[l])} | ${s.counts[l]} |`);

  type Rec = OutcomeDocument['outcome']['recommendations']['agreed'][number] | OutcomeDocument['outcome']['recommendations']['notAgreed'][number];
  /** What every recommendation shows, agreed or not: its words, its support, its fingerprint and the dissent. */
  const recommendation = (label: string, r: Rec, when: string) => {
    p(`### ${label}. ${md(r.title)}`);
    p();
    p(md(r.body));
    p();
    p(`**Why:** ${md(r.rationale)}`);
    p();
    p(`${support(r.support)} · from ${md(r.roomName)} · ${when}`);
    p();
    p('| Rating | Count |');
    p('|---|---|');
    for (const row of distribution(r.support)) p(row);
    p();
    p(`Text SHA-256: \`${r.textHash}\``);
    p();
    if (r.minorityNotes.length) {
      p('Minority notes:');
      p();
      for (const n of r.minorityNotes) p(`- *${md(AGREEMENT_DESCRIPTIONS[n.level])}* ${md(n.reason)}`);
      p();
    }
  };

  p('## Agreed recommendations');
  p();
  if (o.recommendations.agreed.length === 0) p('None.');
  o.recommendations.agreed.forEach((r, i) => {
    recommendation(`A${i + 1}`, r, `locked ${r.lockedAt}`);
    if (r.response) {
      const a = r.response;
      p(`**Official response:** ${a.status.replace('-', ' ')}${a.dueDate ? `, due ${a.dueDate}` : ''} (${md(a.answeredBy)}, ${a.answeredAt})`);
      if (a.reason) p(`  \n${md(a.reason)}`);
      if (a.overdue) p(`  \n**Overdue:** due ${a.overdue.dueDate}, no progress reported by the end of that day (UTC).`);
      p();
      p(md(panelLine(a.panel)));
      p();
      for (const n of a.panel.reasons) p(`- *${md(PANEL_VERDICT_LABELS[n.verdict])}:* ${md(n.reason)}`);
      if (a.panel.reasons.length) p();
      for (const h of a.history) p(`- Earlier answer: ${h.status.replace('-', ' ')} (${h.answeredAt})${h.reason ? `: ${md(h.reason)}` : ''} · ${md(panelLine(h.panel))}`);
      for (const u of a.progress) p(`- Progress ${u.at} (${md(u.by)}): ${md(u.text)}`);
      if (a.history.length || a.progress.length) p();
    } else {
      p('*No official response yet.*');
      p();
    }
  });

  p('## Not agreed');
  p();
  if (o.recommendations.notAgreed.length === 0) p('None.');
  o.recommendations.notAgreed.forEach((r, i) => {
    recommendation(`N${i + 1}`, r, `round closed ${r.closedAt}${r.textChanged ? ' · the text changed after the vote opened' : ''}`);
  });

  p('## Rounds and what the rooms decided');
  p();
  if (o.rounds.length === 0) p('No round has ended.');
  const label = (kind: 'agreed' | 'notAgreed', roomId: string, id: string) => {
    const i = o.recommendations[kind].findIndex((r) => r.roomId === roomId && r.id === id);
    return i < 0 ? md(id) : `${kind === 'agreed' ? 'A' : 'N'}${i + 1}`;
  };
  o.rounds.forEach((r, i) => {
    const what = r.cancelled
      ? 'Cancelled: it decided nothing'
      : `Agreed: ${r.agreed.map((id) => label('agreed', r.roomId, id)).join(', ') || 'none'}; not agreed: ${r.notAgreed.map((id) => label('notAgreed', r.roomId, id)).join(', ') || 'none'}`;
    const withdrawn = r.withdrawn.length ? `; withdrawn while open: ${r.withdrawn.map(md).join(', ')}` : '';
    p(`### Round ${i + 1} · ${md(r.roomName)} · ${r.closedAt}`);
    p();
    p(`${what}${withdrawn}.`);
    p();
    if (r.statement) {
      p(`> ${md(r.statement.text).split('\n').join('\n> ')}`);
      p();
      p(`*Statement by the facilitator, ${r.statement.at}.*`);
      p();
    }
  });

  p('## Agenda as it ran');
  p();
  p('| Item | Planned (min) | Extended (min) | Actual (min) | Overran | Status |');
  p('|---|---|---|---|---|---|');
  for (const a of o.agenda) {
    p(`| ${md(a.title)} | ${a.plannedMinutes} | ${a.extendedMinutes} | ${a.actualMinutes ?? '–'} | ${a.overran ? 'yes' : 'no'} | ${a.status} |`);
  }
  p();

  const part = o.participation;
  p('## Participation and equity');
  p();
  p(`- Citizens: ${part.citizens}`);
  p(`- Took the floor at least once: ${part.spokeAtLeastOnce} (${percent(part.spokeAtLeastOnceShare)})`);
  p(`- Turns: ${part.turns}; total speaking time ${minutesAndSeconds(part.totalSpeakingSeconds)}`);
  p(`- Gini coefficient of speaking time: ${part.giniSpeakingTime.toFixed(2)} (0 = everyone equally long)`);
  p();
  p('| Participant | Turns | Speaking time |');
  p('|---|---|---|');
  for (const person of part.people) p(`| ${md(person.pseudonym)} | ${person.turns} | ${minutesAndSeconds(person.speakingSeconds)} |`);
  p();
  if (part.captioners !== undefined) {
    p(`Captioners, counted apart from the citizens: ${part.captioners}.`);
    p();
  }
  if (part.interpreters > 0) {
    p(`Interpreters, counted apart from the citizens: ${part.interpreters} (into ${part.interpretationLanguages.join(', ')}).`);
    p();
  }

  p('## Questions');
  p();
  p(`${o.questions.asked} asked, ${o.questions.answered} answered. Most upvoted:`);
  p();
  for (const q of o.questions.top) p(`- ${md(q.text)} (${q.upvotes} upvote${q.upvotes === 1 ? '' : 's'}${q.answered ? ', answered' : ''})`);
  p();

  p('## Rooms');
  p();
  p('| Room | Turns | Speaking time | Questions | Agreed | Not agreed |');
  p('|---|---|---|---|---|---|');
  const recLabel = (kind: 'agreed' | 'notAgreed', roomId: string, id: string) => {
    const i = o.recommendations[kind].findIndex((r) => r.roomId === roomId && r.id === id);
    return `${kind === 'agreed' ? 'A' : 'N'}${i + 1}`;
  };
  for (const room of o.rooms) {
    p(
      `| ${md(room.name)} | ${room.turns} | ${minutesAndSeconds(room.speakingSeconds)} | ${room.questionsAsked} | ${room.agreed.map((id) => recLabel('agreed', room.id, id)).join(', ') || '–'} | ${room.notAgreed.map((id) => recLabel('notAgreed', room.id, id)).join(', ') || '–'} |`,
    );
  }
  p();

  if (o.broughtBack.length) {
    p('### Brought from breakout rooms');
    p();
    for (const b of o.broughtBack) {
      const agreedAt = o.recommendations.agreed.findIndex((r) => r.roomId === b.roomId && r.id === b.recommendationId);
      const notAt = o.recommendations.notAgreed.findIndex((r) => r.roomId === b.roomId && r.id === b.recommendationId);
      const label = agreedAt >= 0 ? `A${agreedAt + 1}` : notAt >= 0 ? `N${notAt + 1}` : md(b.recommendationId);
      p(`- ${label}: from ${md(b.fromRoomName)} (${md(b.sourceId)} there, text SHA-256 \`${b.sourceHash}\`), ${b.at}`);
    }
    p();
  }

  if (o.transcript) {
    p('## Transcript');
    p();
    p('Live captions as the room saw them, latest correction shown. Automatic lines came from speech recognition.');
    p();
    for (const seg of o.transcript.segments) {
      const who = seg.speaker ? md(seg.speaker) : 'No floor';
      const marks = [seg.automatic ? 'automatic' : '', seg.corrections.length ? `corrected; first written: “${md(seg.original)}”` : ''].filter(Boolean);
      p(
        `- ${seg.startedAt.slice(11, 19)}, ${md(seg.roomId)}${seg.language ? ` \\[${md(seg.language)}\\]` : ''}, ${who}: ${md(seg.text)}${marks.length ? ` (${marks.join('; ')})` : ''}`,
      );
    }
    p();
  }

  p('## Integrity');
  p();
  p(`- Session log: \`${doc.log.sessionId}\`, event ${doc.log.seq}, head hash \`${doc.log.head}\``);
  p(`- Signed with ${doc.signature.algorithm}, key id \`${doc.signature.keyId}\``);
  p('- Verify the JSON export with `npx townhall verify <export.json> --log <log.jsonl>`; the server publishes its key at `/.well-known/townhall-signing-key`.');
  p();
  return out.join('\n');
}
