import type { SessionState } from '../../../shared/src/index.js';

/**
 * Who may be heard in a room: the floor holder, any facilitator, and in an open-mic
 * room every citizen in it who has not lost the right to speak. Everyone else listens.
 * A muted participant stays silent until they are given the floor again.
 */
export function mayProduce(state: SessionState, participantId: string): boolean {
  if (state.closedAt !== null) return false;
  const p = Object.hasOwn(state.participants, participantId) ? state.participants[participantId]! : null;
  if (!p || p.removed || p.audioMuted) return false;
  if (p.role === 'facilitator') return true;
  if (p.role !== 'citizen' || !p.canSpeak) return false;
  const room = state.rooms[p.roomId];
  if (!room) return false;
  return room.floor?.participantId === participantId || room.openMic;
}
