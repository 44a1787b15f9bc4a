import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import {
  allowedAfterClose,
  CHANGED_MEANWHILE,
  CommandError,
  REDUCER_VERSION,
  ROLES,
  activeItems,
  dueTimerEvents,
  nextOverdueAt,
  nextTimerAt,
  overdueEvents,
  roundsDue,
  reduce,
  reduceInPlace,
  replay,
  type Actor,
  type CommandPayload,
  type CreateSessionInput,
  type EventDraft,
  type Participant,
  type Role,
  type Round,
  type SessionEvent,
  type SessionState,
} from '../../../shared/src/index.js';
import type { DraftReader } from '../ports/DraftReader.js';
import { AppendConflictError, type EventStore } from '../ports/EventStore.js';
import { SOLE_OWNER, type SessionLease } from '../ports/SessionLease.js';
import { FencedError } from '../ports/LeaseStore.js';
import { GENESIS_HASH, seal, verifyChain } from './chain.js';
import { CredentialIndex, roleForInvite } from './CredentialIndex.js';
import { LogState } from './LogState.js';
import { hashSecret, newId, newSecret } from './credentials.js';
import { personalDataOf } from './personalData.js';
import { copyPlain } from './copyPlain.js';
import {
  closeRound,
  decide,
  decideAutomaticCaption,
  decideErasure,
  decideJoin,
  draftRoomFor,
  sessionCreated,
  type AutomaticCaptionInput,
  type DecidableCommand,
  type DraftSnapshot,
} from './decide.js';
import type { ChangeListener, Joined, LiveSession, Outcome } from './LiveSession.js';

export interface SessionHostOptions {
  store: EventStore;
  drafts?: DraftReader;
  logger: Logger;
  /**
   * Take a snapshot after this many events, so a restart replays at most that many; in
   * large sessions after one event per participant, since a snapshot costs the size of the state.
   */
  snapshotEvery: number;
  now?: () => number;
  /** Ownership: in a cluster the node's lease on the session, whose epoch fences every append; absent on one node (SOLE_OWNER). */
  lease?: SessionLease;
}

export type { ChangeListener, Outcome } from './LiveSession.js';

/** What a command on a fenced host is answered: the session runs on another node now. */
const FENCED = () => new CommandError('UNAVAILABLE', 'This session is now run by another server; reconnect to reach it.');

/** How soon the clock tries again to close a round whose document could not be read. */
const ROUND_CLOSE_RETRY_MS = 5_000;

/** Without a drafting adapter (a host with no documents), a round's texts are as they were put to the vote. */
function unchangedDraft(round: Round): DraftSnapshot {
  return { roomId: round.roomId, recommendations: activeItems(round).map((i) => ({ ...i.text, textHash: i.textHash })), amendments: [] };
}

function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

interface PendingReceipt {
  key: string;
  fingerprint: string;
  result: unknown;
}

/** A receipt's answer as stored: the payload's fingerprint, the seq the command was answered with, its result. */
export interface StoredAnswer {
  f: string;
  seq: number;
  result?: unknown;
}

export function receiptKey(participantId: string, command: string, requestId: string): string {
  return `${participantId}:${command}:${requestId}`;
}

/** What makes two payloads "the same request": a retry must carry the very same payload. */
export function fingerprint(payload: unknown): string {
  return JSON.stringify(payload) ?? '';
}

/** Events decided against the head of the log and sent to the store, not yet known to be durable. */
interface Proposal {
  events: SessionEvent[];
  settled: { ok: true } | { ok: false; err: unknown } | null;
  /** Set when a proposal before this one failed: this one was decided on it, so it fails with the same cause. */
  doomed: unknown;
  resolve: (seq: number) => void;
  reject: (err: unknown) => void;
}

/**
 * One live session: its state, the single writer to its log, and its clock.
 *
 * Commands are decided one at a time, in arrival order, against the head of the log:
 * the durable state plus whatever has been decided and sent to the store but is not
 * yet known to be durable. The next command does not wait for the previous one's
 * fsync, so commands that arrive together share the store's next commit (group
 * commit). What anyone can see, the state listeners get and the acks, moves only as
 * writes become durable, in order. If a write fails, everything decided after it is
 * void too: the store's fence refuses those appends, their commands are answered
 * with the error, and the head falls back to the durable state.
 *
 * Both states are private, mutable copies that events are folded into in place
 * (`reduceInPlace`): copy-on-write would copy the participant map on every join, which
 * made a join storm grow with the square of the room. Each state is only ever changed
 * here, and each gets its own copy of every event, so the two never share an object
 * (they do share strings, which never change: see copyPlain). `state` is therefore
 * live: read it synchronously, or take a `snapshot()`.
 */
