import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import {
  allowedAfterClose,
  CommandError,
  PLENARY,
  REDUCER_VERSION,
  ROLES,
  dueTimerEvents,
  nextTimerAt,
  reduce,
  replay,
  type Actor,
  type CommandPayload,
  type CreateSessionInput,
  type EventDraft,
  type Participant,
  type Role,
  type SessionEvent,
  type SessionState,
} from '../../../shared/src/index.js';
import { AppendConflictError, type EventStore } from '../store/EventStore.js';
import { GENESIS_HASH, seal, verifyChain } from './chain.js';
import { hashSecret, newId, newSecret, sameHash } from './credentials.js';
import { decide, draftRoomFor, sessionCreated, type DecidableCommand, type DraftSnapshot } from './decide.js';

/** The drafting documents, as the session core needs to read them (a port the drafting adapter implements). */
export interface DraftReader {
  snapshot(sessionId: string, roomId: string): Promise<DraftSnapshot>;
}

export interface SessionHostOptions {
  store: EventStore;
  drafts?: DraftReader;
  logger: Logger;
  /** Take a snapshot after this many events, so a restart replays at most that many. */
  snapshotEvery: number;
  now?: () => number;
}

export interface Outcome {
  seq: number;
  result?: unknown;
}

export type ChangeListener = (events: readonly SessionEvent[], state: SessionState) => void;

function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * One live session: its state, the single writer to its log, and its clock.
 * Commands run one at a time; each is acknowledged only after its events are
 * durable, and state changes only after that.
 */
export class SessionHost {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly credentials = new Map<string, string>();
  private readonly listeners = new Set<ChangeListener>();
  private timer: NodeJS.Timeout | null = null;
  private sinceSnapshot = 0;
  private disposed = false;
  private readonly now: () => number;

  private constructor(
    private current: SessionState,
    private readonly opts: SessionHostOptions,
  ) {
    this.now = opts.now ?? Date.now;
    for (const p of Object.values(current.participants)) if (!p.removed) this.credentials.set(p.credentialHash, p.id);
  }

  get state(): SessionState {
    return this.current;
  }

  get id(): string {
    return this.current.sessionId;
  }

