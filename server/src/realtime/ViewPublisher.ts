import type { Server } from 'socket.io';
import {
  audienceOf,
  diffView,
  projectMe,
  projectPresence,
  projectSession,
  type Audience,
  type SessionEvent,
  type SessionState,
  type PresenceView,
  type SessionView,
  type MeView,
  type ViewPatchMessage,
} from '../../../shared/src/index.js';
import type { LiveSession } from '../session/LiveSession.js';
import type { Presence } from './Presence.js';

export const participantRoom = (participantId: string) => `p:${participantId}`;
export const sessionRoom = (sessionId: string) => `s:${sessionId}`;
/** An audience's name within its session; ids never hold a colon, so the names cannot meet. */
const audienceKey = (audience: Audience) =>
  audience.kind === 'staff' ? 'staff' : audience.kind === 'officials' ? `officials:${audience.roomId}` : `room:${audience.roomId}`;
export const audienceRoom = (sessionId: string, audience: Audience) => `s:${sessionId}:${audienceKey(audience)}`;

/** Participants whose private view (`session.me`) an event may change; 'all' when it is cheaper not to work it out. */
function touched(e: SessionEvent, state: SessionState): Set<string> | 'all' {
  const ids = new Set<string>();
  if (e.actor.kind === 'participant') ids.add(e.actor.participantId);
  switch (e.type) {
    case 'rooms.assigned':
      Object.keys(e.payload.assignments).forEach((id) => ids.add(id));
      return ids;
    case 'rooms.recalled':
    case 'session.closed':
      return 'all';
    case 'personal-data.erased':
      e.payload.participantIds.forEach((id) => ids.add(id));
      return ids;
    case 'qa.status-set': {
      const author = state.questions[e.payload.questionId]?.authorId;
      if (author) ids.add(author);
      return ids;
    }
    default:
      if ('participantId' in e.payload) ids.add(e.payload.participantId);
      return ids;
  }
}

/** The view an audience's sockets hold: what the next patch is made from. */
interface Stream {
  audience: Audience;
  view: SessionView;
  /** Not published again before this time: as long after the last publish as that one took (see `publish`). */
  notBefore: number;
  /** What the last publish took. */
  costMs: number;
  /** Since when a change is held back because events are still pouring in (see `holdFromSockets`); null when not held. */
  heldSince: number | null;
}

/**
 * The longest a change is held while events pour in (see `holdFromSockets`): a busy
 * session still sees changes every second, or every five broadcasts' time if one
 * broadcast takes longer than a fifth of a second.
 */
export const maxHold = (costMs: number) => Math.max(1000, 5 * costMs);

/** Head counts go out less often to large sessions: every connect changes them, and each message goes to everyone. */
export const presenceInterval = (baseMs: number, connected: number) => baseMs * Math.max(1, Math.ceil(connected / 1000));

/** Events after which a participant may belong to another audience. */
const REHOMES = new Set<SessionEvent['type']>(['rooms.assigned', 'rooms.recalled', 'participant.removed']);

export interface ViewPublisherOptions {
  /** Coalescing window for view changes. */
  intervalMs: number;
  /** Head counts go out at most this often. */
  presenceMs: number;
  /**
   * An audience with at least this many sockets has its changes held while events are
   * still arriving: until a window passes with none, for at most `maxHold`. An upvote
   * storm of 10 000 votes in two seconds is then one broadcast of the final count at its
   * end, rather than one at its start, one at its end, and the event loop taken from the
   * acks in between. Smaller audiences see every change at once.
   */
  holdFromSockets: number;
  onError: (err: unknown) => void;
}

/**
 * Pushes views to the clients of one session, at a cost that grows with what changed,
 * not with the size of the room:
 * - Each audience (the staff, or one room) has one view stream. A newcomer gets the
 *   stream's current view; after that, changes are coalesced (one flush per interval),
 *   each audience's next view is computed once, and only a patch from the previous one
 *   is broadcast, and only if its content changed. A connect or a join therefore sends
 *   nothing to a citizen's room: head counts go in a presence message at most once a
 *   second, and names only to the staff (their view lists everyone).
 * - Private views go only to those they changed for.
 */
