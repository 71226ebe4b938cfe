/**
 * Base64 of megabytes without a megabyte string. `Buffer#toString('base64')` of a large buffer makes
 * one string that V8 puts straight into its old generation, and a few of those per signature make
 * V8 run a full mark-compact every few signatures (6–10 ms of pause and as much marking beside the
 * work, measured with --trace-gc: the slow third of signatures). Encoded in slices, each string is
 * small and short-lived, which the young generation's scavenges collect for next to nothing.
 */

/** Input bytes per slice: a multiple of 3, so the slices' base64 joins without padding between them. */
const SLICE = 3 * 16 * 1024;

/** How many characters the base64 of `length` bytes has. */
export function base64Length(length: number): number {
  return 4 * Math.ceil(length / 3);
}

/** Writes the base64 of `bytes` (ASCII) into `target` at `offset`; returns the offset after it. */
export function writeBase64(bytes: Uint8Array, target: Buffer, offset: number): number {
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = offset;
  for (let start = 0; start < source.length; start += SLICE) {
    at += target.write(source.toString('base64', start, Math.min(start + SLICE, source.length)), at, 'latin1');
  }
  return at;
}

/** The base64 of `bytes` as ASCII bytes (which are also its UTF-8). */
export function base64Bytes(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(base64Length(bytes.byteLength));
  writeBase64(bytes, out, 0);
  return out;
}
