import { useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParticipantStatsView } from '../../../../shared/src/index.js';
import { personName, plainPersonName } from '../i18n';
import { useAction, useSession } from '../session/context';
import { matchesQuery } from './searchText';
import { VirtualList } from './VirtualList';

/**
 * Facilitator: create breakout rooms, shuffle citizens into them, recall everyone, and
 * move any number of citizens at once: find them by name or by the room they are in,
 * tick them, pick a room. Rooms show head counts, not walls of names.
 */
export function BreakoutPanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const { act, disabled } = useAction();
  const [count, setCount] = useState(2);
  const rooms = view.roomDirectory;
  const breakouts = rooms.filter((r) => r.kind === 'breakout');
  const counts = (id: string) => snapshot.presence?.rooms.find((x) => x.id === id);
  return (
    <section className="panel" aria-labelledby="breakout-heading" data-testid="breakouts">
      <h2 id="breakout-heading">{t('breakouts.heading')}</h2>
      <div className="controls">
        <label htmlFor="breakout-count">{t('breakouts.count')}</label>
        <input id="breakout-count" type="number" min={1} max={200} value={count} onChange={(e) => setCount(Number(e.target.value))} className="narrow-input" />
        <button type="button" disabled={disabled || !(count >= 1 && count <= 200)} onClick={() => void act('rooms.create', { count })}>
          {t('breakouts.create')}
        </button>
      </div>
      <div className="controls">
        <button type="button" disabled={disabled || breakouts.length === 0} onClick={() => void act('rooms.shuffle', {})}>
          {t('breakouts.shuffle')}
        </button>
        <button type="button" disabled={disabled || breakouts.length === 0} onClick={() => void act('rooms.recall', {})}>
          {t('breakouts.recall')}
        </button>
      </div>
      <ul className="room-list" aria-label={t('breakouts.listLabel')} data-testid="room-list">
        {rooms.map((r) => (
          <li key={r.id}>{t('breakouts.roomCount', { name: r.name, count: counts(r.id)?.members ?? 0, online: counts(r.id)?.online ?? 0 })}</li>
        ))}
      </ul>
      <MovePeople />
    </section>
  );
}

/** Moving people between rooms: a filtered, ticked list and one "Move" for all of them. */
function MovePeople() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const { act, disabled } = useAction();
  const rooms = view.roomDirectory;
  const citizens = useMemo(() => (view.participants ?? []).filter((p) => p.role === 'citizen'), [view.participants]);
  const [query, setQuery] = useState('');
  const [from, setFrom] = useState('all');
  const [to, setTo] = useState('');
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const ids = { search: useId(), from: useId(), to: useId(), all: useId() };
  const roomName = (id: string) => rooms.find((r) => r.id === id)?.name ?? id;
  const shown = citizens.filter((c) => (from === 'all' || c.roomId === from) && matchesQuery(c.displayName, query));
  // Someone who left, or was removed, since they were ticked is not moved.
  const chosen = citizens.filter((c) => picked.has(c.participantId));
  const toId = rooms.some((r) => r.id === to) ? to : (rooms.find((r) => r.kind === 'breakout')?.id ?? rooms[0]?.id ?? '');
  const allShownPicked = shown.length > 0 && shown.every((c) => picked.has(c.participantId));
  const toggle = (id: string, on: boolean) =>
    setPicked((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const pickShown = (on: boolean) =>
    setPicked((prev) => {
      const next = new Set(prev);
      for (const c of shown) {
        if (on) next.add(c.participantId);
        else next.delete(c.participantId);
      }
      return next;
    });
  if (citizens.length === 0) return null;
  const move = async () => {
    // rooms.assign takes up to 1,000 at once; a plenary bigger than that moves in parts.
    const assignments = chosen.map((c) => ({ participantId: c.participantId, roomId: toId }));
    for (let i = 0; i < assignments.length; i += 1000) {
      const ack = await act('rooms.assign', { assignments: assignments.slice(i, i + 1000) });
      if (!ack?.ok) return;
    }
    setPicked(new Set());
  };
  return (
    <fieldset className="move-people" data-testid="move-people">
      <legend>{t('breakouts.moveHeading')}</legend>
      <div className="list-tools-row">
        <span className="inline-field">
          <label htmlFor={ids.search}>{t('breakouts.search')}</label>
          <input id={ids.search} type="search" value={query} onChange={(e) => setQuery(e.target.value)} autoComplete="off" />
        </span>
        <span className="inline-field">
          <label htmlFor={ids.from}>{t('breakouts.from')}</label>
          <select id={ids.from} value={from} onChange={(e) => setFrom(e.target.value)}>
            <option value="all">{t('breakouts.fromAll')}</option>
            {rooms.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </span>
      </div>
      <p className="hint" role="status">
        {t('breakouts.shownPicked', { shown: shown.length, count: chosen.length })}
      </p>
      {shown.length > 0 && (
        <label className="check" htmlFor={ids.all}>
          <input id={ids.all} type="checkbox" checked={allShownPicked} onChange={(e) => pickShown(e.target.checked)} />
          {t('breakouts.pickShown', { count: shown.length })}
        </label>
      )}
      <VirtualList
        className="pick-list"
        label={t('breakouts.pickListLabel')}
        testId="move-list"
        items={shown}
        keyOf={(c) => c.participantId}
        estimate={40}
        maxHeight="18rem"
        renderItem={(c) => <PickRow c={c} room={roomName(c.roomId)} picked={picked.has(c.participantId)} onToggle={toggle} />}
      />
      <div className="controls">
        <label htmlFor={ids.to}>{t('breakouts.to')}</label>
        <select id={ids.to} value={toId} onChange={(e) => setTo(e.target.value)}>
          {rooms.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
        <button type="button" className="primary" disabled={disabled || chosen.length === 0 || !toId} onClick={() => void move()}>
          {t('breakouts.moveSelected', { count: chosen.length })}
        </button>
      </div>
    </fieldset>
  );
}

function PickRow({ c, room, picked, onToggle }: { c: ParticipantStatsView; room: string; picked: boolean; onToggle: (id: string, on: boolean) => void }) {
  const id = `pick-${c.participantId}`;
  return (
    <label className="check pick-row" htmlFor={id}>
      {/* Accessible names are spoken, not laid out: no bidi isolates in them. */}
      <input
        id={id}
        type="checkbox"
        checked={picked}
        aria-label={`${plainPersonName(c.displayName)}, ${room}`}
        onChange={(e) => onToggle(c.participantId, e.target.checked)}
      />
      <span>{personName(c.displayName)}</span> <span className="hint">{room}</span>
    </label>
  );
}

/** Citizens: which room they are in; announced when it changes. */
export function MyRoom() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const me = snapshot.me!;
  const room = snapshot.view!.roomDirectory.find((r) => r.id === me.roomId);
  if (me.role !== 'citizen') return null;
  return (
    <p className="my-room callout" role="status" data-testid="my-room">
      {room?.kind === 'breakout' ? t('breakouts.inRoom', { name: room.name }) : t('breakouts.inPlenary')}
    </p>
  );
}
