import { randomBytes } from 'node:crypto';
import type { Clock } from './clock';
import { randomByte } from './random-pool';

/**
 * Identifiers in Signicat's shape: `ddMMyyyy` of the day of creation followed by 50 characters of
 * `[0-9a-z]`, 58 in all (a Java client asserts exactly 58). They cannot be guessed: 212 of their bits
 * are random.
 */
export interface IdGenerator {
  /** A 58-character request, SDS, archive or user-session id. */
  documentId(): string;
  /** A single-sign-on artifact for the signing portal. */
  artifact(): string;
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

function datePrefix(date: Date): string {
  const dd = String(date.getUTCDate()).padStart(2, '0');
  const mm = String(date.getUTCMonth() + 1).padStart(2, '0');
  return `${dd}${mm}${date.getUTCFullYear()}`;
}

function randomAlphanumeric(length: number): string {
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 36).
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 252) out += ALPHABET[byte % 36];
  }
  return out;
}

/**
 * The 50 characters after the date: the time in milliseconds (9 base-36 characters), then 41 random
 * ones (212 bits). Ids made later sort later, so new rows of every table keyed by request id land on
 * the same last pages of its B-trees, and a group commit writes each page once for the whole batch
 * instead of one random page per row and order (docs/performance.md).
 */
function timeOrderedRandom(date: Date): string {
  return date.getTime().toString(36).padStart(9, '0') + randomAlphanumeric(41);
}

export function randomIds(clock: Clock): IdGenerator {
  return {
    documentId: () => {
      const now = clock.now();
      return datePrefix(now) + timeOrderedRandom(now);
    },
    artifact: () => randomBytes(32).toString('base64url'),
  };
}

/** Predictable ids for golden tests: the date prefix, then a counter padded to 50 characters. */
export function sequentialIds(clock: Clock): IdGenerator {
  let n = 0;
  return {
    documentId: () => datePrefix(clock.now()) + (++n).toString(36).padStart(50, '0'),
    artifact: () => `artifact${(++n).toString(36).padStart(8, '0')}`,
  };
}
