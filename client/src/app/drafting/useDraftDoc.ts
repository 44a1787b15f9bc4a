import * as decoding from 'lib0/decoding';
import { useEffect, useState } from 'react';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

export interface DraftConnection {
  /** Changes whenever the document is replaced (a room change, or a fresh start after a refusal). */
  key: string;
  doc: Y.Doc;
  provider: WebsocketProvider;
  synced: boolean;
  /** Permanent close (4400–4499) while still in this room: the provider stopped reconnecting. */
  closed: { code: number; reason: string } | null;
}

/** A stable colour per participant, for their remote cursor. */
export function colorFor(id: string): string {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return `hsl(${h} 70% 35%)`;
}

/**
 * The room's shared document over the stock y-websocket provider
 * (/yjs/<sessionId>:<roomId>?token=…, docs/PROTOCOL.md §10).
 *
 * A permission-denied message means the server refused one of our updates, which stays
 * in our Y.Doc and would be sent again on every reconnect; so the doc is discarded and a
 * fresh one is synced from the server (§10, "A refused update stays in the sender's
 * copy"). A change of room (a breakout, a recall) switches to the new room's document.
 */
export function useDraftDoc(opts: {
  sessionId: string;
  roomId: string;
  token: string;
  user: { name: string; color: string };
  onDenied: (reason: string) => void;
}): DraftConnection | null {
  const { sessionId, roomId, token } = opts;
  const [generation, setGeneration] = useState(0);
  const [conn, setConn] = useState<DraftConnection | null>(null);
  const { name, color } = opts.user;
  const onDenied = opts.onDenied;

  useEffect(() => {
    const doc = new Y.Doc();
    const base = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/yjs`;
    const provider = new WebsocketProvider(base, `${sessionId}:${roomId}`, doc, { params: { token }, disableBc: true });
    const key = `${roomId}#${generation}`;
    let current: DraftConnection = { key, doc, provider, synced: false, closed: null };
    let disposed = false;
    const update = (patch: Partial<DraftConnection>) => {
      if (disposed) return;
      current = { ...current, ...patch };
      setConn(current);
    };
    provider.awareness.setLocalStateField('user', { name, color, colorLight: color.replace(')', ' / 0.2)') });
    provider.messageHandlers[2] = (_encoder, decoder) => {
      if (decoding.readVarUint(decoder) !== 0) return;
      const reason = decoding.readVarString(decoder);
      // Defer: this runs inside the provider's message handler.
      setTimeout(() => {
        if (disposed) return;
        onDenied(reason);
        setGeneration((g) => g + 1);
      }, 0);
    };
    provider.on('sync', (s: boolean) => update({ synced: s }));
    provider.on('connection-close', (event) => {
      if (event && event.code >= 4400 && event.code < 4500) update({ closed: { code: event.code, reason: event.reason } });
    });
    setConn(current);
    return () => {
      disposed = true;
      provider.awareness.setLocalState(null);
      provider.destroy();
      doc.destroy();
    };
  }, [sessionId, roomId, token, generation, name, color, onDenied]);

  return conn && conn.key === `${roomId}#${generation}` ? conn : null;
}