export class SessionHost implements LiveSession {
  private tail: Promise<unknown> = Promise.resolve();
  /** Decided and sent to the store, oldest first. */
  private readonly proposals: Proposal[] = [];
  private head: SessionState;
  /** Participants not removed, on the head: what the session's size limit is checked against on every join. */
  private activeOnHead = 0;
  private readonly credentials: CredentialIndex;
  private timer: NodeJS.Timeout | null = null;
  private sinceSnapshot = 0;
  /** Everyone who ever joined, removed or not: how large the state is (see `snapshotEvery`). */
  private participantCount = 0;
  private disposed = false;
  /** A newer owner took the session over (see SessionHostOptions.fence): nothing more is decided here. */
  private fenced = false;
  private readonly now: () => number;
  private readonly lease: SessionLease;

  /**
   * The durable state, as a replica would hold it: this host feeds it its own events once
   * the store has them, and another writer's when it catches up (see LogState).
   */
  private readonly log: LogState;

  private constructor(
    initial: SessionState,
    private readonly opts: SessionHostOptions,
  ) {
    this.log = new LogState(copyPlain(initial), (err) => opts.logger.error({ err, sessionId: initial.sessionId }, 'change listener failed'));
    this.head = this.resetHead();
    this.now = opts.now ?? Date.now;
    this.lease = opts.lease ?? SOLE_OWNER;
    this.credentials = new CredentialIndex(this.log.state);
    this.participantCount = Object.keys(this.log.state.participants).length;
    // First of the listeners: credentials, snapshots and the clock follow the state before any adapter hears of it.
    this.log.onChange((events) => this.afterApply(events));
  }

  /** The durable state (see `state`); a shorter name inside the host. */
  private get current(): SessionState {
    return this.log.state;
  }

  /**
   * The durable state: everything in it is in the log. Live and owned by the host:
   * it changes in place as events become durable, so read it without awaiting in
   * between, never change it, and take a `snapshot()` to keep one.
   */
  get state(): SessionState {
    return this.current;
  }

  /** A copy of the durable state that nothing will change. */
  snapshot(): SessionState {
    return copyPlain(this.current);
  }

  /** Another node owns the session now; this host decides nothing more. */
  get isFenced(): boolean {
    return this.fenced;
  }

  get isOwner(): boolean {
    return !this.fenced && !this.disposed;
  }

  fence(): { epoch: number } | undefined {
    return this.lease.fence();
  }

  /** A host is the owner for as long as it lives; whoever replaces it (ClusteredSession) tells of changes. */
  onOwnerChange(): () => void {
    return () => undefined;
  }

  /** The host's state is the head of the log: there is nothing to catch up with. */
  refresh(): Promise<void> {
    return Promise.resolve();
  }

  get id(): string {
    return this.current.sessionId;
  }

  /** `sessionId`: chosen by the caller when it must hold something under the id first (a cluster's lease). */
  static async create(
    input: CreateSessionInput,
    opts: SessionHostOptions,
    sessionId: string = newId('s'),
  ): Promise<{ host: SessionHost; invites: Record<Role, string> }> {
    const invites = Object.fromEntries(ROLES.map((r) => [r, newSecret('inv')])) as Record<Role, string>;
    const inviteHashes = Object.fromEntries(ROLES.map((r) => [r, hashSecret(invites[r])])) as Record<Role, string>;
    const events = seal(sessionId, { seq: 0, head: GENESIS_HASH }, [sessionCreated(input, inviteHashes)], { kind: 'operator' }, (opts.now ?? Date.now)());
    await opts.store.append(sessionId, 0, events, (opts.lease ?? SOLE_OWNER).fence());
    const host = new SessionHost(reduce(null, events[0]!), opts);
    host.schedule();
    return { host, invites };
  }

  /**
   * A host for a state already folded from the log, by a node that has just taken the
   * session over from a replica it kept (see ClusteredSession): no second replay.
   */
  static fromState(state: SessionState, opts: SessionHostOptions): SessionHost {
    const host = new SessionHost(state, opts);
    host.schedule();
    return host;
  }

