import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLES, type Role } from '../../../../shared/src/domain.js';
import { inviteKey, joinLink, loadInvites, rememberInvite, type StoredInvites } from '../inviteStorage';
import { useFormAction, useSession } from '../session/context';
import { InviteLink } from '../setup/InviteLink';

const isRotated = (result: unknown, role: Role): result is { role: Role; invite: string } =>
  typeof result === 'object' && result !== null && (result as { role?: unknown }).role === role && typeof (result as { invite?: unknown }).invite === 'string';

/**
 * Facilitator: each role's invitation link, where this device has it (the setup page
 * kept them, inviteStorage.ts), and a new link per role on request. The server keeps
 * only a hash of each invite, so a link this device never saw cannot be shown, only
 * replaced.
 */
export function InvitesPanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const sessionId = view.sessionId;
  const [stored, setStored] = useState<StoredInvites | null>(() => loadInvites(sessionId));

  // Another tab of this device may make a new link: follow it.
  useEffect(() => {
    const reload = (e: StorageEvent) => {
      if (e.key === null || e.key === inviteKey(sessionId)) setStored(loadInvites(sessionId));
    };
    window.addEventListener('storage', reload);
    return () => window.removeEventListener('storage', reload);
  }, [sessionId]);

  return (
    <section className="panel" aria-labelledby="invitations-heading" data-testid="invitations">
      <h2 id="invitations-heading">{t('setup.console.invitations')}</h2>
      <p className="callout warn">{t('setup.invites.warning')}</p>
      {view.closed && <p className="muted">{t('setup.console.invitesClosed')}</p>}
      <div className="invite-list">
        {ROLES.map((role) => (
          <InviteLink key={role} role={role} url={stored?.links[role] ?? null}>
            {!view.closed && (
              <RotateInvite
                role={role}
                onRotated={(invite) => setStored(rememberInvite(sessionId, role, joinLink(sessionId, invite, loadInvites(sessionId) ?? stored)))}
              />
            )}
          </InviteLink>
        ))}
      </div>
    </section>
  );
}

/** "Make a new link", after saying what happens to the old one. */
function RotateInvite({ role, onRotated }: { role: Role; onRotated: (invite: string) => void }) {
  const { t } = useTranslation();
  const { send, disabled, error, setError } = useFormAction();
  const [asking, setAsking] = useState(false);
  const [done, setDone] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const startRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (returnFocus.current) {
      returnFocus.current = false;
      startRef.current?.focus();
    }
  }, [asking]);

  const close = () => {
    returnFocus.current = true;
    setAsking(false);
  };
  const rotate = async () => {
    const ack = await send('invite.rotate', { role });
    if (ack.ok && isRotated(ack.result, role)) {
      onRotated(ack.result.invite);
      setDone(true);
      close();
    }
  };

  return (
    <div className="rotate-invite">
      {asking ? (
        <div
          className="callout warn"
          role="group"
          aria-labelledby={`rotate-question-${role}`}
          onKeyDown={(e) => {
            if (e.key === 'Escape') close();
          }}
        >
          <p id={`rotate-question-${role}`}>{t(`setup.roles.${role}.rotateQuestion`)}</p>
          <div className="controls">
            <button ref={confirmRef} type="button" className="danger" disabled={disabled} onClick={() => void rotate()}>
              {t('setup.console.rotateYes')}
            </button>
            <button type="button" disabled={disabled} onClick={close}>
              {t('setup.console.rotateNo')}
            </button>
          </div>
        </div>
      ) : (
        <button
          ref={startRef}
          type="button"
          disabled={disabled}
          aria-label={t(`setup.roles.${role}.rotateLabel`)}
          onClick={() => {
            setDone(false);
            setError(null);
            setAsking(true);
          }}
        >
          {t('setup.console.rotate')}
        </button>
      )}
      <p role="status" className="rotate-status">
        {done ? t('setup.console.rotated') : ''}
      </p>
      {error && (
        <p className="callout error" role="alert">
          {t(`errors.${error.code}`)}
        </p>
      )}
    </div>
  );
}
