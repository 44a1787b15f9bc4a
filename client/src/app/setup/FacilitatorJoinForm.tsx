import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { DisplayNameField } from '../components/DisplayNameField';
import { joinAndRemember, joinErrorKey, type JoinErrorKey } from '../joining';
import { navigate, sessionPath } from '../router';

/** "Open the console as facilitator": joins with the facilitator's invite under the name given, then opens the session. */
export function FacilitatorJoinForm({ sessionId, invite, title }: { sessionId: string; invite: string; title: string }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<JoinErrorKey | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const displayName = name.trim();
    if (!displayName) return setError('name');
    setBusy(true);
    setError(null);
    try {
      await joinAndRemember(sessionId, invite, displayName, title);
      navigate(sessionPath(sessionId));
    } catch (err) {
      setError(joinErrorKey(err, 'join'));
      setBusy(false);
    }
  };

  return (
    <form className="join-form" onSubmit={(e) => void submit(e)} noValidate>
      <DisplayNameField value={name} onChange={setName} hint={t('setup.invites.nameHint')} error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('join.submitting') : t('setup.invites.openConsole')}
      </button>
    </form>
  );
}
