import { close, fdatasync, open } from 'node:fs';

/**
 * Group commit for SQLite in WAL mode. Transactions commit with `synchronous=NORMAL`, which writes their
 * frames to the WAL without waiting for the disk; before a write is acknowledged, its caller awaits
 * `flush()`, which fdatasyncs the WAL file on the thread pool (as SQLite itself syncs its WAL on Linux;
 * it includes the file size, so appended frames are found after a crash). Every commit made before an fsync starts is
 * durable when it ends, so concurrent writers share one fsync, and the event loop never waits for the
 * disk. (With `synchronous=FULL` each commit would fsync on the event loop, one at a time.)
 */
export class WalSync {
  private fd: number | undefined;
  private inFlight: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  /** How many fsyncs were made; tests read it to see commits share them. */
  syncs = 0;

  constructor(private readonly walFile: string) {}

  flush(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.sync().finally(() => {
        this.inFlight = undefined;
      });
      return this.inFlight;
    }
    // An fsync is running, and it may have started before the caller's commit: wait for the one after it.
    if (!this.next) {
      this.next = this.inFlight.then(() => {
        this.next = undefined;
        return this.flush();
      });
    }
    return this.next;
  }

  private async sync(): Promise<void> {
    if (this.fd === undefined) this.fd = await new Promise<number>((resolve, reject) => {
      open(this.walFile, 'r', (err, fd) => (err ? reject(err) : resolve(fd)));
    });
    const fd = this.fd;
    await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
    this.syncs++;
  }

  close(): void {
    if (this.fd !== undefined) close(this.fd, () => undefined);
    this.fd = undefined;
  }
}