export class ViewPublisher {
  private pending: NodeJS.Timeout | null = null;
  private presenceTimer: NodeJS.Timeout | null = null;
  private dirtyMe = new Set<string>();
  private dirtyAllMe = false;
  /** Someone may have changed audience since the last flush: check everyone connected. */
  private rehome = false;
  /** Batches of events that arrived since the last flush, and whether the first of them opened its window: how busy the session is (see `holdFromSockets`). */
  private batchesSinceFlush = 0;
  private openedByEvents = false;
  /** Where each connected participant's sockets currently listen. */
  private readonly joined = new Map<string, string>();
  private readonly lastMe = new Map<string, string>();
  private readonly streams = new Map<string, Stream>();
  /** Each audience's socket.io room name, made once: thousands of sockets then share one string instead of holding a copy each. */
  private readonly roomNames = new Map<string, string>();
  /** The room every socket of the session is in (head counts), named once for the same reason. */
  readonly sessionRoom: string;
  private lastPresence: { text: string; view: PresenceView } | null = null;

  constructor(
    private readonly io: Server,
    private readonly host: LiveSession,
    private readonly presence: Presence,
    private readonly opts: ViewPublisherOptions,
  ) {
    this.sessionRoom = sessionRoom(host.id);
    host.onChange((events, state) => {
      for (const e of events) {
        const t = touched(e, state);
        if (t === 'all') this.dirtyAllMe = true;
        else t.forEach((id) => this.dirtyMe.add(id));
        if (REHOMES.has(e.type)) this.rehome = true;
      }
      if (!this.pending) this.openedByEvents = true;
      this.batchesSinceFlush += 1;
      this.schedule();
      if (events.some((e) => e.type === 'participant.joined' || e.type === 'participant.removed' || e.type.startsWith('rooms.'))) this.schedulePresence();
    });
  }

  private roomOf(audience: Audience): string {
    const key = audienceKey(audience);
    let name = this.roomNames.get(key);
    if (name === undefined) this.roomNames.set(key, (name = audienceRoom(this.host.id, audience)));
    return name;
  }

  /** A participant's sockets should listen to this audience; returns the socket.io room. */
  audienceFor(participantId: string): string {
    const p = this.host.state.participants[participantId]!;
    return this.roomOf(audienceOf(p.role, p.roomId));
  }

  /** A socket of this participant joined its audience's room (after it was sent `fullView` and `me`). */
  connected(participantId: string): void {
    const room = this.audienceFor(participantId);
    this.joined.set(participantId, room);
    // A stream no one listened to was dropped; a newcomer's fullView made it again.
    if (!this.streams.has(room)) this.rehome = true;
    this.schedulePresence();
    // The staff list who is online; a room's view changes only if it shows its members.
    this.schedule();
  }

  /** Someone connected to or left another node of the cluster. */
  presenceChanged(): void {
    this.schedulePresence();
    this.schedule();
  }

  disconnected(participantId: string, last: boolean): void {
    if (last) {
      this.joined.delete(participantId);
      this.lastMe.delete(participantId);
    }
    this.schedulePresence();
    this.schedule();
  }

  /**
   * The view a new socket of this participant starts from: its audience stream's view,
   * brought up to date first if changes are waiting for the next flush (only that
   * audience's, so a join storm costs one small view per join, not a flush of everything).
   * Call it before the socket joins the audience's room: a patch made here is for the others.
   */
  fullView(participantId: string): SessionView & { serverTime: number } {
    const p = this.host.state.participants[participantId]!;
    const audience = audienceOf(p.role, p.roomId);
    const room = this.roomOf(audience);
    const stream = this.streams.get(room);
    if (!stream) return { ...this.createStream(room, audience).view, serverTime: Date.now() };
    // A large audience is not broadcast to for one newcomer: it starts from the stream's view and gets the pending patch with the others.
    if (this.pending && !this.isLarge(room)) this.publish(room, stream, this.host.state, this.presence.online(this.host.id), Date.now(), []);
    return { ...stream.view, serverTime: Date.now() };
  }

