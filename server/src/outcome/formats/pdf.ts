import type { OutcomeDocument } from '../../../../shared/src/index.js';
import { agendaSection } from './pdf/agenda.js';
import { agreedRecommendationsSection } from './pdf/agreedRecommendations.js';
import { broughtBackSection } from './pdf/broughtBack.js';
import { newPdfDocument } from './pdf/document.js';
import { integritySection } from './pdf/integrity.js';
import { Layout, type PageNumbers } from './pdf/layout.js';
import { notAgreedRecommendationsSection } from './pdf/notAgreedRecommendations.js';
import { pageFooters } from './pdf/pageFooters.js';
import { participationSection } from './pdf/participation.js';
import { questionsSection } from './pdf/questions.js';
import { roomsSection } from './pdf/rooms.js';
import { roundsSection } from './pdf/rounds.js';
import { sessionSection } from './pdf/session.js';
import { summaryPage } from './pdf/summary.js';

/**
 * The outcome as a printable brief for officials: A4, DejaVu Sans embedded so any
 * reader shows the same glyphs. The JSON export stays the authoritative record; this
 * is a faithful rendering of it in which every piece of user text is drawn visibly
 * (deceptive code points and characters the font lacks appear as [U+XXXX]).
 */

/** One complete layout of the brief; `knownPages` are where the previous pass put each destination. */
function layOut(d: OutcomeDocument, knownPages: PageNumbers): Layout {
  const o = d.outcome;
  const layout = new Layout(newPdfDocument(d), knownPages);
  summaryPage(layout, d);
  layout.doc.addPage();
  sessionSection(layout, o.session);
  agreedRecommendationsSection(layout, o.recommendations.agreed);
  notAgreedRecommendationsSection(layout, o.recommendations.notAgreed);
  roundsSection(layout, o);
  agendaSection(layout, o.agenda);
  participationSection(layout, o.participation, o.transcript?.segments.length ?? 0);
  questionsSection(layout, o.questions, o.rooms);
  roomsSection(layout, o);
  broughtBackSection(layout, o.broughtBack);
  integritySection(layout, d);
  pageFooters(layout, o.session.title);
  return layout;
}

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

function samePages(a: PageNumbers, b: PageNumbers): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

export async function renderPdf(doc: OutcomeDocument): Promise<Buffer> {
  // The summary cites page numbers that are known only once the later pages are laid out;
  // lay out again with them until they stop moving (in practice the second pass).
  let layout = layOut(doc, new Map());
  for (let pass = 1; pass < 3; pass++) {
    const pages = layout.anchors;
    layout = layOut(doc, pages);
    if (samePages(layout.anchors, pages)) break;
  }
  return collect(layout.doc);
}
