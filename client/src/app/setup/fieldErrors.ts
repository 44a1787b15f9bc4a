import type { ApiError } from '../api';

/**
 * The server names each field it refuses by its path in the request ("title",
 * "agenda.2.minutes", "patch.turnSeconds"). Pages show their own words for a field,
 * next to it; this turns the paths into the page's field names, `prefix` removed.
 */
export function fieldsRefused(err: ApiError | { issues?: { path: string }[] }, prefix = ''): string[] {
  return (err.issues ?? []).map((i) => (prefix && i.path.startsWith(prefix) ? i.path.slice(prefix.length) : i.path));
}

/** Numbers as typed: empty or unreadable becomes null, which the server refuses by name. */
export function numberOrNull(typed: string): number | null {
  const trimmed = typed.trim();
  if (trimmed === '') return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : null;
}
