/**
 * Whether someone has upvoted a question, in constant time.
 *
 * The state keeps upvoters as a list (JSON, in the order they came). In a plenary of
 * thousands, `includes` on it made every upvote, and every private view, cost the number
 * of upvotes so far: an upvote storm grew with its square. A list only ever grows in place
 * (withdrawing an upvote makes a new list), so an index kept per list object is brought up
 * to date by adding what was appended since it was last read.
 */
const indexes = new WeakMap<readonly string[], { indexed: number; ids: Set<string> }>();

export function hasUpvoted(upvoters: readonly string[], participantId: string): boolean {
  let index = indexes.get(upvoters);
  if (!index || index.indexed > upvoters.length) {
    index = { indexed: 0, ids: new Set() };
    indexes.set(upvoters, index);
  }
  for (; index.indexed < upvoters.length; index.indexed++) index.ids.add(upvoters[index.indexed]!);
  return index.ids.has(participantId);
}
