import type Database from 'better-sqlite3';
import { BlobRefs } from './blob-refs';
import type { Db } from './database';

/** How many requests' getStatus rows one service keeps cached (see DocumentStore.statusRows). */
const STATUS_CACHE_SIZE = 10_000;

/** How many SDS documents' lookups createRequest keeps (see DocumentStore.sdsDocumentForOrder). */
const SDS_LOOKUP_CACHE_SIZE = 1_000;

interface SdsLookup {
  service: string;
  blob: string;
  contentType: string;
  expiresAt: string;
}

/** Makes `statement` call `counted` each time it runs, by any of its three ways of running. */
function countExecutions(statement: Database.Statement, counted: () => void): void {
  const target = statement as unknown as Record<'run' | 'get' | 'all', (...params: unknown[]) => unknown>;
  for (const method of ['run', 'get', 'all'] as const) {
    const original = target[method].bind(statement);
    target[method] = (...params: unknown[]): unknown => {
      counted();
      return original(...params);
    };
  }
}

/** Makes committed transactions durable (wal-sync.ts); a no-op for an in-memory database. */
export interface Durability {
  flush(): Promise<void>;
}

export const noDurability: Durability = { flush: () => Promise.resolve() };

/** Rows of the DocumentService tables. Times are ISO-8601 UTC strings, which sort as they compare. */
export interface RequestRow {
  id: string;
  service: string;
  createdAt: string;
  deletedAt: string | null;
  clientReference: string | null;
  account: string | null;
  language: string | null;
  senderUniqueId: string | null;
  definition: string;
}

export interface TaskRow {
  pk: number;
  service: string;
  requestId: string;
  taskId: string;
  seq: number;
  status: string;
  createdAt: string;
  lastUpdated: string;
  expiresAt: string | null;
  clientStatus: string | null;
  signer: string | null;
  language: string | null;
  daysToLive: number | null;
  subjectFirstName: string | null;
  subjectLastName: string | null;
  subjectEmail: string | null;
  subjectNationalId: string | null;
  subjectMobile: string | null;
  authenticationType: string | null;
  definition: string;
}

export type NewTaskRow = Omit<TaskRow, 'pk'>;

export interface DocumentRow {
  requestId: string;
  documentId: string;
  service: string;
  seq: number;
  kind: string;
  mimeType: string | null;
  description: string | null;
  blob: string | null;
  archiveId: string | null;
  inlineTask: string | null;
  definition: string;
}

export interface TaskDocumentRow {
  requestId: string;
  taskId: string;
  seq: number;
  documentId: string;
  actionType: string;
  optional: number;
}

export interface NotificationRow {
  requestId: string;
  taskId: string;
  notificationId: string;
  service: string;
  seq: number;
  definition: string;
  disabledAt: string | null;
}

export interface PackagingTaskRow {
  requestId: string;
  packagingTaskId: string;
  service: string;
  seq: number;
  status: string;
  definition: string;
}

export interface EventRow {
  service: string;
  requestId: string;
  taskId: string;
  type: string;
  time: string;
  data: string | null;
}

export interface ArtifactRow {
  artifact: string;
  service: string;
  requestId: string | null;
  taskId: string | null;
  userSessionId: string | null;
  expiresAt: string;
  usedAt: string | null;
}

export type SqlParam = string | number | null;

/** One row per document of each task (or one with a null document for a task without), for getStatus. */
export interface StatusRow {
  clientReference: string | null;
  /** Null (as is status) only in the one row of a request without tasks. */
  taskId: string | null;
  status: string | null;
  clientStatus: string | null;
  documentId: string | null;
  stored: number;
  /** Set once the document is signed: the archive id of the result, or '' when it is served as /sdo. */
  resultArchiveId: string | null;
}

export interface SignedResultRow {
  requestId: string;
  taskId: string;
  documentId: string;
  service: string;
  method: string;
  mimeType: string;
  blob: string | null;
  archiveId: string | null;
  signedAt: string;
}

export interface PackagingResultRow {
  requestId: string;
  packagingTaskId: string;
  documentId: string;
  service: string;
  sdsId: string | null;
  archiveId: string | null;
  error: string | null;
  createdAt: string;
}

export interface ArchiveDocumentRow {
  id: string;
  service: string;
  mimeType: string;
  blob: string;
  createdAt: string;
}

