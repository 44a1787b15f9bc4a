import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, addWebhook, listDeliveries, listWebhooks, removeWebhook, retryDelivery, type Delivery, type Webhook } from '../api';
import { formatDateTime } from '../format';
import { useFormAction, useSession } from '../session/context';
import { BriefDownloads, VerifyNote, useErrorText, useToken } from './BriefDownloads';

const REFRESH_MS = 5_000;

/**
 * Facilitator: everything that happens to the outcome after the deliberation, in one
 * panel: publish it, download any version, register the webhooks that receive each
 * publication, and watch (and retry) their deliveries.
 */
export function OutcomeDeliveryPanel() {
  const { t, i18n } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const { publications, agreed } = view.outcome;
  const answered = agreed.filter((a) => a.response).length;
  const publish = useFormAction({ afterClose: true });
  const [published, setPublished] = useState<number | null>(null);
  // Until the facilitator picks one, downloads follow the latest publication: that is what went out and what
  // `townhall verify` is run against. With nothing published yet, the draft as it stands now.
  const [picked, setVersion] = useState<'current' | number | null>(null);
  const version = picked ?? publications.at(-1)?.number ?? 'current';
  const versionId = useId();
  const when = (ms: number) => formatDateTime(ms, i18n.language);

  const onPublish = async () => {
    setPublished(null);
    const ack = await publish.send('outcome.publish', {});
    if (ack.ok) setPublished((ack.result as { number: number }).number);
  };

  return (
    <section className="panel delivery" aria-labelledby="delivery-heading" data-testid="outcome-delivery">
      <h2 id="delivery-heading">{t('delivery.heading')}</h2>
      <p className="muted">{t('delivery.intro')}</p>
      {agreed.length > 0 && <p data-testid="answered-count">{t('delivery.answered', { answered, total: agreed.length })}</p>}
      <div className="controls">
        <button type="button" className="primary" disabled={publish.disabled} onClick={() => void onPublish()}>
          {publish.busy ? t('delivery.publishing') : t('delivery.publish')}
        </button>
      </div>
      <div role="status" data-testid="publish-result">
        {published !== null && <p className="callout ok">{t('delivery.published', { number: published })}</p>}
      </div>
      <div role="alert" data-testid="publish-error">
        {publish.error && <p className="callout error">{publish.error.code === 'CONFLICT' ? t('delivery.unchanged') : t(`errors.${publish.error.code}`)}</p>}
      </div>

      <div className="delivery-grid">
        <div>
          <h3>{t('delivery.publicationsHeading')}</h3>
          {publications.length === 0 ? (
            <p className="muted">{t('delivery.noPublications')}</p>
          ) : (
            <ul className="plain" data-testid="publications">
              {publications.map((p) => (
                <li key={p.number}>{t('delivery.publication', { number: p.number, date: when(p.at) })}</li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3 id="downloads-heading">{t('delivery.downloadsHeading')}</h3>
          <p className="inline-field">
            <label htmlFor={versionId}>{t('delivery.version')}</label>
            <select
              id={versionId}
              value={String(version)}
              data-testid="download-version"
              onChange={(e) => setVersion(e.target.value === 'current' ? 'current' : Number(e.target.value))}
            >
              <option value="current">{t('delivery.draft')}</option>
              {[...publications].reverse().map((p) => (
                <option key={p.number} value={p.number}>
                  {t('delivery.publicationOption', { number: p.number, date: when(p.at) })}
                </option>
              ))}
            </select>
          </p>
          <BriefDownloads publication={version} includeLog labelledBy="downloads-heading" />
        </div>
      </div>
      <VerifyNote logFromFacilitators={false} />
      <Webhooks />
    </section>
  );
}

/** Webhooks and their delivery log: both come over HTTP, refreshed every few seconds while shown. */
function Webhooks() {
  const { t, i18n } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const sessionId = view.sessionId;
  const publicationCount = view.outcome.publications.length;
  const token = useToken();
  const errorText = useErrorText();
  const [webhooks, setWebhooks] = useState<Webhook[] | null>(null);
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [retried, setRetried] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const latestRequest = useRef(0);
  const logHeading = useRef<HTMLHeadingElement>(null);
  const webhooksHeading = useRef<HTMLHeadingElement>(null);

  const refresh = useCallback(async () => {
    const mine = ++latestRequest.current;
    try {
      const [w, d] = await Promise.all([listWebhooks(sessionId, token), listDeliveries(sessionId, token)]);
      // An older answer arriving after a newer one must not put stale rows back.
      if (mine !== latestRequest.current) return;
      setWebhooks(w);
      setDeliveries(d);
      setLoadError(null);
    } catch (err) {
      if (mine === latestRequest.current) setLoadError(err);
    }
  }, [sessionId, token]);

  useEffect(() => {
    void refresh();
    const id = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(id);
  }, [refresh]);

  // A publication queues one delivery per webhook: show them without waiting for the next tick.
  useEffect(() => {
    if (publicationCount > 0) void refresh();
  }, [publicationCount, refresh]);

  const urlOf = (id: string) => webhooks?.find((w) => w.id === id);
  const active = (webhooks ?? []).filter((w) => w.removedAt === null);
  const rows = [...(deliveries ?? [])].sort((a, b) => b.id - a.id);

  const remove = async (w: Webhook) => {
    setActionError(null);
    try {
      await removeWebhook(sessionId, token, w.id);
      webhooksHeading.current?.focus();
    } catch (err) {
      setActionError(err);
    }
    await refresh();
  };

  const retry = async (d: Delivery) => {
    setActionError(null);
    setRetried(false);
    try {
      await retryDelivery(sessionId, token, d.id);
      setRetried(true);
      // The Retry button goes away with the failed state; the focus must not fall back to the page's top.
      logHeading.current?.focus();
    } catch (err) {
      setActionError(err);
    }
    await refresh();
  };

  return (
    <>
      <h3 id="webhooks-heading" ref={webhooksHeading} tabIndex={-1}>
        {t('delivery.webhooksHeading')}
      </h3>
      <p className="muted">{t('delivery.webhooksIntro')}</p>
      {webhooks !== null &&
        (active.length === 0 ? (
          <p className="muted">{t('delivery.noWebhooks')}</p>
        ) : (
          <ul className="plain webhooks" aria-label={t('delivery.webhooksLabel')} data-testid="webhooks">
            {active.map((w) => (
              <li key={w.id} className="webhook" data-webhook-id={w.id}>
                <span className="url">{w.url}</span>{' '}
                <button type="button" className="small danger" aria-label={t('delivery.removeLabel', { url: w.url })} onClick={() => void remove(w)}>
                  {t('delivery.remove')}
                </button>
              </li>
            ))}
          </ul>
        ))}
      <AddWebhook sessionId={sessionId} token={token} onAdded={() => void refresh()} />

      <div className="log-head">
        <h3 id="deliveries-heading" ref={logHeading} tabIndex={-1}>
          {t('delivery.logHeading')}
        </h3>
        <button type="button" className="small" onClick={() => void refresh()}>
          {t('delivery.refresh')}
        </button>
        <span className="muted">{t('delivery.autoRefresh')}</span>
      </div>
      <div role="status" data-testid="retry-status">
        {retried && <p className="muted">{t('delivery.retried')}</p>}
      </div>
      <div role="alert">
        {loadError !== null && <p className="callout error">{t('delivery.loadFailed', { reason: errorText(loadError) })}</p>}
        {actionError !== null && <p className="callout error">{errorText(actionError)}</p>}
      </div>
      {deliveries !== null &&
        (rows.length === 0 ? (
          <p className="muted">{t('delivery.noDeliveries')}</p>
        ) : (
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a data table may scroll sideways on a narrow screen (WCAG 1.4.10); the region takes the focus so the keyboard can scroll it.
          <div className="table-scroll" role="region" aria-labelledby="deliveries-heading" tabIndex={0}>
            <table className="deliveries" aria-labelledby="deliveries-heading" data-testid="deliveries">
              <thead>
                <tr>
                  <th scope="col">{t('overdueHooks.column')}</th>
                  <th scope="col">{t('delivery.columns.webhook')}</th>
                  <th scope="col">{t('delivery.columns.status')}</th>
                  <th scope="col">{t('delivery.columns.attempts')}</th>
                  <th scope="col">{t('delivery.columns.lastError')}</th>
                  <th scope="col">{t('delivery.columns.deliveredAt')}</th>
                  <th scope="col">{t('delivery.columns.action')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((d) => {
                  const what = (x: Delivery) => (x.event === 'response.overdue' ? t('overdueHooks.reminder') : t('overdueHooks.publication', { number: x.publication }));
                  const hook = urlOf(d.webhookId);
                  const url = hook?.url ?? d.webhookId;
                  return (
                    <tr key={d.id} data-testid="delivery" data-status={d.status} data-webhook-id={d.webhookId}>
                      <td>{what(d)}</td>
                      <td className="url">
                        {url} {hook?.removedAt ? <span className="muted">{t('delivery.removed')}</span> : null}
                      </td>
                      <td>
                        <span className={`badge delivery-${d.status}`}>{t(`delivery.status.${d.status}`)}</span>
                      </td>
                      <td>{d.attempts}</td>
                      <td className="url">{d.lastError ?? t('delivery.none')}</td>
                      <td>{d.deliveredAt ? formatDateTime(d.deliveredAt, i18n.language) : t('delivery.none')}</td>
                      <td>
                        {d.status === 'failed' ? (
                          <button
                            type="button"
                            className="small"
                            aria-label={
                              d.event === 'response.overdue' ? t('overdueHooks.retryReminderLabel', { url }) : t('delivery.retryLabel', { number: d.publication, url })
                            }
                            onClick={() => void retry(d)}
                          >
                            {t('delivery.retry')}
                          </button>
                        ) : (
                          t('delivery.none')
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ))}
    </>
  );
}

/** Adds a webhook; the signing secret comes back this once and is shown until dismissed. */
function AddWebhook({ sessionId, token, onAdded }: { sessionId: string; token: string; onAdded: () => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [copy, setCopy] = useState<'copied' | 'failed' | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const secretRef = useRef<HTMLDivElement>(null);
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();

  useEffect(() => {
    if (secret) secretRef.current?.focus();
  }, [secret]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = url.trim();
    if (!/^https?:\/\/\S+$/i.test(value)) {
      setError(t('delivery.urlInvalid'));
      inputRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const added = await addWebhook(sessionId, token, value);
      setSecret({ url: added.url, secret: added.secret });
      setCopy(null);
      setUrl('');
      onAdded();
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'VALIDATION_FAILED'
          ? /^Private targets/.test(err.message)
            ? t('overdueHooks.privateRefused')
            : t('delivery.urlInvalid')
          : err instanceof ApiError && err.code === 'CONFLICT'
            ? /already/i.test(err.message)
              ? t('delivery.urlTaken')
              : t('delivery.tooMany')
            : errorText(err),
      );
      inputRef.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  const copySecret = async () => {
    try {
      await navigator.clipboard.writeText(secret!.secret);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  };

  return (
    <>
      {secret && (
        <div className="callout warn secret" ref={secretRef} tabIndex={-1} role="group" aria-labelledby="secret-heading" data-testid="webhook-secret">
          <h4 id="secret-heading">{t('delivery.secretHeading')}</h4>
          <p className="url">{secret.url}</p>
          <p>
            <code className="secret-value" data-testid="webhook-secret-value">
              {secret.secret}
            </code>
          </p>
          <p>
            <strong>{t('delivery.secretNote')}</strong>
          </p>
          <div className="controls">
            <button type="button" className="small" onClick={() => void copySecret()}>
              {t('delivery.copy')}
            </button>
            <button
              type="button"
              className="small"
              onClick={() => {
                setSecret(null);
                inputRef.current?.focus();
              }}
            >
              {t('delivery.secretDone')}
            </button>
          </div>
          <p role="status">{copy && (copy === 'copied' ? t('delivery.copied') : t('delivery.copyFailed'))}</p>
        </div>
      )}
      <form className="add-webhook" onSubmit={(e) => void submit(e)} noValidate>
        <label htmlFor={inputId}>{t('delivery.url')}</label>
        <p id={hintId} className="hint">
          {t('delivery.urlHint')}
        </p>
        <div className="inline-field wide">
          <input
            ref={inputRef}
            id={inputId}
            type="url"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            maxLength={2000}
            value={url}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${hintId} ${errorId}` : hintId}
            onChange={(e) => setUrl(e.target.value)}
          />
          <button type="submit" disabled={busy}>
            {t('delivery.add')}
          </button>
        </div>
        <div role="alert" id={errorId}>
          {error && <p className="field-error">{error}</p>}
        </div>
      </form>
    </>
  );
}
