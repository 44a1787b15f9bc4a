import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { DEFAULT_SETTINGS, QUEUE_RULES, ROLES, type QueueRule } from '../../../../shared/src/domain.js';
import { cleanText } from '../../../../shared/src/text.js';
import { ApiError, createSession, setupInfo, type NewSession, type SetupInfo } from '../api';
import { focusOnMount, useDocumentTitle } from '../components/useDocumentTitle';
import type { Messages } from '../i18n/en';
import { saveInvites } from '../inviteStorage';
import { loadOperatorToken, rememberOperatorToken } from '../operatorToken';
import { invitesPath, navigate } from '../router';
import { AgendaFields, type AgendaRow } from '../setup/AgendaFields';
import { fieldsRefused, numberOrNull } from '../setup/fieldErrors';
import '../setup/setup.css';

type FieldError = keyof Messages['setup']['errors'];
type FormError = 'fields' | 'network' | 'unavailable' | 'generic';

/** The page's word for each field the server can refuse, by the field's path in the request. */
function errorForPath(path: string): FieldError | null {
  if (path === 'title' || path === 'question' || path === 'agenda') return path;
  if (path === 'settings.turnSeconds') return 'turnSeconds';
  if (/^agenda\.\d+\.title$/.test(path)) return 'itemTitle';
  if (/^agenda\.\d+\.minutes$/.test(path)) return 'itemMinutes';
  return null;
}

