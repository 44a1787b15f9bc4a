/** 75 000 → "1:15", 3 725 000 → "1:02:05". Negative input is shown as its magnitude. */
export function formatDuration(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Countdowns round up, so "0:00" only shows once the time is really up. */
export function formatRemaining(ms: number): string {
  return formatDuration(ms > 0 ? Math.ceil(ms / 1000) * 1000 : ms);
}
