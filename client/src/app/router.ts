import { useSyncExternalStore } from 'react';

/**
 * The app has a handful of pages, so a router library would be more code than it saves:
 *   /                 home
 *   /join/<sessionId> join with the invite in the fragment (#invite=…)
 *   /s/<sessionId>    the session itself
 *   /s/<sessionId>/projector[?room=<roomId>]  the read-only view for the room's screen
 *   /new              start a town hall (the facilitator's setup form)
 *   /new/<sessionId>  the invitation links of a town hall just started on this device
 * The server answers every such path with index.html (server/src/http/staticClient.ts).
 */
export type Route =
  | { page: 'home' }
  | { page: 'join'; sessionId: string }
  | { page: 'session'; sessionId: string }
  | { page: 'projector'; sessionId: string }
  | { page: 'setup' }
  | { page: 'invites'; sessionId: string }
  | { page: 'not-found' };

const NAVIGATE = 'townhall:navigate';

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '/index.html') return { page: 'home' };
  if (pathname === '/new' || pathname === '/new/') return { page: 'setup' };
  const projector = /^\/s\/([A-Za-z0-9_-]{1,64})\/projector\/?$/.exec(pathname);
  if (projector) return { page: 'projector', sessionId: projector[1]! };
  const m = /^\/(join|s|new)\/([A-Za-z0-9_-]{1,64})\/?$/.exec(pathname);
  if (!m) return { page: 'not-found' };
  const pages = { join: 'join', s: 'session', new: 'invites' } as const;
  return { page: pages[m[1] as keyof typeof pages], sessionId: m[2]! };
}

function subscribe(onChange: () => void) {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE, onChange);
  };
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** Go to another page of the app without reloading. `replace` keeps it out of the back button's history. */
export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE));
}

export const sessionPath = (sessionId: string) => `/s/${encodeURIComponent(sessionId)}`;
export const projectorPath = (sessionId: string) => `${sessionPath(sessionId)}/projector`;
export const SETUP_PATH = '/new';
export const invitesPath = (sessionId: string) => `${SETUP_PATH}/${encodeURIComponent(sessionId)}`;
