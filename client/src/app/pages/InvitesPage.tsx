import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLES } from '../../../../shared/src/domain.js';
import { focusOnMount, useDocumentTitle } from '../components/useDocumentTitle';
import { isolate } from '../i18n';
import { loadInvites } from '../inviteStorage';
import { navigate, SETUP_PATH, sessionPath } from '../router';
import { FacilitatorJoinForm } from '../setup/FacilitatorJoinForm';
import { InviteLink } from '../setup/InviteLink';
import { loadCredential } from '../storage';

/** The invite in a join link's fragment (#invite=…). */
const inviteOf = (url: string | undefined) => url?.match(/#invite=([^&]+)/)?.[1];

/**
 * /new/<sessionId>: the town hall just started, with each role's link to copy or show as
 * a QR code, and the way into the console. The links come from this device's storage
 * (inviteStorage.ts): the server shows an invite only once.
 */
export function InvitesPage({ sessionId }: { sessionId: string }) {
  const { t } = useTranslation();
  const stored = useMemo(() => loadInvites(sessionId), [sessionId]);
  const joined = useMemo(() => loadCredential(sessionId), [sessionId]);
  useDocumentTitle(stored?.title || null);
  const startAnother = (
    <a
      href={SETUP_PATH}
      onClick={(e) => {
        e.preventDefault();
        navigate(SETUP_PATH);
      }}
    >
      {t('setup.invites.startAnother')}
    </a>
  );

  if (!stored) {
    return (
      <div className="page narrow">
        <h1 ref={focusOnMount} tabIndex={-1}>
          {t('setup.invites.unknownHeading')}
        </h1>
        <p className="callout warn">{t('setup.invites.unknown')}</p>
        <p>{startAnother}</p>
      </div>
    );
  }

  const facilitatorInvite = inviteOf(stored.links.facilitator);
  return (
    <div className="page narrow setup">
      <h1 ref={focusOnMount} tabIndex={-1} dir="auto">
        {stored.title || t('app.name')}
      </h1>
      <p className="callout ok" data-testid="setup-ready">
        {t('setup.invites.ready')}
      </p>
      <section className="panel" aria-labelledby="invites-heading">
        <h2 id="invites-heading">{t('setup.invites.heading')}</h2>
        <p className="callout warn" data-testid="invites-warning">
          {t('setup.invites.warning')}
        </p>
        <p className="hint">{t('setup.invites.keptHere')}</p>
        <div className="invite-list">
          {ROLES.map((role) => (
            <InviteLink key={role} role={role} url={stored.links[role] ?? null} />
          ))}
        </div>
      </section>
      <section className="panel" aria-labelledby="console-heading">
        <h2 id="console-heading">{t('setup.invites.consoleHeading')}</h2>
        {joined ? (
          <p>
            <a
              className="button primary"
              href={sessionPath(sessionId)}
              onClick={(e) => {
                e.preventDefault();
                navigate(sessionPath(sessionId));
              }}
            >
              {t('join.continue', { name: isolate(joined.displayName) })}
            </a>
          </p>
        ) : facilitatorInvite ? (
          <>
            <p>{t('setup.invites.consoleIntro')}</p>
            <FacilitatorJoinForm sessionId={sessionId} invite={decodeURIComponent(facilitatorInvite)} title={stored.title} />
          </>
        ) : (
          <p className="muted">{t('setup.link.unknown')}</p>
        )}
      </section>
      <p>{startAnother}</p>
    </div>
  );
}
