/**
 * A key's value in an object only when the object holds it itself. Objects read from JSON inherit
 * Object.prototype, so `traits['constructor']` or `aliases['valueOf']` answer a function where a
 * user-chosen name should find nothing. Where user strings are keys, read through this, or keep
 * them in a Map (lint refuses an empty `Record` literal built up by such keys).
 */
export function own<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}