  /** The current private view of a participant, remembered as sent. */
  me(participantId: string) {
    const me = projectMe(this.host.state, participantId);
    if (me) this.remember(participantId, me);
    return me;
  }

  /**
   * The sender's private view for a command's ack, remembered as sent so the next flush
   * does not send it again. If the command changed it, its other sockets get it now.
   */
  meForAck(participantId: string, senderSocketId: string, otherSockets: boolean): MeView | undefined {
    const me = projectMe(this.host.state, participantId);
    // Computed from the durable state, which holds every event that dirtied it so far: the next flush need not compute it again.
    this.dirtyMe.delete(participantId);
    if (me && this.remember(participantId, me) && otherSockets) this.io.to(participantRoom(participantId)).except(senderSocketId).emit('session.me', me);
    return me ?? undefined;
  }

  /** The head counts as last sent, for a new socket (computed if none were). */
  currentPresence(): PresenceView {
    if (!this.lastPresence) {
      const view = projectPresence(this.host.state, this.presence.online(this.host.id));
      this.lastPresence = { text: withoutSeq(view), view };
    }
    return this.lastPresence.view;
  }

  /**
   * Send what is pending now rather than at the end of the window. Returns the
   * revision of a participant's audience stream afterwards.
   */
  flushNow(participantId: string): number {
    if (this.pending) {
      clearTimeout(this.pending);
      this.pending = null;
      this.flushSafely();
    }
    const room = this.audienceFor(participantId);
    const stream = this.streams.get(room);
    if (!stream) return 0;
    // The asker's audience goes out even inside its window or held in a storm: the answer promises every patch before it.
    if (stream.notBefore > Date.now() || stream.heldSince !== null) this.publish(room, stream, this.host.state, this.presence.online(this.host.id), Date.now(), []);
    return stream.view.rev;
  }

