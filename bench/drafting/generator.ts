/**
 * A load-generator process for the drafting bench: a share of the editors and viewers,
 * each a stock y-websocket `WebsocketProvider` (the `ws` package as its WebSocket, no
 * BroadcastChannel), driven by requests from the parent over IPC (protocol.ts).
 *
 * Run by the parent with fork(); not meant to be started by hand.
 */
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import * as decoding from 'lib0/decoding';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { addRecommendation, DOC, findRecommendation } from '../../shared/src/drafting.js';
import {
  bodyLength,
  entryText,
  monoMs,
  recommendationId,
  type ClientSpec,
  type DrainedResult,
  type Message,
  type ReportResult,
  type Reply,
  type Request,
  type TypedResult,
} from './protocol.js';

// canonicalize is CommonJS whose typings claim an ES default export; Node hands over module.exports.
type Canonicalize = (input: unknown) => string | undefined;
const canonicalize: Canonicalize = (canonicalizeModule as unknown as { default?: Canonicalize }).default ?? (canonicalizeModule as unknown as Canonicalize);

interface Client {
  spec: ClientSpec;
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Bodies of the editors' recommendations, by editor number, once they exist. */
  bodies: (Y.Text | null)[];
  /** Sampled viewers: [editor][entry] → arrival time. */
  arrivals: (number | null)[][] | null;
}

const clients: Client[] = [];
let closes = 0;
const denied: string[] = [];
const received: Record<string, number> = {};
const MESSAGE_TYPES = ['sync', 'awareness', 'auth', 'queryAwareness'];

function newClient(wsUrl: string, room: string, spec: ClientSpec): Client {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(wsUrl, room, doc, {
    ...(spec.token ? { params: { token: spec.token } } : {}),
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  provider.on('connection-close', (event) => {
    if (event) closes += 1;
  });
  // The stock handler for auth messages only warns on the console; keep what the server said instead.
  provider.messageHandlers[2] = (_encoder, decoder) => {
    if (decoding.readVarUint(decoder) === 0) denied.push(decoding.readVarString(decoder));
  };
  // Count what arrives, by message type, without changing how the provider handles it.
  for (const [type, handler] of provider.messageHandlers.entries()) {
    if (!handler) continue;
    const name = MESSAGE_TYPES[type] ?? String(type);
    provider.messageHandlers[type] = (...args) => {
      received[name] = (received[name] ?? 0) + 1;
      handler(...args);
    };
  }
  return { spec, doc, provider, bodies: [], arrivals: null };
}

function synced(c: Client, timeoutMs: number): Promise<void> {
  if (c.provider.synced) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`a provider did not sync within ${timeoutMs} ms`)), timeoutMs);
    const onSync = (s: boolean) => {
      if (!s) return;
      clearTimeout(timer);
      c.provider.off('sync', onSync);
      resolve();
    };
    c.provider.on('sync', onSync);
  });
}

