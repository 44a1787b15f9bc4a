import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, joinSession } from '../api';
import type { Messages } from '../i18n/en';
import { navigate, sessionPath } from '../router';
import { saveCredential } from '../storage';

type JoinErrorKey = keyof Messages['join']['errors'];

function joinError(err: unknown): JoinErrorKey {
  if (!(err instanceof ApiError)) return 'generic';
  if (err.code === 'NETWORK') return 'network';
  if (err.code === 'UNAUTHENTICATED') return 'invalidInvite';
  if (err.code === 'VALIDATION_FAILED') return 'name';
  return 'generic';
}

/** "Open the console as facilitator": joins with the facilitator's invite under the name given, then opens the session. */
export function FacilitatorJoinForm({ sessionId, invite, title }: { sessionId: string; invite: string; title: string }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<JoinErrorKey | null>(null);
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const displayName = name.trim();
    if (!displayName) return setError('name');
    setBusy(true);
    setError(null);
    try {
      const joined = await joinSession(sessionId, invite, displayName);
      saveCredential({
        sessionId,
        participantId: joined.participantId,
        token: joined.token,
        role: joined.role,
        displayName: joined.displayName,
        title,
        joinedAt: Date.now(),
      });
      navigate(sessionPath(sessionId));
    } catch (err) {
      setError(joinError(err));
      setBusy(false);
    }
  };

  return (
    <form className="join-form" onSubmit={(e) => void submit(e)} noValidate>
      <label htmlFor={inputId}>{t('join.nameLabel')}</label>
      <p id={hintId} className="hint">
        {t('setup.invites.nameHint')}
      </p>
      <input
        id={inputId}
        type="text"
        name="displayName"
        autoComplete="nickname"
        maxLength={80}
        dir="auto"
        value={name}
        aria-describedby={error ? `${hintId} ${errorId}` : hintId}
        aria-invalid={error === 'name' ? true : undefined}
        onChange={(e) => setName(e.target.value)}
      />
      <div role="alert" id={errorId}>
        {error && <p className="callout error">{t(`join.errors.${error}`)}</p>}
      </div>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('join.submitting') : t('setup.invites.openConsole')}
      </button>
    </form>
  );
}