  static async load(sessionId: string, opts: SessionHostOptions): Promise<SessionHost> {
    const snapshot = await opts.store.loadSnapshot(sessionId, REDUCER_VERSION);
    const events = await opts.store.readEvents(sessionId, snapshot?.seq ?? 0);
    // Refuse to serve a log that was altered behind our back: its history can no longer be vouched for.
    const check = verifyChain(events, snapshot ? { seq: snapshot.seq, head: snapshot.state.head } : undefined);
    if (!check.ok) throw new Error(`session ${sessionId}: log fails verification at seq ${check.seq}: ${check.reason}`);
    const state = replay(events, snapshot?.state ?? null);
    if (!state) throw new Error(`session ${sessionId} has no events`);
    const host = new SessionHost(state, opts);
    host.sinceSnapshot = events.length;
    host.schedule();
    return host;
  }

  onChange(listener: ChangeListener): () => void {
    return this.log.onChange(listener);
  }

  /** The participant a credential belongs to, if it is still valid here. */
  authenticate(token: string): Participant | null {
    return this.credentials.participant(token, this.current);
  }

  /** The host is the head of the log: nothing to catch up with. */
  authenticateFresh(token: string): Promise<Participant | null> {
    return Promise.resolve(this.authenticate(token));
  }

  /** Which role an invite grants, or null. */
  roleForInvite(invite: string): Role | null {
    return roleForInvite(this.current, invite);
  }

  join(invite: string, displayName: string): Promise<Joined> {
    return this.decideThenWait(async () => {
      const participantId = newId('p');
      const token = newSecret('tok');
      const credentialHash = hashSecret(token);
      const [joined] = decideJoin(this.head, {
        role: this.roleForInvite(invite),
        activeCount: this.activeOnHead,
        participantId,
        credentialHash,
        personal: personalDataOf(displayName),
      });
      const durable = this.propose({ kind: 'participant', participantId, role: joined.payload.role }, [joined]);
      return { durable, finish: (seq) => ({ participant: this.current.participants[participantId]!, token, seq }) };
    });
  }

  /**
   * `requestId`: the client's id for this command. The answer is then stored with the
   * events as a receipt (see ReceiptStore), so that whichever node owns the session
   * when the client retries can answer it rather than do it twice.
   */
  execute<N extends DecidableCommand>(participantId: string, name: N, payload: CommandPayload<N>, requestId?: string): Promise<Outcome> {
    return this.decideThenWait(async () => {
      const actor = this.head.participants[participantId];
      if (!actor || actor.removed) throw new CommandError('UNAUTHENTICATED', 'You are no longer part of this session.');
      if (this.head.closedAt !== null && !allowedAfterClose(name)) throw new CommandError('SESSION_CLOSED', 'This session has ended.');
      const draftRoom = draftRoomFor(name, payload, this.head);
      const draft = draftRoom && this.opts.drafts && Object.hasOwn(this.head.rooms, draftRoom) ? await this.opts.drafts.snapshot(this.id, draftRoom) : undefined;
      // One clock reading per command: the deadlines it decides and the time it is stamped with agree.
      const now = this.now();
      const decision = decide(
        name,
        {
          state: this.head,
          actor,
          draft,
          now,
          newId,
          newSecret: () => {
            const secret = newSecret('inv');
            return { secret, hash: hashSecret(secret) };
          },
          shuffle,
        },
        payload,
      );
      const receipt = requestId ? { key: receiptKey(participantId, name, requestId), fingerprint: fingerprint(payload), result: decision.result } : undefined;
      const durable = this.propose({ kind: 'participant', participantId, role: actor.role }, decision.events, now, receipt);
      return { durable, finish: (seq) => (decision.result === undefined ? { seq } : { seq, result: decision.result }) };
    });
  }

  /**
   * Erase participants' personal data: an event in the log (by the operator, or the system
   * for the retention period), which the store carries out in the same write. Resolves
   * with the seq once durable; nothing to erase resolves with the head as it is (retention)
   * or fails (a request).
   */
  erase(participantIds: readonly string[], reason: 'request' | 'retention'): Promise<number> {
    return this.decideThenWait(async () => {
      const events = decideErasure(this.head, participantIds, reason);
      const actor: Actor = reason === 'request' ? { kind: 'operator' } : { kind: 'system' };
      return { durable: this.propose(actor, events), finish: (seq) => seq };
    });
  }

  /** Log an automatic caption segment, by the system (see LiveSession). */
  addAutomaticCaption(input: AutomaticCaptionInput): Promise<{ segmentId: string; seq: number }> {
    return this.decideThenWait(async () => {
      const segmentId = newId('cap');
      const event = decideAutomaticCaption(this.head, input, segmentId);
      return { durable: this.propose({ kind: 'system' }, [event]), finish: (seq) => ({ segmentId, seq }) };
    });
  }

