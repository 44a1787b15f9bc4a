import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import * as Y from 'yjs';
import { addRecommendation, DOC, TEXT_FIELDS, type TextField } from '../../../../shared/src/draftDoc.js';
import type { RoomView } from '../../../../shared/src/index.js';
import { RoundsPanel } from '../components/RoundsPanel';
import { useDraftingRoom } from '../components/DraftingPanel';
import { useSession } from '../session/context';
import { loadCredential } from '../storage';
import { plainPersonName } from '../i18n';
import { colorFor, useDraftDoc, type DraftConnection } from './useDraftDoc';
import { FieldEditor } from './FieldEditor';
import { RecommendationNotes, type FieldSelection } from './RecommendationNotes';

/**
 * The collaborative drafting area of a room, and its agreement rounds: the editor
 * (CodeMirror), the Yjs document and its WebSocket. Heavy, so it is fetched only when
 * drafting is shown (components/DraftingPanel.tsx).
 */
export function DraftingWorkspace({ withRounds }: { withRounds: boolean }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const me = snapshot.me!;
  const view = snapshot.view!;
  const { room, pick } = useDraftingRoom();
  const token = useMemo(() => loadCredential(view.sessionId)?.token ?? '', [view.sessionId]);
  const [notice, setNotice] = useState('');
  const onDenied = useCallback((reason: string) => setNotice(reason), []);
  const user = useMemo(() => ({ name: plainPersonName(me.displayName), color: colorFor(me.participantId) }), [me.displayName, me.participantId]);
  const roomId = room?.id ?? 'plenary';
  const conn = useDraftDoc({ sessionId: view.sessionId, roomId, token, user, onDenied });
  // biome-ignore lint/correctness/useExhaustiveDependencies: roomId is the trigger, not an input: a notice about one room is cleared when another is picked.
  useEffect(() => setNotice(''), [roomId]);
  if (!room) return null;

  const readOnlyWhy = view.closed
    ? t('drafting.readOnly.closedSession')
    : me.role === 'observer' || me.role === 'official'
      ? t('drafting.readOnly.role')
      : room.drafting.locked
        ? t('drafting.readOnly.locked')
        : me.role === 'citizen' && !room.drafting.open
          ? t('drafting.readOnly.closed')
          : null;

  return (
    <>
      <section className="panel drafting" aria-labelledby="drafting-heading" data-testid="drafting">
        <h2 id="drafting-heading">{t('drafting.heading', { room: room.name })}</h2>
        {me.role === 'facilitator' && <FacilitatorDraftingControls room={room} pick={pick} />}
        <p role="status" className={readOnlyWhy ? 'callout' : 'muted'} data-testid="drafting-status">
          {readOnlyWhy ?? t('drafting.editable')}
        </p>
        <div role="status" aria-live="polite" data-testid="drafting-notice">
          {notice && <p className="callout warn">{t('drafting.denied', { reason: notice })}</p>}
          {conn?.closed && <p className="callout error">{t('drafting.disconnected')}</p>}
        </div>
        {!conn?.synced ? <p className="muted">{t('drafting.loading')}</p> : <Recommendations conn={conn} room={room} readOnlyWhy={readOnlyWhy} />}
      </section>
      {withRounds && <RoundsPanel room={room} doc={conn?.synced ? conn.doc : null} />}
    </>
  );
}

