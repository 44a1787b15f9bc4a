import * as Y from 'yjs';
import { isValidId } from './ids.js';

/**
 * The drafting document: one Y.Doc per room. This layout is a contract — the
 * browser editor writes it, the server enforces locks on it, and the outcome
 * export reads it.
 *
 *   doc.getArray('recommendations') : Y.Array<Y.Map>, in display order, each with
 *       id        string   stable, client-generated (idSchema), never reused
 *       title     Y.Text
 *       body      Y.Text
 *       rationale Y.Text
 *   doc.getMap('comments')    : id → Y.Map { id, recommendationId, field, start, end, text, authorId, createdAt, resolved }
 *       start/end are Y.RelativePosition encoded with Y.encodeRelativePosition (Uint8Array), anchored in `field`'s Y.Text
 *   doc.getMap('amendments')  : id → Y.Map { id, recommendationId, field, text, rationale, authorId, createdAt, status }
 *       text is the proposed replacement for the whole field. Deciding is a session event
 *       (amendment.decided): the log is the authority on the decision, and the server then applies
 *       the text and mirrors the decision into status ('open' | 'accepted' | 'rejected')
 *
 * Y.Text was chosen over a ProseMirror XmlFragment because the text that is
 * voted on, hashed and locked must be exact plain text; any Y.Text binding
 * (CodeMirror via y-codemirror.next, Quill, a textarea) edits it.
 */
export const DOC = {
  recommendations: 'recommendations',
  comments: 'comments',
  amendments: 'amendments',
  /** Written by the server only: recommendation id → where a copy brought from a breakout room came from. */
  provenance: 'provenance',
} as const;

export const TEXT_FIELDS = ['title', 'body', 'rationale'] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

export interface RecommendationText {
  id: string;
  title: string;
  body: string;
  rationale: string;
}

export interface AmendmentData {
  id: string;
  recommendationId: string;
  field: TextField;
  text: string;
  rationale: string;
  authorId: string;
  status: 'open' | 'accepted' | 'rejected';
}

/** The text of each well-formed recommendation, in order. Malformed entries (anyone can write the doc) are skipped. */
export function readRecommendations(doc: Y.Doc): RecommendationText[] {
  const out: RecommendationText[] = [];
  const seen = new Set<string>();
  for (const item of doc.getArray<unknown>(DOC.recommendations).toArray()) {
    if (!(item instanceof Y.Map)) continue;
    const id = item.get('id');
    if (!isValidId(id) || seen.has(id)) continue;
    const fields = TEXT_FIELDS.map((f) => item.get(f));
    if (!fields.every((f) => f instanceof Y.Text)) continue;
    seen.add(id);
    // Never truncated: a lock's hash must cover every character, or edits past the cut would slip through.
    const [title, body, rationale] = fields.map((f) => (f as Y.Text).toString()) as [string, string, string];
    out.push({ id, title, body, rationale });
  }
  return out;
}

export function readAmendments(doc: Y.Doc): AmendmentData[] {
  const out: AmendmentData[] = [];
  doc.getMap<unknown>(DOC.amendments).forEach((value, key) => {
    if (!(value instanceof Y.Map) || !isValidId(key)) return;
    const a = Object.fromEntries(['recommendationId', 'field', 'text', 'rationale', 'authorId', 'status'].map((k) => [k, value.get(k)]));
    if (typeof a.recommendationId !== 'string' || !TEXT_FIELDS.includes(a.field as TextField) || typeof a.text !== 'string') return;
    out.push({
      id: key,
      recommendationId: a.recommendationId,
      field: a.field as TextField,
      text: a.text,
      rationale: typeof a.rationale === 'string' ? a.rationale : '',
      authorId: typeof a.authorId === 'string' ? a.authorId : '',
      status: a.status === 'accepted' || a.status === 'rejected' ? a.status : 'open',
    });
  });
  return out;
}

/**
 * Recommendation and amendment ids are chosen by clients, per room document, so two
 * rooms may use the same one. Session state keys them by room as well.
 */
export function roomScoped(roomId: string, id: string): string {
  return `${roomId}/${id}`;
}

/** Find a recommendation's Y.Map by id. */
export function findRecommendation(doc: Y.Doc, id: string): Y.Map<unknown> | null {
  for (const item of doc.getArray<unknown>(DOC.recommendations).toArray()) {
    if (item instanceof Y.Map && item.get('id') === id) return item as Y.Map<unknown>;
  }
  return null;
}

/** Create a recommendation in the shape above (used by clients, tests and seeds). */
export function addRecommendation(doc: Y.Doc, rec: RecommendationText): void {
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    map.set('id', rec.id);
    for (const f of TEXT_FIELDS) map.set(f, new Y.Text(rec[f]));
    doc.getArray(DOC.recommendations).push([map]);
  });
}

/**
 * The exact bytes that are hashed when a text is put to the vote or locked:
 * a fixed JSON layout, so anyone can recompute the hash from an export.
 */
export function canonicalRecommendation(rec: RecommendationText): string {
  return JSON.stringify({ id: rec.id, title: rec.title, body: rec.body, rationale: rec.rationale });
}
