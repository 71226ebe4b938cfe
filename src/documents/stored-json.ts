/**
 * Definitions are kept as JSON. Dates become ISO strings on the way in and are revived by key on the
 * way out (only `waitUntil` holds a date in a stored definition); binary data never goes into JSON.
 */
const DATE_KEYS = new Set(['waitUntil']);

export function toStoredJson(value: unknown): string {
  return JSON.stringify(withoutData(value));
}

/**
 * A copy without `data` members. Copying first and then stringifying without a replacer is faster than
 * a replacer: with a replacer function V8 leaves its fast path and calls back for every value.
 */
function withoutData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutData);
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  // A plain object (checked above) has no enumerable members but its own.
  for (const key in source) {
    if (key !== 'data') copy[key] = withoutData(source[key]);
  }
  return copy;
}

export function fromStoredJson<T>(text: string): T {
  return JSON.parse(text, (key, v: unknown) => (DATE_KEYS.has(key) && typeof v === 'string' ? new Date(v) : v)) as T;
}
