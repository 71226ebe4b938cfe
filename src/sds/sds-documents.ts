import { Readable } from 'node:stream';
import type { Clock } from '../clock';
import { ParaphError } from '../errors';
import type { IdGenerator } from '../ids';
import { BlobTooLargeError, type BlobStore } from '../store/blob-store';
import { noDurability, type Durability } from '../store/document-store';
import type { SdsRow, SdsStore } from '../store/sds-store';

export interface SdsOptions {
  /** Largest document accepted, in bytes (default 50 MB). */
  readonly maxBytes: number;
  /** How long a document stays retrievable after upload. */
  readonly retentionMs: number;
}

/**
 * Session Data Storage: documents uploaded as raw bytes, kept for the retention period, read back with
 * the Content-Type they were uploaded with. Orders made from a document name its bytes too (counted
 * in blob-refs.ts), so retention never takes a document from a live order.
 */
export class SdsDocuments {
  constructor(
    private readonly store: SdsStore,
    private readonly blobs: BlobStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    readonly options: SdsOptions,
    private readonly durability: Durability = noDurability,
  ) {}

  /** Streams the body to disk; the row is written only once the bytes are safely on disk. */
  async upload(service: string, contentType: string, body: Readable): Promise<SdsRow> {
    let written: { key: string; size: number };
    try {
      written = await this.blobs.writeStream(body, this.options.maxBytes);
    } catch (err) {
      if (err instanceof BlobTooLargeError) {
        throw new ParaphError('BODY_TOO_LARGE', `The document is larger than the limit of ${err.limit} bytes`);
      }
      throw err;
    }
    if (written.size === 0) {
      await this.blobs.remove(written.key);
      throw new ParaphError('BODY_EMPTY', 'The document is empty');
    }
    const now = this.clock.now();
    const row: SdsRow = {
      id: this.ids.documentId(),
      service,
      contentType,
      size: written.size,
      blob: written.key,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.options.retentionMs).toISOString(),
    };
    try {
      this.store.insert(row);
    } catch (err) {
      await this.blobs.remove(written.key);
      throw err;
    }
    await this.durability.flush();
    return row;
  }

  /** Stores bytes Paraph made (a package), exactly as an upload of them would be stored. */
  save(service: string, contentType: string, bytes: Buffer): Promise<SdsRow> {
    return this.upload(service, contentType, Readable.from([bytes]));
  }

  get(service: string, id: string): SdsRow {
    const row = this.store.get(service, id, this.clock.now().toISOString());
    if (!row) throw new ParaphError('SDS_DOCUMENT_NOT_FOUND', `SDS document ${id} not found`);
    return row;
  }

  async remove(service: string, id: string): Promise<void> {
    const removed = this.store.remove(service, id);
    if (removed === undefined) throw new ParaphError('SDS_DOCUMENT_NOT_FOUND', `SDS document ${id} not found`);
    await this.durability.flush();
    if (removed.freedBlob !== undefined) await this.blobs.remove(removed.freedBlob);
  }

  /** Removes expired documents; the bytes stay while an order made from one still names them. */
  async purgeExpired(): Promise<void> {
    const freed = this.store.removeExpired(this.clock.now().toISOString());
    if (freed.length === 0) return;
    await this.durability.flush();
    await Promise.all(freed.map((b) => this.blobs.remove(b)));
  }
}
