import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RoomView } from '../../../../shared/src/index.js';
import { useAudio } from '../audio/context';
import { useAction } from '../session/context';

/**
 * The facilitator's audio controls for one room: open mic (everyone in the room may be
 * heard without the floor; part of the session record, so it can be set even while the
 * server has no audio) as a switch.
 */
export function OpenMicSwitch({ room }: { room: RoomView }) {
  const { t } = useTranslation();
  const { act, disabled } = useAction();
  const hintId = `open-mic-hint-${room.id}`;
  return (
    <div className="open-mic">
      <button
        type="button"
        role="switch"
        aria-checked={room.openMic}
        aria-describedby={hintId}
        className="switch"
        disabled={disabled}
        data-testid="open-mic"
        onClick={() => void act('audio.setOpenMic', { roomId: room.id, open: !room.openMic })}
      >
        <span className="switch-track" aria-hidden="true">
          <span className="switch-thumb" />
        </span>
        <span className="switch-label">{t('audio.openMic')}</span>
        <span className="switch-state" aria-hidden="true">
          {room.openMic ? t('audio.switchOn') : t('audio.switchOff')}
        </span>
      </button>
      <p id={hintId} className="hint">
        {t('audio.openMicHint', { room: room.name })}
      </p>
    </div>
  );
}

/**
 * Mutes whoever has the floor: the server closes their microphone until they are given
 * the floor again. Shown only while the server has audio. A participant already muted
 * for this turn shows as such (the server answers CONFLICT to a second mute).
 */
export function MuteButton({ participantId, name, turn }: { participantId: string; name: string; turn: number }) {
  const { t } = useTranslation();
  const { state } = useAudio();
  const { act, disabled } = useAction();
  const [mutedTurn, setMutedTurn] = useState<string | null>(null);
  if (state.enabled !== true) return null;
  const key = `${participantId}:${turn}`;
  const muted = mutedTurn === key;
  return (
    <button
      type="button"
      className="danger small"
      disabled={disabled || muted}
      aria-label={muted ? t('audio.mutedLabel', { name }) : t('audio.muteLabel', { name })}
      data-testid="mute"
      onClick={async () => {
        const ack = await act('audio.mute', { participantId });
        if (ack?.ok || (ack && !ack.ok && ack.error.code === 'CONFLICT')) setMutedTurn(key);
      }}
    >
      {muted ? t('audio.muted') : t('audio.mute')}
    </button>
  );
}
