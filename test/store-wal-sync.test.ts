import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/store/database';
import { WalSync } from '../src/store/wal-sync';

describe('group commit', () => {
  it('makes concurrent commits durable with shared fsyncs, each after its commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paraph-wal-'));
    const db = openDatabase(join(dir, 'db.sqlite'));
    db.exec('CREATE TABLE t (n INTEGER)');
    const wal = new WalSync(join(dir, 'db.sqlite-wal'));
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
    wal.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
