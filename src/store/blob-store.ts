import { constants, createReadStream, createWriteStream, fdatasync, mkdirSync, type ReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomHex } from '../random-pool';

/** How many bytes of an upload may wait in the page cache before a background flush starts. */
const FLUSH_EVERY = 4 * 1024 * 1024;

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

  /** Streams into a new blob; memory stays flat whatever the size. Rejects with BlobTooLargeError past maxBytes. */
  async writeStream(source: Readable, maxBytes: number): Promise<{ key: string; size: number }> {
    const tmp = join(this.tmpDir, this.newKey());
    let size = 0;
    let flushedAt = 0;
    const file = createWriteStream(tmp);
    let fd: number | undefined;
    file.once('open', (opened: number) => {
      fd = opened;
    });
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) {
          done(new BlobTooLargeError(maxBytes));
          return;
        }
        // Flush to disk in the background as the bytes arrive, so that the fsync before the answer
        // has little left to write (docs/performance.md).
        if (size - flushedAt >= FLUSH_EVERY && fd !== undefined) {
          flushedAt = size;
          fdatasync(fd, () => undefined);
        }
        done(null, chunk);
      },
    });
    try {
      // The source is piped rather than put in the pipeline: a refused upload must leave the request
      // stream alive, so that the server can still answer 413 on it.
      const written = pipeline(counter, file);
      source.on('error', (err) => counter.destroy(err));
      source.pipe(counter);
      await written;
      return { key: await this.commit(tmp), size };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
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
 * A blob being written: `write` queues bytes (in order), which reach the disk in the background (the
 * file is opened O_DSYNC); `commit` waits for every write, and renames the file into place,
 * so that the blob, like every other, exists only once it is whole and on disk. `abort` throws the
 * bytes away. After either, the writer is closed.
 */
export class BlobWriter {
  /** The last write queued, until it ends: writes go one after the other, as a file position is shared. */
  private inFlight: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly tmp: string,
    private readonly newKey: () => string,
    private readonly pathOf: (key: string) => string,
  ) {}

  /**
   * Appends `chunks`; the buffers must not change until commit. Errors surface at commit. When no
   * write is under way, this one reaches the thread pool before `write` returns, so that it overlaps
   * whatever the caller does next.
   */
  write(chunks: readonly Buffer[]): void {
    if (this.closed) throw new Error('the blob writer is closed');
    const start = (): Promise<void> => (this.failure === undefined ? writeAll(this.handle, chunks) : Promise.resolve());
    const next = (this.inFlight ? this.inFlight.then(start) : start()).catch((error: unknown) => {
      this.failure ??= error;
    });
    this.inFlight = next;
    void next.then(() => {
      if (this.inFlight === next) this.inFlight = undefined;
    });
  }

  /** The new blob's key, once it is whole and on disk. */
  async commit(): Promise<string> {
    if (this.closed) throw new Error('the blob writer is closed');
    this.closed = true;
    await this.inFlight;
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
    await this.inFlight;
    await this.discard();
  }

  private async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}

/** writev, continued after a short write (rare on a regular file, but allowed). */
async function writeAll(handle: FileHandle, chunks: readonly Buffer[]): Promise<void> {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const { bytesWritten } = await handle.writev(chunks as Buffer[]);
  if (bytesWritten === total) return;
  let rest = Buffer.concat(chunks as Buffer[]).subarray(bytesWritten);
  while (rest.length > 0) {
    const { bytesWritten: more } = await handle.write(rest);
    rest = rest.subarray(more);
  }
}
