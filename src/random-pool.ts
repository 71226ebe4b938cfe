import { randomBytes } from 'node:crypto';

/**
 * Random bytes for ids and blob keys, drawn from the system CSPRNG 4 KiB at a time and handed out
 * once each. A synchronous `randomBytes` call costs ~20 µs here whatever its size, and a createRequest
 * needs several (request id, blob key), which showed in its profile. The pool lives only in this
 * process's memory, as the bytes of every single call would.
 */
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/** One random byte. */
export function randomByte(): number {
  if (offset === pool.length) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  return pool[offset++] as number;
}

/** `length` random bytes as lower-case hex. */
export function randomHex(length: number): string {
  if (length > POOL_SIZE) return randomBytes(length).toString('hex');
  if (offset + length > pool.length) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + length);
  offset += length;
  return hex;
}
