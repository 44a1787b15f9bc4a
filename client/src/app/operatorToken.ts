/**
 * The operator token, remembered only when the person asks for it. It lets anyone start
 * town halls on this server, so it is kept in sessionStorage, not localStorage: it lasts
 * while this browser tab is open (an organiser starting several town halls types it once)
 * and is gone when the tab is closed, so a shared or borrowed computer does not keep it.
 */
const KEY = 'townhall.operatorToken';

export function loadOperatorToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function rememberOperatorToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    /* storage blocked: the token is simply not remembered */
  }
}
