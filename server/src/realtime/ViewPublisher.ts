import type { Server } from 'socket.io';
import {
  audienceOf,
  projectMe,
  projectRoster,
  projectSession,
  type Audience,
  type SessionEvent,
  type SessionState,
} from '../../../shared/src/index.js';
import type { SessionHost } from '../session/SessionHost.js';
import type { Presence } from './Presence.js';

export const participantRoom = (participantId: string) => `p:${participantId}`;
export const audienceRoom = (sessionId: string, audience: Audience) =>
  audience.kind === 'staff' ? `s:${sessionId}:staff` : `s:${sessionId}:room:${audience.roomId}`;

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

/**
 * Pushes views to the clients of one session. Changes are coalesced: one flush per
 * interval at most, each audience's view is computed once and broadcast to all its
 * sockets, and private views go only to those they changed for.
 */
export class ViewPublisher {
  private pending: NodeJS.Timeout | null = null;
  private dirtyMe = new Set<string>();
  private dirtyAllMe = false;
  /** Where each connected participant's sockets currently listen. */
  private readonly joined = new Map<string, string>();
  private readonly lastMe = new Map<string, string>();
  /** The roster last sent to each audience room, to send it again only when it changes. */
  private readonly lastRoster = new Map<string, string>();

  constructor(
    private readonly io: Server,
    private readonly host: SessionHost,
    private readonly presence: Presence,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {
    host.onChange((events, state) => {
      for (const e of events) {
        const t = touched(e, state);
        if (t === 'all') this.dirtyAllMe = true;
        else t.forEach((id) => this.dirtyMe.add(id));
      }
      this.schedule();
    });
  }

  /** A participant's sockets should listen to this audience; returns the socket.io room. */
  audienceFor(participantId: string): string {
    const p = this.host.state.participants[participantId]!;
    return audienceRoom(this.host.id, audienceOf(p.role, p.roomId));
  }

  connected(participantId: string): void {
    this.joined.set(participantId, this.audienceFor(participantId));
    this.lastMe.delete(participantId);
    this.schedule();
  }

  disconnected(participantId: string, last: boolean): void {
    if (last) {
      this.joined.delete(participantId);
      this.lastMe.delete(participantId);
    }
    this.schedule();
  }

  schedule(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      // A view that cannot be built is a bug to log, never a reason for the process to die.
      try {
        this.flush();
      } catch (err) {
        this.onError(err);
      }
    }, this.intervalMs);
  }

  flush(): void {
    const state = this.host.state;
    const online = this.presence.online(state.sessionId);
    const serverTime = Date.now();

    // Follow moves between rooms before broadcasting, so nobody gets a view of a room they just left.
    for (const [pid, room] of this.joined) {
      const p = state.participants[pid];
      if (!p || p.removed) continue;
      const want = this.audienceFor(pid);
      if (want !== room) {
        this.io.in(participantRoom(pid)).socketsLeave(room);
        this.io.in(participantRoom(pid)).socketsJoin(want);
        this.joined.set(pid, want);
        // Newcomers to an audience need its roster even if it does not change in this flush.
        const roster = projectRoster(state, audienceOf(p.role, p.roomId), online);
        this.io.to(participantRoom(pid)).emit('session.roster', roster);
      }
    }

    const audiences = new Map<string, Audience>();
    for (const pid of this.joined.keys()) {
      const p = state.participants[pid];
      if (p && !p.removed) {
        const a = audienceOf(p.role, p.roomId);
        audiences.set(audienceRoom(state.sessionId, a), a);
      }
    }
    for (const [room, audience] of audiences) {
      this.io.to(room).emit('session.view', { ...projectSession(state, audience, online), serverTime });
      const roster = projectRoster(state, audience, online);
      const text = JSON.stringify(roster.members);
      if (this.lastRoster.get(room) !== text) {
        this.lastRoster.set(room, text);
        this.io.to(room).emit('session.roster', roster);
      }
    }

    const targets = this.dirtyAllMe ? [...this.joined.keys()] : [...this.dirtyMe].filter((id) => this.joined.has(id));
    for (const pid of targets) this.sendMe(state, pid);
    for (const pid of this.joined.keys()) if (!this.lastMe.has(pid)) this.sendMe(state, pid);
    this.dirtyMe.clear();
    this.dirtyAllMe = false;
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
  }

  private sendMe(state: SessionState, pid: string): void {
    const me = projectMe(state, pid);
    if (!me) return;
    const text = JSON.stringify(me);
    if (this.lastMe.get(pid) === text) return;
    this.lastMe.set(pid, text);
    this.io.to(participantRoom(pid)).emit('session.me', me);
  }
}
