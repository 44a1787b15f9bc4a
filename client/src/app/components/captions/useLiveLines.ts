import { useEffect, useState } from 'react';
import type { LiveCaptionLine } from '../../../../../shared/src/index.js';
import { useSession } from '../../session/context';

/** The lines captioners of a room are typing right now, by captioner; pushed by the server, never in the view. */
export function useLiveLines(roomId: string | undefined): Map<string, string> {
  const { connection } = useSession();
  const [lines, setLines] = useState<Map<string, string>>(() => new Map());
  useEffect(() => {
    setLines(new Map());
    const socket = connection.client.socket;
    const onLine = (line: LiveCaptionLine) => {
      if (line.roomId !== roomId) return;
      setLines((old) => {
        const next = new Map(old);
        if (line.text) next.set(line.participantId, line.text);
        else next.delete(line.participantId);
        return next;
      });
    };
    socket.on('captions.live', onLine);
    return () => {
      socket.off('captions.live', onLine);
    };
  }, [connection, roomId]);
  return lines;
}
