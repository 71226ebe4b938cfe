import { constants, createReadStream, mkdirSync, type ReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { randomHex } from '../random-pool';

/** An upload is written in pieces of about this size. */
const WRITE_BYTES = 1024 * 1024;
/** How many bytes of an upload may wait for the disk before reading from the client pauses. */
const MAX_UNWRITTEN = 8 * 1024 * 1024;
/** How many writes of one blob may be under way at once (see BlobWriter). */
const PARALLEL_WRITES = 3;

export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`blob larger than ${limit} bytes`);
  }
}

/**
 * Document bytes as files beside the database, written to a temporary name, flushed to disk and only
 * then renamed into place, so a blob that a row names is always whole. Keys are random. Several rows
 * may name one blob (an SDS upload and the orders made from it); blob-refs.ts counts them, and a
 * blob is removed when its last name goes.
 */
export class BlobStore {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = join(root, 'tmp');
    mkdirSync(this.tmpDir, { recursive: true });
    // All 256 fan-out folders up front, so that writing a blob never has to make one.
    for (let i = 0; i < 256; i++) mkdirSync(join(root, i.toString(16).padStart(2, '0')), { recursive: true });
  }

  path(key: string): string {
    if (!/^[0-9a-f]{32}$/.test(key)) throw new Error('invalid blob key');
    return join(this.root, key.slice(0, 2), key);
  }

  private newKey(): string {
    return randomHex(16);
  }

  private async commit(tmp: string): Promise<string> {
    const key = this.newKey();
    const target = this.path(key);
    const handle = await open(tmp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
    return key;
  }

  /**
   * Streams into a new blob; memory stays flat whatever the size. Rejects with BlobTooLargeError past
   * maxBytes, leaving the source paused but alive, so that the caller can still answer on it.
   *
   * The bytes go to disk as they arrive, in pieces of about 1 MiB written side by side to a file
   * opened O_DSYNC (see BlobWriter): the disk works while the rest is still on the wire, and when the
   * last byte is in, only the last pieces are left to wait for. Piping into a file stream and
   * flushing at the end (or every few MiB beside the writes) took half as long again: the pipe reads
   * the socket in step with 64 KiB writes, and most of the flush came after the last byte
   * (docs/performance.md). At most 8 MiB wait for the disk; past that the source is paused.
   */
  async writeStream(source: Readable, maxBytes: number): Promise<{ key: string; size: number }> {
    const writer = await this.create();
    let size = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        let batch: Buffer[] = [];
        let batchBytes = 0;
        let unwritten = 0;
        let paused = false;
        let settled = false;
        const finish = (error?: unknown): void => {
          if (settled) return;
          settled = true;
          source.off('data', onData);
          source.off('end', onEnd);
          source.off('error', finish);
          source.off('close', onClose);
          if (error === undefined) resolve();
          else reject(error);
        };
        const flush = (): void => {
          const chunks = batch;
          const bytes = batchBytes;
          batch = [];
          batchBytes = 0;
          unwritten += bytes;
          void writer.write(chunks).then(() => {
            unwritten -= bytes;
            if (paused && !settled && unwritten <= WRITE_BYTES) {
              paused = false;
              source.resume();
            }
          });
          if (unwritten > MAX_UNWRITTEN && !paused) {
            paused = true;
            source.pause();
          }
        };
        const onData = (chunk: Buffer): void => {
          size += chunk.length;
          if (size > maxBytes) {
            source.pause();
            finish(new BlobTooLargeError(maxBytes));
            return;
          }
          batch.push(chunk);
          batchBytes += chunk.length;
          if (batchBytes >= WRITE_BYTES) flush();
        };
        const onEnd = (): void => {
          if (batchBytes > 0) flush();
          finish();
        };
        const onClose = (): void => finish(new Error('the upload ended before its last byte'));
        source.on('data', onData);
        source.once('end', onEnd);
        source.once('error', finish);
        source.once('close', onClose);
        source.resume();
      });
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return { key: await writer.commit(), size };
  }

  /**
   * A new blob written in pieces as they become known (see BlobWriter): a producer that knows most
   * of its bytes before the last ones hands them over early, and their flush to disk overlaps the
   * rest of its work.
   */
  async create(): Promise<BlobWriter> {
    const tmp = join(this.tmpDir, this.newKey());
    // O_DSYNC: each write returns once its bytes are on disk, in one call on the thread pool. A write
    // followed by a separate flush would wait for the event loop in between, which is busy sealing.
    const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC);
    return new BlobWriter(handle, tmp, () => this.newKey(), (key) => this.path(key));
  }

  async writeBuffer(data: Buffer): Promise<string> {
    const tmp = join(this.tmpDir, this.newKey());
    await writeFile(tmp, data);
    return this.commit(tmp);
  }

  /** The whole blob in memory, in one read: for callers that need every byte at once (signing, SOAP). */
  read(key: string): Promise<Buffer> {
    return readFile(this.path(key));
  }

  /** Reads in 1 MiB chunks: a 20 MB download in 20 writes to the socket instead of 320. */
  openRead(key: string): ReadStream {
    return createReadStream(this.path(key), { highWaterMark: 1024 * 1024 });
  }

  async size(key: string): Promise<number> {
    return (await stat(this.path(key))).size;
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}

