import { useTranslation } from 'react-i18next';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { isolate } from '../i18n';
import { navigate, SETUP_PATH, sessionPath } from '../router';
import { listCredentials } from '../storage';

export function HomePage({ notFound = false }: { notFound?: boolean }) {
  const { t } = useTranslation();
  useDocumentTitle(null);
  const joined = listCredentials();
  return (
    <div className="page narrow">
      <h1>{t('home.title')}</h1>
      {notFound && <p className="callout warn">{t('home.notFound')}</p>}
      <p>{t('home.intro')}</p>
      <section aria-labelledby="home-start" className="home-start">
        <h2 id="home-start">{t('home.startHeading')}</h2>
        <p>{t('home.startIntro')}</p>
        <p>
          <a
            className="button primary"
            href={SETUP_PATH}
            onClick={(e) => {
              e.preventDefault();
              navigate(SETUP_PATH);
            }}
          >
            {t('home.startLink')}
          </a>
        </p>
      </section>
      {joined.length > 0 && (
        <section aria-labelledby="home-sessions">
          <h2 id="home-sessions">{t('home.yourSessions')}</h2>
          <ul className="plain">
            {joined.map((c) => (
              <li key={c.sessionId}>
                <a
                  href={sessionPath(c.sessionId)}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(sessionPath(c.sessionId));
                  }}
                >
                  {t('home.continueAs', { title: isolate(c.title || c.sessionId), name: isolate(c.displayName) })}
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
