import type { Logger } from 'pino';
import { z } from 'zod';
import {
  COMMANDS,
  CommandError,
  isCommandName,
  isPassing,
  isTransient,
  joinSessionSchema,
  type CommandName,
  type CommandPayload,
  type CreateSessionInput,
  type Participant,
  type Role,
  type SessionEvent,
  type SessionState,
} from '../../../shared/src/index.js';
import { TokenBucket } from '../common/TokenBucket.js';
import type { EventStore } from '../ports/EventStore.js';
import type { Lease, LeaseStore } from '../ports/LeaseStore.js';
import type { LogFeed } from '../ports/LogFeed.js';
import type { ReceiptStore } from '../ports/ReceiptStore.js';
import { copyPlain } from '../session/copyPlain.js';
import { CredentialIndex, roleForInvite } from '../session/CredentialIndex.js';
import { newId } from '../session/credentials.js';
import type { AutomaticCaptionInput, DecidableCommand } from '../session/decide.js';
import type { ChangeListener, Joined, LiveSession, Outcome } from '../session/LiveSession.js';
import { RequestMemory } from '../session/RequestMemory.js';
import { fingerprint, receiptKey, SessionHost, type SessionHostOptions, type StoredAnswer } from '../session/SessionHost.js';
import { SessionReplica } from '../session/SessionReplica.js';
import { NODE_GONE, type NodeLink, type NodeRequest } from './NodeLink.js';

/** What every clustered session on a node shares. */
export interface ClusterContext {
  nodeId: string;
  store: EventStore & LeaseStore & ReceiptStore & LogFeed;
  link: NodeLink;
  host: Omit<SessionHostOptions, 'store' | 'lease'>;
  leaseTtlMs: number;
  /** The per-participant command budget, enforced by the owner for the whole cluster. */
  commands: { perSecond: number; burst: number };
  logger: Logger;
  now?: () => number;
}

/** Requests remembered per participant on the owner (as on the edge, see ControlChannel). */
const REMEMBERED_REQUESTS = 64;
/** A forwarded request refused by a node that no longer owns the session: it ran nothing. */
const NOT_HERE = 'This server no longer runs this session; please retry.';
const RATE_LIMITED = () => new CommandError('RATE_LIMITED', 'Too many commands; slow down.');
const REUSED = () => new CommandError('VALIDATION_FAILED', 'This requestId was already used for a different payload.');

type Forwarded =
  | { op: 'join'; invite: string; displayName: string }
  | { op: 'erase'; participantIds: string[]; reason: 'request' | 'retention' }
  | { op: 'execute'; participantId: string; name: DecidableCommand; payload: unknown; requestId?: string };

/** A forwarded request as it arrives from the bus: checked like any other input. */
const forwardedSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('join'), invite: joinSessionSchema.shape.invite, displayName: joinSessionSchema.shape.displayName }),
  z.strictObject({ op: z.literal('erase'), participantIds: z.array(z.string().max(64)).min(1).max(100_000), reason: z.enum(['request', 'retention']) }),
  z.strictObject({
    op: z.literal('execute'),
    participantId: z.string().max(64),
    name: z.string().max(64),
    payload: z.unknown(),
    requestId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
  }),
]);

/**
 * One session on one node of a cluster. While this node holds the session's lease it
 * is the owner: a SessionHost decides, appends under the lease's epoch and runs the
 * clock. Otherwise a SessionReplica follows the log, and commands are forwarded to the
 * owner and answered once the owner's append is durable and this node's replica has
 * it, so that the answer and this node's views agree.
 *
 * The adapters see one LiveSession throughout; taking over and stepping down swap what
 * is underneath, and the change listeners go on hearing every event once, in order.
 */
