import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CommandError, ERROR_CODES, type ErrorBody } from '../../../shared/src/index.js';

/** A request one node sends the owner of a session: a command or a join, forwarded as the client sent it. */
export interface NodeRequest {
  sessionId: string;
  op: string;
  args: unknown;
}

/** A one-way message to one node: an event for one of its client connections (audio signalling from the owner). */
export interface NodePush {
  socket: string;
  event: string;
  args: unknown[];
}

type Message =
  | { k: 'e'; push: NodePush }
  | { k: 'b'; from: string; topic: string; payload: unknown }
  | { k: 'q'; id: string; from: string; req: NodeRequest }
  | { k: 'a'; id: string; ok: true; value: unknown }
  | { k: 'a'; id: string; ok: false; error: ErrorBody };

const idText = z.string().min(1).max(128);
const messageSchema = z.discriminatedUnion('k', [
  z.object({ k: z.literal('e'), push: z.object({ socket: idText, event: z.string().max(64), args: z.array(z.unknown()).max(8) }) }),
  z.object({ k: z.literal('b'), from: z.string().max(64), topic: z.string().max(64), payload: z.unknown() }),
  z.object({
    k: z.literal('q'),
    id: idText,
    from: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
    req: z.object({ sessionId: idText, op: z.string().max(32), args: z.unknown() }),
  }),
  z.object({
    k: z.literal('a'),
    id: idText,
    ok: z.boolean(),
    value: z.unknown().optional(),
    error: z
      .object({ code: z.enum(ERROR_CODES), message: z.string().max(2000), issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() })
      .optional(),
  }),
]);

/** The request reached nobody: the node is gone, so it certainly did not run it. */
export const NODE_GONE = 'The server running this session is gone; please retry in a moment.';

const unavailable = (message: string) => new CommandError('UNAVAILABLE', message);

/**
 * Requests from one node to another, over Redis pub/sub: each node listens on a channel
 * named after it. Only the forwarding of commands to a session's owner travels here;
 * what the owner decided reaches every node through the log. Pub/sub may lose a message
 * (Redis restarting): the caller then times out and answers UNAVAILABLE, nothing was
 * acknowledged, and a retry with the same requestId is answered by the owner's memory
 * rather than done twice.
 */
export class NodeLink {
  private readonly pub;
  private readonly sub;
  private readonly waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  private started: Promise<void> | null = null;

  constructor(
    url: string,
    private readonly opts: {
      prefix: string;
      nodeId: string;
      timeoutMs: number;
      logger: Logger;
      handle: (req: NodeRequest) => Promise<unknown>;
      /** A push from another node; absent, pushes are ignored. */
      onPush?: (push: NodePush) => void;
      /** Something another node announced to all (`announce`); its payload is unchecked input. */
      onAnnouncement?: (topic: string, payload: unknown) => void;
    },
  ) {
    this.pub = createClient({ url, disableOfflineQueue: true });
    this.sub = this.pub.duplicate();
    // Dropped connections are re-made by the client (subscriptions too); failures surface on the calls.
    this.pub.on('error', () => undefined);
    this.sub.on('error', () => undefined);
  }

  private channel(nodeId: string): string {
    return `${this.opts.prefix}:node:${nodeId}`;
  }

  /** Where every node listens for what one of them announces to all. */
  private get everyone(): string {
    return `${this.opts.prefix}:nodes`;
  }

  start(): Promise<void> {
    this.started ??= (async () => {
      await Promise.all([this.pub.connect(), this.sub.connect()]);
      await this.sub.subscribe(this.channel(this.opts.nodeId), (raw) => this.receive(raw));
      await this.sub.subscribe(this.everyone, (raw) => this.receive(raw));
    })();
    return this.started;
  }

  /**
   * Say where this node can be reached by the others (its drafting relay connects there),
   * for a while: a node that stops saying so is gone.
   */
  async advertise(url: string, ttlMs: number): Promise<void> {
    await this.start();
    await this.pub.set(`${this.opts.prefix}:address:${this.opts.nodeId}`, url, { PX: ttlMs });
  }

