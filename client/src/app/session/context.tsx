import { createContext, useCallback, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { Ack, CommandInput, CommandName, ErrorBody, RoomView } from '../../../../shared/src/index.js';
import type { SessionConnection, SessionSnapshot } from './SessionConnection';

interface SessionContextValue {
  connection: SessionConnection;
  snapshot: SessionSnapshot;
  /** Send a command; a refusal is shown in the page's error area and returned. */
  run: <N extends CommandName>(name: N, payload: CommandInput<N>) => Promise<Ack>;
  error: ErrorBody | null;
  clearError: () => void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ connection, children }: { connection: SessionConnection; children: ReactNode }) {
  const snapshot = useSyncExternalStore(connection.subscribe, connection.getSnapshot);
  const [error, setError] = useState<ErrorBody | null>(null);
  const run = useCallback(
    async <N extends CommandName>(name: N, payload: CommandInput<N>) => {
      const ack = await connection.command(name, payload);
      setError(ack.ok ? null : ack.error);
      return ack;
    },
    [connection],
  );
  const clearError = useCallback(() => setError(null), []);
  return <SessionContext.Provider value={{ connection, snapshot, run, error, clearError }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

/** The room this participant is in (facilitators: the plenary, which this slice of the client runs). */
export function useMyRoom(): RoomView | undefined {
  const { snapshot } = useSession();
  const roomId = snapshot.me?.roomId ?? 'plenary';
  return snapshot.view?.rooms.find((r) => r.id === roomId) ?? snapshot.view?.rooms[0];
}

/**
 * Runs an action with a busy flag, so a button cannot send the same thing twice while
 * the first is in flight, and nothing can be sent while the connection is down.
 */
export function useAction(opts: { afterClose?: boolean } = {}) {
  const { run, snapshot } = useSession();
  const [busy, setBusy] = useState(false);
  const act = useCallback(
    async <N extends CommandName>(name: N, payload: CommandInput<N>): Promise<Ack | null> => {
      setBusy(true);
      try {
        return await run(name, payload);
      } finally {
        setBusy(false);
      }
    },
    [run],
  );
  return { act, busy, disabled: busy || snapshot.status !== 'connected' || (!opts.afterClose && snapshot.view?.closed === true) };
}

/**
 * For forms that show a refusal next to their own fields (which field, what to fix)
 * rather than in the page's error area: like useAction, but the error stays here.
 * `afterClose`: the command is one the server still takes once the session has ended.
 */
export function useFormAction(opts: { afterClose?: boolean } = {}) {
  const { connection, snapshot } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const send = useCallback(
    async <N extends CommandName>(name: N, payload: CommandInput<N>): Promise<Ack> => {
      setBusy(true);
      setError(null);
      try {
        const ack = await connection.command(name, payload);
        if (!ack.ok) setError(ack.error);
        return ack;
      } finally {
        setBusy(false);
      }
    },
    [connection],
  );
  const disabled = busy || snapshot.status !== 'connected' || (!opts.afterClose && snapshot.view?.closed === true);
  return { send, busy, disabled, error, setError };
}

/** This device's clock moved onto the server's: re-renders every `everyMs`. */
export function useServerNow(everyMs = 250): number {
  const { snapshot } = useSession();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now + snapshot.offsetMs;
}