  /** Fire whatever the clock has made due: turn warnings and expiries, agenda overruns, rounds at their closing time, answers past their due date. */
  tick(): Promise<number> {
    return this.decideThenWait(async () => {
      const now = this.now();
      const due = [...dueTimerEvents(this.head, now), ...overdueEvents(this.head, now)];
      for (const round of roundsDue(this.head, now)) {
        try {
          const draft = this.opts.drafts ? await this.opts.drafts.snapshot(this.id, round.roomId) : unchangedDraft(round);
          due.push(...closeRound(round, draft).events);
        } catch (err) {
          // The document could not be read: the round stays open, and the clock tries again shortly.
          this.opts.logger.error({ err, sessionId: this.id, roundId: round.id }, 'a round due to close could not read its document');
          this.retryTickIn(ROUND_CLOSE_RETRY_MS);
        }
      }
      if (!due.length) this.schedule();
      return { durable: this.propose({ kind: 'system' }, due, now), finish: (seq) => seq };
    });
  }

  /** Resolves when every command accepted so far has finished, its write included. */
  async drain(): Promise<void> {
    await this.tail.catch(() => undefined);
    await this.settledHead().catch(() => undefined);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.log.clearListeners();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Decide in arrival order (the queue), then wait for durability outside it, so the next command need not. */
  private async decideThenWait<T>(decideStep: () => Promise<{ durable: Promise<number>; finish: (seq: number) => T }>): Promise<T> {
    if (this.fenced) throw FENCED();
    const { durable, finish } = await this.serial(decideStep);
    return finish(await durable);
  }

  /**
   * Seal drafts onto the head and send them to the store; resolves with their last seq
   * once durable and applied. Nothing to write still waits for what is in flight: the
   * answer was decided on it.
   */
  private propose(actor: Actor, drafts: readonly EventDraft[], at: number = this.now(), receipt?: PendingReceipt): Promise<number> {
    if (drafts.length === 0) return this.settledHead();
    // A decision may quote the state it was made on; the events must not share its objects.
    const events = seal(this.id, this.head, copyPlain(drafts), actor, at);
    const receipts = receipt
      ? [{ key: receipt.key, answer: JSON.stringify({ f: receipt.fingerprint, seq: events.at(-1)!.seq, result: receipt.result } satisfies StoredAnswer) }]
      : undefined;
    const expectedSeq = this.head.seq;
    for (const e of events) {
      reduceInPlace(this.head, copyPlain(e));
      if (e.type === 'participant.joined') this.activeOnHead += 1;
      if (e.type === 'participant.removed') this.activeOnHead -= 1;
    }
    return new Promise<number>((resolve, reject) => {
      const proposal: Proposal = { events, settled: null, doomed: undefined, resolve, reject };
      this.proposals.push(proposal);
      this.opts.store
        .append(this.id, expectedSeq, events, this.lease.fence(), receipts)
        .catch(async (err: unknown) => {
          // Refused outright (another writer first, a newer owner): not in the log.
          if (err instanceof AppendConflictError || err instanceof FencedError) throw err;
          // Otherwise the outcome is unknown: a store across the network can write and then lose the
          // connection before saying so. Answering "failed" for a command that is in the log would have
          // the next command decided on a head without it; so look.
          if (await this.inLog(events).catch(() => false)) return;
          throw err;
        })
        .then(
          () => this.settle(proposal, { ok: true }),
          (err: unknown) => this.settle(proposal, { ok: false, err }),
        );
    });
  }

  /** Whether these very events (by hash) are in the log. */
  private async inLog(events: readonly SessionEvent[]): Promise<boolean> {
    const stored = await this.opts.store.readEvents(this.id, events[0]!.seq - 1);
    return events.every((e, i) => stored[i]?.hash === e.hash);
  }

  /** The head's seq once everything proposed so far is durable; fails if any of it failed. */
  private settledHead(): Promise<number> {
    const last = this.proposals.at(-1);
    if (!last) return Promise.resolve(this.current.seq);
    return new Promise<number>((resolve, reject) => {
      const proposal: Proposal = { events: [], settled: null, doomed: undefined, resolve, reject };
      this.proposals.push(proposal);
      // Nothing to write: it is settled as soon as everything before it is.
      this.settle(proposal, { ok: true });
    });
  }

  /** Record how a write went, then apply durable proposals strictly in order. */
  private settle(proposal: Proposal, outcome: NonNullable<Proposal['settled']>): void {
    proposal.settled = outcome;
    while (this.proposals[0]?.settled) {
      const p = this.proposals.shift()!;
      if (p.doomed !== undefined) {
        p.reject(this.failure(p.doomed, false));
        continue;
      }
      if (p.settled!.ok) {
        // Sealed on the head, so they continue the durable state; were they not, nothing is applied and it is said.
        if (!this.log.apply(p.events)) this.opts.logger.error({ sessionId: this.id, seq: p.events[0]!.seq }, 'durable events do not continue the state');
        p.resolve(this.current.seq);
        continue;
      }
      const { err } = p.settled as { err: unknown };
      // Everything decided after this proposal built on it: the store's fence refuses
      // those appends as they come, and the head falls back to what is durable.
      for (const later of this.proposals) later.doomed = err;
      this.head = this.resetHead();
      p.reject(this.failure(err, true));
    }
  }

  private failure(err: unknown, first: boolean): CommandError {
    if (err instanceof FencedError) {
      // Another node owns the session now: this host's state is no longer the head of the log. It stops deciding.
      if (!this.fenced) {
        this.fenced = true;
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.opts.logger.warn({ sessionId: this.id }, 'fenced off by a newer owner; this node stops writing the session');
        this.lease.lost();
      }
      return FENCED();
    }
    if (err instanceof AppendConflictError) {
      if (!first) return new CommandError('CONFLICT', CHANGED_MEANWHILE);
      // Another writer, or a write of ours that failed before this one: catch up so the next command decides on fresh state.
      void this.serial(() => this.catchUp()).catch((e: unknown) => this.opts.logger.error({ err: e, sessionId: this.id }, 'catch-up failed'));
      return new CommandError('CONFLICT', CHANGED_MEANWHILE);
    }
    if (first) this.opts.logger.error({ err, sessionId: this.id }, 'append failed');
    return new CommandError('UNAVAILABLE', 'The session could not be saved; nothing was changed.');
  }

  private async catchUp(): Promise<void> {
    // Only once nothing of ours is in flight: the log's tail is then someone else's, or nothing.
    await this.settledHead().catch(() => undefined);
    const events = await this.opts.store.readEvents(this.id, this.current.seq);
    if (events.length === 0) return;
    if (!this.log.apply(events)) {
      this.opts.logger.error({ sessionId: this.id, seq: this.current.seq }, "the log does not continue this host's state");
      return;
    }
    this.head = this.resetHead();
    this.schedule();
  }

  /** The head becomes a copy of the durable state: nothing is in flight, or all of it failed. */
  private resetHead(): SessionState {
    this.head = copyPlain(this.current);
    this.activeOnHead = 0;
    for (const p of Object.values(this.head.participants)) if (!p.removed) this.activeOnHead += 1;
    return this.head;
  }

  private afterApply(events: readonly SessionEvent[]): void {
    this.credentials.apply(events, this.current);
    for (const e of events) if (e.type === 'participant.joined') this.participantCount += 1;
    this.sinceSnapshot += events.length;
    // Serializing the state is O(its size): at 10 000 participants a snapshot every 500
    // events was most of what an upvote storm cost. Replaying an event costs microseconds.
    if (this.sinceSnapshot >= Math.max(this.opts.snapshotEvery, this.participantCount)) {
      this.sinceSnapshot = 0;
      const { sessionId, seq } = this.current;
      this.opts.store
        .saveSnapshot({ sessionId, seq, reducerVersion: REDUCER_VERSION, state: this.current })
        .catch((err: unknown) => this.opts.logger.warn({ err, sessionId }, 'snapshot failed; replay will be longer'));
    }
    this.schedule();
  }

  private retryTickIn(ms: number): void {
    if (this.disposed) return;
    setTimeout(() => {
      if (!this.disposed) this.tick().catch((err: unknown) => this.opts.logger.error({ err, sessionId: this.id }, 'timer tick failed'));
    }, ms).unref();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.disposed || this.fenced) return;
    // Due dates are watched in closed sessions too (nextTimerAt stops at the close): officials answer after it.
    const times = [nextTimerAt(this.head), nextOverdueAt(this.head)].filter((t) => t !== null);
    if (times.length === 0) return;
    const at = Math.min(...times);
    // setTimeout overflows past ~24.8 days; re-check at least daily.
    const delay = Math.min(Math.max(0, at - this.now()), 86_400_000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick().catch((err: unknown) => this.opts.logger.error({ err, sessionId: this.id }, 'timer tick failed'));
    }, delay);
    this.timer.unref();
  }
}
