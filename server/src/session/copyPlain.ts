/**
 * A deep copy of plain JSON data (objects, arrays, primitives) that shares its strings.
 *
 * Why not `structuredClone`: it copies every string too. The session host keeps two
 * copies of a state whose bulk is strings (ids, names, credential hashes of thousands
 * of participants), and strings never change, so sharing them halves what the second
 * copy costs in memory. Objects and arrays are copied, because the host changes those
 * in place.
 */
export function copyPlain<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyPlain) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copyPlain((value as Record<string, unknown>)[key]);
  return out as T;
}
