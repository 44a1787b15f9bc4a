import type { OutcomeDocument } from '../../../shared/src/index.js';
import { escapeXml } from './escape.js';
import { recommendationAnchor } from './renderPage.js';
import { formatDay, PAGE_STRINGS, type PageLanguage } from './strings.js';

export interface FeedInput {
  doc: OutcomeDocument;
  lang: PageLanguage;
  /** The tag URI authority (RFC 4151): the site's host name, the same on every request so entry ids stay stable. */
  authority: string;
  /** Absolute URLs of the page (in the feed's language) and of the feed itself. */
  pageUrl: string;
  feedUrl: string;
}

interface Entry {
  id: string;
  updated: string;
  title: string;
  content: string;
  anchor: string;
}

/**
 * The Atom feed (RFC 4287) of the officials' answers: one entry per answer, replaced ones
 * included, and one per progress update, newest first. Entry ids are tag URIs built from
 * the session, the recommendation and the answer's place and time, so a reader that
 * polls sees each only once. No names: the author is "the officials".
 */
export function renderFeed({ doc, lang, authority, pageUrl, feedUrl }: FeedInput): string {
  const t = PAGE_STRINGS[lang];
  const o = doc.outcome;
  const tag = `tag:${authority},${o.session.createdAt.slice(0, 10)}:${o.session.id}`;
  const entries: Entry[] = [];
  for (const r of o.recommendations.agreed) {
    if (!r.response) continue;
    const base = `${tag}/${r.roomId}/${r.id}`;
    const anchor = recommendationAnchor(r);
    const answers = [...r.response.history, r.response];
    answers.forEach((a, i) => {
      const lines = [
        a.reason ? `${t.reasonLabel}: ${a.reason}` : null,
        a.dueDate ? `${t.dueLabel}: ${formatDay(a.dueDate, lang)}` : null,
        i < answers.length - 1 ? t.feedSuperseded : null,
      ].filter((l): l is string => l !== null);
      entries.push({
        id: `${base}/answer/${i + 1}/${Date.parse(a.answeredAt)}`,
        updated: a.answeredAt,
        title: t.feedAnswerTitle(r.title, t.statuses[a.status]),
        content: lines.join('\n\n') || t.statuses[a.status],
        anchor,
      });
    });
    r.response.progress.forEach((p, i) => {
      entries.push({ id: `${base}/progress/${i + 1}/${Date.parse(p.at)}`, updated: p.at, title: t.feedProgressTitle(r.title), content: p.text, anchor });
    });
  }
  // Newest first; for one moment, the later-logged first (answers precede their own progress).
  const ordered = entries.map((e, i) => ({ e, i })).sort((a, b) => Date.parse(b.e.updated) - Date.parse(a.e.updated) || b.i - a.i);
  const updated = ordered[0]?.e.updated ?? doc.generatedAt;
  const x = escapeXml;
  const body = ordered
    .map(
      ({ e }) => `  <entry>
    <id>${x(e.id)}</id>
    <title type="text">${x(e.title)}</title>
    <updated>${x(e.updated)}</updated>
    <link rel="alternate" type="text/html" href="${x(`${pageUrl}#${e.anchor}`)}"/>
    <content type="text">${x(e.content)}</content>
  </entry>
`,
    )
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${lang}">
  <id>${x(tag)}</id>
  <title type="text">${x(t.feedTitle(o.session.title))}</title>
  <subtitle type="text">${x(t.feedSubtitle)}</subtitle>
  <updated>${x(updated)}</updated>
  <link rel="self" type="application/atom+xml" href="${x(feedUrl)}"/>
  <link rel="alternate" type="text/html" href="${x(pageUrl)}"/>
  <author><name>${x(t.feedAuthor)}</name></author>
${body}</feed>
`;
}
