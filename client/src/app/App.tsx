import { useTranslation } from 'react-i18next';
import { LanguageSwitcher } from './components/LanguageSwitcher';
import { HomePage } from './pages/HomePage';
import { JoinPage } from './pages/JoinPage';
import { InvitesPage, NewSessionPage, ProjectorPage, SessionPage } from './pages/lazyPages';
import { parseRoute, usePathname } from './router';

export function App() {
  const { t } = useTranslation();
  const route = parseRoute(usePathname());
  // The room's screen has nothing to skip to and nothing to switch: no bar, no controls.
  if (route.page === 'projector') return <ProjectorPage key={route.sessionId} sessionId={route.sessionId} />;
  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipToMain')}
      </a>
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <LanguageSwitcher />
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === 'home' && <HomePage />}
        {route.page === 'not-found' && <HomePage notFound />}
        {route.page === 'join' && <JoinPage key={route.sessionId} sessionId={route.sessionId} />}
        {route.page === 'session' && <SessionPage key={route.sessionId} sessionId={route.sessionId} />}
        {route.page === 'setup' && <NewSessionPage />}
        {route.page === 'invites' && <InvitesPage key={route.sessionId} sessionId={route.sessionId} />}
      </main>
    </>
  );
}