  /** Where a node said it can be reached, if it still says so. */
  async addressOf(nodeId: string): Promise<string | null> {
    await this.start();
    return this.pub.get(`${this.opts.prefix}:address:${nodeId}`);
  }

  /** Send a request to a node and wait for its answer; a CommandError from the other side is rethrown as it was. */
  async call(nodeId: string, req: NodeRequest): Promise<unknown> {
    await this.start();
    const id = randomUUID();
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(unavailable('The server running this session did not answer in time; please retry.'));
      }, this.opts.timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
    });
    // It may time out while the publish below is still waiting on Redis: handled by the caller, not unhandled meanwhile.
    answer.catch(() => undefined);
    try {
      const listeners = await this.pub.publish(this.channel(nodeId), JSON.stringify({ k: 'q', id, from: this.opts.nodeId, req } satisfies Message));
      // Nobody listens there: that node is gone. No need to wait out the timeout.
      if (listeners === 0) this.settle(id, (w) => w.reject(unavailable(NODE_GONE)));
    } catch {
      this.settle(id, (w) => w.reject(unavailable('The cluster store is unreachable; nothing was changed.')));
    }
    return answer;
  }

  /**
   * Tell every other node something only they can pass on to their own clients (a
   * captioner's line in progress). Best effort, like any push: what it carries is never
   * in the log and is repeated within a moment.
   */
  announce(topic: string, payload: unknown): void {
    void this.pub.publish(this.everyone, JSON.stringify({ k: 'b', from: this.opts.nodeId, topic, payload } satisfies Message)).catch(() => undefined);
  }

  /** Send a node a one-way message; lost if Redis drops it (what it carries is repeated or recovered by the client). */
  push(nodeId: string, push: NodePush): void {
    void this.pub.publish(this.channel(nodeId), JSON.stringify({ k: 'e', push } satisfies Message)).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const id of [...this.waiting.keys()]) this.settle(id, (w) => w.reject(unavailable('This server is shutting down; please retry.')));
    await Promise.all([this.pub, this.sub].map((c) => (c.isOpen ? c.close().catch(() => undefined) : undefined)));
  }

  private settle(id: string, how: (w: { resolve: (v: unknown) => void; reject: (e: unknown) => void }) => void): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    how(w);
  }

  private receive(raw: string): void {
    // The bus is shared: whatever arrives is checked like any other input, and nothing on it can throw here.
    let parsed: ReturnType<typeof messageSchema.safeParse>;
    try {
      parsed = messageSchema.safeParse(JSON.parse(raw));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.k === 'b') {
      if (msg.from === this.opts.nodeId) return;
      try {
        this.opts.onAnnouncement?.(msg.topic, msg.payload);
      } catch (err) {
        this.opts.logger.error({ err }, 'an announcement from another node could not be delivered');
      }
      return;
    }
    if (msg.k === 'e') {
      try {
        this.opts.onPush?.(msg.push);
      } catch (err) {
        this.opts.logger.error({ err }, 'a push from another node could not be delivered');
      }
      return;
    }
    if (msg.k === 'a') {
      const error = msg.error;
      this.settle(msg.id, (w) =>
        msg.ok ? w.resolve(msg.value) : w.reject(new CommandError(error?.code ?? 'INTERNAL', error?.message ?? 'Something went wrong.', error?.issues)),
      );
      return;
    }
    const { id, from, req } = msg;
    void Promise.resolve()
      .then(() => this.opts.handle(req))
      .then(
        (value): Message => ({ k: 'a', id, ok: true, value }),
        (err: unknown): Message => {
          if (err instanceof CommandError) return { k: 'a', id, ok: false, error: err.toBody() };
          this.opts.logger.error({ err, sessionId: req.sessionId, op: req.op }, 'forwarded request failed');
          return { k: 'a', id, ok: false, error: { code: 'INTERNAL', message: 'Something went wrong; nothing was changed.' } };
        },
      )
      .then((answer) =>
        this.pub.publish(this.channel(from), JSON.stringify(answer)).catch((err: unknown) =>
          // The asker times out and answers UNAVAILABLE; its retry is answered from the owner's memory.
          this.opts.logger.warn({ err, to: from }, 'could not answer a forwarded request'),
        ),
      );
  }
}
