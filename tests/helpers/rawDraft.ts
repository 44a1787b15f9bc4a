/**
 * Raw y-websocket traffic for hostile-input tests: messages crafted byte by byte, a
 * bare `ws` connection that records everything the server sends, and fingerprints
 * of what a client would see (deletions and pending structs included).
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { RunningServer } from './server.js';

export const DEADLINE = 10_000;

// ---------------------------------------------------------------------------
// Messages, crafted by hand
// ---------------------------------------------------------------------------

export function bytes(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

export const syncStep1 = (sv: Uint8Array) =>
  bytes((e) => {
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep1);
    encoding.writeVarUint8Array(e, sv);
  });

export const syncUpdate = (update: Uint8Array) =>
  bytes((e) => {
    encoding.writeVarUint(e, 0);
    syncProtocol.writeUpdate(e, update);
  });

export interface AwarenessEntry {
  clientId: number;
  clock: number;
  state: unknown;
}

export const awarenessUpdate = (entries: AwarenessEntry[]) =>
  bytes((e) => {
    encoding.writeVarUint(e, entries.length);
    for (const { clientId, clock, state } of entries) {
      encoding.writeVarUint(e, clientId);
      encoding.writeVarUint(e, clock);
      encoding.writeVarString(e, JSON.stringify(state));
    }
  });

export const awarenessMessage = (entries: AwarenessEntry[]) =>
  bytes((e) => {
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint8Array(e, awarenessUpdate(entries));
  });

/** One V1 string item at the start of root text `root`, as the first struct of a client entry. */
export function writeRootString(e: encoding.Encoder, root: string, text: string): void {
  encoding.writeUint8(e, 4); // ContentString, no origin, no right origin, no parentSub
  encoding.writeVarUint(e, 1); // parent is a root type, by name
  encoding.writeVarString(e, root);
  encoding.writeVarString(e, text);
}

/** A seeded PRNG (mulberry32), so every "random" frame is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(seed: number, length: number): Uint8Array {
  const next = prng(seed);
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
}

// ---------------------------------------------------------------------------
// Document fingerprints: what a client sees, including deletions and pending structs
// ---------------------------------------------------------------------------

export function fingerprint(doc: Y.Doc) {
  const snap = Y.snapshot(doc);
  return {
    stateVector: [...snap.sv.entries()].sort(([a], [b]) => a - b),
    deleted: [...snap.ds.clients.entries()].sort(([a], [b]) => a - b).map(([client, items]) => [client, items.map((i) => [i.clock, i.len])]),
    pending: doc.store.pendingStructs ? [...doc.store.pendingStructs.missing.entries()].sort(([a], [b]) => a - b) : null,
    pendingDeletes: doc.store.pendingDs !== null,
    // Roots with content: decoding an update registers the root names it mentions even when it adds nothing.
    roots: [...doc.share.entries()]
      .filter(([, t]) => t._start !== null || t._map.size > 0)
      .map(([k]) => k)
      .sort(),
    recommendations: doc.getArray('recommendations').toJSON(),
    comments: doc.getMap('comments').toJSON(),
    amendments: doc.getMap('amendments').toJSON(),
    liveness: doc.getText('liveness').toString(),
  };
}
export type Fingerprint = ReturnType<typeof fingerprint>;

export function docFrom(...updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc;
}

export function fingerprintOf(...updates: Uint8Array[]): Fingerprint {
  const doc = docFrom(...updates);
  const fp = fingerprint(doc);
  doc.destroy();
  return fp;
}

// ---------------------------------------------------------------------------
// A raw `ws` connection
// ---------------------------------------------------------------------------

export function deadline<T>(promise: Promise<T>, what: string, ms = DEADLINE): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface Closed {
  code: number;
  reason: string;
}

/** What came of a connection attempt. */
export interface Attempt {
  opened: boolean;
  close: Closed | null;
  /** HTTP status when the upgrade was answered with something other than 101. */
  status: number | null;
  error: string | null;
}

export const wsUrl = (server: RunningServer, path: string) => server.url.replace(/^http/, 'ws') + path;

export class Raw {
  readonly received: Uint8Array[] = [];
  readonly closed: Promise<Closed>;
  closeInfo: Closed | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.binaryType = 'nodebuffer';
    ws.on('error', () => undefined); // a refused or reset connection still ends in 'close'
    ws.on('message', (data: Buffer) => {
      this.received.push(new Uint8Array(data));
      this.notify();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        this.notify();
        resolve(this.closeInfo);
      });
    });
  }

  static async open(server: RunningServer, path: string): Promise<Raw> {
    const raw = new Raw(new WebSocket(wsUrl(server, path)));
    await deadline(
      new Promise<void>((resolve, reject) => {
        raw.ws.once('open', () => resolve());
        void raw.closed.then((c) => reject(new Error(`refused with ${c.code} ${c.reason}`)));
      }),
      `open ${path}`,
    );
    return raw;
  }

  send(data: Uint8Array | string): void {
    this.ws.send(data, () => undefined);
  }

  /** Resolves with the close the server sent; fails after the deadline. */
  closedWith(): Promise<Closed> {
    return deadline(this.closed, 'server closing the connection');
  }

  /**
   * Ask for the server's whole document (sync step 1 with an empty state vector).
   * Messages are handled one after another, so the answer also means everything
   * sent before it has been handled. Resolves with the state, or with the close.
   */
  async serverState(): Promise<{ state: Uint8Array } | { closed: Closed }> {
    const from = this.received.length;
    this.send(syncStep1(new Uint8Array([0])));
    return deadline(
      new Promise((resolve) => {
        const check = () => {
          for (const m of this.received.slice(from)) {
            const d = decoding.createDecoder(m);
            if (decoding.readVarUint(d) === 0 && decoding.readVarUint(d) === syncProtocol.messageYjsSyncStep2) {
              this.waiters.delete(check);
              return resolve({ state: decoding.readVarUint8Array(d) });
            }
          }
          if (this.closeInfo) {
            this.waiters.delete(check);
            resolve({ closed: this.closeInfo });
          }
        };
        this.waiters.add(check);
        check();
      }),
      'an answer to sync step 1',
    );
  }

  /** The server's document, from a connection that must still be open. */
  async stateNow(): Promise<Uint8Array> {
    const r = await this.serverState();
    if ('closed' in r) throw new Error(`connection was closed: ${r.closed.code} ${r.closed.reason}`);
    return r.state;
  }

  end(): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.terminate();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Try to connect; resolve with how it ended (open then closed by the server, refused over HTTP, or reset). */
