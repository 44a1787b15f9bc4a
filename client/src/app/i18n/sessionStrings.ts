import i18next from 'i18next';
import { deSession } from './de.session';
import { enSession } from './en.session';

/**
 * Adds the strings of the session, setup and projector pages, in both languages (so a
 * switch of language needs nothing more). This module is fetched with those pages: the
 * join page, the first thing a phone opens, carries only the core strings.
 */
export function addSessionStrings(): void {
  i18next.addResourceBundle('en', 'translation', enSession, true, false);
  i18next.addResourceBundle('de', 'translation', deSession, true, false);
}
