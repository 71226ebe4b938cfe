import type { Db } from './database';

/**
 * How many rows name a blob, for blobs that more than one row names (table `blob_refs`): an SDS
 * upload and every order made from it, an order's original and its archived copy, a signed result
 * and its archived copy. A blob without an entry is named by exactly one row. Counting happens in
 * the transaction that adds or removes the row, so the count and the rows never disagree, even after
 * a crash; the file itself is removed by the caller once the transaction that let go of its last name
 * is durable.
 *
 * Why not hard links, as before: a link is a syscall with its own share of a createRequest's time,
 * and ext4 refuses the 65,000th name of one file, so one SDS document could not back more orders.
 */
export class BlobRefs {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      share: db.prepare<[string]>(`INSERT INTO blob_refs (blob, refs) VALUES (?, 2)
        ON CONFLICT (blob) DO UPDATE SET refs = refs + 1`),
      // share, on condition that the SDS document still holds the blob: one statement for what every
      // order from an SDS document does as it goes in (a deletion may have come after planning).
      shareSds: db.prepare<[string, string, string, string, string]>(`INSERT INTO blob_refs (blob, refs) SELECT ?, 2
        WHERE EXISTS (SELECT 1 FROM sds_documents WHERE id = ? AND service = ? AND blob = ? AND expires_at > ?)
        ON CONFLICT (blob) DO UPDATE SET refs = refs + 1`),
      decrement: db.prepare<[string]>(`UPDATE blob_refs SET refs = refs - 1 WHERE blob = ?`),
      forget: db.prepare<[string]>(`DELETE FROM blob_refs WHERE blob = ?`),
      count: db.prepare<[string], { refs: number }>(`SELECT refs FROM blob_refs WHERE blob = ?`),
    };
  }

  /** One more row names `key`, which a row names already. Returns the key, for the new row. */
  share(key: string): string {
    this.s.share.run(key);
    return key;
  }

  /**
   * One more row names `key`, the bytes of SDS document `sdsId`, if that document is still live and
   * holds them. False, and nothing counted, when it is not.
   */
  shareSds(key: string, sdsId: string, service: string, now: string): boolean {
    return this.s.shareSds.run(key, sdsId, service, key, now).changes === 1;
  }

  /**
   * One row less names `key` (the caller deletes or clears that row in the same transaction). True when
   * it was the last: the caller removes the file once the transaction is durable.
   */
  release(key: string): boolean {
    const refs = this.s.count.get(key)?.refs;
    if (refs === undefined) return true;
    // Down to one name: back to the state of a blob without an entry.
    if (refs === 2) this.s.forget.run(key);
    else this.s.decrement.run(key);
    return false;
  }

  /** How many rows name `key` (1 for a blob without an entry); for tests and checks. */
  count(key: string): number {
    return this.s.count.get(key)?.refs ?? 1;
  }
}
