import { fdatasync, openSync, write } from 'node:fs';

/**
 * The least a server can do to acknowledge a write durably: append it to one file and fdatasync,
 * with group commit (what arrives during one write and fsync goes to disk as the next batch), on
 * libuv's thread pool as Paraph's WAL sync does. The durable echo baseline (echo-server.ts) uses it
 * to show what a disk flush per acknowledged request costs on the machine, apart from any database.
 */
export class DurableJournal {
  private readonly fd: number;
  private waiting: { readonly line: string; readonly done: (error: Error | null) => void }[] = [];
  private busy = false;

  constructor(file: string) {
    this.fd = openSync(file, 'a');
  }

  append(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ line, done: (error) => (error ? reject(error) : resolve()) });
      if (!this.busy) this.writeBatch();
    });
  }

  private writeBatch(): void {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) {
      this.busy = false;
      return;
    }
    this.busy = true;
    const bytes = Buffer.from(batch.map((entry) => entry.line).join(''), 'utf8');
    const finish = (error: Error | null): void => {
      for (const entry of batch) entry.done(error);
      this.writeBatch();
    };
    write(this.fd, bytes, 0, bytes.length, null, (writeError) => {
      if (writeError) return finish(writeError);
      fdatasync(this.fd, finish);
    });
  }
}
