import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** The tab's title; while this person has the floor it says so first, for a tab in the background or a phone's task switcher. */
export function useDocumentTitle(title: string | null | undefined, opts: { youHaveTheFloor?: boolean } = {}): void {
  const { t } = useTranslation();
  const full = title ? (opts.youHaveTheFloor ? t('status.tabTitleFloor', { title }) : t('app.documentTitle', { title })) : t('app.name');
  useEffect(() => {
    document.title = full;
  }, [full]);
}

/** Moves focus to the page's heading once it is shown, so a screen reader starts there after navigating. */
export function focusOnMount(el: HTMLElement | null): void {
  if (el && document.activeElement === document.body) el.focus({ preventScroll: true });
}
