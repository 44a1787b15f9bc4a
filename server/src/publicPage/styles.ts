import { createHash } from 'node:crypto';

/**
 * The public page's only styles, inlined so the page is one request that prints and
 * saves whole; the Content-Security-Policy allows exactly this text by its hash.
 * Contrast is at least 4.5:1 everywhere (WCAG AA); long words and hashes wrap so a
 * 390-pixel phone never scrolls sideways.
 */
export const PAGE_CSS = `
:root { color-scheme: light; --ink: #1b1e23; --muted: #4a5260; --line: #d5d9e0; --soft: #f3f5f8; --accent: #0b5cad; --ok: #1d6b34; --warn: #8a3b00; --bad: #a1262d; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; overflow-wrap: anywhere; }
a { color: var(--accent); }
a:focus-visible, summary:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: .5rem 1rem; }
.skip:focus { left: .5rem; }
.wrap { max-width: 50rem; margin: 0 auto; padding: 0 1rem; }
header.top { background: var(--soft); border-bottom: 1px solid var(--line); padding: 1rem 0 1.25rem; }
.lang { float: right; margin: 0 0 .5rem 1rem; font-size: .95rem; }
.kicker { margin: 0; color: var(--muted); font-size: .95rem; }
h1 { font-size: 1.8rem; line-height: 1.2; margin: .25rem 0 .75rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 .75rem; padding-top: .5rem; border-top: 2px solid var(--ink); }
h3 { font-size: 1.15rem; margin: 0 0 .5rem; }
h4 { font-size: 1rem; margin: 1rem 0 .25rem; }
.question { font-size: 1.1rem; margin: .25rem 0; }
.question-label { display: block; color: var(--muted); font-size: .95rem; }
.muted { color: var(--muted); }
.toc { margin-top: 1rem; }
.toc ul { padding-left: 1.25rem; margin: .25rem 0; }
dl.figures { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: .25rem 1rem; margin: 0; }
dl.figures dt { color: var(--muted); }
dl.figures dd { margin: 0; font-weight: 600; text-align: right; }
dl.figures dd.wide { grid-column: 1 / -1; text-align: left; font-weight: 400; }
.recs { list-style: none; padding: 0; margin: 0; }
.rec { border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: 0 0 1.25rem; }
.rec-text p { margin: .25rem 0; white-space: pre-line; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 4px; font-size: .9rem; font-weight: 600; border: 1px solid currentColor; }
.status-accepted { color: var(--ok); }
.status-partially-accepted { color: var(--warn); }
.status-rejected { color: var(--bad); }
.status-under-consideration { color: var(--muted); }
.overdue { color: #fff; background: var(--bad); border-color: var(--bad); }
.counts { display: flex; flex-wrap: wrap; gap: .25rem .5rem; list-style: none; padding: 0; margin: .25rem 0; font-size: .95rem; }
.counts li { background: var(--soft); border-radius: 4px; padding: 0 .4rem; }
.notes { padding-left: 1.25rem; margin: .25rem 0; }
.answer { margin-top: 1rem; padding: .75rem 1rem; background: var(--soft); border-left: 4px solid var(--accent); }
.answer h4:first-child { margin-top: 0; }
.answer dl { margin: .25rem 0; }
.answer dt { font-weight: 600; }
.answer dd { margin: 0 0 .35rem; white-space: pre-line; }
.progress { list-style: none; padding: 0; margin: .25rem 0; }
.progress li { border-top: 1px solid var(--line); padding: .35rem 0; }
.progress time, .history time { display: block; color: var(--muted); font-size: .9rem; }
.progress p { margin: 0; white-space: pre-line; }
details { margin: .5rem 0; }
summary { cursor: pointer; color: var(--accent); }
code, .hash { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9rem; overflow-wrap: anywhere; word-break: break-all; }
.fingerprint { font-size: .95rem; margin: .75rem 0 0; }
pre.command { background: var(--ink); color: #fff; padding: .75rem; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
pre.command code { font-size: .95rem; }
.check dd { margin: 0 0 .5rem; }
.check dt { font-weight: 600; }
.print-only { display: none; }
.history { list-style: none; padding: 0; margin: .25rem 0; }
.history li { border-top: 1px solid var(--line); padding: .35rem 0; }
.history dl { margin: 0; }
footer { margin: 2.5rem 0 1.5rem; padding-top: 1rem; border-top: 1px solid var(--line); color: var(--muted); font-size: .9rem; }
@media (max-width: 30rem) {
  h1 { font-size: 1.45rem; }
  .lang { float: none; margin: 0 0 .5rem; }
  dl.figures { grid-template-columns: 1fr; }
  dl.figures dd { text-align: left; margin-bottom: .35rem; }
}
@media print {
  body { font-size: 11pt; }
  header.top { background: none; border: 0; padding: 0; }
  .lang, .skip, .toc, .follow { display: none; }
  .wrap { max-width: none; padding: 0; }
  dl.figures { max-width: 40rem; }
  .rec, .answer, .check dl, pre.command { break-inside: avoid; page-break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  .answer { background: none; }
  .overdue { color: var(--bad); background: none; }
  .screen-only { display: none; }
  .print-only { display: block; }
  pre.command { background: none; color: var(--ink); border: 1px solid var(--ink); }
  /* The links a reader of the printout needs (the JSON, the key) already show their address as their text. */
  a { color: var(--ink); }
}
`;

/** The CSP source that admits exactly PAGE_CSS and no other inline style. */
export const PAGE_CSS_HASH = `'sha256-${createHash('sha256').update(PAGE_CSS).digest('base64')}'`;
