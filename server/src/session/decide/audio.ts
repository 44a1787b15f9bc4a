import type { CommandsOf, Deciders } from './context.js';
import { fail, roomOf } from './lookup.js';

/** Audio, as far as the log is concerned: whether a room's microphones are open to all, and who was muted. The rest of audio is transient. */
export const audioDeciders: Deciders<CommandsOf<'audio'>> = {
  'audio.setOpenMic': ({ state }, { roomId, open }) => {
    const room = roomOf(state, roomId);
    if (room.openMic === open) fail('CONFLICT', open ? 'Open mic is already on in this room.' : 'Open mic is already off in this room.');
    return { events: [{ type: 'audio.open-mic-set', payload: { roomId, open } }] };
  },
  'audio.mute': ({ state }, { participantId }) => {
    const target = Object.hasOwn(state.participants, participantId) ? state.participants[participantId] : undefined;
    if (!target || target.removed) fail('NOT_FOUND', 'There is no such participant in this session.');
    if (target.audioMuted) fail('CONFLICT', 'This participant is already muted.');
    return { events: [{ type: 'audio.muted', payload: { participantId } }] };
  },
};