  schedule(delayMs = this.opts.intervalMs): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      this.flushSafely();
    }, delayMs);
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    if (this.presenceTimer) clearTimeout(this.presenceTimer);
    this.pending = null;
    this.presenceTimer = null;
  }

  private flushSafely(): void {
    // A view that cannot be built is a bug to log, never a reason for the process to die.
    try {
      this.flush();
    } catch (err) {
      this.opts.onError(err);
    }
  }

  private flush(): void {
    const state = this.host.state;
    const online = this.presence.online(state.sessionId);
    const serverTime = Date.now();

    // Follow moves between audiences first; movers get their new audience's whole view below.
    // Only after events that can move people: walking everyone connected on every flush was a cost that grew with the room.
    const movers = this.rehome ? this.followMoves(state) : [];
    this.rehome = false;
    // Busy: events came after the ones that opened this window (a window a timer opened has none of its own).
    const busy = this.batchesSinceFlush > (this.openedByEvents ? 1 : 0);
    this.batchesSinceFlush = 0;
    this.openedByEvents = false;

    let wait = Infinity;
    for (const [room, stream] of this.streams) {
      if (stream.notBefore > serverTime) {
        wait = Math.min(wait, stream.notBefore - serverTime);
        continue;
      }
      if (busy && this.isLarge(room)) {
        stream.heldSince ??= serverTime;
        if (serverTime - stream.heldSince < maxHold(stream.costMs)) {
          // Looked at again after a window; never in a tight loop, even with a window of 0 ms.
          wait = Math.min(wait, Math.max(this.opts.intervalMs, 20));
          continue;
        }
      }
      this.publish(room, stream, state, online, serverTime, movers);
    }
    for (const pid of movers) this.io.to(participantRoom(pid)).emit('session.view', this.fullView(pid));

    const targets = this.dirtyAllMe ? [...this.joined.keys()] : [...this.dirtyMe].filter((id) => this.joined.has(id));
    for (const pid of targets) this.sendMe(state, pid);
    this.dirtyMe.clear();
    this.dirtyAllMe = false;
    // An audience held back by its window goes out when the window ends.
    if (wait !== Infinity) this.schedule(Math.max(wait, this.opts.intervalMs));
  }

  /** Move sockets whose participant now belongs to another audience; drop streams no one listens to. */
  private followMoves(state: SessionState): string[] {
    const movers: string[] = [];
    const audiences = new Map<string, Audience>();
    for (const [pid, room] of this.joined) {
      const p = state.participants[pid];
      if (!p || p.removed) continue;
      const audience = audienceOf(p.role, p.roomId);
      const want = this.roomOf(audience);
      audiences.set(want, audience);
      if (want === room) continue;
      this.io.in(participantRoom(pid)).socketsLeave(room);
      this.io.in(participantRoom(pid)).socketsJoin(want);
      this.joined.set(pid, want);
      movers.push(pid);
    }
    for (const [room, audience] of audiences) if (!this.streams.has(room)) this.createStream(room, audience);
    for (const room of this.streams.keys()) if (!audiences.has(room)) this.streams.delete(room);
    return movers;
  }

  /** Bring one audience's stream up to the state, broadcasting the patch if its content changed. */
  private publish(room: string, stream: Stream, state: SessionState, online: { has(id: string): boolean }, serverTime: number, movers: string[]): void {
    const started = performance.now();
    const next = projectSession(state, stream.audience, online);
    const { rev: _rev, seq: _seq, ...before } = stream.view;
    const { rev: _r, seq: _s, ...after } = next;
    const patch = diffView(before, after);
    if (patch) {
      const message: ViewPatchMessage = { baseRev: stream.view.rev, rev: stream.view.rev + 1, seq: next.seq, serverTime, patch };
      stream.view = { ...next, rev: message.rev };
      const to = this.io.to(room);
      // Movers are sent their new audience's whole view instead.
      (movers.length ? to.except(movers.map(participantRoom)) : to).emit('session.viewPatch', message);
    } else {
      // Nothing a client sees changed: no message, but newcomers start from the current seq.
      stream.view = { ...stream.view, seq: next.seq };
    }
    stream.costMs = performance.now() - started;
    // The next publish waits as long as this one took: however large the room, publishing leaves at
    // least half of the event loop to joins and commands, and no more than half of it is kept waiting
    // (at 10 000 citizens a broadcast is about 0.4 s of socket writes, and a facilitator acting once a
    // second must still reach everyone at once).
    stream.notBefore = serverTime + stream.costMs;
    stream.heldSince = null;
  }

  /** Whether an audience is large enough to hold its changes while events pour in. */
  private isLarge(room: string): boolean {
    return (this.io.sockets.adapter.rooms.get(room)?.size ?? 0) >= this.opts.holdFromSockets;
  }

  private createStream(room: string, audience: Audience): Stream {
    const view = projectSession(this.host.state, audience, this.presence.online(this.host.id));
    const stream = { audience, view: { ...view, rev: 1 }, notBefore: 0, costMs: 0, heldSince: null };
    this.streams.set(room, stream);
    return stream;
  }

  private schedulePresence(): void {
    if (this.presenceTimer) return;
    this.presenceTimer = setTimeout(
      () => {
        this.presenceTimer = null;
        try {
          const view = projectPresence(this.host.state, this.presence.online(this.host.id));
          const text = withoutSeq(view);
          if (text === this.lastPresence?.text) return;
          this.lastPresence = { text, view };
          this.io.to(this.sessionRoom).emit('session.presence', view);
        } catch (err) {
          this.opts.onError(err);
        }
      },
      presenceInterval(this.opts.presenceMs, this.joined.size),
    );
  }

  private sendMe(state: SessionState, pid: string): void {
    const me = projectMe(state, pid);
    if (me && this.remember(pid, me)) this.io.to(participantRoom(pid)).emit('session.me', me);
  }

  /** Record a private view as sent; whether it differs from the last one (its seq aside). */
  private remember(pid: string, me: MeView): boolean {
    const text = withoutSeq(me);
    if (this.lastMe.get(pid) === text) return false;
    this.lastMe.set(pid, text);
    return true;
  }
}

/**
 * A private view or head counts without their seq: what decides whether they changed.
 * Every event moves the seq; comparing it too re-sent every voter's private view on
 * each flush of a storm.
 */
function withoutSeq(view: { seq: number }): string {
  const { seq: _seq, ...content } = view;
  return JSON.stringify(content);
}
