import { useCallback, useRef, useSyncExternalStore } from 'react';
import type * as Y from 'yjs';

/**
 * A value read from a Y.Doc, re-read on every change to the document. The same object
 * comes back until its content changes (compared as JSON), so React renders only then.
 * `read` must be stable (useCallback) and return plain data.
 */
export function useDocValue<T>(doc: Y.Doc, read: () => T): T {
  const cache = useRef<{ key: string; value: T } | null>(null);
  const subscribe = useCallback(
    (onChange: () => void) => {
      doc.on('update', onChange);
      return () => doc.off('update', onChange);
    },
    [doc],
  );
  const snapshot = useCallback(() => {
    const value = read();
    const key = JSON.stringify(value);
    if (cache.current?.key !== key) cache.current = { key, value };
    return cache.current.value;
  }, [read]);
  return useSyncExternalStore(subscribe, snapshot);
}
