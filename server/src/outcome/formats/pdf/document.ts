import PDFDocument from 'pdfkit';
import type { OutcomeDocument } from '../../../../../shared/src/index.js';
import { displayText } from '../displayText.js';
import { registerFonts } from './fonts.js';
import { MARGIN } from './theme.js';

/** An empty A4 brief for this export, its metadata set and its fonts embedded. */
export function newPdfDocument(d: OutcomeDocument): PDFKit.PDFDocument {
  const title = displayText(d.outcome.session.title);
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    autoFirstPage: true,
    displayTitle: true,
    lang: 'en',
    // The export carries no wall-clock time of its own, so neither does its rendering:
    // the same export always yields the same bytes (pdfkit derives the file ID from this too).
    info: {
      Title: `${title} — outcome brief`,
      Subject: `Outcome of the session “${displayText(d.outcome.session.question)}”`,
      Creator: 'townhall',
      Producer: 'townhall (PDFKit)',
      CreationDate: new Date(d.generatedAt),
      ModDate: new Date(d.generatedAt),
    },
  });
  registerFonts(doc);
  return doc;
}
