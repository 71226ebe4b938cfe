import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobStore, BlobTooLargeError } from '../../src/store/blob-store';

let root: string;
let blobs: BlobStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'paraph-blobs-'));
  blobs = new BlobStore(root);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every blob file in the store (fan-out folders), and what is left in its temporary folder. */
async function files(): Promise<{ blobs: number; tmp: number }> {
  let count = 0;
  for (const folder of await readdir(root)) {
    if (folder !== 'tmp') count += (await readdir(join(root, folder))).length;
  }
  return { blobs: count, tmp: (await readdir(join(root, 'tmp'))).length };
}

describe('a blob written in pieces', () => {
  test('holds the pieces in the order given, once committed', async () => {
    const writer = await blobs.create();
    writer.write([Buffer.from('<a>'), Buffer.alloc(3 * 1024 * 1024, 0x41)]);
    writer.write([Buffer.from('<b/>'), Buffer.from('</a>')]);
    const key = await writer.commit();
    const data = await blobs.read(key);
    expect(data.length).toBe(3 + 3 * 1024 * 1024 + 8);
    expect(data.subarray(0, 3).toString()).toBe('<a>');
    expect(data.subarray(-8).toString()).toBe('<b/></a>');
    expect(await files()).toEqual({ blobs: 1, tmp: 0 });
  });

  test('holds many pieces of every size in order, though several are written at once', async () => {
    const source = randomBytes(6 * 1024 * 1024 + 17);
    const writer = await blobs.create();
    const ends: number[] = [];
    let at = 0;
    for (let i = 0; at < source.length; i++) {
      const size = Math.min(source.length - at, [1, 4096, 700_000, 1024 * 1024, 3][i % 5] as number);
      const piece = source.subarray(at, at + size);
      void writer.write([piece.subarray(0, size >> 1), piece.subarray(size >> 1)]).then(() => ends.push(i));
      at += size;
    }
    const key = await writer.commit();
    expect((await blobs.read(key)).equals(source)).toBe(true);
    expect(ends.length).toBeGreaterThan(10);
  });

  test('is not a blob before it is committed', async () => {
    const writer = await blobs.create();
    writer.write([Buffer.from('half of a document')]);
    expect((await files()).blobs).toBe(0);
    await writer.commit();
    expect((await files()).blobs).toBe(1);
  });

  test('leaves nothing behind when aborted, even with a write still under way', async () => {
    const writer = await blobs.create();
    writer.write([Buffer.alloc(2 * 1024 * 1024, 0x42)]);
    await writer.abort();
    expect(await files()).toEqual({ blobs: 0, tmp: 0 });
  });

  test('cannot be written or committed after it is closed', async () => {
    const writer = await blobs.create();
    await writer.commit();
    expect(() => writer.write([Buffer.from('late')])).toThrow(/closed/);
    await expect(writer.commit()).rejects.toThrow(/closed/);
    await writer.abort(); // harmless
  });

  test('a write that fails surfaces at commit, and the partial file is removed', async () => {
    const writer = await blobs.create();
    // Not a Buffer: writev refuses it, as it would refuse a full disk, after write() has returned.
    writer.write(['not bytes' as unknown as Buffer]);
    await expect(writer.commit()).rejects.toThrow();
    expect(await files()).toEqual({ blobs: 0, tmp: 0 });
  });
});

describe('other blobs', () => {
  test('a buffer is read back whole, and is gone once removed', async () => {
    const key = await blobs.writeBuffer(Buffer.from('contract'));
    expect((await blobs.read(key)).toString()).toBe('contract');
    await blobs.remove(key);
    await expect(blobs.read(key)).rejects.toThrow();
    expect(await files()).toEqual({ blobs: 0, tmp: 0 });
  });

  test('a stream in small and large chunks is stored whole, in order', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 3);
    const chunks: Buffer[] = [];
    for (let at = 0, i = 0; at < data.length; i++) {
      const size = [7777, 1, 2 * 1024 * 1024, 65536][i % 4] as number;
      chunks.push(data.subarray(at, at + size));
      at += size;
    }
    const { key, size } = await blobs.writeStream(Readable.from(chunks), 10 * 1024 * 1024);
    expect(size).toBe(data.length);
    expect((await blobs.read(key)).equals(data)).toBe(true);
    expect(await files()).toEqual({ blobs: 1, tmp: 0 });
  });

  test('a stream that fails or ends early is refused and leaves nothing behind', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(3 * 1024 * 1024, 1);
      throw new Error('connection reset');
    }
    await expect(blobs.writeStream(Readable.from(failing()), 10 * 1024 * 1024)).rejects.toThrow('connection reset');
    const cut = new Readable({ read: () => undefined });
    cut.push(Buffer.alloc(1024 * 1024, 2));
    setTimeout(() => cut.destroy(), 10);
    await expect(blobs.writeStream(cut, 10 * 1024 * 1024)).rejects.toThrow(/before its last byte/);
    expect(await files()).toEqual({ blobs: 0, tmp: 0 });
  });

  test('a stream reads no further while 8 MiB wait for the disk', async () => {
    const sent = { bytes: 0 };
    let paused = false;
    const source = new Readable({
      highWaterMark: 1024 * 1024,
      read() {
        if (sent.bytes >= 64 * 1024 * 1024) {
          this.push(null);
          return;
        }
        sent.bytes += 1024 * 1024;
        this.push(Buffer.alloc(1024 * 1024, 3));
      },
    });
    source.on('pause', () => {
      paused = true;
    });
    const { size } = await blobs.writeStream(source, 100 * 1024 * 1024);
    expect(size).toBe(64 * 1024 * 1024);
    // 64 MiB arrive at memory speed, far faster than a disk takes them: reading must have paused.
    expect(paused).toBe(true);
  });

  test('a stream over the limit is refused and leaves nothing behind', async () => {
    const source = Readable.from([Buffer.alloc(1000), Buffer.alloc(1000)]);
    await expect(blobs.writeStream(source, 1500)).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(await files()).toEqual({ blobs: 0, tmp: 0 });
  });
});
