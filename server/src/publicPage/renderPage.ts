import { AGREEMENT_LEVELS, type OutcomeDocument } from '../../../shared/src/index.js';
import { html, trustedHtml, type SafeHtml } from './html.js';
import { PAGE_CSS } from './styles.js';
import { formatDay, formatMoment, PAGE_STRINGS, type PageLanguage, type PageStrings } from './strings.js';

type Outcome = OutcomeDocument['outcome'];
type Agreed = Outcome['recommendations']['agreed'][number];
type NotAgreed = Outcome['recommendations']['notAgreed'][number];
type Response = NonNullable<Agreed['response']>;
type Answer = Response['history'][number];

/** Everything the page links to, as absolute URLs where a reader copies them elsewhere. */
export interface PageLinks {
  /** The site's origin, for the verify command's --server. */
  origin: string;
  json: string;
  feed: string;
  key: string;
  /** This page in the other language. */
  otherLanguage: string;
}

export interface PageInput {
  doc: OutcomeDocument;
  lang: PageLanguage;
  links: PageLinks;
}

/** The anchor of one recommendation: the feed's entries link to it. */
export function recommendationAnchor(r: { roomId: string; id: string }): string {
  return `rec-${r.roomId}-${r.id}`;
}

const SHORT_HASH = 12;

/**
 * The public accountability page: the outcome as it stands, in plain HTML with no script.
 * Everything shown comes from the signed export, the overdue flags and the panel's
 * verdicts included, so the JSON twin vouches for every line. No name is printed:
 * citizens appear as counts, officials as "Official answer".
 */
