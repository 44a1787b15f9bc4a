/** The console's tabs, in the order a live session moves through them. */
export const CONSOLE_TABS = ['floor', 'questions', 'drafting', 'people', 'outcome', 'session'] as const;
export type ConsoleTab = (typeof CONSOLE_TABS)[number];

const key = (sessionId: string) => `townhall.console-tab.${sessionId}`;

/**
 * The open tab survives a reload (a facilitator who refreshes mid-session lands where
 * they were), per browser tab: sessionStorage, so a second window can show another tab.
 */
export function rememberedTab(sessionId: string): ConsoleTab {
  try {
    const stored = sessionStorage.getItem(key(sessionId));
    if ((CONSOLE_TABS as readonly string[]).includes(stored ?? '')) return stored as ConsoleTab;
  } catch {
    /* storage unavailable: the first tab */
  }
  return 'floor';
}

export function rememberTab(sessionId: string, tab: ConsoleTab): void {
  try {
    sessionStorage.setItem(key(sessionId), tab);
  } catch {
    /* not remembered, still switched */
  }
}