/** /new: what the town hall is about, its agenda and a few rules; then its invitation links. */
export function NewSessionPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('setup.form.heading'));
  const [info, setInfo] = useState<SetupInfo | 'unreachable' | null>(null);
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt is the trigger: the retry button asks again.
  useEffect(() => {
    let cancelled = false;
    setInfo(null);
    setupInfo().then(
      (i) => !cancelled && setInfo(i),
      () => !cancelled && setInfo('unreachable'),
    );
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  return (
    <div className="page narrow setup">
      <h1 ref={focusOnMount} tabIndex={-1}>
        {t('setup.form.heading')}
      </h1>
      <p className="lead">{t('setup.form.intro')}</p>
      {info === null && <p role="status">{t('setup.form.checking')}</p>}
      {info === 'unreachable' && (
        <div className="callout error" role="alert">
          <p>{t('setup.errors.unreachable')}</p>
          <button type="button" onClick={() => setAttempt((a) => a + 1)}>
            {t('session.retry')}
          </button>
        </div>
      )}
      {info !== null && info !== 'unreachable' && <NewSessionForm tokenRequired={info.operatorTokenRequired} />}
    </div>
  );
}

function NewSessionForm({ tokenRequired }: { tokenRequired: boolean }) {
  const { t } = useTranslation();
  const ids = { title: useId(), question: useId(), questionHint: useId(), rule: useId(), turn: useId(), turnHint: useId(), premod: useId(), premodHint: useId() };
  const tokenIds = { token: useId(), hint: useId(), remember: useId(), rememberHint: useId() };
  const [title, setTitle] = useState('');
  const [question, setQuestion] = useState('');
  const [agenda, setAgenda] = useState<AgendaRow[]>([]);
  const nextKey = useRef(1);
  const [queueRule, setQueueRule] = useState<QueueRule>(DEFAULT_SETTINGS.queueRule);
  const [turnSeconds, setTurnSeconds] = useState(String(DEFAULT_SETTINGS.turnSeconds));
  const [premoderation, setPremoderation] = useState(DEFAULT_SETTINGS.qaPremoderation);
  const [token, setToken] = useState(() => loadOperatorToken() ?? '');
  const [remember, setRemember] = useState(() => loadOperatorToken() !== null);
  const [refused, setRefused] = useState<Map<string, FieldError>>(new Map());
  const [formError, setFormError] = useState<FormError | null>(null);
  const [busy, setBusy] = useState(false);
  const [tries, setTries] = useState(0);
  const form = useRef<HTMLFormElement>(null);

  // After a refusal, focus goes to the first field marked, whose error is read with it.
  useEffect(() => {
    if (tries > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [tries]);

  const errorText = (path: string) => {
    const key = refused.get(path);
    return key ? t(`setup.errors.${key}`) : null;
  };
  const invalid = (path: string) => (refused.has(path) ? true : undefined);
  const describedBy = (path: string, ...hints: string[]) => [...hints, refused.has(path) ? `${path}-error` : null].filter(Boolean).join(' ') || undefined;

  const refuse = (fields: Map<string, FieldError>, error: FormError | null) => {
    setRefused(fields);
    setFormError(error);
    setTries((n) => n + 1);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    if (!remember) rememberOperatorToken(null);
    if (tokenRequired && !token.trim()) return refuse(new Map([['token', 'tokenMissing']]), 'fields');
    const input: NewSession = {
      title,
      question,
      agenda: agenda.map((row) => ({ title: row.title, minutes: numberOrNull(row.minutes) })),
      settings: { queueRule, turnSeconds: numberOrNull(turnSeconds), qaPremoderation: premoderation },
    };
    setBusy(true);
    setFormError(null);
    try {
      const created = await createSession(input, tokenRequired ? token.trim() : null);
      if (remember && tokenRequired) rememberOperatorToken(token.trim());
      // The server stores the title cleaned the same way (shared/src/text.ts): the next page shows it as everyone will see it.
      const storedTitle = cleanText(title).replace(/\s+/g, ' ').trim();
      saveInvites({ sessionId: created.sessionId, title: storedTitle, links: Object.fromEntries(ROLES.map((r) => [r, created.invites[r].url])) });
      navigate(invitesPath(created.sessionId));
    } catch (err) {
      setBusy(false);
      if (!(err instanceof ApiError)) return refuse(new Map(), 'generic');
      if (err.code === 'UNAUTHENTICATED') return refuse(new Map([['token', 'token']]), 'fields');
      if (err.code === 'NETWORK') return refuse(new Map(), 'network');
      if (err.code === 'UNAVAILABLE') return refuse(new Map(), 'unavailable');
      if (err.code !== 'VALIDATION_FAILED') return refuse(new Map(), 'generic');
      const fields = new Map<string, FieldError>();
      for (const path of fieldsRefused(err)) {
        const key = errorForPath(path);
        if (key) fields.set(path, key);
      }
      refuse(fields, fields.size > 0 ? 'fields' : 'generic');
    }
  };

  const fieldError = (path: string) => {
    const text = errorText(path);
    return text ? (
      <p id={`${path}-error`} className="field-error">
        {text}
      </p>
    ) : null;
  };

  return (
    <form ref={form} className="setup-form" onSubmit={(e) => void submit(e)} noValidate>
      <fieldset className="setup-group">
        <legend>{t('setup.form.about')}</legend>
        <label htmlFor={ids.title}>{t('setup.form.title')}</label>
        <input
          id={ids.title}
          type="text"
          dir="auto"
          maxLength={800}
          value={title}
          aria-invalid={invalid('title')}
          aria-describedby={describedBy('title')}
          onChange={(e) => setTitle(e.target.value)}
        />
        {fieldError('title')}
        <label htmlFor={ids.question}>{t('setup.form.question')}</label>
        <p id={ids.questionHint} className="hint">
          {t('setup.form.questionHint')}
        </p>
        <textarea
          id={ids.question}
          dir="auto"
          rows={3}
          maxLength={4000}
          value={question}
          aria-invalid={invalid('question')}
          aria-describedby={describedBy('question', ids.questionHint)}
          onChange={(e) => setQuestion(e.target.value)}
        />
        {fieldError('question')}
      </fieldset>

      <AgendaFields rows={agenda} onChange={setAgenda} newKey={() => nextKey.current++} errorOf={(i, field) => errorText(`agenda.${i}.${field}`)} />
      {fieldError('agenda')}

      <fieldset className="setup-group">
        <legend>{t('setup.form.running')}</legend>
        <p className="hint">{t('setup.form.runningHint')}</p>
        <label htmlFor={ids.rule}>{t('setup.settings.queueRule')}</label>
        <select id={ids.rule} value={queueRule} onChange={(e) => setQueueRule(e.target.value as QueueRule)}>
          {QUEUE_RULES.map((rule) => (
            <option key={rule} value={rule}>
              {t(`setup.ruleNames.${rule}`)}
            </option>
          ))}
        </select>
        <p className="hint">{t(`rules.${queueRule}`)}</p>
        <label htmlFor={ids.turn}>{t('setup.settings.turnSeconds')}</label>
        <p id={ids.turnHint} className="hint">
          {t('setup.settings.turnSecondsHint')}
        </p>
        <input
          id={ids.turn}
          className="number-input"
          type="number"
          inputMode="numeric"
          min={10}
          max={3600}
          step={1}
          value={turnSeconds}
          aria-invalid={invalid('settings.turnSeconds')}
          aria-describedby={describedBy('settings.turnSeconds', ids.turnHint)}
          onChange={(e) => setTurnSeconds(e.target.value)}
        />
        {fieldError('settings.turnSeconds')}
        <div className="check">
          <input id={ids.premod} type="checkbox" checked={premoderation} aria-describedby={ids.premodHint} onChange={(e) => setPremoderation(e.target.checked)} />
          <label htmlFor={ids.premod}>{t('setup.settings.premoderation')}</label>
        </div>
        <p id={ids.premodHint} className="hint">
          {t('setup.settings.premoderationHint')}
        </p>
      </fieldset>

      {tokenRequired && (
        <fieldset className="setup-group">
          <legend>{t('setup.form.tokenHeading')}</legend>
          <label htmlFor={tokenIds.token}>{t('setup.form.token')}</label>
          <p id={tokenIds.hint} className="hint">
            {t('setup.form.tokenHint')}
          </p>
          <input
            id={tokenIds.token}
            type="password"
            className="token-input"
            autoComplete="off"
            spellCheck={false}
            value={token}
            aria-invalid={invalid('token')}
            aria-describedby={describedBy('token', tokenIds.hint)}
            onChange={(e) => setToken(e.target.value)}
          />
          {fieldError('token')}
          <div className="check">
            <input id={tokenIds.remember} type="checkbox" checked={remember} aria-describedby={tokenIds.rememberHint} onChange={(e) => setRemember(e.target.checked)} />
            <label htmlFor={tokenIds.remember}>{t('setup.form.remember')}</label>
          </div>
          <p id={tokenIds.rememberHint} className="hint">
            {t('setup.form.rememberHint')}
          </p>
        </fieldset>
      )}

      <div role="alert" data-testid="setup-error">
        {formError && <p className="callout error">{t(`setup.errors.${formError}`)}</p>}
      </div>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('setup.form.submitting') : t('setup.form.submit')}
      </button>
    </form>
  );
}
