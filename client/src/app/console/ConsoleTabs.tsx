import { useRef, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { CONSOLE_TABS, type ConsoleTab } from './consoleTabs';

export const tabId = (tab: ConsoleTab) => `console-tab-${tab}`;
export const panelId = (tab: ConsoleTab) => `console-panel-${tab}`;

/**
 * The WAI-ARIA tabs pattern: one tab stop for the whole list, arrows (and Home/End)
 * move and select, so a facilitator reaches any area in two keystrokes. Selection
 * follows focus because each panel renders from state already in memory.
 */
export function ConsoleTabs({ current, onSelect, badges }: { current: ConsoleTab; onSelect: (tab: ConsoleTab) => void; badges: Partial<Record<ConsoleTab, ReactNode>> }) {
  const { t } = useTranslation();
  const refs = useRef(new Map<ConsoleTab, HTMLButtonElement>());
  const move = (e: KeyboardEvent, from: ConsoleTab) => {
    const i = CONSOLE_TABS.indexOf(from);
    const last = CONSOLE_TABS.length - 1;
    const to =
      e.key === 'ArrowRight' ? (i === last ? 0 : i + 1) : e.key === 'ArrowLeft' ? (i === 0 ? last : i - 1) : e.key === 'Home' ? 0 : e.key === 'End' ? last : null;
    if (to === null) return;
    e.preventDefault();
    const tab = CONSOLE_TABS[to]!;
    onSelect(tab);
    refs.current.get(tab)?.focus();
  };
  return (
    <div className="console-tabs" role="tablist" aria-label={t('console.tabsLabel')}>
      {CONSOLE_TABS.map((tab) => (
        <button
          key={tab}
          ref={(el) => {
            if (el) refs.current.set(tab, el);
            else refs.current.delete(tab);
          }}
          type="button"
          role="tab"
          id={tabId(tab)}
          aria-selected={tab === current}
          aria-controls={panelId(tab)}
          tabIndex={tab === current ? 0 : -1}
          className="console-tab"
          onClick={() => onSelect(tab)}
          onKeyDown={(e) => move(e, tab)}
        >
          {t(`console.tabs.${tab}`)}
          {badges[tab] !== undefined && <span className="console-badge">{badges[tab]}</span>}
        </button>
      ))}
    </div>
  );
}