function FacilitatorDraftingControls({ room, pick }: { room: RoomView; pick: (id: string) => void }) {
  const { t } = useTranslation();
  const { snapshot, run } = useSession();
  const view = snapshot.view!;
  const disabled = snapshot.status !== 'connected' || view.closed;
  return (
    <div className="controls">
      <label>
        {t('drafting.roomPick')}{' '}
        <select value={room.id} onChange={(e) => pick(e.target.value)} data-testid="drafting-room">
          {view.rooms.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" disabled={disabled} onClick={() => void run('drafting.setOpen', { roomId: room.id, open: !room.drafting.open })}>
        {room.drafting.open ? t('drafting.close') : t('drafting.open')}
      </button>
      <button type="button" disabled={disabled} onClick={() => void run('drafting.setLocked', { roomId: room.id, locked: !room.drafting.locked })}>
        {room.drafting.locked ? t('drafting.unlock') : t('drafting.lock')}
      </button>
      {room.kind === 'breakout' && (
        <button type="button" disabled={disabled} onClick={() => void run('drafting.bringBack', { roomId: room.id })}>
          {t('drafting.bringBack', { room: room.name })}
        </button>
      )}
    </div>
  );
}

interface RecEntry {
  id: string;
  map: Y.Map<unknown>;
}

/** The recommendations in the document, in order; re-read when the array changes. */
function useRecommendationList(doc: Y.Doc): RecEntry[] {
  const arr = doc.getArray<unknown>(DOC.recommendations);
  const subscribe = useCallback(
    (cb: () => void) => {
      arr.observe(cb);
      return () => arr.unobserve(cb);
    },
    [arr],
  );
  const [cache] = useState(() => ({ len: -1, items: [] as RecEntry[], ver: -1 }));
  const getSnapshot = useCallback(() => {
    const items: RecEntry[] = [];
    const seen = new Set<string>();
    for (const m of arr.toArray()) {
      if (!(m instanceof Y.Map)) continue;
      const id = m.get('id');
      if (typeof id !== 'string' || seen.has(id)) continue;
      if (!TEXT_FIELDS.every((f) => m.get(f) instanceof Y.Text)) continue;
      seen.add(id);
      items.push({ id, map: m as Y.Map<unknown> });
    }
    const same = items.length === cache.items.length && items.every((it, i) => it.map === cache.items[i]!.map);
    if (!same) cache.items = items;
    return cache.items;
  }, [arr, cache]);
  return useSyncExternalStore(subscribe, getSnapshot);
}

function Recommendations({ conn, room, readOnlyWhy }: { conn: DraftConnection; room: RoomView; readOnlyWhy: string | null }) {
  const { t } = useTranslation();
  const recs = useRecommendationList(conn.doc);
  const [focusId, setFocusId] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: recs is the trigger: the new recommendation's title exists to be focused only once the list has it.
  useEffect(() => {
    if (!focusId) return;
    const el = document.querySelector<HTMLElement>(`[data-testid="rec-${focusId}-title"]`);
    if (el) {
      el.focus();
      setFocusId(null);
    }
  }, [focusId, recs]);
  const add = () => {
    const id = `rec-${crypto.randomUUID()}`;
    addRecommendation(conn.doc, { id, title: '', body: '', rationale: '' });
    setFocusId(id);
  };
  return (
    <>
      {recs.length === 0 ? (
        <p className="muted">{t('drafting.empty')}</p>
      ) : (
        <ol className="recommendations" aria-label={t('drafting.listLabel')}>
          {recs.map((r, i) => (
            <Recommendation key={`${conn.key}/${r.id}`} entry={r} index={i + 1} conn={conn} room={room} readOnlyWhy={readOnlyWhy} />
          ))}
        </ol>
      )}
      {!readOnlyWhy && (
        <div className="controls">
          <button type="button" className="primary" onClick={add}>
            {t('drafting.add')}
          </button>
        </div>
      )}
    </>
  );
}

function Recommendation({
  entry,
  index,
  conn,
  room,
  readOnlyWhy,
}: {
  entry: RecEntry;
  index: number;
  conn: DraftConnection;
  room: RoomView;
  readOnlyWhy: string | null;
}) {
  const { t } = useTranslation();
  const [selection, setSelection] = useState<FieldSelection | null>(null);
  const lock = room.locks.find((l) => l.recommendationId === entry.id);
  const origin = room.origins.find((o) => o.recommendationId === entry.id);
  const openRound = room.rounds.find((r) => r.closedAt === null);
  // The server refuses edits to a text under vote; the editor says so before anyone tries.
  const frozen = !lock && openRound !== undefined && openRound.items.some((i) => i.recommendationId === entry.id) && !openRound.withdrawn.includes(entry.id);
  const readOnly = readOnlyWhy !== null || lock !== undefined || frozen;
  const base = `rec-${entry.id}`;
  const hintId = lock ? `${base}-locked` : frozen ? `${base}-frozen` : undefined;
  return (
    <li className={`recommendation${lock ? ' locked' : frozen ? ' frozen' : ''}`} data-rec={entry.id} data-testid="recommendation">
      <h3 id={`${base}-heading`}>
        <span id={`${base}-number`}>{t('drafting.number', { n: index })}</span>
        {lock && (
          <span className="badge agreed" data-testid="agreed-badge">
            {' '}
            {t('drafting.agreed', { hash: lock.textHash.slice(0, 12) })}
          </span>
        )}
        {origin && (
          <span className="badge" data-testid="origin-badge">
            {' '}
            {t('drafting.from', { room: origin.fromRoomName })}
          </span>
        )}
        {frozen && (
          <span className="badge under-vote" data-testid="under-vote-badge">
            {' '}
            {t('drafting.underVote')}
          </span>
        )}
      </h3>
      {lock && (
        <p className="hint" id={`${base}-locked`}>
          {t('drafting.lockedHint')}
        </p>
      )}
      {frozen && (
        <p className="hint" id={`${base}-frozen`} data-testid="frozen-hint">
          {t('drafting.frozenHint')}
        </p>
      )}
      {/* The fields are named plainly ("Title"); the group says whose they are ("Recommendation 2"), without the badges. */}
      <div role="group" aria-labelledby={`${base}-number`}>
        {TEXT_FIELDS.map((f: TextField) => (
          <div className="field" key={f}>
            <span className="field-label" id={`${base}-${f}-label`}>
              {t(`drafting.fields.${f}`)}
            </span>
            <FieldEditor
              text={entry.map.get(f) as Y.Text}
              awareness={conn.provider.awareness}
              labelId={`${base}-${f}-label`}
              describedBy={hintId}
              readOnly={readOnly}
              testId={`${base}-${f}`}
              onSelect={(from, to) => setSelection({ field: f, from, to })}
            />
          </div>
        ))}
      </div>
      <RecommendationNotes
        doc={conn.doc}
        rec={entry.map}
        recommendationId={entry.id}
        title={String(entry.map.get('title') ?? '').trim() || t('drafting.number', { n: index })}
        room={room}
        selection={selection}
        readOnlyWhy={readOnlyWhy}
        textFixed={lock !== undefined || frozen}
      />
    </li>
  );
}
