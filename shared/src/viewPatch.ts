/**
 * Patches between two views, so that a change costs its own size on the wire, not
 * the view's. A plenary's queue of 500 hands or a facilitator's list of 10,000
 * participants is sent once; after that, one raised hand is one entry.
 *
 * The format is plain JSON, stable and documented (docs/PROTOCOL.md §5):
 * - a patch of an object is `{ [key]: op }`, one op per key that changed:
 *   `{ set: value }` (new or replaced), `{ del: 1 }` (removed), `{ obj: patch }`
 *   (a nested object changed), `{ list: listPatch }` (a keyed list changed);
 * - a keyed list is an array of objects that all carry a unique string under one of
 *   the key fields below. Its patch is `{ key, remove?: [keys], add?: [items],
 *   addAt?: [index], change?: { [key]: patch }, order?: [keys] }`: the key field,
 *   removed keys, new items (whole) and, unless they go at the end, the index of each in
 *   the new list, a patch of each item that changed, and the order of every key only
 *   when the items that stay change their order among themselves;
 * - `position`, in a list whose items have one, is always the item's 1-based index.
 *   It is not compared and is recomputed after a patch, so that one hand raised at
 *   the front of a queue does not change every entry behind it.
 * Any other array is a value: replaced whole when it differs.
 *
 * I wrote this instead of taking a JSON Patch (RFC 6902) library because those
 * address array items by index, and an index shifts under every insertion: a patch
 * by key stays as small as the change.
 */

export type Patch = { [key: string]: PatchOp };
export type PatchOp = { set: unknown } | { del: 1 } | { obj: Patch } | { list: ListPatch };
export interface ListPatch {
  /** The field the items are keyed by. */
  key: string;
  remove?: string[];
  /** New items, whole. */
  add?: Record<string, unknown>[];
  /** Where each new item goes (its index in the new list), when not at the end. */
  addAt?: number[];
  /** Items that changed, by key: a patch of each. */
  change?: Record<string, Patch>;
  order?: string[];
}

const KEY_FIELDS = ['id', 'participantId', 'recommendationId', 'amendmentId'] as const;
const DERIVED = 'position';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The patch that turns `prev` into `next` (both objects); null when they are equal. */
export function diffView(prev: Obj, next: Obj): Patch | null {
  const patch: Patch = {};
  for (const key of Object.keys(prev)) if (!Object.hasOwn(next, key)) patch[key] = { del: 1 };
  for (const [key, value] of Object.entries(next)) {
    if (!Object.hasOwn(prev, key)) {
      patch[key] = { set: value };
      continue;
    }
    const op = diffValue(prev[key], value);
    if (op) patch[key] = op;
  }
  return Object.keys(patch).length ? patch : null;
}

/** Apply a patch made by diffView; returns a new object and leaves `base` untouched. */
export function applyViewPatch<T extends Obj>(base: T, patch: Patch): T {
  const out: Obj = { ...base };
  for (const [key, op] of Object.entries(patch)) {
    if ('del' in op) delete out[key];
    else if ('set' in op) out[key] = op.set;
    else if ('obj' in op) out[key] = applyViewPatch(isObject(out[key]) ? (out[key] as Obj) : {}, op.obj);
    else out[key] = applyListPatch(Array.isArray(out[key]) ? (out[key] as Obj[]) : [], op.list);
  }
  return out as T;
}

function diffValue(prev: unknown, next: unknown): PatchOp | null {
  if (prev === next) return null;
  if (isObject(prev) && isObject(next)) {
    const sub = diffView(prev, next);
    return sub ? { obj: sub } : null;
  }
  if (Array.isArray(prev) && Array.isArray(next)) {
    // The same items in the same order: the usual case for a long roster, settled by references alone.
    if (prev.length === next.length && prev.every((item, i) => item === next[i])) return null;
    const grown = diffGrownList(prev, next);
    if (grown !== undefined) return grown;
    const key = listKey(prev, next);
    if (key) return diffList(prev as Obj[], next as Obj[], key);
  }
  return equal(prev, next) ? null : { set: next };
}

/** The field that keys both lists, if they are keyed lists (an empty list is keyed by anything). */
function listKey(a: unknown[], b: unknown[]): string | null {
  const items = [...a, ...b];
  if (items.length === 0) return null;
  if (!items.every(isObject)) return null;
  for (const field of KEY_FIELDS) {
    const ok = (list: unknown[]) => {
      const seen = new Set<string>();
      for (const item of list as Obj[]) {
        const k = item[field];
        if (typeof k !== 'string' || seen.has(k)) return false;
        seen.add(k);
      }
      return true;
    };
    if (ok(a) && ok(b)) return field;
  }
  return null;
}

