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

  constructor(db: Db) {
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
  /** Deletes the row and returns the key of its blob (undefined when there was none). */
  remove(service: string, id: string): string | undefined {
    return this.s.remove.get(id, service)?.blob;
  }
  /** Deletes every expired row and returns their blob keys. */
  removeExpired(now: string): string[] {
    return this.s.expired.all(now).map((r) => r.blob);
  }
}
