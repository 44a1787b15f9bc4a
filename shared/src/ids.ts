/*
 * Ids without zod: the browser checks the ids it reads from a drafting document with
 * this, and text.ts builds the schema of ids on it.
 */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Names that mean something on every JavaScript object; as record keys they would reach the prototype. */
const RESERVED = new Set(['__proto__', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

/**
 * Whether a string may serve as an id, and so as a record key. Some ids are chosen by
 * clients (recommendation and amendment ids in drafting documents), so the prototype's
 * own names are refused everywhere.
 */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value) && !RESERVED.has(value);
}
