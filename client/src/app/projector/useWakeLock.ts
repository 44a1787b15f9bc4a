import { useEffect } from 'react';

/**
 * Keeps the projecting machine's screen awake: a laptop that dims and locks halfway
 * through a debate blanks the hall's screen. Browsers drop the lock when the tab is
 * hidden, so it is asked for again when the tab comes back. Where there is no Wake Lock
 * API, or it is refused (battery saver), the screen simply behaves as the system says.
 */
export function useWakeLock(): void {
  useEffect(() => {
    if (!('wakeLock' in navigator)) return;
    let lock: WakeLockSentinel | null = null;
    let disposed = false;
    const request = () => {
      if (document.visibilityState !== 'visible' || (lock && !lock.released)) return;
      navigator.wakeLock.request('screen').then(
        (l) => {
          if (disposed) void l.release();
          else lock = l;
        },
        () => {},
      );
    };
    request();
    document.addEventListener('visibilitychange', request);
    return () => {
      disposed = true;
      document.removeEventListener('visibilitychange', request);
      void lock?.release();
    };
  }, []);
}
