import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { deCore } from './de.core';
import type { en } from './en';
import { enCore } from './en.core';

/** The languages the app speaks, by their own names (not translated on purpose). */
export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'de', name: 'Deutsch' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

const STORAGE_KEY = 'townhall.language';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}

function isLanguage(code: string | null | undefined): code is Language {
  return LANGUAGES.some((l) => l.code === code);
}

function initialLanguage(): Language {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLanguage(stored)) return stored;
  } catch {
    /* storage unavailable: fall through */
  }
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

/** One i18next instance for the whole app; the chosen language is remembered on this device. */
export function initI18n(): typeof i18next {
  void i18next.use(initReactI18next).init({
    // The core strings only; the rest arrive with the pages that use them (loadSessionStrings).
    resources: { en: { translation: enCore }, de: { translation: deCore } },
    lng: initialLanguage(),
    fallbackLng: 'en',
    supportedLngs: LANGUAGES.map((l) => l.code),
    // React escapes what it renders; escaping here would double-escape names like "O'Connor".
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
  });
  const apply = (lng: string) => {
    document.documentElement.lang = lng;
    try {
      localStorage.setItem(STORAGE_KEY, lng);
    } catch {
      /* not remembered, still switched */
    }
  };
  apply(i18next.language);
  i18next.on('languageChanged', apply);
  return i18next;
}

/** First Strong Isolate … Pop Directional Isolate: a name in another script cannot reorder the sentence around it. */
export const isolate = (s: string) => `\u2068${s}\u2069`;

/**
 * A participant's name, isolated, or "Former participant" once their personal data was
 * erased (the server then sends an empty name). Every place that shows a participant's
 * name goes through here.
 */
export const personName = (displayName: string): string => (displayName === '' ? i18next.t('participants.former') : isolate(displayName));

/** The same, not isolated: for labels and announcements, where the isolate marks would be read out or matched. */
export const plainPersonName = (displayName: string): string => (displayName === '' ? i18next.t('participants.former') : displayName);

let sessionStrings: Promise<void> | null = null;
/** The strings of the session, setup and projector pages, fetched once, before any of them renders. */
export function loadSessionStrings(): Promise<void> {
  sessionStrings ??= import('./sessionStrings').then(
    (m) => m.addSessionStrings(),
    (err: unknown) => {
      // Not cached: the next page asked for tries again (a dropped connection on a phone).
      sessionStrings = null;
      throw err;
    },
  );
  return sessionStrings;
}
