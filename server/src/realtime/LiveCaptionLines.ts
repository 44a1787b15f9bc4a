import type { Server } from 'socket.io';
import { z } from 'zod';
import { CommandError, type LiveCaptionLine, type SessionEvent } from '../../../shared/src/index.js';
import { TokenBucket } from '../common/TokenBucket.js';
import type { LiveSession } from '../session/LiveSession.js';
import { audienceRoom } from './ViewPublisher.js';

/** A typist's live line is worth showing a few times a second; more is load on every reader in the room, for nothing. */
const PUSHES_PER_SECOND = 5;
const PUSH_BURST = 5;

/** How lines reach the clients of the other nodes of a cluster; absent on one node. */
export interface LiveLineBus {
  send(sessionId: string, line: LiveCaptionLine): void;
  onReceive(handler: (payload: unknown) => void): void;
}

/** A line from another node: checked like any input, since the bus is shared. */
const relayedSchema = z.strictObject({
  sessionId: z.string().min(1).max(128),
  line: z.strictObject({ roomId: z.string().min(1).max(128), participantId: z.string().min(1).max(128), text: z.string().max(500), at: z.number() }),
});

/**
 * Lines in progress: what a captioner is typing, pushed to everyone who sees the room
 * (its citizens, its officials, the facilitators) and never logged. The server still
 * decides who may push: only a room's current captioner, from inside that room.
 */
export class LiveCaptionLines {
  private readonly buckets = new Map<string, TokenBucket>();
  /** The room each captioner last pushed a line to: where a revocation must clear it. */
  private readonly pushedTo = new Map<string, string>();

  constructor(
    private readonly io: Server,
    private readonly bus: LiveLineBus | null = null,
  ) {
    // Other nodes' captioners reach this node's clients in their rooms too; the sender's node checked who may push.
    bus?.onReceive((payload) => {
      const relayed = relayedSchema.safeParse(payload);
      if (relayed.success) this.emitHere(relayed.data.sessionId, relayed.data.line);
    });
  }

  /** Push a captioner's line in progress to their room; throws a CommandError when they may not. */
  push(host: LiveSession, participantId: string, text: string): void {
    const assignment = host.state.captions.captioners[participantId];
    if (!assignment) throw new CommandError('FORBIDDEN', 'Only a captioner may write captions.');
    if (host.state.participants[participantId]?.roomId !== assignment.roomId) throw new CommandError('CONFLICT', 'You caption another room than the one you are in.');
    let bucket = this.buckets.get(participantId);
    if (!bucket) this.buckets.set(participantId, (bucket = new TokenBucket(PUSHES_PER_SECOND, PUSH_BURST)));
    if (!bucket.take()) throw new CommandError('RATE_LIMITED', 'Your live line is sent too often; the room sees it a few times a second.');
    if (text) this.pushedTo.set(participantId, assignment.roomId);
    else this.pushedTo.delete(participantId);
    this.emit(host.id, { roomId: assignment.roomId, participantId, text, at: Date.now() });
  }

  /** A committed line ends its captioner's line in progress; a revoked captioner's line goes too. */
  afterEvents(sessionId: string, events: readonly SessionEvent[]): void {
    for (const e of events) {
      if (e.type === 'caption.added' && e.actor.kind === 'participant') this.clear(sessionId, e.actor.participantId, e.at);
      if (e.type === 'captioner.revoked' || e.type === 'captioner.assigned') this.clear(sessionId, e.payload.participantId, e.at);
      if (e.type === 'participant.removed') {
        this.clear(sessionId, e.payload.participantId, e.at);
        this.buckets.delete(e.payload.participantId);
      }
    }
  }

  private clear(sessionId: string, participantId: string, at: number): void {
    const roomId = this.pushedTo.get(participantId);
    if (!roomId) return;
    this.pushedTo.delete(participantId);
    this.emit(sessionId, { roomId, participantId, text: '', at });
  }

  private emit(sessionId: string, line: LiveCaptionLine): void {
    this.emitHere(sessionId, line);
    this.bus?.send(sessionId, line);
  }

  private emitHere(sessionId: string, line: LiveCaptionLine): void {
    this.io
      .to([
        audienceRoom(sessionId, { kind: 'room', roomId: line.roomId }),
        audienceRoom(sessionId, { kind: 'officials', roomId: line.roomId }),
        audienceRoom(sessionId, { kind: 'staff' }),
      ])
      .emit('captions.live', line);
  }
}