async function poll(done: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = monoMs() + timeoutMs;
  while (!done()) {
    if (monoMs() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}

/** Look up each editor's body once it exists; true when all are there. */
function resolveBodies(c: Client, editors: number): boolean {
  let all = true;
  for (let k = 0; k < editors; k++) {
    if (c.bodies[k]) continue;
    const body = findRecommendation(c.doc, recommendationId(k))?.get('body');
    if (body instanceof Y.Text) c.bodies[k] = body;
    else all = false;
  }
  return all;
}

/** A sampled viewer notes when each entry first reaches its document. */
function recordArrivals(c: Client, editors: number, entries: number): void {
  const arrivals = Array.from({ length: editors }, () => new Array<number | null>(entries).fill(null));
  c.arrivals = arrivals;
  const editorOf = new Map<Y.Text, number>();
  c.bodies.forEach((b, k) => b && editorOf.set(b, k));
  c.doc.getArray(DOC.recommendations).observeDeep((events) => {
    const now = monoMs();
    for (const event of events) {
      const k = event.target instanceof Y.Text ? editorOf.get(event.target) : undefined;
      if (k === undefined) continue;
      for (const op of event.delta) {
        if (typeof op.insert !== 'string') continue;
        for (const m of op.insert.matchAll(/(\d+);/g)) {
          const i = Number(m[1]);
          if (i < entries && arrivals[k]![i] === null) arrivals[k]![i] = now;
        }
      }
    }
  });
}

/** The document as canonical JSON (RFC 8785), hashed: equal hashes, equal documents. */
function documentHash(doc: Y.Doc): string {
  const json = canonicalize({
    recommendations: doc.getArray(DOC.recommendations).toJSON(),
    comments: doc.getMap(DOC.comments).toJSON(),
    amendments: doc.getMap(DOC.amendments).toJSON(),
  });
  return createHash('sha256')
    .update(json ?? '', 'utf8')
    .digest('hex');
}

async function handle(req: Request): Promise<unknown> {
  switch (req.op) {
    case 'connect': {
      // Spread over the ramp: people arrive over time, and so the awareness renewals each provider makes every
      // 15 s are spread evenly too, instead of coming in rounds that fall unevenly into the measured windows.
      const start = monoMs();
      const step = req.rampMs / Math.max(1, req.clients.length);
      const waits: Promise<void>[] = [];
      for (const [i, spec] of req.clients.entries()) {
        await new Promise((r) => setTimeout(r, Math.max(0, start + (i + req.phase) * step - monoMs())));
        const c = newClient(req.wsUrl, req.room, spec);
        if (req.viewersQuiet && spec.kind === 'viewer') c.provider.awareness.setLocalState(null);
        clients.push(c);
        waits.push(synced(c, req.timeoutMs));
      }
      await Promise.all(waits);
      return clients.length;
    }
    case 'create': {
      for (const c of clients) {
        if (c.spec.kind !== 'editor') continue;
        const k = c.spec.editor!;
        addRecommendation(c.doc, { id: recommendationId(k), title: `Recommendation of editor ${k}`, body: '', rationale: '' });
      }
      return null;
    }
    case 'awaitRecommendations': {
      const ok = await poll(() => clients.every((c) => resolveBodies(c, req.editors)), req.timeoutMs);
      if (!ok) throw new Error(`not every client saw ${req.editors} recommendations within ${req.timeoutMs} ms`);
      return null;
    }
    case 'type': {
      const editors = clients.filter((c) => c.spec.kind === 'editor');
      for (const c of clients) if (c.spec.sampled) recordArrivals(c, req.editors, req.entries);
      const result: TypedResult = { sends: {}, typed: 0, lastSentAt: 0 };
      await Promise.all(
        editors.map(
          (c) =>
            new Promise<void>((resolve) => {
              const k = c.spec.editor!;
              const body = c.bodies[k]!;
              const sends: number[] = (result.sends[k] = []);
              // Editors are spread evenly over one period, so the server sees a steady stream.
              const first = req.startAt + (k / req.editors) * req.periodMs;
              let i = 0;
              const next = () => {
                const t = monoMs();
                sends.push(t);
                body.insert(body.length, entryText(i));
                result.typed += 1;
                result.lastSentAt = Math.max(result.lastSentAt, t);
                i += 1;
                if (i >= req.entries) return resolve();
                setTimeout(next, Math.max(0, first + i * req.periodMs - monoMs()));
              };
              setTimeout(next, Math.max(0, first - monoMs()));
            }),
        ),
      );
      return result;
    }
    case 'awaitDrained': {
      const expected = bodyLength(req.entries);
      const complete = (c: Client) => c.bodies.length >= req.editors && c.bodies.every((b) => b !== null && b.length >= expected);
      const ok = await poll(() => clients.every(complete), req.timeoutMs, 20);
      const result: DrainedResult = { drainedAt: ok ? monoMs() : null, complete: clients.filter(complete).length, clients: clients.length };
      return result;
    }
    case 'counters':
      return { ...received };
    case 'report': {
      const result: ReportResult = {
        hashes: clients.map((c) => documentHash(c.doc)),
        arrivals: clients.filter((c) => c.arrivals).map((c) => c.arrivals!),
        closes,
        denied: [...new Set(denied)],
        connected: clients.filter((c) => c.provider.wsconnected && c.provider.synced).length,
        received,
      };
      return result;
    }
    case 'stop': {
      for (const c of clients.splice(0)) {
        c.provider.destroy();
        c.doc.destroy();
      }
      setTimeout(() => process.exit(0), 50);
      return null;
    }
  }
}

if (!process.send) {
  console.error('bench/drafting/generator.ts is started by bench/drafting/index.ts over IPC');
  process.exit(2);
}
// Every stock provider adds a process 'exit' listener of its own.
process.setMaxListeners(0);
// The parent gone, nothing is left to report to.
process.on('disconnect', () => process.exit(0));
process.on('message', (m: Message) => {
  handle(m.request).then(
    (result) => process.send!({ id: m.id, ok: true, result } satisfies Reply),
    (err: unknown) => process.send!({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies Reply),
  );
});
