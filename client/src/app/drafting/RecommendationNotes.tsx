import { diffWords } from 'diff';
import { useCallback, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { plainPersonName } from '../i18n';
import * as Y from 'yjs';
import { DOC, TEXT_FIELDS, type TextField } from '../../../../shared/src/draftDoc.js';
import type { RoomView } from '../../../../shared/src/index.js';
import { useSession } from '../session/context';
import { useDocValue } from './useDocValue';

/** A selection in one field of a recommendation, in the field's own character offsets. */
export interface FieldSelection {
  field: TextField;
  from: number;
  to: number;
}

interface CommentNote {
  id: string;
  field: TextField;
  text: string;
  authorId: string;
  createdAt: number;
  /** The words the comment is anchored to, as they read now; null when they were deleted. */
  quote: string | null;
}

interface AmendmentNote {
  id: string;
  field: TextField;
  text: string;
  rationale: string;
  authorId: string;
  createdAt: number;
  /** The field as it reads now: what the proposal is shown against. */
  current: string;
}

interface Notes {
  comments: CommentNote[];
  amendments: AmendmentNote[];
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const isField = (v: unknown): v is TextField => TEXT_FIELDS.includes(v as TextField);

/** Where a relative position points in a field now, or null if the text it was in is gone. */
function indexIn(doc: Y.Doc, text: Y.Text, encoded: unknown): number | null {
  if (!(encoded instanceof Uint8Array)) return null;
  try {
    const abs = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(encoded), doc);
    return abs && abs.type === text ? abs.index : null;
  } catch {
    // Anyone can write the comments map; a position that does not decode anchors nothing.
    return null;
  }
}

function readNotes(doc: Y.Doc, rec: Y.Map<unknown>, recommendationId: string): Notes {
  const comments: CommentNote[] = [];
  doc.getMap<unknown>(DOC.comments).forEach((value, id) => {
    if (!(value instanceof Y.Map) || value.get('recommendationId') !== recommendationId || value.get('resolved') === true) return;
    const field = value.get('field');
    const text = rec.get(String(field));
    if (!isField(field) || !(text instanceof Y.Text)) return;
    const start = indexIn(doc, text, value.get('start'));
    const end = indexIn(doc, text, value.get('end'));
    const quote = start !== null && end !== null && end > start ? text.toString().slice(start, end) : null;
    comments.push({ id, field, text: str(value.get('text')), authorId: str(value.get('authorId')), createdAt: num(value.get('createdAt')), quote });
  });
  const amendments: AmendmentNote[] = [];
  doc.getMap<unknown>(DOC.amendments).forEach((value, id) => {
    if (!(value instanceof Y.Map) || value.get('recommendationId') !== recommendationId || value.get('status') !== 'open') return;
    const field = value.get('field');
    const text = rec.get(String(field));
    if (!isField(field) || !(text instanceof Y.Text)) return;
    amendments.push({
      id,
      field,
      text: str(value.get('text')),
      rationale: str(value.get('rationale')),
      authorId: str(value.get('authorId')),
      createdAt: num(value.get('createdAt')),
      current: text.toString(),
    });
  });
  const byTime = <T extends { createdAt: number; id: string }>(a: T, b: T) => a.createdAt - b.createdAt || a.id.localeCompare(b.id);
  return { comments: comments.sort(byTime), amendments: amendments.sort(byTime) };
}

/** The comments and open amendments of one recommendation, as the document reads now. */
function useNotes(doc: Y.Doc, rec: Y.Map<unknown>, recommendationId: string): Notes {
  return useDocValue(
    doc,
    useCallback(() => readNotes(doc, rec, recommendationId), [doc, rec, recommendationId]),
  );
}

const noteId = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 18)}`;

/** A comment or amendment as the document layout has it: a Y.Map under its id, which it also carries, in one transaction. */
function addNote(doc: Y.Doc, map: string, id: string, fields: Record<string, unknown>): void {
  doc.transact(() => {
    const note = new Y.Map<unknown>();
    for (const [k, v] of Object.entries({ id, ...fields })) note.set(k, v);
    doc.getMap(map).set(id, note);
  });
}

/**
 * Comments anchored to words, and proposed changes shown as a difference, for one
 * recommendation (the document layout in shared/src/draftDoc.ts). Writing them is an
 * edit of the shared document like any other; deciding an amendment is the
 * facilitator's command, and the server applies an accepted one.
 */
export function RecommendationNotes(props: {
  doc: Y.Doc;
  rec: Y.Map<unknown>;
  recommendationId: string;
  title: string;
  room: RoomView;
  selection: FieldSelection | null;
  /** Why this person cannot write the document (role, closed session…); null if they can. */
  readOnlyWhy: string | null;
  /** The text is agreed or under vote: proposals wait, comments are still welcome. */
  textFixed: boolean;
}) {
  const { t } = useTranslation();
  const { snapshot, run } = useSession();
  const me = snapshot.me!;
  const notes = useNotes(props.doc, props.rec, props.recommendationId);
  const [commenting, setCommenting] = useState<FieldSelection | null>(null);
  const [comment, setComment] = useState('');
  const [proposing, setProposing] = useState<TextField | null>(null);
  const [proposal, setProposal] = useState({ text: '', rationale: '' });
  const [said, setSaid] = useState('');
  const base = `notes-${props.recommendationId}`;
  const nameOf = (id: string) => {
    if (id === me.participantId) return t('notes.you');
    const listed = snapshot.view!.participants?.find((p) => p.participantId === id)?.displayName;
    return listed === undefined ? t('notes.someone') : plainPersonName(listed);
  };
  const fieldName = (f: TextField) => t(`drafting.fields.${f}`);
  const canWrite = props.readOnlyWhy === null;
  const selected = props.selection && props.selection.to > props.selection.from ? props.selection : null;

  const addComment = (e: FormEvent) => {
    e.preventDefault();
    const at = commenting;
    const text = comment.trim();
    const field = at ? (props.rec.get(at.field) as Y.Text | undefined) : undefined;
    if (!at || !text || !(field instanceof Y.Text)) return;
    addNote(props.doc, DOC.comments, noteId('comment'), {
      recommendationId: props.recommendationId,
      field: at.field,
      // Anchored to the characters, not offsets: the comment stays on its words as the text around them changes.
      start: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(field, at.from)),
      end: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(field, at.to, -1)),
      text,
      authorId: me.participantId,
      createdAt: Date.now(),
      resolved: false,
    });
    setCommenting(null);
    setComment('');
    setSaid(t('notes.commentAdded'));
  };

  const propose = (e: FormEvent) => {
    e.preventDefault();
    if (!proposing || !proposal.text.trim()) return;
    addNote(props.doc, DOC.amendments, noteId('amend'), {
      recommendationId: props.recommendationId,
      field: proposing,
      text: proposal.text,
      rationale: proposal.rationale.trim(),
      authorId: me.participantId,
      createdAt: Date.now(),
      status: 'open',
    });
    setProposing(null);
    setSaid(t('notes.amendmentAdded'));
  };

  const decide = (amendmentId: string, decision: 'accepted' | 'rejected') =>
    void run('amendment.decide', { roomId: props.room.id, amendmentId, decision }).then((ack) => {
      if (ack?.ok) setSaid(decision === 'accepted' ? t('notes.accepted') : t('notes.rejected'));
    });

  return (
    <div className="notes" data-testid="notes">
      {/* Polite, and only what this person did or how many notes there are: never every keystroke. */}
      <p role="status" className="muted" data-testid="notes-status">
        {said || t('notes.counts', { comments: notes.comments.length, amendments: notes.amendments.length })}
      </p>
      {canWrite && (
        <div className="controls">
          <button
            type="button"
            disabled={!selected}
            title={selected ? undefined : t('notes.selectFirst')}
            onClick={() => {
              setCommenting(selected);
              setSaid('');
            }}
          >
            {t('notes.commentOnSelection')}
          </button>
          {!props.textFixed && !proposing && (
            <button
              type="button"
              onClick={() => {
                setProposing('body');
                setProposal({ text: String(props.rec.get('body') ?? ''), rationale: '' });
                setSaid('');
              }}
            >
              {t('notes.propose', { title: props.title })}
            </button>
          )}
        </div>
      )}
      {commenting && (
        <form className="note-form" onSubmit={addComment} aria-labelledby={`${base}-comment-legend`}>
          <p id={`${base}-comment-legend`}>
            {t('notes.commentingOn')} <q data-testid="comment-quote">{String(props.rec.get(commenting.field) ?? '').slice(commenting.from, commenting.to)}</q>
          </p>
          <label htmlFor={`${base}-comment`}>{t('notes.comment')}</label>
          <textarea
            id={`${base}-comment`}
            rows={2}
            maxLength={1000}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            // biome-ignore lint/a11y/noAutofocus: the form appears because the person just asked to comment; the focus goes where they are about to type.
            autoFocus
          />
          <div className="controls">
            <button type="submit" className="primary" disabled={!comment.trim()}>
              {t('notes.addComment')}
            </button>
            <button type="button" onClick={() => setCommenting(null)}>
              {t('notes.cancel')}
            </button>
          </div>
        </form>
      )}
      {proposing && (
        <form className="note-form" onSubmit={propose}>
          <label htmlFor={`${base}-proposal-field`}>{t('notes.proposalField')}</label>{' '}
          <select
            id={`${base}-proposal-field`}
            value={proposing}
            onChange={(e) => {
              const f = e.target.value as TextField;
              setProposing(f);
              setProposal({ ...proposal, text: String(props.rec.get(f) ?? '') });
            }}
          >
            {TEXT_FIELDS.map((f) => (
              <option key={f} value={f}>
                {fieldName(f)}
              </option>
            ))}
          </select>
          <label htmlFor={`${base}-proposal`}>{t('notes.proposalLabel', { field: fieldName(proposing) })}</label>
          <textarea
            id={`${base}-proposal`}
            rows={3}
            maxLength={4000}
            value={proposal.text}
            onChange={(e) => setProposal({ ...proposal, text: e.target.value })}
            // biome-ignore lint/a11y/noAutofocus: the form appears because the person just asked to propose a change; the focus goes where they are about to type.
            autoFocus
          />
          <label htmlFor={`${base}-proposal-why`}>{t('notes.proposalWhy')}</label>
          <textarea
            id={`${base}-proposal-why`}
            rows={2}
            maxLength={1000}
            value={proposal.rationale}
            onChange={(e) => setProposal({ ...proposal, rationale: e.target.value })}
          />
          <div className="controls">
            <button type="submit" className="primary" disabled={!proposal.text.trim()}>
              {t('notes.submitProposal')}
            </button>
            <button type="button" onClick={() => setProposing(null)}>
              {t('notes.cancel')}
            </button>
          </div>
        </form>
      )}
      {notes.comments.length > 0 && (
        <>
          <h4 className="notes-heading">{t('notes.comments')}</h4>
          <ul className="comment-list" data-testid="comments">
            {notes.comments.map((c) => (
              <li key={c.id} data-testid="comment">
                <span className="muted">{t('notes.on', { field: fieldName(c.field) })}</span>{' '}
                {c.quote !== null ? <q className="anchored">{c.quote}</q> : <em className="muted">{t('notes.wordsRemoved')}</em>}
                <p className="note-text">{c.text}</p>
                <span className="muted small">{nameOf(c.authorId)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {notes.amendments.length > 0 && (
        <>
          <h4 className="notes-heading">{t('notes.amendments')}</h4>
          <ul className="amendment-list" data-testid="amendments">
            {notes.amendments.map((a) => (
              <li key={a.id} data-testid="amendment">
                <p className="muted">{t('notes.proposedBy', { field: fieldName(a.field), name: nameOf(a.authorId) })}</p>
                <p className="diff" data-testid="amendment-diff">
                  {diffWords(a.current, a.text).map((part, i) =>
                    part.added ? (
                      // biome-ignore lint/suspicious/noArrayIndexKey: the parts of a word diff have no identity beyond their position; the list is recomputed whole.
                      <ins key={i}>
                        <span className="sr-only">{t('notes.added')} </span>
                        {part.value}
                      </ins>
                    ) : part.removed ? (
                      // biome-ignore lint/suspicious/noArrayIndexKey: the parts of a word diff have no identity beyond their position; the list is recomputed whole.
                      <del key={i}>
                        <span className="sr-only">{t('notes.removed')} </span>
                        {part.value}
                      </del>
                    ) : (
                      // biome-ignore lint/suspicious/noArrayIndexKey: the parts of a word diff have no identity beyond their position; the list is recomputed whole.
                      <span key={i}>{part.value}</span>
                    ),
                  )}
                </p>
                {a.rationale && <p className="note-text">{t('notes.because', { why: a.rationale })}</p>}
                {me.role === 'facilitator' && (
                  <div className="controls">
                    <button type="button" className="primary" disabled={props.textFixed} onClick={() => decide(a.id, 'accepted')}>
                      {t('notes.accept', { field: fieldName(a.field) })}
                    </button>
                    <button type="button" onClick={() => decide(a.id, 'rejected')}>
                      {t('notes.reject', { field: fieldName(a.field) })}
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
