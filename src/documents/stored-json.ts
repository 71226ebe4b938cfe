/**
 * Definitions are kept as JSON. Dates become ISO strings on the way in and are revived by key on the
 * way out (only `waitUntil` holds a date in a stored definition); binary data never goes into JSON.
 */
const DATE_KEYS = new Set(['waitUntil']);

export function toStoredJson(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => (key === 'data' ? undefined : v));
}

export function fromStoredJson<T>(text: string): T {
  return JSON.parse(text, (key, v: unknown) => (DATE_KEYS.has(key) && typeof v === 'string' ? new Date(v) : v)) as T;
}
