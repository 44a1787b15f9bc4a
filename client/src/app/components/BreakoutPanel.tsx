import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isolate } from '../i18n';
import { useAction, useSession } from '../session/context';

/** Facilitator: create breakout rooms, shuffle citizens into them, move one, recall everyone. */
export function BreakoutPanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const { act, disabled } = useAction();
  const [count, setCount] = useState(2);
  const citizens = (view.participants ?? []).filter((p) => p.role === 'citizen');
  const rooms = view.roomDirectory;
  const breakouts = rooms.filter((r) => r.kind === 'breakout');
  const [who, setWho] = useState('');
  const [where, setWhere] = useState('');
  const whoId = citizens.some((c) => c.participantId === who) ? who : (citizens[0]?.participantId ?? '');
  const whereId = rooms.some((r) => r.id === where) ? where : (rooms[0]?.id ?? '');
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
      {citizens.length > 0 && (
        <div className="controls">
          <label htmlFor="assign-who">{t('breakouts.who')}</label>
          <select id="assign-who" value={whoId} onChange={(e) => setWho(e.target.value)}>
            {citizens.map((c) => (
              <option key={c.participantId} value={c.participantId}>
                {c.displayName}
              </option>
            ))}
          </select>
          <label htmlFor="assign-where">{t('breakouts.where')}</label>
          <select id="assign-where" value={whereId} onChange={(e) => setWhere(e.target.value)}>
            {rooms.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={disabled || !whoId || !whereId}
            onClick={() => void act('rooms.assign', { assignments: [{ participantId: whoId, roomId: whereId }] })}
          >
            {t('breakouts.assign')}
          </button>
        </div>
      )}
      <ul className="room-list" aria-label={t('breakouts.listLabel')} data-testid="room-list">
        {rooms.map((r) => (
          <li key={r.id}>
            {t('breakouts.room', { name: r.name, count: snapshot.presence?.rooms.find((x) => x.id === r.id)?.members ?? 0 })}
            {': '}
            {citizens
              .filter((c) => c.roomId === r.id)
              .map((c) => isolate(c.displayName))
              .join(', ') || t('breakouts.noCitizens')}
          </li>
        ))}
      </ul>
    </section>
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
