import type { EventDraft, SessionState } from '../../../../shared/src/index.js';
import { queueEntry } from './lookup.js';

/** Everything that must end before a participant leaves their room or loses the right to speak. */
export function releaseSpeaker(state: SessionState, participantId: string, now: number, reason: 'moved' | 'removed' | 'speaking-revoked'): EventDraft[] {
  const out: EventDraft[] = [];
  for (const roomId of state.roomOrder) {
    const room = state.rooms[roomId]!;
    if (room.floor?.participantId === participantId) {
      out.push({ type: 'floor.ended', payload: { roomId, participantId, endedAt: now, reason } });
    }
    if (queueEntry(room, participantId)) {
      out.push({ type: 'queue.hand-lowered', payload: { roomId, participantId, reason } });
    }
  }
  return out;
}
