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

/**
 * Who may be heard in one channel: the original (null) follows the floor; a language's
 * channel is its interpreters', in their room, while there is something to render: a
 * floor held by someone else, or an open mic (everyone speaks, so interpreters do too).
 * A mute silences an interpreter as it does a speaker.
 */
export function mayProduceInto(state: SessionState, participantId: string, language: string | null): boolean {
  if (language === null) return mayProduce(state, participantId);
  return interpretingRefusal(state, participantId, language) === null;
}

/** Why an interpreter may not speak into `language` now, in words for them; null when they may. */
export function interpretingRefusal(state: SessionState, participantId: string, language: string): string | null {
  if (state.closedAt !== null) return 'This session has ended.';
  const p = Object.hasOwn(state.participants, participantId) ? state.participants[participantId]! : null;
  const post = p?.interpreting ?? null;
  if (!p || p.removed || !post || post.roomId !== p.roomId) return 'You are not an interpreter in this room.';
  if (post.language !== language) return `You interpret into ${post.language} only.`;
  if (p.audioMuted) return 'A facilitator closed your microphone.';
  const room = state.rooms[p.roomId];
  if (!room) return 'You are not an interpreter in this room.';
  if (room.openMic) return null;
  if (!room.floor) return 'You can interpret only while someone holds the floor.';
  if (room.floor.participantId === participantId) return 'You hold the floor yourself: speak into the original.';
  return null;
}
