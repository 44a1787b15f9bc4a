import type { CommandsOf, Deciders } from './context.js';
import { fail } from './lookup.js';

/** Publishing the public accountability page, or withdrawing it: the facilitator's choice, kept in the log. */
export const publicPageDeciders: Deciders<CommandsOf<'publicPage'>> = {
  'publicPage.set': ({ state }, { published }) => {
    // A repeat would add an event that changes nothing, and make "since" lie about when the page went up.
    if (state.publicPage.published === published) {
      fail('CONFLICT', published ? 'The public page is already published.' : 'The public page is not published.');
    }
    return { events: [{ type: 'public-page.set', payload: { published } }], result: { published } };
  },
};
