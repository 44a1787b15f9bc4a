/** Languages a facilitator is offered for interpreters: the EU's most spoken and its largest migrant communities'. */
export const INTERPRETATION_LANGUAGES = ['de', 'en', 'fr', 'it', 'es', 'pl', 'nl', 'pt', 'ro', 'tr', 'ar', 'uk', 'ru', 'el', 'cs', 'hu', 'sv'] as const;

/** A language tag in the reader's language ("Deutsch", "German"), falling back to the tag itself. */
export function languageName(tag: string, uiLanguage: string): string {
  try {
    return new Intl.DisplayNames([uiLanguage], { type: 'language' }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}