/**
 * A blob being written: `write` hands over bytes, which reach the disk in the background, each piece at
 * its own place in the file (so pieces may be written side by side, up to three at a time: the disk
 * of a virtual machine is fastest with a few requests in flight, and one thread of libuv's four stays
 * free for the WAL's fsync). The file is opened O_DSYNC, so a write returns once its bytes are on
 * disk. `commit` waits for every write and renames the file into place, so that the blob, like every
 * other, exists only once it is whole and on disk. `abort` throws the bytes away. After either, the
 * writer is closed.
 */
export class BlobWriter {
  /** Where the next piece goes. */
  private position = 0;
  private running = 0;
  /** Writes waiting for one of the running ones to end. */
  private readonly waiting: Array<() => void> = [];
  /** Writes under way, for commit and abort to wait for. */
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown;
  private closed = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly tmp: string,
    private readonly newKey: () => string,
    private readonly pathOf: (key: string) => string,
  ) {}

  /**
   * Appends `chunks`; the buffers must not change until commit. The promise says when this piece is
   * on disk and never rejects: errors surface at commit. When fewer than three writes are under way,
   * this one reaches the thread pool before `write` returns, so that it overlaps whatever the caller
   * does next.
   */
  write(chunks: readonly Buffer[]): Promise<void> {
    if (this.closed) throw new Error('the blob writer is closed');
    const at = this.position;
    for (const chunk of chunks) this.position += chunk.length;
    return new Promise<void>((resolve) => {
      const start = (): void => {
        this.running++;
        const work = this.failure === undefined ? writeAllAt(this.handle, chunks, at) : Promise.resolve();
        const done: Promise<void> = work
          .catch((error: unknown) => {
            this.failure ??= error;
          })
          .then(() => {
            this.running--;
            this.pending.delete(done);
            this.waiting.shift()?.();
            resolve();
          });
        this.pending.add(done);
      };
      if (this.running < PARALLEL_WRITES) start();
      else this.waiting.push(start);
    });
  }

  /** The new blob's key, once it is whole and on disk. */
  async commit(): Promise<string> {
    if (this.closed) throw new Error('the blob writer is closed');
    this.closed = true;
    await this.settled();
    try {
      if (this.failure !== undefined) throw this.failure;
      await this.handle.sync();
    } catch (error) {
      await this.discard();
      throw error;
    }
    await this.handle.close();
    const key = this.newKey();
    try {
      await rename(this.tmp, this.pathOf(key));
    } catch (error) {
      await rm(this.tmp, { force: true });
      throw error;
    }
    return key;
  }

  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.settled();
    await this.discard();
  }

  /** Every write handed over has ended (a write that ends starts a waiting one first). */
  private async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}

/** writev at a position, continued after a short write (rare on a regular file, but allowed). */
async function writeAllAt(handle: FileHandle, chunks: readonly Buffer[], position: number): Promise<void> {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const { bytesWritten } = await handle.writev(chunks as Buffer[], position);
  if (bytesWritten === total) return;
  let rest = Buffer.concat(chunks as Buffer[]).subarray(bytesWritten);
  let at = position + bytesWritten;
  while (rest.length > 0) {
    const { bytesWritten: more } = await handle.write(rest, 0, rest.length, at);
    rest = rest.subarray(more);
    at += more;
  }
}
