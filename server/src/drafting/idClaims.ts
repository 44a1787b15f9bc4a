import * as Y from 'yjs';

/**
 * Whether an update claims, for ids the document already holds, something other than
 * what the document holds there.
 *
 * In Yjs an id `(client, clock)` names one piece of content forever, and the update
 * code relies on it: integration skips structs at held clocks without looking at them,
 * and `mergeUpdates` (which `encodeStateAsUpdate` uses to add pending structs) slices
 * and merges by id alone. An update that reuses held ids with other content is
 * therefore never an honest client's: honest overlaps (a sync step 2 computed from an
 * older state vector) repeat exactly what is held. Integration would drop the
 * overlapping part silently; refusing it says so.
 *
 * What is compared, for every held piece an incoming struct overlaps: its left origin
 * at that clock, its right origin, its parent when it has no origin, and its content
 * byte for byte. Content the document has garbage-collected (a GC struct, or a deleted
 * item's ContentDeleted) cannot be compared and is not; nor is an incoming GC struct or
 * ContentDeleted, which carries no content to disagree with.
 *
 * Pinned to the Yjs in the lockfile (13.6): this reads struct fields (`origin`,
 * `rightOrigin`, `parent`, `parentSub`, `content`) and `findIndexSS`, which Yjs exports
 * but does not document.
 */
export function heldIdConflict(doc: Y.Doc, update: { structs: Array<Y.Item | Y.GC | Y.Skip> }): string | null {
  for (const incoming of update.structs) {
    if (!(incoming instanceof Y.Item)) continue;
    const { client, clock } = incoming.id;
    const held = Y.getState(doc.store, client);
    if (clock >= held) continue;
    const end = Math.min(clock + incoming.length, held);
    const structs = doc.store.clients.get(client)!;
    for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
      const mine = structs[i]!;
      if (mine.id.clock >= end) break;
      if (!(mine instanceof Y.Item)) continue;
      const from = Math.max(clock, mine.id.clock);
      const to = Math.min(end, mine.id.clock + mine.length);
      const why = pieceDiffers(incoming, mine, from, to);
      if (why) return `${why} at ${client}:${from}`;
    }
  }
  return null;
}

function pieceDiffers(incoming: Y.Item, mine: Y.Item, from: number, to: number): string | null {
  const { client } = incoming.id;
  // Inside a struct, each clock's left origin is the clock before it.
  const originOf = (s: Y.Item) => (from === s.id.clock ? s.origin : Y.createID(client, from - 1));
  if (!sameId(originOf(incoming), originOf(mine))) return 'a different left origin';
  if (!sameId(incoming.rightOrigin, mine.rightOrigin)) return 'a different right origin';
  if (from === incoming.id.clock && incoming.origin === null && incoming.rightOrigin === null) {
    if (!sameParent(incoming, mine)) return 'a different parent';
  }
  if (incoming.content instanceof Y.ContentDeleted || mine.content instanceof Y.ContentDeleted) return null;
  if (incoming.content.getRef() !== mine.content.getRef()) return 'a different kind of content';
  const a = contentBytes(incoming.content, from - incoming.id.clock, to - from);
  const b = contentBytes(mine.content, from - mine.id.clock, to - from);
  return equalBytes(a, b) ? null : 'different content';
}

function sameId(a: Y.ID | null, b: Y.ID | null): boolean {
  return a === b || (a !== null && b !== null && a.client === b.client && a.clock === b.clock);
}

/** A decoded struct names its parent by root key or by the id of the parent's item; a held one points at the type. */
function sameParent(incoming: Y.Item, mine: Y.Item): boolean {
  if ((incoming.parentSub ?? null) !== (mine.parentSub ?? null)) return false;
  const claimed = incoming.parent as unknown;
  const actual = mine.parent as Y.AbstractType<unknown> | null;
  if (actual === null) return false;
  if (actual._item === null) return typeof claimed === 'string' && Y.findRootTypeKey(actual) === claimed;
  return claimed instanceof Y.ID && sameId(claimed, actual._item.id);
}

/** The encoded content of `length` elements from `offset`, without touching the original. */
function contentBytes(content: Y.Item['content'], offset: number, length: number): Uint8Array {
  let piece = content;
  if (offset > 0 || length < content.getLength()) {
    piece = content.copy();
    if (offset > 0) piece = piece.splice(offset);
    if (length < piece.getLength()) piece.splice(length);
  }
  const encoder = new Y.UpdateEncoderV1();
  piece.write(encoder, 0);
  return encoder.toUint8Array();
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The client ids under which an update adds content the document does not hold yet. */
export function clientsExtended(doc: Y.Doc, update: { structs: Array<Y.Item | Y.GC | Y.Skip> }): Set<number> {
  const out = new Set<number>();
  for (const s of update.structs) {
    if (s instanceof Y.Skip) continue;
    if (s.id.clock + s.length > Y.getState(doc.store, s.id.client)) out.add(s.id.client);
  }
  return out;
}
