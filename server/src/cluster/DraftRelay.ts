import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { WebSocket, type RawData } from 'ws';
import { CLOSE } from '../drafting/closeCodes.js';
import type { DraftRelayPort } from '../ports/DraftRelay.js';

export interface DraftRelayOptions {
  nodeId: string;
  /** The node that owns a session now, and where it can be reached. */
  ownerAddress(sessionId: string): Promise<string | null>;
  logger: Logger;
  maxFrameBytes: number;
  pingIntervalMs: number;
}

/** Bytes a client may send before the owner's end is open; beyond, it is told to come back. */
const MAX_HELD_BYTES = 1024 * 1024;

/** Close codes that say something to the client and pass through as they are; any other end of the owner's side is "reconnect". */
function passOn(code: number): number {
  if (code === 1000 || code === 1001 || code === 1009 || (code >= 4000 && code < 5000)) return code;
  return CLOSE.serviceRestart;
}

/**
 * Drafting across nodes: a y-websocket connection to a node that does not own the
 * session is carried, byte for byte, to the node that does. The owner then sees an
 * ordinary connection: its write policy and lock correction judge every update, it
 * stores each one (fenced) before any peer gets it, and awareness is shared because
 * every editor of a document is on the one node. The stock provider needs nothing
 * special; when the owner goes, the carried connection closes with 1012 and the
 * provider reconnects, through any node, to the next owner.
 *
 * Why carry bytes rather than run a Yjs document on every node: a second copy would
 * have to be kept in step with the owner's, and a lock correction or refused update
 * would reach its editors only by another protocol. Here there is one document.
 */
export class DraftRelay implements DraftRelayPort {
  private readonly open = new Set<{ client: WebSocket; upstream: WebSocket | null }>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly awaitingPong = new WeakSet<WebSocket>();

  constructor(private readonly opts: DraftRelayOptions) {
    // A client gone silent (a closed laptop) would hold its carried connection, and the owner's, forever.
    this.heartbeat = setInterval(() => {
      for (const { client } of this.open) {
        if (this.awaitingPong.has(client)) {
          client.terminate();
          continue;
        }
        this.awaitingPong.add(client);
        client.ping();
      }
    }, opts.pingIntervalMs);
    this.heartbeat.unref();
  }

  forward(client: WebSocket, req: IncomingMessage, sessionId: string): void {
    const pair: { client: WebSocket; upstream: WebSocket | null } = { client, upstream: null };
    this.open.add(pair);
    const held: { data: RawData; isBinary: boolean }[] = [];
    let heldBytes = 0;
    client.on('pong', () => this.awaitingPong.delete(client));
    client.on('message', (data, isBinary) => {
      const up = pair.upstream;
      if (up?.readyState === WebSocket.OPEN) return up.send(data, { binary: isBinary });
      heldBytes += byteLength(data);
      if (heldBytes > MAX_HELD_BYTES) return client.close(CLOSE.serviceRestart, 'session moving; try again');
      held.push({ data, isBinary });
    });
    client.on('close', () => {
      this.open.delete(pair);
      const up = pair.upstream;
      if (up && up.readyState === WebSocket.OPEN) up.close(1000);
      else up?.terminate();
    });

    void this.opts.ownerAddress(sessionId).then(
      (base) => {
        if (client.readyState !== WebSocket.OPEN) return;
        if (!base) return client.close(CLOSE.serviceRestart, 'session moving; try again');
        const up = new WebSocket(`${base.replace(/^http/, 'ws')}${req.url ?? '/'}`, {
          maxPayload: this.opts.maxFrameBytes,
          perMessageDeflate: false,
          // The owner checks the origin as for any browser: the browser's, against the host the browser
          // reached (this node's, behind the balancer the public one), as this node already did.
          headers: { ...(req.headers.origin ? { origin: req.headers.origin } : {}), ...(req.headers.host ? { host: req.headers.host } : {}) },
        });
        pair.upstream = up;
        up.on('open', () => {
          for (const m of held.splice(0)) up.send(m.data, { binary: m.isBinary });
        });
        up.on('message', (data, isBinary) => {
          if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
        });
        up.on('close', (code, reason) => {
          if (client.readyState === WebSocket.OPEN) client.close(passOn(code), reason.toString().slice(0, 120));
        });
        up.on('error', (err) => this.opts.logger.debug({ err, sessionId }, 'drafting relay to the owner failed'));
      },
      (err: unknown) => {
        this.opts.logger.warn({ err, sessionId }, 'owner of a session could not be found for drafting');
        if (client.readyState === WebSocket.OPEN) client.close(CLOSE.serviceRestart, 'session moving; try again');
      },
    );
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const { client, upstream } of this.open) {
      client.close(CLOSE.goingAway, 'server shutting down');
      upstream?.terminate();
    }
    this.open.clear();
  }
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.byteLength, 0);
  return data.byteLength;
}
