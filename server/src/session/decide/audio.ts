import type { CommandsOf, Deciders } from './context.js';
import { fail, roomOf } from './lookup.js';

/** Audio, as far as the log is concerned: whether a room's microphones are open to all. The rest of audio is transient. */
export const audioDeciders: Deciders<CommandsOf<'audio'>> = {
  'audio.setOpenMic': ({ state }, { roomId, open }) => {
    const room = roomOf(state, roomId);
    if (room.openMic === open) fail('CONFLICT', open ? 'Open mic is already on in this room.' : 'Open mic is already off in this room.');
    return { events: [{ type: 'audio.open-mic-set', payload: { roomId, open } }] };
  },
};
