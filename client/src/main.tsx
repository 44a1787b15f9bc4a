import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { initI18n } from './app/i18n';
import { checkInviteEarly } from './app/pages/JoinPage';
import './app/styles.css';

checkInviteEarly(window.location.pathname);
initI18n();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
