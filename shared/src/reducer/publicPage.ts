import type { Appliers, EventsOf } from './applier.js';

/** The public page: shown from the moment it was published until it is withdrawn. */
export const publicPageAppliers: Appliers<EventsOf<'public-page'>> = {
  'public-page.set': (s, e) => {
    s.publicPage = { published: e.payload.published, since: e.payload.published ? e.at : null };
  },
};
