import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, whoAmI } from '../api';
import { AudioProvider } from '../audio/context';
import { useListenOnJoin } from '../audio/listenOnJoin';
import { ConnectionBanner } from '../components/ConnectionBanner';
import { focusOnMount, useDocumentTitle } from '../components/useDocumentTitle';
import { SessionConnection } from '../session/SessionConnection';
import { SessionProvider, useSession } from '../session/context';
import { forgetCredential, loadCredential } from '../storage';
import { ConsoleLayout, ParticipantLayout } from './sessionLayouts';

type Phase = 'checking' | 'ready' | 'invalid' | 'unreachable';

/**
 * /s/<sessionId>: the stored token is checked (GET …/me) and then the control channel
 * opens. Everything below is rendered from the latest view the server pushed.
 */
export function SessionPage({ sessionId }: { sessionId: string }) {
  const { t } = useTranslation();
  const credential = useMemo(() => loadCredential(sessionId), [sessionId]);
  const [phase, setPhase] = useState<Phase>('checking');
  const [attempt, setAttempt] = useState(0);
  const [connection, setConnection] = useState<SessionConnection | null>(null);
  useDocumentTitle(credential?.title);

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt is the trigger: bumping it (the retry button) checks the credential again.
  useEffect(() => {
    if (!credential) return;
    let cancelled = false;
    setPhase('checking');
    whoAmI(sessionId, credential.token).then(
      () => !cancelled && setPhase('ready'),
      (err: unknown) => {
        if (cancelled) return;
        if (err instanceof ApiError && (err.status === 401 || err.status === 404)) {
          forgetCredential(sessionId);
          setPhase('invalid');
        } else setPhase('unreachable');
      },
    );
    return () => {
      cancelled = true;
    };
  }, [credential, sessionId, attempt]);

  useEffect(() => {
    if (phase !== 'ready' || !credential) return;
    const c = new SessionConnection({ url: window.location.origin, sessionId, token: credential.token });
    setConnection(c);
    return () => {
      c.dispose();
      setConnection(null);
    };
  }, [phase, credential, sessionId]);

  if (!credential) {
    return (
      <div className="page narrow">
        <h1 ref={focusOnMount} tabIndex={-1}>
          {t('session.notJoined')}
        </h1>
        <p>{t('session.notJoinedHint')}</p>
      </div>
    );
  }
  if (phase === 'invalid') {
    return (
      <div className="page narrow">
        <h1 ref={focusOnMount} tabIndex={-1}>
          {credential.title || t('app.name')}
        </h1>
        <p className="callout error">{t('session.accessLost')}</p>
      </div>
    );
  }
  if (phase === 'unreachable') {
    return (
      <div className="page narrow">
        <h1 ref={focusOnMount} tabIndex={-1}>
          {credential.title || t('app.name')}
        </h1>
        <p className="callout error">{t('session.loadFailed')}</p>
        <button type="button" className="primary" onClick={() => setAttempt((a) => a + 1)}>
          {t('session.retry')}
        </button>
      </div>
    );
  }
  if (phase === 'checking' || !connection) {
    return (
      <div className="page narrow">
        <h1>{credential.title || t('app.name')}</h1>
        <p role="status">{t('session.connecting')}</p>
      </div>
    );
  }
  return (
    <SessionProvider connection={connection}>
      <SessionBody sessionId={sessionId} fallbackTitle={credential.title} />
    </SessionProvider>
  );
}

function SessionBody({ sessionId, fallbackTitle }: { sessionId: string; fallbackTitle: string }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { view, me } = snapshot;
  const lost = snapshot.status === 'refused' || snapshot.removed;
  const hasFloor = Boolean(me && view?.rooms.some((r) => r.floor?.participantId === me.participantId));
  useDocumentTitle(view?.title ?? fallbackTitle, { youHaveTheFloor: hasFloor && !lost });

  useEffect(() => {
    if (lost) forgetCredential(sessionId);
  }, [lost, sessionId]);

  if (lost) {
    return (
      <div className="page narrow">
        <h1 ref={focusOnMount} tabIndex={-1}>
          {view?.title ?? (fallbackTitle || t('app.name'))}
        </h1>
        <p className="callout error">{snapshot.removed ? t('session.removed') : t('session.accessLost')}</p>
      </div>
    );
  }
  if (!view || !me) {
    return (
      <div className="page narrow">
        <ConnectionBanner />
        <h1>{fallbackTitle || t('app.name')}</h1>
        <p role="status">{t('session.connecting')}</p>
      </div>
    );
  }
  return (
    <AudioProvider>
      <ListenOnJoin sessionId={sessionId} />
      {me.role === 'facilitator' ? <ConsoleLayout /> : <ParticipantLayout />}
    </AudioProvider>
  );
}

/** Starts the room's audio if the person asked for it on the join page. */
function ListenOnJoin({ sessionId }: { sessionId: string }) {
  useListenOnJoin(sessionId);
  return null;
}
