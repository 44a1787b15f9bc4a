import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, checkInvite, whoAmI, type InviteInfo } from '../api';
import { listenOnJoinDefault, rememberListenOnJoin } from '../audio/listenOnJoin';
import { DisplayNameField } from '../components/DisplayNameField';
import { focusOnMount, useDocumentTitle } from '../components/useDocumentTitle';
import { isolate } from '../i18n';
import { joinAndRemember, joinErrorKey, type JoinErrorKey } from '../joining';
import { navigate, sessionPath } from '../router';
import { forgetCredential, loadCredential, type StoredCredential } from '../storage';
import { preloadSessionPage } from './lazyPages';

/** The invite sits in the fragment (#invite=…), which browsers never send to a server. */
function inviteFromHash(): string | null {
  const invite = new URLSearchParams(window.location.hash.slice(1)).get('invite');
  return invite && invite.length >= 16 ? invite : null;
}

/**
 * One check per invite and page load, shared by whoever asks first: main.tsx starts it
 * before React does, so on a slow phone the answer travels while React starts up
 * instead of after (the check is most of the wait between the scripts and the form).
 */
let started: { key: string; check: Promise<InviteInfo> } | null = null;
function inviteCheck(sessionId: string, invite: string): Promise<InviteInfo> {
  const key = `${sessionId}\n${invite}`;
  if (started?.key !== key) started = { key, check: checkInvite(sessionId, invite) };
  return started.check;
}

/** On a join link, starts checking the invite at once (the page reads the same answer). */
export function checkInviteEarly(pathname: string): void {
  const m = /^\/join\/([A-Za-z0-9_-]{1,64})\/?$/.exec(pathname);
  const invite = inviteFromHash();
  if (m && invite)
    inviteCheck(m[1]!, invite).catch(() => {
      /* the page shows why when it reads the same answer */
    });
}

type State = { kind: 'checking' } | { kind: 'ready'; info: InviteInfo } | { kind: 'failed'; error: JoinErrorKey } | { kind: 'no-invite' };

/** /join/<sessionId>#invite=…: what the invite is for, a display name, then the session. */
export function JoinPage({ sessionId }: { sessionId: string }) {
  const { t } = useTranslation();
  const invite = useMemo(inviteFromHash, []);
  const [state, setState] = useState<State>(invite ? { kind: 'checking' } : { kind: 'no-invite' });
  const [existing, setExisting] = useState<StoredCredential | null>(null);
  useDocumentTitle(state.kind === 'ready' ? state.info.title : null);

  useEffect(() => {
    if (!invite) return;
    let cancelled = false;
    inviteCheck(sessionId, invite).then(
      (info) => !cancelled && setState({ kind: 'ready', info }),
      (err: unknown) => !cancelled && setState({ kind: 'failed', error: joinErrorKey(err, 'invite') }),
    );
    return () => {
      cancelled = true;
    };
  }, [invite, sessionId]);

  // Already joined on this device? Offer to continue instead of becoming a second participant.
  useEffect(() => {
    const stored = loadCredential(sessionId);
    if (!stored) return;
    let cancelled = false;
    whoAmI(sessionId, stored.token).then(
      () => !cancelled && setExisting(stored),
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 401) forgetCredential(sessionId);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [sessionId]);

  return (
    <div className="page narrow">
      {state.kind === 'ready' ? (
        <>
          <h1 ref={focusOnMount} tabIndex={-1}>
            {state.info.title}
          </h1>
          <p className="lead">{t('join.invitedAs', { role: t(`roles.${state.info.role}`) })}</p>
          <section className="panel intro" aria-labelledby="join-question">
            <h2 id="join-question">{t('join.questionHeading')}</h2>
            <p className="session-question">{state.info.question}</p>
          </section>
          {existing && (
            <div className="callout">
              <p>{t('join.alreadyJoined', { name: isolate(existing.displayName) })}</p>
              <p>
                <a
                  className="button primary"
                  href={sessionPath(sessionId)}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(sessionPath(sessionId), { replace: true });
                  }}
                >
                  {t('join.continue', { name: isolate(existing.displayName) })}
                </a>
              </p>
              <p className="hint">{t('join.joinAgainNote')}</p>
            </div>
          )}
          {/* Decision-makers answer the outcome after the session, so their invitation still works then. */}
          {state.info.closed && state.info.role !== 'official' ? (
            <p className="callout warn">{t('join.closed')}</p>
          ) : (
            <>
              {state.info.closed && <p className="callout">{t('join.closedOfficial')}</p>}
              <JoinForm sessionId={sessionId} invite={invite!} info={state.info} />
            </>
          )}
        </>
      ) : (
        <>
          <h1>{t('app.name')}</h1>
          {state.kind === 'checking' && <p role="status">{t('join.checking')}</p>}
          {state.kind === 'no-invite' && <p className="callout error">{t('join.noInvite')}</p>}
          {state.kind === 'failed' && (
            <p className="callout error" role="alert">
              {t(`join.errors.${state.error}`)}
            </p>
          )}
        </>
      )}
    </div>
  );
}

function JoinForm({ sessionId, invite, info }: { sessionId: string; invite: string; info: InviteInfo }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<JoinErrorKey | null>(null);
  // Offered only when the server runs live audio; the Join click then counts as the permission to play it.
  const [listen, setListen] = useState(listenOnJoinDefault);
  const listenId = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const displayName = name.trim();
    if (!displayName) {
      setError('name');
      return;
    }
    setSubmitting(true);
    setError(null);
    if (info.liveAudio) rememberListenOnJoin(sessionId, listen);
    try {
      await joinAndRemember(sessionId, invite, displayName, info.title);
      // Replace: the invite link leaves the back button's history; the token is what counts now.
      navigate(sessionPath(sessionId), { replace: true });
    } catch (err) {
      setError(joinErrorKey(err, 'join'));
      setSubmitting(false);
    }
  };

  return (
    <form className="join-form" onSubmit={(e) => void submit(e)} noValidate>
      <DisplayNameField
        value={name}
        onChange={setName}
        hint={t('join.nameHint')}
        error={error}
        // While the name is typed, the session page's code is fetched: it is there when they press Join.
        onFocus={() => preloadSessionPage(info.role)}
      />
      {info.liveAudio && (
        <div className="listen-on-join">
          <div className="check">
            <input id={listenId} type="checkbox" checked={listen} aria-describedby={`${listenId}-hint`} onChange={(e) => setListen(e.target.checked)} />
            <label htmlFor={listenId}>{t('status.listenOnJoin')}</label>
          </div>
          <p id={`${listenId}-hint`} className="hint">
            {t('status.listenOnJoinHint')}
          </p>
        </div>
      )}
      <button type="submit" className="primary" disabled={submitting}>
        {submitting ? t('join.submitting') : t('join.submit')}
      </button>
    </form>
  );
}
