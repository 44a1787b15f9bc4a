import * as Y from 'yjs';
import { DOC, findRecommendation, TEXT_FIELDS, type RecommendationText, type TextField } from '../../../shared/src/index.js';

/*
 * The changes the server itself makes to a drafting document, each a pure edit of a
 * Y.Doc: putting back a locked text, and carrying out an amendment decision.
 */

/** Replace a Y.Text's content by editing only the part that differs, so comments anchored elsewhere keep their place. */
export function replaceText(text: Y.Text, next: string): void {
  const current = text.toString();
  if (current === next) return;
  let start = 0;
  while (start < current.length && start < next.length && current[start] === next[start]) start++;
  let end = 0;
  while (end < current.length - start && end < next.length - start && current[current.length - 1 - end] === next[next.length - 1 - end]) end++;
  text.delete(start, current.length - start - end);
  text.insert(start, next.slice(start, next.length - end));
}

/** Mirror an amendment decision into the document, applying the text if it was accepted. */
export function applyDecision(doc: Y.Doc, d: { amendmentId: string; recommendationId: string; field: TextField; decision: 'accepted' | 'rejected'; text: string }): void {
  const amendment = doc.getMap<unknown>(DOC.amendments).get(d.amendmentId);
  if (amendment instanceof Y.Map) amendment.set('status', d.decision);
  if (d.decision !== 'accepted') return;
  const text = findRecommendation(doc, d.recommendationId)?.get(d.field);
  if (text instanceof Y.Text) replaceText(text, d.text);
}

/** Make a recommendation read exactly its locked text again, re-creating it if it was deleted. */
export function restoreLocked(doc: Y.Doc, id: string, locked: RecommendationText): void {
  let rec = findRecommendation(doc, id);
  if (!rec) {
    rec = new Y.Map<unknown>();
    rec.set('id', id);
    for (const f of TEXT_FIELDS) rec.set(f, new Y.Text());
    doc.getArray(DOC.recommendations).push([rec]);
  }
  for (const f of TEXT_FIELDS) {
    const text = rec.get(f);
    if (text instanceof Y.Text) replaceText(text, locked[f]);
    else rec.set(f, new Y.Text(locked[f]));
  }
}

/**
 * Copies brought from a breakout room, each added under its new id and marked in the
 * document's provenance map. The mark is how a document loaded after a crash tells a copy
 * that was never made (made now) from one people deleted since (left deleted).
 */
export function addCopies(doc: Y.Doc, fromRoomId: string, items: readonly { sourceId: string; recommendationId: string; text: RecommendationText }[]): void {
  const provenance = doc.getMap<unknown>(DOC.provenance);
  for (const item of items) {
    if (provenance.has(item.recommendationId)) continue;
    if (!findRecommendation(doc, item.recommendationId)) restoreLocked(doc, item.recommendationId, item.text);
    provenance.set(item.recommendationId, { fromRoomId, sourceId: item.sourceId });
  }
}
