import { BlobRefs } from './blob-refs';
import type { Db } from './database';

export interface SdsRow {
  id: string;
  service: string;
  contentType: string;
  size: number;
  blob: string;
  createdAt: string;
  expiresAt: string;
}

/** The SDS repository. Reads are scoped by service; an expired row is as good as absent. */
export class SdsStore {
  private readonly s;
  private readonly refs: BlobRefs;
  private readonly inTransaction: <T>(fn: () => T) => T;

  constructor(db: Db) {
    this.refs = new BlobRefs(db);
    this.inTransaction = db.transaction((fn: () => unknown) => fn()) as <T>(fn: () => T) => T;
    this.s = {
      insert: db.prepare(`INSERT INTO sds_documents (id, service, content_type, size, blob, created_at, expires_at)
        VALUES (@id, @service, @contentType, @size, @blob, @createdAt, @expiresAt)`),
      get: db.prepare<[string, string, string], SdsRow>(`SELECT id, service, content_type AS contentType, size, blob,
        created_at AS createdAt, expires_at AS expiresAt FROM sds_documents
        WHERE id = ? AND service = ? AND expires_at > ?`),
      remove: db.prepare<[string, string], { blob: string }>(
        `DELETE FROM sds_documents WHERE id = ? AND service = ? RETURNING blob`,
      ),
      expired: db.prepare<[string], { blob: string }>(
        `DELETE FROM sds_documents WHERE expires_at <= ? RETURNING blob`,
      ),
    };
  }

  insert(row: SdsRow): void {
    this.s.insert.run(row);
  }
  get(service: string, id: string, now: string): SdsRow | undefined {
    return this.s.get.get(id, service, now);
  }
  /**
   * Deletes the row. Undefined when there was none; otherwise its blob, to remove once the deletion is
   * durable, when no order still names it (see blob-refs.ts).
   */
  remove(service: string, id: string): { freedBlob: string | undefined } | undefined {
    return this.inTransaction(() => {
      const blob = this.s.remove.get(id, service)?.blob;
      if (blob === undefined) return undefined;
      return { freedBlob: this.refs.release(blob) ? blob : undefined };
    });
  }
  /** Deletes every expired row; returns the blobs no order still names, to remove once that is durable. */
  removeExpired(now: string): string[] {
    return this.inTransaction(() => this.s.expired.all(now).map((r) => r.blob).filter((key) => this.refs.release(key)));
  }
}
