import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QueueEntryView, RoomView } from '../../../../shared/src/index.js';
import { personName, plainPersonName } from '../i18n';
import { FloorSoundSetting } from '../participant/FloorSoundSetting';
import { useAction, useSession } from '../session/context';
import { usePanelRoom } from './roomPick';
import { reasonText } from './queueWords';
import { VirtualList } from './VirtualList';

/**
 * The speaking queue: the room's rule and the whole queue for everyone to see. A
 * citizen's own place, and the buttons to raise a hand, are in the status bar at the top
 * of the page (participant/StatusBar); here they can ask for a tone when the floor comes.
 */
export function QueuePanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const me = snapshot.me!;
  // Facilitators pick whose queue (and floor) to manage; everyone else sees their own room.
  const { room, pick } = usePanelRoom();
  if (!room) return null;
  return (
    <section className="panel" aria-labelledby="queue-heading">
      <h2 id="queue-heading">{t('queue.heading')}</h2>
      {me.role === 'citizen' && !snapshot.view?.closed && <FloorSoundSetting />}
      {me.role === 'facilitator' && <FacilitatorQueueControls room={room} pick={pick} />}
      <h3>{t('queue.ruleHeading')}</h3>
      <p className="rule" data-testid="queue-rule">
        {t(`rules.${room.rule}`)}
      </p>
      <QueueList room={room} />
    </section>
  );
}

function FacilitatorQueueControls({ room, pick }: { room: RoomView; pick: (id: string) => void }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { act, disabled } = useAction();
  const rooms = snapshot.view?.rooms ?? [];
  return (
    <div className="controls">
      {rooms.length > 1 && (
        <label>
          {t('queue.roomPick')}{' '}
          <select value={room.id} onChange={(e) => pick(e.target.value)} data-testid="queue-room">
            {rooms.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <button type="button" className="primary" disabled={disabled || room.queue.length === 0} onClick={() => void act('floor.give', { roomId: room.id })}>
        {t('facilitator.giveNext')}
      </button>
      <button type="button" disabled={disabled} data-testid="queue-open-toggle" onClick={() => void act('queue.setOpen', { roomId: room.id, open: !room.queueOpen })}>
        {room.queueOpen ? t('queue.closeList') : t('queue.reopenList')}
      </button>
      <ClearQueue room={room} />
    </div>
  );
}

/** Lowering every hand is not undone by a click: it asks once, naming how many. */
function ClearQueue({ room }: { room: RoomView }) {
  const { t } = useTranslation();
  const { act, disabled } = useAction();
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" disabled={disabled || room.queue.length === 0} onClick={() => setAsking(true)}>
        {t('queue.clear')}
      </button>
    );
  }
  return (
    <span role="group" aria-label={t('queue.clear')}>
      <span>{t('queue.clearConfirm', { count: room.queue.length })}</span>{' '}
      <button
        type="button"
        disabled={disabled}
        onClick={() => {
          setAsking(false);
          void act('queue.clear', { roomId: room.id });
        }}
      >
        {t('queue.clearYes')}
      </button>{' '}
      <button type="button" onClick={() => setAsking(false)}>
        {t('queue.clearNo')}
      </button>
    </span>
  );
}

function QueueList({ room }: { room: RoomView }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const me = snapshot.me!;
  if (room.queue.length === 0) return <p className="muted">{t('queue.empty')}</p>;
  return (
    <VirtualList
      ordered
      className="queue"
      label={t('queue.listLabel')}
      testId="queue-list"
      items={room.queue}
      keyOf={(entry) => entry.participantId}
      estimate={me.role === 'facilitator' ? 110 : 70}
      renderItem={(entry) => (
        <QueueItem
          room={room}
          entry={entry}
          last={entry.position === room.queue.length}
          isMe={entry.participantId === me.participantId}
          staff={me.role === 'facilitator'}
        />
      )}
    />
  );
}

function QueueItem({ room, entry, last, isMe, staff }: { room: RoomView; entry: QueueEntryView; last: boolean; isMe: boolean; staff: boolean }) {
  const { t } = useTranslation();
  const { act, disabled } = useAction();
  const name = personName(entry.displayName);
  // Accessible names are spoken, not laid out: no bidi isolates in them.
  const plainName = plainPersonName(entry.displayName);
  const upRef = useRef<HTMLButtonElement>(null);
  const downRef = useRef<HTMLButtonElement>(null);
  // Moving an entry moves its list item in the DOM, which drops the keyboard focus: put it
  // back on the same entry's button (or the other one, once the end of the list is reached).
  const refocus = useRef<{ dir: 'up' | 'down'; position: number } | null>(null);
  useEffect(() => {
    const want = refocus.current;
    // Wait until the move has arrived and the buttons are usable again.
    if (!want || disabled || entry.position !== want.position) return;
    refocus.current = null;
    const first = want.dir === 'up' ? upRef.current : downRef.current;
    const other = want.dir === 'up' ? downRef.current : upRef.current;
    const target = first && !first.disabled ? first : other;
    if (target && !target.disabled) target.focus();
  }, [entry.position, disabled]);
  const move = async (dir: 'up' | 'down') => {
    const position = dir === 'up' ? entry.position - 1 : entry.position + 1;
    refocus.current = { dir, position };
    const ack = await act('queue.move', { roomId: room.id, participantId: entry.participantId, position });
    if (!ack?.ok) refocus.current = null;
  };
  return (
    <div className={isMe ? 'queue-entry me' : 'queue-entry'}>
      <div>
        <span className="queue-name">
          {t('queue.entry', { position: entry.position, name })} {isMe && t('queue.you')}
        </span>{' '}
        <span className={`kind kind-${entry.kind}`}>{t(`kinds.${entry.kind}`)}</span>
        <p className="queue-reason">{reasonText(t, entry.reason, false)}</p>
      </div>
      {staff && (
        <div className="controls">
          <button
            ref={upRef}
            type="button"
            disabled={disabled || entry.position === 1}
            aria-label={t('facilitator.moveUpLabel', { name: plainName })}
            onClick={() => void move('up')}
          >
            {t('facilitator.moveUp')}
          </button>
          <button
            ref={downRef}
            type="button"
            disabled={disabled || last}
            aria-label={t('facilitator.moveDownLabel', { name: plainName })}
            onClick={() => void move('down')}
          >
            {t('facilitator.moveDown')}
          </button>
          <button
            type="button"
            className="primary"
            disabled={disabled}
            aria-label={t('facilitator.giveToLabel', { name: plainName })}
            onClick={() => void act('floor.give', { roomId: room.id, participantId: entry.participantId })}
          >
            {t('facilitator.giveTo')}
          </button>
          <button
            type="button"
            disabled={disabled}
            aria-label={t('facilitator.removeLabel', { name: plainName })}
            onClick={() => void act('queue.remove', { roomId: room.id, participantId: entry.participantId })}
          >
            {t('facilitator.remove')}
          </button>
        </div>
      )}
    </div>
  );
}
