import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParticipantStatsView } from '../../../../shared/src/index.js';
import { isolate } from '../i18n';
import { useAction, useSession } from '../session/context';

/**
 * Facilitator: everyone in the session with role, room and online state; a citizen's
 * right to speak can be withdrawn and restored, and anyone but a facilitator removed, after
 * a second, explicit "Confirm removal" (no window.confirm: it is not styled, not
 * translated by the app and blocks the page).
 */
export function ParticipantsPanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const me = snapshot.me!;
  const people = view.participants ?? [];
  const roomName = (id: string) => view.roomDirectory.find((r) => r.id === id)?.name ?? view.rooms.find((r) => r.id === id)?.name ?? id;
  return (
    <section className="panel" aria-labelledby="participants-heading" data-testid="participants">
      <h2 id="participants-heading">{t('participants.heading')}</h2>
      {people.length === 0 ? (
        <p className="muted">{t('participants.empty')}</p>
      ) : (
        <ul className="participants" aria-label={t('participants.listLabel')} data-testid="participant-list">
          {people.map((p) => (
            <ParticipantRow key={p.participantId} p={p} isMe={p.participantId === me.participantId} room={roomName(p.roomId)} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ParticipantRow({ p, isMe, room }: { p: ParticipantStatsView; isMe: boolean; room: string }) {
  const { t } = useTranslation();
  const { act, disabled } = useAction();
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const removeRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  const plainName = p.displayName;
  const questionId = `remove-question-${p.participantId}`;

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
    else if (returnFocus.current) {
      returnFocus.current = false;
      removeRef.current?.focus();
    }
  }, [confirming]);

  const cancel = () => {
    returnFocus.current = true;
    setConfirming(false);
  };

  return (
    <li className="participant" data-testid="participant" data-participant-id={p.participantId}>
      <div>
        <span className="participant-name">
          {isolate(p.displayName)} {isMe && t('participants.you')}
        </span>{' '}
        <span className={p.online ? 'tag live' : 'tag'}>{p.online ? t('participants.online') : t('participants.offline')}</span>
        <p className="participant-meta">{t('participants.summary', { role: t(`roles.${p.role}`), room: isolate(room) })}</p>
        {p.role === 'citizen' && !p.canSpeak && <p className="participant-revoked">{t('participants.speakingRevoked')}</p>}
      </div>
      {!isMe && (
        <div className="controls">
          {p.role === 'citizen' &&
            (p.canSpeak ? (
              <button
                type="button"
                disabled={disabled}
                aria-label={t('participants.revokeLabel', { name: plainName })}
                onClick={() => void act('participant.revokeSpeaking', { participantId: p.participantId })}
              >
                {t('participants.revoke')}
              </button>
            ) : (
              <button
                type="button"
                disabled={disabled}
                aria-label={t('participants.restoreLabel', { name: plainName })}
                onClick={() => void act('participant.restoreSpeaking', { participantId: p.participantId })}
              >
                {t('participants.restore')}
              </button>
            ))}
          {/* The server refuses to remove facilitators, so the button is not offered. */}
          {!confirming && p.role !== 'facilitator' && (
            <button
              ref={removeRef}
              type="button"
              className="danger"
              disabled={disabled}
              aria-label={t('participants.removeLabel', { name: plainName })}
              onClick={() => setConfirming(true)}
            >
              {t('participants.remove')}
            </button>
          )}
        </div>
      )}
      {!isMe && confirming && (
        <div
          className="confirm callout warn"
          role="group"
          aria-labelledby={questionId}
          onKeyDown={(e) => {
            if (e.key === 'Escape') cancel();
          }}
        >
          <p id={questionId}>{t('participants.confirmQuestion', { name: isolate(p.displayName) })}</p>
          <div className="controls">
            <button
              ref={confirmRef}
              type="button"
              className="danger"
              disabled={disabled}
              aria-label={t('participants.confirmLabel', { name: plainName })}
              onClick={() => void act('participant.remove', { participantId: p.participantId })}
            >
              {t('participants.confirm')}
            </button>
            <button type="button" disabled={disabled} aria-label={t('participants.cancelLabel', { name: plainName })} onClick={cancel}>
              {t('participants.cancel')}
            </button>
          </div>
        </div>
      )}
    </li>
  );
}