export class ClusteredSession implements LiveSession {
  private host: SessionHost | null = null;
  private replica: SessionReplica | null = null;
  private lease: Lease | null = null;
  /** When this node's lease runs out by its own clock: past it, it stops deciding even if Redis cannot be asked. */
  private leaseUntil = 0;
  /** The epoch every append carries: the lease's (refused by the store once a newer owner holds the session). */
  private readonly writeFence = { epoch: 0 };
  private readonly ownerListeners = new Set<(isOwner: boolean) => void>();
  /** Where commands go while another node owns the session; re-read when it does not answer. */
  private ownerHint: Lease | null = null;
  /** The epoch of the last owner this node knew of: a change means the session moved. */
  private knownEpoch: number | undefined;
  private detach: () => void = () => undefined;
  private readonly listeners = new Set<ChangeListener>();
  private credentials: CredentialIndex;
  /** Taking over, stepping down and lease renewal, one at a time. */
  private turn: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private readonly requests = new RequestMemory<Outcome>(REMEMBERED_REQUESTS, (a) => !a.ok && a.err instanceof CommandError && isPassing(a.err.toBody()));
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly now: () => number;

  private constructor(
    readonly id: string,
    private readonly ctx: ClusterContext,
    initial: SessionState,
  ) {
    this.credentials = new CredentialIndex(initial);
    this.now = ctx.now ?? Date.now;
  }

  /** A session another node may own: it starts as a replica, and `maintain` takes the lease if it is free. */
  static async open(sessionId: string, ctx: ClusterContext): Promise<ClusteredSession> {
    const replica = await SessionReplica.open(ctx.store, ctx.store, sessionId);
    const session = new ClusteredSession(sessionId, ctx, replica.state);
    session.follow(replica);
    return session;
  }

  /** Create a session here, and take its lease: the creating node owns it until it dies or leaves. */
  static async create(
    input: CreateSessionInput,
    ctx: ClusterContext,
    sessionId: string = newId('s'),
  ): Promise<{ session: ClusteredSession; invites: Record<Role, string> }> {
    // The lease first, on an id nobody has seen: the first event is then written under it,
    // and another node that discovers the session a moment later finds it owned.
    const started = (ctx.now ?? Date.now)();
    const lease = await ctx.store.acquire(sessionId, ctx.nodeId, ctx.leaseTtlMs).catch(() => null);
    if (!lease) throw new CommandError('UNAVAILABLE', 'The cluster store is unreachable; no session was created.');
    let session: ClusteredSession | null = null;
    const fence = { epoch: lease.epoch };
    const { host, invites } = await SessionHost.create(
      input,
      { ...ctx.host, store: ctx.store, lease: { fence: () => session?.writeFence ?? fence, lost: () => void session?.stepDown('fenced') } },
      sessionId,
    ).catch(async (err: unknown) => {
      await ctx.store.release(lease).catch(() => undefined);
      throw err;
    });
    session = new ClusteredSession(host.id, ctx, host.state);
    session.lease = lease;
    session.knownEpoch = lease.epoch;
    session.leaseUntil = started + ctx.leaseTtlMs;
    session.writeFence.epoch = lease.epoch;
    session.own(host);
    return { session, invites };
  }

  get state(): SessionState {
    return (this.host ?? this.replica)!.state;
  }

  get isOwner(): boolean {
    return this.host !== null && this.lease !== null && !this.host.isFenced;
  }

  fence(): { epoch: number } | undefined {
    return this.isOwner ? this.writeFence : undefined;
  }

  onOwnerChange(listener: (isOwner: boolean) => void): () => void {
    this.ownerListeners.add(listener);
    return () => this.ownerListeners.delete(listener);
  }

