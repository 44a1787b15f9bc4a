import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { SessionConnection } from '../session/SessionConnection';
import { SessionProvider, useSession } from '../session/context';
import { loadCredential } from '../storage';
import { ProjectorScreen } from './ProjectorScreen';
import './projector.css';

/**
 * /s/<sessionId>/projector: the room's screen. It borrows the credential this device
 * already holds (the facilitator opens it from the console in a new tab, or an observer
 * who joined on the hall's PC) and opens a connection of its own, so the console can be
 * closed, reloaded or moved without the screen going blank.
 *
 * It only reads: it never acts in the session, and unlike the session page it never forgets
 * the stored credential when refused (the console in the other tab decides that).
 */
export function ProjectorPage({ sessionId }: { sessionId: string }) {
  const { t } = useTranslation();
  const credential = useMemo(() => loadCredential(sessionId), [sessionId]);
  const [connection, setConnection] = useState<SessionConnection | null>(null);
  // The title stored at joining: a session's title does not change, and one hook setting it keeps it from flickering.
  useDocumentTitle(t('projector.windowTitle', { title: credential?.title || t('app.name') }));

  useEffect(() => {
    if (!credential) return;
    const c = new SessionConnection({ url: window.location.origin, sessionId, token: credential.token });
    setConnection(c);
    return () => {
      c.dispose();
      setConnection(null);
    };
  }, [credential, sessionId]);

  if (!credential) {
    return (
      <ProjectorMessage title={t('projector.notJoined')}>
        <p>{t('projector.notJoinedHint')}</p>
      </ProjectorMessage>
    );
  }
  if (!connection) return <ProjectorMessage title={credential.title || t('app.name')} status={t('projector.connecting')} />;
  return (
    <SessionProvider connection={connection}>
      <ProjectorBody fallbackTitle={credential.title} />
    </SessionProvider>
  );
}

function ProjectorBody({ fallbackTitle }: { fallbackTitle: string }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { view } = snapshot;
  const title = view?.title ?? (fallbackTitle || t('app.name'));
  if (snapshot.status === 'refused' || snapshot.removed) {
    const tooMany = snapshot.refused?.code === 'RATE_LIMITED';
    return <ProjectorMessage title={title} error={tooMany ? t('projector.tooManyScreens') : t('projector.lost')} />;
  }
  if (!view || !snapshot.me) return <ProjectorMessage title={title} status={t('projector.connecting')} />;
  return <ProjectorScreen />;
}

/** Before there is anything to project: one sentence, as large as the rest of the screen. */
function ProjectorMessage({ title, status, error, children }: { title: string; status?: string; error?: string; children?: ReactNode }) {
  return (
    <div className="projector">
      <main id="main" className="projector-message">
        <h1>{title}</h1>
        {status && <p>{status}</p>}
        {error && <p className="projector-error">{error}</p>}
        {children}
      </main>
    </div>
  );
}