export function attempt(server: RunningServer, path: string, headers: Record<string, string> = {}): Promise<Attempt> {
  const ws = new WebSocket(wsUrl(server, path), { headers });
  const result: Attempt = { opened: false, close: null, status: null, error: null };
  return deadline(
    new Promise<Attempt>((resolve) => {
      ws.on('open', () => (result.opened = true));
      ws.on('error', (err) => (result.error = err.message));
      ws.on('unexpected-response', (req: ClientRequest, res: IncomingMessage) => {
        result.status = res.statusCode ?? null;
        res.resume();
        req.destroy();
        resolve(result);
      });
      ws.on('close', (code, reason) => {
        result.close = result.opened ? { code, reason: reason.toString() } : null;
        resolve(result);
      });
    }),
    `attempt ${path}`,
  ).finally(() => ws.terminate());
}

// ---------------------------------------------------------------------------
// Updates crafted struct by struct (Yjs update format v1)
// ---------------------------------------------------------------------------

export type CraftedId = readonly [client: number, clock: number];

/** One string item. With no origin and no right origin it needs a parent: a root key, or the id of the parent type's item. */
export interface CraftedStruct {
  id: CraftedId;
  text: string;
  origin?: CraftedId;
  rightOrigin?: CraftedId;
  parent?: string | CraftedId;
  parentSub?: string;
}

/** A V1 update holding exactly these structs (consecutive per client) and deletions. */
export function craftUpdate(structs: CraftedStruct[], deletes: { client: number; clock: number; len: number }[] = []): Uint8Array {
  const byClient = new Map<number, CraftedStruct[]>();
  for (const s of structs) byClient.set(s.id[0], [...(byClient.get(s.id[0]) ?? []), s]);
  return bytes((e) => {
    encoding.writeVarUint(e, byClient.size);
    for (const [client, list] of byClient) {
      encoding.writeVarUint(e, list.length);
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, list[0]!.id[1]);
      for (const s of list) {
        const info = 4 | (s.origin ? 0x80 : 0) | (s.rightOrigin ? 0x40 : 0) | (s.parentSub !== undefined ? 0x20 : 0);
        encoding.writeUint8(e, info);
        if (s.origin) encoding.writeVarUint(e, s.origin[0]), encoding.writeVarUint(e, s.origin[1]);
        if (s.rightOrigin) encoding.writeVarUint(e, s.rightOrigin[0]), encoding.writeVarUint(e, s.rightOrigin[1]);
        if (!s.origin && !s.rightOrigin) {
          const parent = s.parent ?? 'liveness';
          if (typeof parent === 'string') encoding.writeVarUint(e, 1), encoding.writeVarString(e, parent);
          else encoding.writeVarUint(e, 0), encoding.writeVarUint(e, parent[0]), encoding.writeVarUint(e, parent[1]);
          if (s.parentSub !== undefined) encoding.writeVarString(e, s.parentSub);
        }
        encoding.writeVarString(e, s.text);
      }
    }
    const dsByClient = new Map<number, { clock: number; len: number }[]>();
    for (const d of deletes) dsByClient.set(d.client, [...(dsByClient.get(d.client) ?? []), d]);
    encoding.writeVarUint(e, dsByClient.size);
    for (const [client, ranges] of dsByClient) {
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, ranges.length);
      for (const r of ranges) encoding.writeVarUint(e, r.clock), encoding.writeVarUint(e, r.len);
    }
  });
}

/** The id of the character at `index` of a Y.Text, as the server holds it. */
export function charId(text: Y.Text, index: number): CraftedId {
  let n = 0;
  for (let item = text._start; item !== null; item = item.right) {
    if (item.deleted || !item.countable) continue;
    if (index < n + item.length) return [item.id.client, item.id.clock + index - n];
    n += item.length;
  }
  throw new Error(`no character at ${index}`);
}

/** Everything a client sees, with map keys sorted (Y.Map key order differs between peers), as one string. */
export function canonicalDoc(doc: Y.Doc): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, sort(x)]),
          )
        : v;
  return JSON.stringify(
    sort({
      recommendations: doc.getArray('recommendations').toJSON(),
      comments: doc.getMap('comments').toJSON(),
      amendments: doc.getMap('amendments').toJSON(),
      liveness: doc.getText('liveness').toString(),
    }),
  );
}
