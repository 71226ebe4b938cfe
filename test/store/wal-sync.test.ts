import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/store/database';
import { DocumentStore } from '../../src/store/document-store';
import { WalSync } from '../../src/store/wal-sync';

/** A database file in a folder of its own, with its WAL's group fsync; `close` removes it all. */
function freshDatabase(prefix: string): { db: Db; wal: WalSync; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = openDatabase(join(dir, 'db.sqlite'));
  const wal = new WalSync(join(dir, 'db.sqlite-wal'));
  return {
    db,
    wal,
    close: () => {
      wal.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A write of one row that any DocumentStore can commit. */
function sessionInsert(db: Db): (id: string) => void {
  const insert = db.prepare('INSERT INTO user_sessions (id, service, created_at, definition) VALUES (?, ?, ?, ?)');
  return (id) => insert.run(id, 'demo', '2026-11-23T10:00:00.000Z', '{}');
}

describe('group commit', () => {
  it('makes concurrent commits durable with shared fsyncs, each after its commit', async () => {
    const { db, wal, close } = freshDatabase('paraph-wal-');
    db.exec('CREATE TABLE t (n INTEGER)');
    const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
    const flushes = Array.from({ length: 100 }, (_, i) => {
      insert.run(i);
      return wal.flush();
    });
    await Promise.all(flushes);
    // The first commit gets its own fsync; the 99 made while it ran share the next one.
    expect(wal.syncs).toBe(2);
    insert.run(100);
    await wal.flush();
    expect(wal.syncs).toBe(3);
    close();
  });
});

describe('DocumentStore.commit', () => {
  it('commits writes that arrive together in one transaction, and a failing one alone is rolled back', async () => {
    const { db, wal, close } = freshDatabase('paraph-commit-');
    const store = new DocumentStore(db, wal);
    const insert = sessionInsert(db);
    const write = (id: string, fail = false) =>
      store.commit(() => {
        insert(id);
        if (fail) throw new Error(`write ${id} failed`);
        return id;
      });
    const results = await Promise.allSettled([write('a'), write('b', true), write('c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const ids = db.prepare('SELECT id FROM user_sessions ORDER BY id').all() as Array<{ id: string }>;
    expect(ids.map((r) => r.id)).toEqual(['a', 'c']);
    expect(wal.syncs).toBe(1);
    close();
  });
});

describe('DocumentStore.commit when a write of the batch fails', () => {
  it('runs the batch again, each write in a savepoint, and each is stored once with what its committed run returned', async () => {
    const { db, wal, close } = freshDatabase('paraph-rerun-');
    const store = new DocumentStore(db, wal);
    const insert = sessionInsert(db);
    const runs = new Map<string, number>();
    const write = (id: string, fail = false) =>
      store.commit(() => {
        const run = (runs.get(id) ?? 0) + 1;
        runs.set(id, run);
        insert(id);
        if (fail) throw new Error(`write ${id} failed`);
        return `${id}${run}`;
      });

    // Alone in a batch, or in a batch where nothing fails, a write runs once.
    await expect(Promise.all([write('a'), write('b')])).resolves.toEqual(['a1', 'b1']);
    await expect(write('c', true)).rejects.toThrow('write c failed');
    expect(Object.fromEntries(runs)).toEqual({ a: 1, b: 1, c: 1 });

    // A failing write rolls its batch back; the batch runs again with each write's failure its own:
    // the write before it runs a second time, the one after it for the first time.
    const results = await Promise.allSettled([write('d'), write('e', true), write('f')]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 'd2' },
      { status: 'rejected', reason: new Error('write e failed') },
      { status: 'fulfilled', value: 'f1' },
    ]);
    const ids = db.prepare('SELECT id FROM user_sessions ORDER BY id').all() as Array<{ id: string }>;
    expect(ids.map((r) => r.id)).toEqual(['a', 'b', 'd', 'f']);
    close();
  });
});

describe('DocumentStore.commit while an fsync is under way', () => {
  it('holds the writes that arrive, and commits them in one transaction once it ends', async () => {
    const { db, close } = freshDatabase('paraph-batch-');
    const flushes: Array<() => void> = [];
    const store = new DocumentStore(db, { flush: () => new Promise<void>((resolve) => flushes.push(resolve)) });
    const insert = sessionInsert(db);
    const ran: string[] = [];
    const write = (id: string) =>
      store.commit(() => {
        insert(id);
        ran.push(id);
        return id;
      });

    const first = write('a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushes).toHaveLength(1); // 'a' is committed and its fsync is under way
    const later = [write('b'), write('c')];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toEqual(['a']); // 'b' and 'c' are held, not committed beside a running fsync
    (flushes[0] as () => void)();
    await expect(first).resolves.toBe('a');
    await new Promise((resolve) => setImmediate(resolve));
    // 'b' and 'c' went as one batch: one transaction, one fsync.
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(flushes).toHaveLength(2);
    (flushes[1] as () => void)();
    await expect(Promise.all(later)).resolves.toEqual(['b', 'c']);
    close();
  });
});

describe('the database file', () => {
  it('belongs to one process: a second opening fails with a clear message, and works once the first closes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paraph-lock-'));
    const file = join(dir, 'db.sqlite');
    const first = openDatabase(file);
    // A connection of its own stands for a second process: SQLite's locks are per connection.
    const started = Date.now();
    expect(() => openDatabase(file)).toThrow(`the database ${file} is in use by another process: one Paraph owns a data folder`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000); // a restarting predecessor is waited for
    first.close();
    const second = openDatabase(file);
    expect(second.pragma('journal_mode', { simple: true })).toBe('wal');
    second.close();
    rmSync(dir, { recursive: true, force: true });
  }, 15_000);
});
