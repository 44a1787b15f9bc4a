import Database from 'better-sqlite3';
import * as decoding from 'lib0/decoding';
import { join as joinPath } from 'node:path';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

export interface DraftClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Close codes the server sent, in order. */
  closes: { code: number; reason: string }[];
  /** Permission-denied reasons the server sent (y-websocket logs them with console.warn). */
  denied: string[];
  destroy(): void;
}

/** The stock y-websocket provider, unchanged, in Node with the `ws` polyfill. */
export function draftClient(url: string, sessionId: string, roomId: string, token: string): DraftClient {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${url.replace(/^http/, 'ws')}/yjs`, `${sessionId}:${roomId}`, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  const client: DraftClient = {
    doc,
    provider,
    closes: [],
    denied: [],
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
  provider.on('connection-close', (event) => {
    if (event) client.closes.push({ code: event.code, reason: event.reason });
  });
  // The stock handler for auth messages only warns on the console; record what the server said instead.
  provider.messageHandlers[2] = (_encoder, decoder) => {
    if (decoding.readVarUint(decoder) === 0) client.denied.push(decoding.readVarString(decoder));
  };
  return client;
}

export function synced(c: DraftClient, timeoutMs = 10_000): Promise<void> {
  if (c.provider.synced) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('provider did not sync')), timeoutMs);
    c.provider.once('sync', (s: boolean) => {
      if (s) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** Resolve once `predicate(doc)` holds, checking on every update. */
export function until(doc: Y.Doc, predicate: (doc: Y.Doc) => boolean, timeoutMs = 10_000, what = 'document condition'): Promise<void> {
  if (predicate(doc)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate(doc)) {
        doc.off('update', check);
        clearTimeout(timer);
        resolve();
      }
    };
    const timer = setTimeout(() => {
      doc.off('update', check);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    doc.on('update', check);
  });
}

/** Poll until `predicate()` holds; the deadline only turns a hang into a failure. */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A room's document as the server stored it, read back from the SQLite file: the updates, raw and applied. */
export function storedDoc(dataDir: string, sessionId: string, roomId: string): { doc: Y.Doc; rows: number; raw: Buffer } {
  const db = new Database(joinPath(dataDir, 'townhall.sqlite'), { readonly: true });
  const rows = db.prepare('SELECT data FROM doc_updates WHERE doc = ? ORDER BY id').all(`${sessionId}:${roomId}`) as { data: Buffer }[];
  db.close();
  const doc = new Y.Doc();
  for (const r of rows) Y.applyUpdate(doc, new Uint8Array(r.data));
  return { doc, rows: rows.length, raw: Buffer.concat(rows.map((r) => r.data)) };
}