function diffList(prev: Obj[], next: Obj[], key: string): PatchOp | null {
  const before = new Map(prev.map((item) => [item[key] as string, item]));
  const after = new Set(next.map((item) => item[key] as string));
  const patch: ListPatch = { key };
  const remove = prev.map((item) => item[key] as string).filter((k) => !after.has(k));
  if (remove.length) patch.remove = remove;
  const add: Obj[] = [];
  const change: Record<string, Patch> = {};
  for (const item of next) {
    const k = item[key] as string;
    const old = before.get(k);
    if (!old) {
      add.push(item);
      continue;
    }
    // Projections reuse an unchanged item's object (view.ts), so a roster of thousands is mostly this.
    if (old === item) continue;
    const sub = diffView(withoutDerived(old), withoutDerived(item));
    if (sub) change[k] = sub;
  }
  if (add.length) patch.add = add;
  if (Object.keys(change).length) patch.change = change;
  const order = next.map((i) => i[key] as string);
  const stayingBefore = prev.map((i) => i[key] as string).filter((k) => after.has(k));
  const stayingAfter = order.filter((k) => before.has(k));
  if (!sameStrings(stayingBefore, stayingAfter)) {
    patch.order = order;
  } else if (add.length) {
    // Insertions keep the others' order: say where the new items go, unless it is the end.
    const at = order.flatMap((k, index) => (before.has(k) ? [] : [index]));
    if (at.some((index, i) => index !== stayingAfter.length + i)) patch.addAt = at;
  }
  if (!patch.remove && !patch.add && !patch.change && !patch.order) return null;
  return { list: patch };
}

/**
 * The common case of a long keyed list, cheaply: every item keeps its key and its
 * place, some changed, and new ones came at the end (a roster during a join storm).
 * Projections hand back unchanged items as the same object (view.ts), so this costs a
 * pass of reference comparisons and one set of keys, where the general diff builds
 * several maps of the whole list. Returns undefined when the lists are not of that shape.
 */
function diffGrownList(prev: unknown[], next: unknown[]): PatchOp | null | undefined {
  if (prev.length === 0 || next.length < prev.length || !isObject(prev[0])) return undefined;
  const key = KEY_FIELDS.find((field) => typeof (prev[0] as Obj)[field] === 'string');
  if (!key) return undefined;
  const keys = new Set<string>();
  const change: Record<string, Patch> = {};
  for (let i = 0; i < prev.length; i++) {
    const a = prev[i];
    const b = next[i];
    if (!isObject(a) || !isObject(b)) return undefined;
    const k = a[key];
    if (typeof k !== 'string' || b[key] !== k || keys.has(k)) return undefined;
    keys.add(k);
    if (a === b) continue;
    const sub = diffView(withoutDerived(a), withoutDerived(b));
    if (sub) change[k] = sub;
  }
  const add: Obj[] = [];
  for (let i = prev.length; i < next.length; i++) {
    const item = next[i];
    if (!isObject(item)) return undefined;
    const k = item[key];
    if (typeof k !== 'string' || keys.has(k)) return undefined;
    keys.add(k);
    add.push(item);
  }
  const patch: ListPatch = { key };
  if (add.length) patch.add = add;
  if (Object.keys(change).length) patch.change = change;
  return patch.add || patch.change ? { list: patch } : null;
}

function applyListPatch(base: Obj[], patch: ListPatch): Obj[] {
  const { key } = patch;
  const items = new Map(base.map((item) => [item[key] as string, item]));
  for (const k of patch.remove ?? []) items.delete(k);
  for (const [k, sub] of Object.entries(patch.change ?? {})) {
    const item = items.get(k);
    if (item) items.set(k, applyViewPatch(item, sub));
  }
  const kept = (patch.order ?? base.map((i) => i[key] as string)).filter((k) => items.has(k));
  const added = (patch.add ?? []).map((item) => item[key] as string);
  for (const item of patch.add ?? []) items.set(item[key] as string, item);
  let keys: string[];
  if (patch.order) keys = patch.order;
  else if (patch.addAt) {
    keys = [...kept];
    patch.addAt
      .map((at, i) => [at, added[i]!] as const)
      .sort(([a], [b]) => a - b)
      .forEach(([at, k]) => keys.splice(at, 0, k));
  } else keys = [...kept, ...added];
  const out = keys.map((k) => items.get(k)).filter((i): i is Obj => i !== undefined);
  const numbered = out.some((i) => DERIVED in i) || base.some((i) => DERIVED in i);
  return numbered ? out.map((item, index) => ({ ...item, [DERIVED]: index + 1 })) : out;
}

function withoutDerived(item: Obj): Obj {
  if (!(DERIVED in item)) return item;
  const { [DERIVED]: _, ...rest } = item;
  return rest;
}

function sameStrings(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Deep equality of JSON values. */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]));
  }
  return false;
}