  static async create(input: CreateSessionInput, opts: SessionHostOptions): Promise<{ host: SessionHost; invites: Record<Role, string> }> {
    const sessionId = newId('s');
    const invites = Object.fromEntries(ROLES.map((r) => [r, newSecret('inv')])) as Record<Role, string>;
    const inviteHashes = Object.fromEntries(ROLES.map((r) => [r, hashSecret(invites[r])])) as Record<Role, string>;
    const events = seal(sessionId, { seq: 0, head: GENESIS_HASH }, [sessionCreated(input, inviteHashes)], { kind: 'operator' }, (opts.now ?? Date.now)());
    await opts.store.append(sessionId, 0, events);
    const host = new SessionHost(reduce(null, events[0]!), opts);
    host.schedule();
    return { host, invites };
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
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The participant a credential belongs to, if it is still valid here. */
  authenticate(token: string): Participant | null {
    const id = this.credentials.get(hashSecret(token));
    const p = id ? this.current.participants[id] : undefined;
    return p && !p.removed ? p : null;
  }

  /** Which role an invite grants, or null. */
  roleForInvite(invite: string): Role | null {
    const hash = hashSecret(invite);
    return ROLES.find((r) => sameHash(this.current.inviteHashes[r], hash)) ?? null;
  }

  join(invite: string, displayName: string): Promise<{ participant: Participant; token: string; seq: number }> {
    return this.serial(async () => {
      const role = this.roleForInvite(invite);
      if (!role) throw new CommandError('UNAUTHENTICATED', 'This invite is not valid for this session.');
      // Officials come to answer the outcome, usually after the session has ended.
      if (this.current.closedAt !== null && role !== 'official') throw new CommandError('SESSION_CLOSED', 'This session has ended.');
      const active = Object.values(this.current.participants).filter((p) => !p.removed).length;
      if (active >= this.current.settings.maxParticipants) throw new CommandError('CONFLICT', 'This session is full.');
      const participantId = newId('p');
      const token = newSecret('tok');
      const credentialHash = hashSecret(token);
      const seq = await this.commit({ kind: 'participant', participantId, role }, [
        { type: 'participant.joined', payload: { participantId, role, displayName, credentialHash, roomId: PLENARY } },
      ]);
      return { participant: this.current.participants[participantId]!, token, seq };
    });
  }

  execute<N extends DecidableCommand>(participantId: string, name: N, payload: CommandPayload<N>): Promise<Outcome> {
    return this.serial(async () => {
      const actor = this.current.participants[participantId];
      if (!actor || actor.removed) throw new CommandError('UNAUTHENTICATED', 'You are no longer part of this session.');
      if (this.current.closedAt !== null && !allowedAfterClose(name)) throw new CommandError('SESSION_CLOSED', 'This session has ended.');
      const draftRoom = draftRoomFor(name, payload, this.current);
      const draft =
        draftRoom && this.opts.drafts && Object.hasOwn(this.current.rooms, draftRoom)
          ? await this.opts.drafts.snapshot(this.id, draftRoom)
          : undefined;
      // One clock reading per command: the deadlines it decides and the time it is stamped with agree.
      const now = this.now();
      const decision = decide(name, {
        state: this.current,
        actor,
        draft,
        now,
        newId,
        newSecret: () => {
          const secret = newSecret('inv');
          return { secret, hash: hashSecret(secret) };
        },
        shuffle,
      }, payload);
      const seq = await this.commit({ kind: 'participant', participantId, role: actor.role }, decision.events, now);
      return decision.result === undefined ? { seq } : { seq, result: decision.result };
    });
  }

  /** Fire whatever the clock has made due: turn warnings and expiries, agenda overruns. */
  tick(): Promise<number> {
    return this.serial(async () => {
      const now = this.now();
      const due = dueTimerEvents(this.current, now);
      if (due.length) return this.commit({ kind: 'system' }, due, now);
      this.schedule();
      return this.current.seq;
    });
  }

  /** Resolves when every command accepted so far has finished. */
  async drain(): Promise<void> {
    await this.tail.catch(() => undefined);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Store first, then apply: state never runs ahead of what is durable. */
  private async commit(actor: Actor, drafts: readonly EventDraft[], at: number = this.now()): Promise<number> {
    if (drafts.length === 0) return this.current.seq;
    const events = seal(this.id, this.current, drafts, actor, at);
    try {
      await this.opts.store.append(this.id, this.current.seq, events);
    } catch (err) {
      if (err instanceof AppendConflictError) {
        // Another writer got there first; catch up so the next command decides on fresh state.
        await this.catchUp();
        throw new CommandError('CONFLICT', 'The session changed at the same time; please try again.');
      }
      this.opts.logger.error({ err, sessionId: this.id }, 'append failed');
      throw new CommandError('UNAVAILABLE', 'The session could not be saved; nothing was changed.');
    }
    this.current = replay(events, this.current)!;
    this.afterApply(events);
    return this.current.seq;
  }

  private async catchUp(): Promise<void> {
    const events = await this.opts.store.readEvents(this.id, this.current.seq);
    this.current = replay(events, this.current)!;
    this.afterApply(events);
  }

  private afterApply(events: readonly SessionEvent[]): void {
    for (const e of events) {
      if (e.type === 'participant.joined') this.credentials.set(e.payload.credentialHash, e.payload.participantId);
      if (e.type === 'participant.removed') {
        const hash = this.current.participants[e.payload.participantId]?.credentialHash;
        if (hash) this.credentials.delete(hash);
      }
    }
    this.sinceSnapshot += events.length;
    if (this.sinceSnapshot >= this.opts.snapshotEvery) {
      this.sinceSnapshot = 0;
      const { sessionId, seq } = this.current;
      this.opts.store
        .saveSnapshot({ sessionId, seq, reducerVersion: REDUCER_VERSION, state: this.current })
        .catch((err: unknown) => this.opts.logger.warn({ err, sessionId }, 'snapshot failed; replay will be longer'));
    }
    this.schedule();
    for (const listener of this.listeners) {
      try {
        listener(events, this.current);
      } catch (err) {
        this.opts.logger.error({ err, sessionId: this.id }, 'change listener failed');
      }
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.disposed) return;
    const at = nextTimerAt(this.current);
    if (at === null) return;
    // setTimeout overflows past ~24.8 days; re-check at least daily.
    const delay = Math.min(Math.max(0, at - this.now()), 86_400_000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick().catch((err: unknown) => this.opts.logger.error({ err, sessionId: this.id }, 'timer tick failed'));
    }, delay);
    this.timer.unref();
  }
}
