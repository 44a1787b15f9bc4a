import { Component, lazy, Suspense, type ComponentType, type LazyExoticComponent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A part of the app whose code could not be fetched: offline, or a new version replaced the old files on the server. */
export class PartLoadError extends Error {
  constructor(cause: unknown) {
    super(`a part of the app could not be loaded: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PartLoadError';
  }
}

/**
 * React.lazy for a named export (the app's modules export names, not defaults). The
 * code is fetched the first time the component renders, so a page carries only what
 * it shows. A failed fetch becomes a PartLoadError, which Deferred turns into a
 * message instead of a blank page.
 */
export function lazyPart<P extends object>(load: () => Promise<ComponentType<P>>): LazyExoticComponent<ComponentType<P>> {
  return lazy(() =>
    load().then(
      (component) => ({ default: component }),
      (err: unknown) => {
        throw new PartLoadError(err);
      },
    ),
  );
}

/**
 * Where a lazily loaded part goes: "Loading…" (a status, so screen readers hear it)
 * while its code arrives, and a way out if it cannot arrive. `className` frames both
 * like the part they stand in for.
 */
export function Deferred({ className, children }: { className?: string; children: ReactNode }) {
  return (
    <LoadFailureBoundary className={className}>
      <Suspense fallback={<Loading className={className} />}>{children}</Suspense>
    </LoadFailureBoundary>
  );
}

function Loading({ className }: { className?: string }) {
  const { t } = useTranslation();
  return (
    <div className={className}>
      <p role="status" className="muted" data-testid="loading-part">
        {t('perf.loading')}
      </p>
    </div>
  );
}

function LoadFailed({ className }: { className?: string }) {
  const { t } = useTranslation();
  return (
    <div className={className}>
      <p className="callout error" role="alert">
        {t('perf.loadFailed')}
      </p>
      {/* A reload fetches the page again, and with it the names of the files the server has now. */}
      <button type="button" className="primary" onClick={() => window.location.reload()}>
        {t('perf.reload')}
      </button>
    </div>
  );
}

/** Catches only PartLoadError: any other error is a bug and goes on up, not hidden behind "could not be loaded". */
class LoadFailureBoundary extends Component<{ className?: string; children: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override render() {
    const { error } = this.state;
    if (error === null) return this.props.children;
    if (error instanceof PartLoadError) return <LoadFailed className={this.props.className} />;
    throw error;
  }
}