  snapshot(): SessionState {
    return copyPlain(this.state);
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  authenticate(token: string): Participant | null {
    return this.credentials.participant(token, this.state);
  }

  async authenticateFresh(token: string): Promise<Participant | null> {
    const known = this.authenticate(token);
    if (known || this.isOwner) return known;
    await this.refresh();
    return this.authenticate(token);
  }

  roleForInvite(invite: string): Role | null {
    return roleForInvite(this.state, invite);
  }

  async refresh(): Promise<void> {
    await this.replica?.refresh();
  }

  join(invite: string, displayName: string): Promise<Joined> {
    if (this.isOwner) return this.host!.join(invite, displayName);
    return this.forward({ op: 'join', invite, displayName }) as Promise<Joined>;
  }

  erase(participantIds: readonly string[], reason: 'request' | 'retention'): Promise<number> {
    if (this.isOwner) return this.host!.erase(participantIds, reason);
    return (this.forward({ op: 'erase', participantIds: [...participantIds], reason }) as Promise<Outcome>).then((o) => o.seq);
  }

  /** The recogniser runs beside the room's audio, on the owner; another node has no audio to caption. */
  addAutomaticCaption(input: AutomaticCaptionInput): Promise<{ segmentId: string; seq: number }> {
    if (this.isOwner) return this.host!.addAutomaticCaption(input);
    return Promise.reject(new CommandError('UNAVAILABLE', 'Automatic captions are made on the node that owns the session.'));
  }

  execute<N extends DecidableCommand>(participantId: string, name: N, payload: CommandPayload<N>, requestId?: string): Promise<Outcome> {
    if (this.isOwner) return this.decideHere(participantId, name, payload, requestId);
    return this.forward({ op: 'execute', participantId, name, payload, ...(requestId ? { requestId } : {}) }) as Promise<Outcome>;
  }

  /** A request another node forwarded: decided here if this node owns the session, refused otherwise. */
  serve(req: NodeRequest): Promise<unknown> {
    if (!this.isOwner) return Promise.reject(new CommandError('UNAVAILABLE', NOT_HERE));
    const parsed = forwardedSchema.safeParse(req.args);
    if (!parsed.success) return Promise.reject(new CommandError('VALIDATION_FAILED', 'Malformed forwarded request.'));
    const r = parsed.data;
    if (r.op === 'join') return this.host!.join(r.invite, r.displayName);
    if (r.op === 'erase') return this.host!.erase(r.participantIds, r.reason).then((seq) => ({ seq }));
    // The forwarding node checked all this; the owner checks again, so that a message on the bus
    // that did not come from a node's edge (a bug, a stray client of Redis) cannot decide anything.
    const name = r.name as CommandName;
    if (!isCommandName(name) || isTransient(name) || name === 'state.sync')
      return Promise.reject(new CommandError('UNKNOWN_COMMAND', `Unknown command: ${String(r.name).slice(0, 64)}`));
    const actor = this.host!.state.participants[r.participantId];
    if (!actor || actor.removed) return Promise.reject(new CommandError('UNAUTHENTICATED', 'You are no longer part of this session.'));
    if (!(COMMANDS[name].roles as readonly Role[]).includes(actor.role))
      return Promise.reject(new CommandError('FORBIDDEN', `The ${actor.role} role may not send ${name}.`));
    const payload = COMMANDS[name].schema.safeParse(r.payload);
    if (!payload.success) return Promise.reject(new CommandError('VALIDATION_FAILED', 'Invalid payload.'));
    return this.decideHere(r.participantId, name as DecidableCommand, payload.data as never, r.requestId);
  }

  /**
   * Keep the lease, or take it if it is free: called on every node for every session,
   * a few times per lease time. A node that cannot renew (the lease was taken, or its
   * own clock says it ran out while Redis could not be asked) steps down.
   */
  maintain(): Promise<void> {
    const run = this.turn.then(async () => {
      if (this.disposed) return;
      const ttl = this.ctx.leaseTtlMs;
      if (this.lease) {
        const renewed = await this.ctx.store.renew(this.lease, ttl).then(
          (l) => (l ? 'held' : 'lost'),
          () => 'unknown',
        );
        if (renewed === 'held') this.leaseUntil = this.now() + ttl;
        else if (renewed === 'lost' || this.now() >= this.leaseUntil) await this.stepDownNow(renewed === 'lost' ? 'lease taken' : 'lease ran out');
        return;
      }
      const started = this.now();
      const lease = await this.ctx.store.acquire(this.id, this.ctx.nodeId, ttl).catch(() => null);
      if (lease) await this.takeOver(lease, started + ttl);
      else {
        this.ownerHint = await this.ctx.store.holder(this.id).catch(() => null);
        // Another node took the session from another: what this node relayed to the old owner (audio) must start again.
        const epoch = this.ownerHint?.epoch;
        if (epoch !== undefined && this.knownEpoch !== undefined && epoch !== this.knownEpoch) this.tellOwner(false);
        if (epoch !== undefined) this.knownEpoch = epoch;
      }
    });
    this.turn = run.catch((err: unknown) => this.ctx.logger.error({ err, sessionId: this.id }, 'lease upkeep failed'));
    return this.turn as Promise<void>;
  }

  drain(): Promise<void> {
    return this.host?.drain() ?? Promise.resolve();
  }

  /** Stop following and deciding; the lease is handed back so another node takes over at once rather than after it expires. */
  dispose(): void {
    this.disposed = true;
    this.detach();
    this.host?.dispose();
    void this.replica?.close();
    const lease = this.lease;
    this.lease = null;
    if (lease) void this.ctx.store.release(lease).catch(() => undefined);
    this.listeners.clear();
    this.ownerListeners.clear();
  }

  /** Like dispose, but resolves once the lease is handed back. */
  async leave(): Promise<void> {
    const lease = this.lease;
    this.dispose();
    if (lease) await this.ctx.store.release(lease).catch(() => undefined);
  }

  private async decideHere<N extends DecidableCommand>(participantId: string, name: N, payload: CommandPayload<N>, requestId?: string): Promise<Outcome> {
    // The owner sees every command of the session, from whichever node: its budget is the cluster's.
    let bucket = this.buckets.get(participantId);
    if (!bucket) this.buckets.set(participantId, (bucket = new TokenBucket(this.ctx.commands.perSecond, this.ctx.commands.burst)));
    const host = this.host!;
    if (!requestId) return bucket.take() ? host.execute(participantId, name, payload) : Promise.reject(RATE_LIMITED());
    const key = receiptKey(participantId, name, requestId);
    const print = fingerprint(payload);
    const run = async (): Promise<Outcome> => {
      // Made durable by an earlier owner that died before answering? Its receipt answers.
      const stored = await this.ctx.store.receipt(this.id, key).catch(() => {
        throw new CommandError('UNAVAILABLE', 'The cluster store is unreachable; nothing was changed.');
      });
      if (stored !== null) {
        const earlier = JSON.parse(stored) as StoredAnswer;
        if (earlier.f !== print) throw REUSED();
        return earlier.result === undefined ? { seq: earlier.seq } : { seq: earlier.seq, result: earlier.result };
      }
      if (!bucket.take()) throw RATE_LIMITED();
      return host.execute(participantId, name, payload, requestId);
    };
    const answer = this.requests.answer(participantId, `${name}:${requestId}`, print, run);
    if (answer === 'reused') throw REUSED();
    return answer;
  }

  private async forward(args: Forwarded, retried = false): Promise<Outcome | Joined> {
    const owner = await this.owner();
    if (owner.owner === this.ctx.nodeId) {
      // The lease is this node's and the takeover is under way: wait for it.
      await this.turn;
      if (!this.isOwner) throw new CommandError('UNAVAILABLE', 'This session is moving to another server; please retry.');
      if (args.op === 'join') return this.host!.join(args.invite, args.displayName);
      if (args.op === 'erase') return { seq: await this.host!.erase(args.participantIds, args.reason) };
      return this.decideHere(args.participantId, args.name, args.payload as never, args.requestId);
    }
    let answer: Outcome | Joined;
    try {
      answer = (await this.ctx.link.call(owner.owner, { sessionId: this.id, op: args.op, args })) as Outcome | Joined;
    } catch (err) {
      if (!(err instanceof CommandError && err.code === 'UNAVAILABLE')) throw err;
      this.ownerHint = null;
      // The node asked is gone, or no longer owns the session: either way it did not run the command, and
      // the session may have a new owner since this node last looked. Ask again, once. A timeout is not
      // retried here: that node may have run it.
      if (!retried && (err.message === NODE_GONE || err.message === NOT_HERE)) return this.forward(args, true);
      throw err;
    }
    // Answer once this node's replica holds the command too: the ack's seq and this node's next view agree.
    await this.replica?.reach(answer.seq);
    return answer;
  }

  private async owner(): Promise<Lease> {
    if (this.ownerHint) return this.ownerHint;
    let lease = await this.ctx.store.holder(this.id).catch(() => {
      throw new CommandError('UNAVAILABLE', 'The cluster store is unreachable; nothing was changed.');
    });
    if (!lease) {
      // Nobody owns it (the owner died and its lease ran out): try to take it now rather than at the next upkeep.
      await this.maintain();
      lease = this.lease ?? (await this.ctx.store.holder(this.id).catch(() => null));
    }
    if (!lease) throw new CommandError('UNAVAILABLE', 'This session is moving to another server; please retry.');
    this.ownerHint = lease;
    return lease;
  }

  /** Become the owner: read the log to its end (everything older owners wrote is in it), then decide on that state. */
  private async takeOver(lease: Lease, until: number): Promise<void> {
    this.lease = lease;
    this.knownEpoch = lease.epoch;
    this.leaseUntil = until;
    this.writeFence.epoch = lease.epoch;
    this.ownerHint = null;
    const replica = this.replica;
    if (!replica) return;
    await replica.refresh();
    if (this.disposed || this.lease !== lease) return;
    this.replica = null;
    this.detach();
    await replica.close();
    const host = SessionHost.fromState(replica.state, {
      ...this.ctx.host,
      store: this.ctx.store,
      lease: { fence: () => this.writeFence, lost: () => void this.stepDown('fenced') },
    });
    this.own(host);
    this.ctx.logger.info({ sessionId: this.id, epoch: lease.epoch }, 'took the session over');
    this.tellOwner(true);
  }

  private stepDown(why: string): Promise<void> {
    const run = this.turn.then(() => this.stepDownNow(why));
    this.turn = run.catch(() => undefined);
    return run;
  }

  /** Stop deciding: what the host made durable becomes a replica's state, which follows the log from there. */
  private async stepDownNow(why: string): Promise<void> {
    const host = this.host;
    const lease = this.lease;
    this.lease = null;
    this.ownerHint = null;
    if (!host || this.disposed) return;
    this.host = null;
    this.detach();
    this.follow(SessionReplica.fromState(this.ctx.store, this.ctx.store, host.state));
    host.dispose();
    this.buckets.clear();
    this.ctx.logger.warn({ sessionId: this.id, epoch: lease?.epoch, why }, 'stepped down; following the session as a replica');
    this.tellOwner(false);
    if (lease) await this.ctx.store.release(lease).catch(() => undefined);
  }

  private own(host: SessionHost): void {
    this.host = host;
    this.credentials = new CredentialIndex(host.state);
    this.detach = host.onChange((events, state) => this.emit(events, state));
  }

  private follow(replica: SessionReplica): void {
    this.replica = replica;
    this.credentials = new CredentialIndex(replica.state);
    this.detach = replica.onChange((events, state) => this.emit(events, state));
  }

  private tellOwner(isOwner: boolean): void {
    for (const listener of this.ownerListeners) {
      try {
        listener(isOwner);
      } catch (err) {
        this.ctx.logger.error({ err, sessionId: this.id }, 'ownership listener failed');
      }
    }
  }

  private emit(events: readonly SessionEvent[], state: SessionState): void {
    this.credentials.apply(events, state);
    for (const listener of this.listeners) {
      try {
        listener(events, state);
      } catch (err) {
        this.ctx.logger.error({ err, sessionId: this.id }, 'change listener failed');
      }
    }
  }
}
