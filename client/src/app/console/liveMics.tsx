import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { MicsView } from '../../../../shared/src/index.js';
import { useSession } from '../session/context';

/** Per room, whose microphone is sending; null while the server has no audio (or has not said yet). */
type LiveMics = ReadonlyMap<string, readonly string[]> | null;

const LiveMicsContext = createContext<LiveMics>(null);

/**
 * The console follows whose microphone is live without joining the audio itself (a
 * facilitator may run a session with their speakers off). The server says so on every
 * connect (`audio.status`), so watching again there covers reconnects and a session
 * that moved to another node.
 */
export function LiveMicsProvider({ children }: { children: ReactNode }) {
  const { connection } = useSession();
  const [mics, setMics] = useState<LiveMics>(null);
  useEffect(() => {
    const socket = connection.client.socket as unknown as { on(e: string, f: (m: never) => void): void; off(e: string, f: (m: never) => void): void };
    let cancelled = false;
    const watch = async () => {
      const ack = await connection.client.send('audio.watchMics', {});
      if (cancelled || !ack.ok) return;
      const { rooms } = ack.result as { rooms: MicsView[] };
      setMics(new Map(rooms.map((r) => [r.roomId, r.live])));
    };
    const onStatus = (s: { enabled: boolean }) => {
      if (s.enabled) void watch();
      else setMics(null);
    };
    const onMics = (m: MicsView) => setMics((prev) => new Map(prev ?? []).set(m.roomId, m.live));
    socket.on('audio.status', onStatus);
    socket.on('audio.mics', onMics);
    if (connection.client.audioStatus?.enabled) void watch();
    return () => {
      cancelled = true;
      socket.off('audio.status', onStatus);
      socket.off('audio.mics', onMics);
    };
  }, [connection]);
  return <LiveMicsContext.Provider value={mics}>{children}</LiveMicsContext.Provider>;
}

/** Whether this participant's microphone is sending in that room; null when the server has no audio. */
export function useMicLive(roomId: string, participantId: string): boolean | null {
  const mics = useContext(LiveMicsContext);
  if (!mics) return null;
  return mics.get(roomId)?.includes(participantId) ?? false;
}
