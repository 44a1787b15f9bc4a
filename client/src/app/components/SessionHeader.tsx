import { useTranslation } from 'react-i18next';
import { personName } from '../i18n';
import { useSession } from '../session/context';
import { ConnectionBanner, ErrorArea } from './ConnectionBanner';
import { focusOnMount } from './useDocumentTitle';

/** What every role sees first: the session's title, who you are here, how many take part, and whether it has ended. */
export function SessionHeader() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const me = snapshot.me!;
  return (
    <>
      <ConnectionBanner />
      <h1 ref={focusOnMount} tabIndex={-1}>
        {view.title}
      </h1>
      <p className="who" data-testid="who">
        {t('session.you', { name: personName(me.displayName), role: t(`roles.${me.role}`) })}
      </p>
      {snapshot.presence && (
        <p className="muted" data-testid="presence">
          {t('session.presence', { count: snapshot.presence.members, online: snapshot.presence.online })}
        </p>
      )}
      {view.closed && <p className="callout">{t('session.ended')}</p>}
      {(me.role === 'observer' || me.role === 'official') && <p className="muted">{t('session.readOnly')}</p>}
      <ErrorArea />
    </>
  );
}
