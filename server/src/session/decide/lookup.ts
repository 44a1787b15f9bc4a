import { CommandError, type Participant, type Room, type SessionState } from '../../../../shared/src/index.js';

export function fail(code: 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN', message: string): never {
  throw new CommandError(code, message);
}

export function roomOf(state: SessionState, roomId: string): Room {
  return (Object.hasOwn(state.rooms, roomId) && state.rooms[roomId]) || fail('NOT_FOUND', 'There is no such room in this session.');
}

export function participantOf(state: SessionState, participantId: string): Participant {
  const p = Object.hasOwn(state.participants, participantId) ? state.participants[participantId] : undefined;
  if (!p || p.removed) fail('NOT_FOUND', 'There is no such participant in this session.');
  return p;
}

export function queueEntry(room: Room, participantId: string) {
  return room.queue.find((e) => e.participantId === participantId);
}