interface QueuedWrite {
  readonly fn: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

const TASK_COLUMNS = `pk, service, request_id AS requestId, task_id AS taskId, seq, status, created_at AS createdAt,
  last_updated AS lastUpdated, expires_at AS expiresAt, client_status AS clientStatus, signer, language,
  days_to_live AS daysToLive, subject_first_name AS subjectFirstName, subject_last_name AS subjectLastName,
  subject_email AS subjectEmail, subject_national_id AS subjectNationalId, subject_mobile AS subjectMobile,
  authentication_type AS authenticationType, definition`;

/**
 * The DocumentService repository: every statement prepared once, every read scoped by service where a
 * caller could name another service's id. Domain operations compose these inside `transaction`.
 */
export class DocumentStore {
  private readonly s;
  /**
   * Runs its argument in a transaction, or in a savepoint when one is open. Made once: better-sqlite3
   * builds four wrapper functions for every `db.transaction(fn)`, which cost more than the savepoint.
   */
  private readonly inTransaction: <T>(fn: () => T) => T;
  private readonly refs: BlobRefs;
  private queue: QueuedWrite[] = [];
  /** Whether the last batch's fsync is under way; writes queued meanwhile wait for it to end. */
  private flushing = false;
  /** Counts executions of statements that change data; a cached read is good while it is unchanged. */
  private writes = 0;
  /** getStatus's rows by service and request id, as they were at `statusWrites` writes (see statusRows). */
  private readonly statusCache = new Map<string, Map<string, readonly StatusRow[]>>();
  private statusWrites = 0;
  /**
   * The earliest expires_at of a waiting task, in epoch milliseconds (compared on every call without
   * formatting the time); undefined when not known, null when there is none.
   */
  private nextExpiry: number | null | undefined;
  /** SDS documents that orders named lately, by id (see sdsDocumentForOrder). */
  private readonly sdsLookups = new Map<string, SdsLookup>();

