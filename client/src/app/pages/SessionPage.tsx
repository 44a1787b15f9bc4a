import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, whoAmI } from '../api';
import { AgendaPanel } from '../components/AgendaPanel';
import { AudioProvider } from '../audio/context';
import { AnswersPanel } from '../components/AnswersPanel';
import { AudioPanel } from '../components/AudioPanel';
import { BreakoutPanel, MyRoom } from '../components/BreakoutPanel';
import { DraftingPanel } from '../components/DraftingPanel';
import { ConnectionBanner, ErrorArea } from '../components/ConnectionBanner';
import { FloorPanel } from '../components/FloorPanel';
import { LiveAnnouncer } from '../components/LiveAnnouncer';
import { OutcomeDeliveryPanel } from '../components/OutcomeDeliveryPanel';
import { OutcomePanel } from '../components/OutcomePanel';
import { ParticipantsPanel } from '../components/ParticipantsPanel';
import { QAPanel } from '../components/QAPanel';
import { QueuePanel } from '../components/QueuePanel';
import { RoomPickProvider } from '../components/roomPick';
import { SpeakingTimeChart } from '../components/SpeakingTimeChart';
import { focusOnMount, useDocumentTitle } from '../components/useDocumentTitle';
import { isolate } from '../i18n';
import { SessionConnection } from '../session/SessionConnection';
import { SessionProvider, useSession } from '../session/context';
import { forgetCredential, loadCredential } from '../storage';

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
  useDocumentTitle(view?.title ?? fallbackTitle);

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
  const role = me.role;
  const outcome = (
    <>
      {(role === 'official' || role === 'observer') && <OutcomePanel />}
      {(role === 'citizen' || role === 'observer') && <AnswersPanel />}
      {role === 'facilitator' && <OutcomeDeliveryPanel />}
    </>
  );
  return (
    <AudioProvider>
      <div className={`page session role-${role}`}>
        <ConnectionBanner />
        <h1 ref={focusOnMount} tabIndex={-1}>
          {view.title}
        </h1>
        <p className="who" data-testid="who">
          {t('session.you', { name: isolate(me.displayName), role: t(`roles.${role}`) })}
        </p>
        {snapshot.presence && (
          <p className="muted" data-testid="presence">
            {t('session.presence', { count: snapshot.presence.members, online: snapshot.presence.online })}
          </p>
        )}
        {view.closed && <p className="callout">{t('session.ended')}</p>}
        {(role === 'observer' || role === 'official') && <p className="muted">{t('session.readOnly')}</p>}
        <ErrorArea />
        <MyRoom />
        <section className="panel intro" aria-labelledby="question-heading">
          <h2 id="question-heading">{t('session.questionHeading')}</h2>
          <p className="session-question">{view.question}</p>
        </section>
        {/* Once the session is over, the outcome and what becomes of it is what people come back for. */}
        {view.closed && outcome}
        <div className="columns">
          <div className="column">
            <AudioPanel />
            <RoomPickProvider>
              <FloorPanel />
              <QueuePanel />
            </RoomPickProvider>
            <AgendaPanel />
          </div>
          <div className="column">
            {role === 'facilitator' && <BreakoutPanel />}
            {role === 'facilitator' && <ParticipantsPanel />}
            {role === 'facilitator' && <SpeakingTimeChart />}
            <QAPanel />
            {role === 'facilitator' && (
              <section className="panel todo" aria-labelledby="todo-heading">
                <h2 id="todo-heading">{t('facilitator.laterHeading')}</h2>
                <p>{t('facilitator.notInClient')}</p>
              </section>
            )}
          </div>
        </div>
        {!view.closed && outcome}
        <DraftingPanel />
        <LiveAnnouncer />
      </div>
    </AudioProvider>
  );
}
