import { useEffect } from 'react';
import type { Role } from '../../../../shared/src/domain.js';
import { Deferred, lazyPart } from '../components/Deferred';
import { loadSessionStrings } from '../i18n';
import { loadCredential } from '../storage';

/**
 * The session page and everything under it (the control channel, the layouts) are
 * chunks of their own: the join and home pages, which a phone on a slow network opens
 * first, carry none of it. Each loader fetches its chunk once, whoever asks first.
 */
/** A page's code together with the strings it shows (the first script carries only the join page's). */
const withStrings =
  <T,>(load: () => Promise<T>) =>
  () =>
    Promise.all([load(), loadSessionStrings()]).then(([page]) => page);

const loadSessionPage = withStrings(() => import('./SessionPage').then((m) => m.SessionPage));
export const loadConsoleLayout = () => import('../console/ConsoleLayout').then((m) => m.ConsoleLayout);
export const loadParticipantLayout = () => import('../participant/ParticipantLayout').then((m) => m.ParticipantLayout);

const LazySessionPage = lazyPart(loadSessionPage);
const LazyNewSessionPage = lazyPart(withStrings(() => import('./NewSessionPage').then((m) => m.NewSessionPage)));
const LazyInvitesPage = lazyPart(withStrings(() => import('./InvitesPage').then((m) => m.InvitesPage)));
const LazyProjectorPage = lazyPart(withStrings(() => import('../projector/ProjectorPage').then((m) => m.ProjectorPage)));

const ignore = () => {
  /* a failed fetch shows where the part is rendered (Deferred) */
};

/** Starts fetching the session page, and the layout for this role, before they are needed. */
export function preloadSessionPage(role: Role | undefined): void {
  loadSessionPage().catch(ignore);
  if (role) (role === 'facilitator' ? loadConsoleLayout : loadParticipantLayout)().catch(ignore);
}

/** /s/<sessionId>, fetched on demand ("Loading…" until it is there). */
export function SessionPage({ sessionId }: { sessionId: string }) {
  // The layout's code comes alongside the page's instead of after it: one round trip less on a slow phone.
  // (This component stays outside the Suspense boundary, so the effect runs while the page is still loading.)
  useEffect(() => preloadSessionPage(loadCredential(sessionId)?.role), [sessionId]);
  return (
    <Deferred className="page narrow">
      <LazySessionPage sessionId={sessionId} />
    </Deferred>
  );
}

/** /s/<sessionId>/projector, fetched on demand: the room's screen needs none of the session page. */
export function ProjectorPage(props: { sessionId: string }) {
  return (
    <Deferred className="page narrow">
      <LazyProjectorPage {...props} />
    </Deferred>
  );
}

/** /new: starting a town hall is for the few who run one; nobody joining downloads it. */
export function NewSessionPage() {
  return (
    <Deferred className="page narrow">
      <LazyNewSessionPage />
    </Deferred>
  );
}

/** /new/<sessionId>: the invitation links of a town hall just started on this device. */
export function InvitesPage(props: { sessionId: string }) {
  return (
    <Deferred className="page narrow">
      <LazyInvitesPage {...props} />
    </Deferred>
  );
}