  constructor(
    readonly db: Db,
    private readonly durability: Durability = noDurability,
  ) {
    const p = <R = unknown>(sql: string) => db.prepare<SqlParam[], R>(sql);
    this.inTransaction = db.transaction((fn: () => unknown) => fn()) as <T>(fn: () => T) => T;
    this.refs = new BlobRefs(db);
    this.s = {
      // The rows every createRequest writes bind their values by position: by name, the driver looks up
      // each key of the row object, which cost a third more per statement.
      insertRequest: p(`INSERT INTO requests (id, service, created_at, deleted_at, client_reference, account,
        language, sender_unique_id, definition) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertTask: p(`INSERT INTO tasks (service, request_id, task_id, seq, status, created_at, last_updated,
        expires_at, client_status, signer, language, days_to_live, subject_first_name, subject_last_name,
        subject_email, subject_national_id, subject_mobile, authentication_type, definition)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertDocument: p(`INSERT INTO documents (request_id, document_id, service, seq, kind, mime_type,
        description, blob, archive_id, inline_task, definition) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertTaskDocument: p(`INSERT INTO task_documents (request_id, task_id, seq, document_id, action_type,
        optional) VALUES (?, ?, ?, ?, ?, ?)`),
      insertNotification: p(`INSERT INTO notifications (request_id, task_id, notification_id, service, seq,
        definition, disabled_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      insertPackagingTask: db.prepare(`INSERT INTO packaging_tasks (request_id, packaging_task_id, service, seq,
        status, definition) VALUES (@requestId, @packagingTaskId, @service, @seq, @status, @definition)`),
      insertEvent: p(`INSERT INTO events (service, request_id, task_id, type, time, data) VALUES (?, ?, ?, ?, ?, ?)`),
      insertArtifact: db.prepare(`INSERT INTO artifacts (artifact, service, request_id, task_id, user_session_id,
        expires_at, used_at) VALUES (@artifact, @service, @requestId, @taskId, @userSessionId, @expiresAt, @usedAt)`),
      insertUserSession: db.prepare(`INSERT INTO user_sessions (id, service, created_at, definition)
        VALUES (?, ?, ?, ?)`),
      request: p<RequestRow>(`SELECT id, service, created_at AS createdAt, deleted_at AS deletedAt,
        client_reference AS clientReference, account, language, sender_unique_id AS senderUniqueId, definition
        FROM requests WHERE id = ? AND service = ?`),
      tasks: p<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE request_id = ? ORDER BY seq`),
      task: p<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE request_id = ? AND task_id = ?`),
      maxTaskSeq: p<{ seq: number | null }>(`SELECT max(seq) AS seq FROM tasks WHERE request_id = ?`),
      documents: p<DocumentRow>(`SELECT request_id AS requestId, document_id AS documentId, service, seq, kind,
        mime_type AS mimeType, description, blob, archive_id AS archiveId, inline_task AS inlineTask, definition
        FROM documents WHERE request_id = ? ORDER BY seq`),
      maxDocumentSeq: p<{ seq: number | null }>(`SELECT max(seq) AS seq FROM documents WHERE request_id = ?`),
      taskDocuments: p<TaskDocumentRow>(`SELECT request_id AS requestId, task_id AS taskId, seq,
        document_id AS documentId, action_type AS actionType, optional FROM task_documents
        WHERE request_id = ? ORDER BY task_id, seq`),
      notifications: p<NotificationRow>(`SELECT request_id AS requestId, task_id AS taskId,
        notification_id AS notificationId, service, seq, definition, disabled_at AS disabledAt
        FROM notifications WHERE request_id = ? ORDER BY seq`),
      maxNotificationSeq: p<{ seq: number | null }>(`SELECT max(seq) AS seq FROM notifications WHERE request_id = ?`),
      disableNotification: p(`UPDATE notifications SET disabled_at = ? WHERE request_id = ? AND task_id = ?
        AND notification_id = ? AND disabled_at IS NULL`),
      packagingTasks: p<PackagingTaskRow>(`SELECT request_id AS requestId, packaging_task_id AS packagingTaskId,
        service, seq, status, definition FROM packaging_tasks WHERE request_id = ? ORDER BY seq`),
      events: p<EventRow>(`SELECT service, request_id AS requestId, task_id AS taskId, type, time, data
        FROM events WHERE request_id = ? AND task_id = ? ORDER BY id`),
      setTaskStatus: p(`UPDATE tasks SET status = ?, last_updated = ? WHERE pk = ?`),
      setClientStatus: p(`UPDATE tasks SET client_status = ?, last_updated = ? WHERE pk = ?`),
      deleteRequest: p(`UPDATE requests SET deleted_at = ? WHERE id = ? AND service = ? AND deleted_at IS NULL`),
      dueTasks: p<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE status = 'created' AND expires_at IS NOT NULL
        AND expires_at <= ? ORDER BY expires_at LIMIT 500`),
      documentBlobs: p<{ blob: string }>(`SELECT blob FROM documents WHERE request_id = ? AND blob IS NOT NULL`),
      clearDocumentBlobs: p(`UPDATE documents SET blob = NULL WHERE request_id = ?`),
      nextExpiry: p<{ at: string | null }>(`SELECT min(expires_at) AS at FROM tasks WHERE status = 'created'
        AND expires_at IS NOT NULL`),
      statusRows: p<StatusRow>(`SELECT q.client_reference AS clientReference, t.task_id AS taskId, t.status,
        t.client_status AS clientStatus, td.document_id AS documentId, d.blob IS NOT NULL AS stored,
        CASE WHEN r.document_id IS NULL THEN NULL ELSE coalesce(r.archive_id, '') END AS resultArchiveId
        FROM requests q
        LEFT JOIN tasks t ON t.request_id = q.id
        LEFT JOIN task_documents td ON td.request_id = t.request_id AND td.task_id = t.task_id
        LEFT JOIN documents d ON d.request_id = td.request_id AND d.document_id = td.document_id
        LEFT JOIN signed_results r ON r.request_id = td.request_id AND r.task_id = td.task_id
          AND r.document_id = td.document_id
        WHERE q.id = ? AND q.service = ? ORDER BY t.seq, td.seq`),
      insertSignedResult: db.prepare(`INSERT INTO signed_results (request_id, task_id, document_id, service, method,
        mime_type, blob, archive_id, signed_at) VALUES (@requestId, @taskId, @documentId, @service, @method,
        @mimeType, @blob, @archiveId, @signedAt)`),
      signedResult: p<SignedResultRow>(`SELECT request_id AS requestId, task_id AS taskId, document_id AS documentId,
        service, method, mime_type AS mimeType, blob, archive_id AS archiveId, signed_at AS signedAt
        FROM signed_results WHERE request_id = ? AND task_id = ? AND document_id = ?`),
      signedResults: p<SignedResultRow>(`SELECT request_id AS requestId, task_id AS taskId, document_id AS documentId,
        service, method, mime_type AS mimeType, blob, archive_id AS archiveId, signed_at AS signedAt
        FROM signed_results WHERE request_id = ? ORDER BY task_id, document_id`),
      insertArchiveDocument: db.prepare(`INSERT INTO archive_documents (id, service, mime_type, blob, created_at)
        VALUES (@id, @service, @mimeType, @blob, @createdAt)`),
      setTaskSigner: p(`UPDATE tasks SET signer = ? WHERE pk = ?`),
      setUploadedContent: p(`UPDATE documents SET blob = ?, mime_type = ? WHERE request_id = ? AND document_id = ?
        AND blob IS NULL`),
      insertPackagingResult: db.prepare(`INSERT INTO packaging_results (request_id, packaging_task_id, document_id,
        service, sds_id, archive_id, error, created_at) VALUES (@requestId, @packagingTaskId, @documentId, @service,
        @sdsId, @archiveId, @error, @createdAt)`),
      packagingResults: p<PackagingResultRow>(`SELECT request_id AS requestId, packaging_task_id AS packagingTaskId,
        document_id AS documentId, service, sds_id AS sdsId, archive_id AS archiveId, error, created_at AS createdAt
        FROM packaging_results WHERE request_id = ? ORDER BY packaging_task_id, document_id`),
      setPackagingTaskStatus: p(`UPDATE packaging_tasks SET status = ? WHERE request_id = ? AND packaging_task_id = ?`),
      deleteArchiveDocument: p<{ blob: string }>(`DELETE FROM archive_documents WHERE id = ? AND service = ? RETURNING blob`),
      artifact: p<ArtifactRow>(`SELECT artifact, service, request_id AS requestId, task_id AS taskId,
        user_session_id AS userSessionId, expires_at AS expiresAt, used_at AS usedAt FROM artifacts
        WHERE artifact = ?`),
      useArtifact: p(`UPDATE artifacts SET used_at = ? WHERE artifact = ? AND used_at IS NULL`),
      purgeArtifacts: p(`DELETE FROM artifacts WHERE expires_at < ?`),
      sdsLookup: p<SdsLookup>(`SELECT service, blob, content_type AS contentType, expires_at AS expiresAt
        FROM sds_documents WHERE id = ? AND service = ? AND expires_at > ?`),
      archiveBlob: p<{ blob: string; mimeType: string }>(`SELECT blob, mime_type AS mimeType
        FROM archive_documents WHERE id = ? AND service = ?`),
    };
    // Every statement that changes data counts itself, whoever calls it and in whatever transaction:
    // the status cache then cannot miss a change (a rolled-back one only costs it a fresh read).
    for (const statement of Object.values(this.s) as Database.Statement[]) {
      if (!statement.readonly) countExecutions(statement, () => this.writes++);
    }
  }

  /** Runs fn in a transaction; for reads, and for writes nobody is told about (expiry). */
  transaction<T>(fn: () => T): T {
    return this.inTransaction(fn);
  }

  /**
   * Runs fn in a transaction and resolves once it is on disk: every write a client is told about.
   * Writes that arrive together are committed together (group commit): the batch shares its pages in
   * the WAL and one fsync, and one write failing leaves the others whole. A write runs on the next turn
   * of the event loop, not at the call; while the previous batch's fsync is under way, writes wait for
   * it and then go as one batch. Each transaction rewrites the last page of every table and index it
   * touches, so fewer, larger batches write fewer pages per order (docs/performance.md).
   *
   * fn may run twice: when a write of its batch fails, the batch is rolled back and run again (see
   * drain). So it changes nothing outside the database but what it returns.
   */
  commit<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length === 1 && !this.flushing) setImmediate(() => this.drain());
    });
  }

  /**
   * Commits the queued batch. It runs first as one plain transaction; only if a write throws (which
   * rolls everything back) does it run again with each write in a savepoint of its own, so that the
   * failure stays that write's. A savepoint for every write made a createRequest's rows cost a fifth
   * more in process (0.057 against 0.047 ms), for the rare batch that needs them.
   */
  private drain(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = this.runTogether(batch) ?? this.runEachInSavepoint(batch);
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    this.flushing = true;
    this.durability
      .flush()
      .then(
        () =>
          batch.forEach((write, i) => {
            const outcome = outcomes[i] as Outcome;
            if (outcome.ok) write.resolve(outcome.value);
            else write.reject(outcome.error);
          }),
        (error: unknown) => batch.forEach((write) => write.reject(error)),
      )
      .finally(() => {
        this.flushing = false;
        // On the next turn, not now: the fsync's end comes in the same phase of the event loop as
        // requests, and those read in this turn then join the batch. Larger batches share the pages
        // every transaction rewrites (createRequest: 3–8 % more per second in two A/B runs).
        setImmediate(() => this.drain());
      });
  }

  /**
   * Runs the batch's writes in one plain transaction. A write that throws rolls it all back: then the
   * result is undefined, except for a batch of one, whose outcome that is.
   */
  private runTogether(batch: readonly QueuedWrite[]): Outcome[] | undefined {
    try {
      return this.inTransaction(() => batch.map((write): Outcome => ({ ok: true, value: write.fn() })));
    } catch (error) {
      return batch.length === 1 ? [{ ok: false, error }] : undefined;
    }
  }

  /** Runs the batch's writes in one transaction, each in a savepoint: a write's failure is its own. */
  private runEachInSavepoint(batch: readonly QueuedWrite[]): Outcome[] {
    return this.inTransaction(() =>
      batch.map((write): Outcome => {
        try {
          return { ok: true, value: this.inTransaction(write.fn) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  insertSignedResult(row: SignedResultRow): void {
    this.s.insertSignedResult.run(row);
  }
  signedResult(requestId: string, taskId: string, documentId: string): SignedResultRow | undefined {
    return this.s.signedResult.get(requestId, taskId, documentId);
  }
  signedResults(requestId: string): SignedResultRow[] {
    return this.s.signedResults.all(requestId);
  }
  insertArchiveDocument(row: ArchiveDocumentRow): void {
    this.s.insertArchiveDocument.run(row);
  }
  insertPackagingResult(row: PackagingResultRow): void {
    this.s.insertPackagingResult.run(row);
  }
  packagingResults(requestId: string): PackagingResultRow[] {
    return this.s.packagingResults.all(requestId);
  }
  setPackagingTaskStatus(requestId: string, packagingTaskId: string, status: string): void {
    this.s.setPackagingTaskStatus.run(status, requestId, packagingTaskId);
  }
  /**
   * Deletes an archived document of the service (call in a transaction). Undefined when there was none; otherwise the
   * blob to remove once the transaction is durable, when no other row names it (see blob-refs.ts).
   */
  deleteArchiveDocument(service: string, id: string): { freedBlob: string | undefined } | undefined {
    const blob = this.s.deleteArchiveDocument.get(id, service)?.blob;
    if (blob === undefined) return undefined;
    return { freedBlob: this.refs.release(blob) ? blob : undefined };
  }
  /**
   * One more row is about to name the bytes of SDS document `id`, if it is still live and holds `blob`
   * (call in that row's transaction); false, and nothing counted, when it is not.
   */
  shareSdsBlob(service: string, id: string, blob: string, now: string): boolean {
    return this.refs.shareSds(blob, id, service, now);
  }
  /** One more row is about to name `key`, a blob another row names (call in that row's transaction). */
  shareBlob(key: string): string {
    return this.refs.share(key);
  }
  /** How many rows name a blob (1 when only one does); for tests and checks. */
  blobNames(key: string): number {
    return this.refs.count(key);
  }
  /** Gives an upload-document its bytes; false when it has some already. */
  setUploadedContent(requestId: string, documentId: string, blob: string, mimeType: string): boolean {
    return this.s.setUploadedContent.run(blob, mimeType, requestId, documentId).changes === 1;
  }
  setTaskSigner(pk: number, signer: string): void {
    this.s.setTaskSigner.run(signer, pk);
  }
  insertRequest(r: RequestRow): void {
    this.s.insertRequest.run(
      r.id, r.service, r.createdAt, r.deletedAt, r.clientReference, r.account, r.language, r.senderUniqueId, r.definition,
    );
  }
  insertTask(r: NewTaskRow): void {
    this.s.insertTask.run(
      r.service, r.requestId, r.taskId, r.seq, r.status, r.createdAt, r.lastUpdated, r.expiresAt, r.clientStatus,
      r.signer, r.language, r.daysToLive, r.subjectFirstName, r.subjectLastName, r.subjectEmail, r.subjectNationalId,
      r.subjectMobile, r.authenticationType, r.definition,
    );
    if (r.expiresAt !== null && this.nextExpiry !== undefined) {
      const at = Date.parse(r.expiresAt);
      if (this.nextExpiry === null || at < this.nextExpiry) this.nextExpiry = at;
    }
  }
  insertDocument(r: DocumentRow): void {
    this.s.insertDocument.run(
      r.requestId, r.documentId, r.service, r.seq, r.kind, r.mimeType, r.description, r.blob, r.archiveId, r.inlineTask,
      r.definition,
    );
  }
  insertTaskDocument(r: TaskDocumentRow): void {
    this.s.insertTaskDocument.run(r.requestId, r.taskId, r.seq, r.documentId, r.actionType, r.optional);
  }
  insertNotification(r: NotificationRow): void {
    this.s.insertNotification.run(r.requestId, r.taskId, r.notificationId, r.service, r.seq, r.definition, r.disabledAt);
  }
  insertPackagingTask(row: PackagingTaskRow): void {
    this.s.insertPackagingTask.run(row);
  }
  insertEvent(r: EventRow): void {
    this.s.insertEvent.run(r.service, r.requestId, r.taskId, r.type, r.time, r.data);
  }
  insertArtifact(row: ArtifactRow): void {
    this.s.insertArtifact.run(row);
  }
  insertUserSession(id: string, service: string, createdAt: string, definition: string): void {
    this.s.insertUserSession.run(id, service, createdAt, definition);
  }

  request(service: string, id: string): RequestRow | undefined {
    return this.s.request.get(id, service);
  }
  tasks(requestId: string): TaskRow[] {
    return this.s.tasks.all(requestId);
  }
  task(requestId: string, taskId: string): TaskRow | undefined {
    return this.s.task.get(requestId, taskId);
  }
  /**
   * getStatus in one query: a row per task and document of the service's request (deleted or not),
   * one row with a null task for a request without tasks, none for a request the service does not have.
   * Clients poll getStatus, so the rows are kept until the next change of any data (at most 10,000
   * requests' worth per service): a poll between two changes costs a map lookup instead of a
   * five-table join. Callers must not change them.
   */
  statusRows(service: string, requestId: string): readonly StatusRow[] {
    if (this.statusWrites !== this.writes) {
      this.statusCache.clear();
      this.statusWrites = this.writes;
    }
    let byRequest = this.statusCache.get(service);
    const cached = byRequest?.get(requestId);
    if (cached) return cached;
    const rows = this.s.statusRows.all(requestId, service);
    // Inside a transaction the rows may show writes that are then rolled back: not kept.
    if (this.db.inTransaction) return rows;
    if (!byRequest) {
      byRequest = new Map();
      this.statusCache.set(service, byRequest);
    }
    if (byRequest.size >= STATUS_CACHE_SIZE) byRequest.clear();
    byRequest.set(requestId, rows);
    return rows;
  }
  nextTaskSeq(requestId: string): number {
    return (this.s.maxTaskSeq.get(requestId)?.seq ?? -1) + 1;
  }
  documents(requestId: string): DocumentRow[] {
    return this.s.documents.all(requestId);
  }
  nextDocumentSeq(requestId: string): number {
    return (this.s.maxDocumentSeq.get(requestId)?.seq ?? -1) + 1;
  }
  taskDocuments(requestId: string): TaskDocumentRow[] {
    return this.s.taskDocuments.all(requestId);
  }
  notifications(requestId: string): NotificationRow[] {
    return this.s.notifications.all(requestId);
  }
  nextNotificationSeq(requestId: string): number {
    return (this.s.maxNotificationSeq.get(requestId)?.seq ?? -1) + 1;
  }
  disableNotification(requestId: string, taskId: string, notificationId: string, now: string): boolean {
    return this.s.disableNotification.run(now, requestId, taskId, notificationId).changes > 0;
  }
  packagingTasks(requestId: string): PackagingTaskRow[] {
    return this.s.packagingTasks.all(requestId);
  }
  events(requestId: string, taskId: string): EventRow[] {
    return this.s.events.all(requestId, taskId);
  }
  setTaskStatus(pk: number, status: string, now: string): void {
    this.s.setTaskStatus.run(status, now, pk);
  }
  setClientStatus(pk: number, clientStatus: string, now: string): void {
    this.s.setClientStatus.run(clientStatus, now, pk);
  }
  markRequestDeleted(service: string, id: string, now: string): boolean {
    return this.s.deleteRequest.run(now, id, service).changes > 0;
  }
  /**
   * Lets go of a request's document bytes (call in a transaction) and returns the blobs no other row
   * names any more, to remove once the transaction is durable.
   */
  clearDocumentBlobs(requestId: string): string[] {
    const keys = this.s.documentBlobs.all(requestId).map((r) => r.blob);
    this.s.clearDocumentBlobs.run(requestId);
    return keys.filter((key) => this.refs.release(key));
  }
  /**
   * Whether a waiting task may have expired by `now`: a comparison with the cached earliest expiry,
   * so the check before every operation costs no query. The cache may only err early (a rolled-back
   * insert, a task that left `created`), which costs one query that finds nothing.
   */
  mayHaveDueTasks(now: Date): boolean {
    if (this.nextExpiry === undefined) {
      const at = this.s.nextExpiry.get()?.at;
      this.nextExpiry = at ? Date.parse(at) : null;
    }
    return this.nextExpiry !== null && this.nextExpiry <= now.getTime();
  }
  /** Forget the cached earliest expiry (after expiring tasks). */
  forgetNextExpiry(): void {
    this.nextExpiry = undefined;
  }
  dueTasks(now: string): TaskRow[] {
    return this.s.dueTasks.all(now);
  }
  artifact(artifact: string): ArtifactRow | undefined {
    return this.s.artifact.get(artifact);
  }
  useArtifact(artifact: string, now: string): boolean {
    return this.s.useArtifact.run(now, artifact).changes > 0;
  }
  purgeArtifacts(before: string): void {
    this.s.purgeArtifacts.run(before);
  }
  liveSdsBlob(service: string, id: string, now: string): { blob: string; contentType: string } | undefined {
    return this.s.sdsLookup.get(id, service, now);
  }
  /**
   * The SDS document an order names, as createRequest checks it before its transaction. Orders made
   * one after another from one uploaded document look it up again and again (the lookup was about 5 %
   * of createRequest's CPU under load), and an SDS document never changes: its blob, content type and
   * expiry are fixed at upload. So a found document is kept by id, and only its expiry is checked on
   * the next call. A deletion is not seen here; it is where it counts, in the order's transaction,
   * whose shareSdsBlob checks the row again (as it must anyway: a deletion can come after this check).
   */
  sdsDocumentForOrder(service: string, id: string, now: string): { blob: string; contentType: string } | undefined {
    const kept = this.sdsLookups.get(id);
    if (kept?.service === service) {
      if (kept.expiresAt > now) return kept;
      this.sdsLookups.delete(id);
    }
    const found = this.s.sdsLookup.get(id, service, now);
    if (!found) return undefined;
    if (this.sdsLookups.size >= SDS_LOOKUP_CACHE_SIZE) {
      // The oldest entry goes: a Map iterates in insertion order.
      const oldest = this.sdsLookups.keys().next().value;
      if (oldest !== undefined) this.sdsLookups.delete(oldest);
    }
    this.sdsLookups.set(id, found);
    return found;
  }
  archiveBlob(service: string, id: string): { blob: string; mimeType: string } | undefined {
    return this.s.archiveBlob.get(id, service);
  }

  /** Runs a task search built by the domain (find-tasks.ts); the SQL there is composed of fixed pieces. */
  queryTasks(sql: string, params: readonly SqlParam[]): TaskRow[] {
    return this.db.prepare<SqlParam[], TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks t ${sql}`).all(...params);
  }
  countTasks(sql: string, params: readonly SqlParam[]): number {
    const row = this.db.prepare<SqlParam[], { n: number }>(`SELECT count(*) AS n FROM tasks t ${sql}`).get(...params);
    return row?.n ?? 0;
  }
}
