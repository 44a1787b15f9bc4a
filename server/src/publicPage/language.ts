import type { Request } from 'express';
import { PAGE_LANGUAGES, type PageLanguage } from './strings.js';

/** ?lang= first (the links between the two versions use it), then the browser's Accept-Language, then English. */
export function languageOf(req: Request): PageLanguage {
  const asked = req.query.lang;
  if (typeof asked === 'string' && (PAGE_LANGUAGES as readonly string[]).includes(asked)) return asked as PageLanguage;
  const accepted = req.acceptsLanguages(...PAGE_LANGUAGES);
  return accepted === 'de' ? 'de' : 'en';
}