export function renderPage({ doc, lang, links }: PageInput): string {
  const t = PAGE_STRINGS[lang];
  const o = doc.outcome;
  const other: PageLanguage = lang === 'en' ? 'de' : 'en';
  const rooms = new Set([...o.recommendations.agreed, ...o.recommendations.notAgreed].map((r) => r.roomId));
  const manyRooms = rooms.size > 1;
  const page = html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${o.session.title} – ${t.titleSuffix}</title>
<link rel="alternate" type="application/atom+xml" href="${links.feed}" title="${t.feed}">
<link rel="alternate" type="application/json" href="${links.json}">
<link rel="alternate" hreflang="${other}" href="${links.otherLanguage}">
<style>${trustedHtml(PAGE_CSS)}</style>
</head>
<body>
<a class="skip" href="#agreed">${t.skip}</a>
<header class="top">
<div class="wrap">
<p class="lang"><a href="${links.otherLanguage}" hreflang="${other}" lang="${other}">${t.switchLanguage}</a></p>
<p class="kicker">${t.kicker}</p>
<h1 dir="auto">${o.session.title}</h1>
<p class="question"><span class="question-label">${t.questionLabel}</span><span dir="auto">${o.session.question}</span></p>
<p class="muted">${o.session.closedAt ? t.closedOn(formatMoment(o.session.closedAt, lang)) : t.stillRunning} ${t.asOf(formatMoment(doc.generatedAt, lang))}</p>
</div>
</header>
<main class="wrap">
<nav class="toc" aria-label="${t.contents}">
<ul>
<li><a href="#participation">${t.participationHeading}</a></li>
<li><a href="#agreed">${t.agreedHeading} (${o.recommendations.agreed.length})</a></li>
<li><a href="#not-agreed">${t.notAgreedHeading} (${o.recommendations.notAgreed.length})</a></li>
<li><a href="#check">${t.checkHeading}</a></li>
<li><a href="#follow">${t.followHeading}</a></li>
</ul>
</nav>
${participation(o, t, lang)}
<section aria-labelledby="agreed">
<h2 id="agreed">${t.agreedHeading}</h2>
${
  o.recommendations.agreed.length === 0
    ? html`<p>${t.agreedNone}</p>`
    : html`<ol class="recs" aria-label="${t.agreedHeading}">${o.recommendations.agreed.map((r) => agreedItem(r, t, lang, manyRooms))}</ol>`
}
</section>
<section aria-labelledby="not-agreed">
<h2 id="not-agreed">${t.notAgreedHeading}</h2>
${
  o.recommendations.notAgreed.length === 0
    ? html`<p>${t.notAgreedNone}</p>`
    : html`<p class="muted">${t.notAgreedIntro}</p>
<ol class="recs" aria-label="${t.notAgreedHeading}">${o.recommendations.notAgreed.map((r) => notAgreedItem(r, t, manyRooms))}</ol>`
}
</section>
${check(doc, t, links)}
<section class="follow" aria-labelledby="follow">
<h2 id="follow">${t.followHeading}</h2>
<p>${t.followIntro}</p>
<ul>
<li><a href="${links.feed}" type="application/atom+xml">${t.feed}</a></li>
<li><a href="${links.json}" type="application/json">${t.signedJson}</a></li>
</ul>
</section>
<footer>${t.kicker} · ${t.asOf(formatMoment(doc.generatedAt, lang))}</footer>
</main>
</body>
</html>
`;
  return page.value;
}

function participation(o: Outcome, t: PageStrings, _lang: PageLanguage): SafeHtml {
  const p = o.participation;
  return html`<section aria-labelledby="participation">
<h2 id="participation">${t.participationHeading}</h2>
<p class="muted">${t.participationIntro}</p>
<dl class="figures">
<dt>${t.citizens}</dt><dd>${p.citizens}</dd>
<dt>${t.spoke}</dt><dd>${t.spokeValue(p.spokeAtLeastOnce, p.spokeAtLeastOnceShare)}</dd>
<dt>${t.turns}</dt><dd>${p.turns}</dd>
<dt>${t.speakingTime}</dt><dd>${t.minutes(p.totalSpeakingSeconds)}</dd>
<dt>${t.gini}</dt><dd>${t.decimal(p.giniSpeakingTime)}</dd>
<dd class="wide muted">${t.giniValue(p.giniSpeakingTime)}</dd>
</dl>
</section>`;
}

/** Body text keeps its line breaks: each line is its own paragraph. */
function paragraphs(text: string): SafeHtml {
  return html`${text
    .split(/\n+/)
    .filter((line) => line.trim())
    .map((line) => html`<p dir="auto">${line}</p>`)}`;
}

function recommendationText(r: Agreed | NotAgreed, t: PageStrings, manyRooms: boolean): SafeHtml {
  return html`<h3 dir="auto">${r.title}</h3>
${manyRooms ? html`<p class="muted">${t.room(r.roomName)}</p>` : null}
<div class="rec-text">${paragraphs(r.body)}</div>
${r.rationale.trim() ? html`<h4>${t.rationale}</h4><div class="rec-text">${paragraphs(r.rationale)}</div>` : null}`;
}

function support(r: Agreed | NotAgreed, t: PageStrings): SafeHtml {
  const s = r.support;
  return html`<h4>${t.supportHeading}</h4>
<p>${t.support(s.supportShare, s.total)} ${t.blocks(s.blocks)}</p>
<ul class="counts" aria-label="${t.countsLabel}">${AGREEMENT_LEVELS.map((l) => html`<li>${t.levels[l]}: ${s.counts[l]}</li>`)}</ul>
<p class="muted">${t.rule(r.rule)}</p>
${
  r.minorityNotes.length > 0
    ? html`<h4>${t.minorityHeading}</h4>
<ul class="notes">${r.minorityNotes.map((n) => html`<li><strong>${t.levels[n.level]}:</strong> <span dir="auto">${n.reason}</span></li>`)}</ul>`
    : null
}`;
}

function fingerprint(hash: string, t: PageStrings): SafeHtml {
  return html`<p class="fingerprint">${t.fingerprint}: <code>${hash.slice(0, SHORT_HASH)}…</code></p>
<details class="screen-only"><summary>${t.fingerprintFull}</summary><p><code class="hash">${hash}</code></p><p class="muted">${t.fingerprintHelp}</p></details>
<p class="print-only"><code class="hash">${hash}</code></p>`;
}

function agreedItem(r: Agreed, t: PageStrings, lang: PageLanguage, manyRooms: boolean): SafeHtml {
  return html`<li class="rec" id="${recommendationAnchor(r)}">
<article>
${recommendationText(r, t, manyRooms)}
${support(r, t)}
${fingerprint(r.textHash, t)}
${answer(r.response, t, lang)}
</article>
</li>`;
}

function answerFields(a: Answer, t: PageStrings, lang: PageLanguage): SafeHtml {
  return html`<dl>
<dt>${t.statusLabel}</dt><dd><span class="badge status-${a.status}">${t.statuses[a.status]}</span></dd>
${a.reason ? html`<dt>${t.reasonLabel}</dt><dd dir="auto">${a.reason}</dd>` : null}
${a.dueDate ? html`<dt>${t.dueLabel}</dt><dd>${formatDay(a.dueDate, lang)}</dd>` : null}
</dl>`;
}

function answer(response: Response | null, t: PageStrings, lang: PageLanguage): SafeHtml {
  if (!response) {
    return html`<section class="answer"><h4>${t.answerHeading}</h4><p>${t.noAnswer}</p></section>`;
  }
  const overdue = response.overdue;
  return html`<section class="answer">
<h4>${t.answerHeading}${overdue ? html` <span class="badge overdue">${t.overdue}</span>` : null}</h4>
${answerFields(response, t, lang)}
${overdue ? html`<p><strong>${t.overdueText(formatDay(overdue.dueDate, lang))}</strong></p>` : null}
<p class="muted">${t.answeredOn(formatMoment(response.answeredAt, lang))}</p>
<h4>${t.panelHeading}</h4>
<p data-panel-total="${String(response.panel.total)}">${t.panelCounts(response.panel.counts, response.panel.total)}</p>
<h4>${t.progressHeading}</h4>
${
  response.progress.length === 0
    ? html`<p class="muted">${t.progressNone}</p>`
    : html`<ol class="progress">${[...response.progress]
        .reverse()
        .map((p) => html`<li><time datetime="${p.at}">${formatMoment(p.at, lang)}</time><p dir="auto">${p.text}</p></li>`)}</ol>`
}
${
  response.history.length > 0
    ? html`<h4>${t.historyHeading(response.history.length)}</h4>
<ol class="history">${[...response.history]
        .reverse()
        .map((h) => html`<li><time datetime="${h.answeredAt}">${t.historyItem(formatMoment(h.answeredAt, lang))}</time>${answerFields(h, t, lang)}</li>`)}</ol>`
    : null
}
</section>`;
}

function notAgreedItem(r: NotAgreed, t: PageStrings, manyRooms: boolean): SafeHtml {
  return html`<li class="rec" id="${recommendationAnchor(r)}">
<article>
${recommendationText(r, t, manyRooms)}
<h4>${t.whyNotAgreed}</h4>
<p>${r.textChanged ? t.textChanged : t.notEnoughSupport}</p>
${support(r, t)}
${fingerprint(r.textHash, t)}
</article>
</li>`;
}

function check(doc: OutcomeDocument, t: PageStrings, links: PageLinks): SafeHtml {
  const command = `npx townhall verify townhall-${doc.log.sessionId}-${doc.log.seq}-outcome.json --server ${links.origin}`;
  return html`<section class="check" aria-labelledby="check">
<h2 id="check">${t.checkHeading}</h2>
<p>${t.checkIntro}</p>
<dl>
<dt>${t.keyId}</dt><dd><code>${doc.signature.keyId}</code> (Ed25519)</dd>
<dt>${t.publicKey}</dt><dd><code class="hash">${doc.signature.publicKey}</code></dd>
<dt>${t.logHead}</dt><dd>${t.logHeadValue(doc.log.seq)} <code class="hash">${doc.log.head}</code></dd>
<dt>${t.signedJson}</dt><dd><a href="${links.json}">${links.json}</a></dd>
<dt>${t.serverKey}</dt><dd><a href="${links.key}">${links.key}</a></dd>
</dl>
<h3>${t.command}</h3>
<pre class="command"><code>${command}</code></pre>
<p class="muted">${t.commandNote}</p>
</section>`;
}
