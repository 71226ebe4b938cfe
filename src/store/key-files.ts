import { createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, renameSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Private keys of the test PKI, one PKCS#8 PEM file each, readable by the owner only. Keys stay in
 * this folder: nothing else writes them anywhere, and they never enter a row, a response or a log.
 */
export class KeyFiles {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  write(name: string, key: KeyObject): void {
    const pem = key.export({ type: 'pkcs8', format: 'pem' });
    const final = join(this.dir, name);
    const tmp = `${final}.tmp`;
    writeFileSync(tmp, pem, { mode: 0o600 });
    // A certificate row must never outlive its key: flush before the row is written.
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, final);
  }

  read(name: string): KeyObject {
    return createPrivateKey(readFileSync(join(this.dir, name)));
  }
}
