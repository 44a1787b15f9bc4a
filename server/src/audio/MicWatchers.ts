import type { MicsView } from '../../../shared/src/index.js';
import type { MediaPeer } from '../ports/MediaSignalling.js';

/**
 * Facilitators who follow whose microphone is live, without listening to the room
 * themselves (the console's "microphone on" beside the floor). Each is told a room's
 * list only when it changes, and everything at once when they start watching.
 */
export class MicWatchers {
  private readonly watchers = new Map<string, MediaPeer>();
  /** The last list told per `${sessionId}\n${roomId}`, so an unchanged room sends nothing. */
  private readonly told = new Map<string, string>();

  watch(peer: MediaPeer, current: MicsView[]): { rooms: MicsView[] } {
    this.watchers.set(peer.socketId, peer);
    for (const m of current) this.told.set(`${peer.host.id}\n${m.roomId}`, JSON.stringify(m.live));
    return { rooms: current };
  }

  forget(socketId: string): void {
    this.watchers.delete(socketId);
  }

  changed(sessionId: string, roomId: string, live: string[]): void {
    const key = `${sessionId}\n${roomId}`;
    const json = JSON.stringify(live);
    if ((this.told.get(key) ?? '[]') === json) return;
    if (live.length === 0) this.told.delete(key);
    else this.told.set(key, json);
    for (const w of this.watchers.values()) if (w.host.id === sessionId) w.emit('audio.mics', { roomId, live });
  }

  /** The session's audio moved to another node: its watchers are told to ask there. */
  dropSession(sessionId: string): void {
    for (const [socketId, w] of [...this.watchers]) {
      if (w.host.id !== sessionId) continue;
      this.watchers.delete(socketId);
      w.emit('audio.status', { enabled: true, restart: true, reason: 'moved' });
    }
    for (const key of [...this.told.keys()]) if (key.startsWith(`${sessionId}\n`)) this.told.delete(key);
  }
}
