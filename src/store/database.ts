import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

/**
 * Schema migrations, applied in order and recorded in `user_version`. Append; never edit one that has
 * shipped. Every table carries `service` so that each query can be scoped to the calling service.
 * Tables keyed by request id are WITHOUT ROWID: the key is the table, so a new row writes one B-tree
 * instead of a table and its key index (every page written costs in the WAL; docs/performance.md).
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE requests (
    id               TEXT PRIMARY KEY,
    service          TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    deleted_at       TEXT,
    client_reference TEXT,
    account          TEXT,
    language         TEXT,
    sender_unique_id TEXT,
    definition       TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE tasks (
    pk                  INTEGER PRIMARY KEY,
    service             TEXT NOT NULL,
    request_id          TEXT NOT NULL REFERENCES requests(id),
    task_id             TEXT NOT NULL,
    seq                 INTEGER NOT NULL,
    status              TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    last_updated        TEXT NOT NULL,
    expires_at          TEXT,
    client_status       TEXT,
    signer              TEXT,
    language            TEXT,
    days_to_live        INTEGER,
    subject_first_name  TEXT,
    subject_last_name   TEXT,
    subject_email       TEXT,
    subject_national_id TEXT,
    subject_mobile      TEXT,
    authentication_type TEXT,
    definition          TEXT NOT NULL,
    UNIQUE (request_id, task_id)
  );
  CREATE INDEX tasks_service_created ON tasks(service, created_at);
  CREATE INDEX tasks_expiry ON tasks(expires_at) WHERE status = 'created' AND expires_at IS NOT NULL;

  CREATE TABLE documents (
    request_id  TEXT NOT NULL REFERENCES requests(id),
    document_id TEXT NOT NULL,
    service     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    mime_type   TEXT,
    description TEXT,
    blob        TEXT,
    archive_id  TEXT,
    inline_task TEXT,
    definition  TEXT NOT NULL,
    PRIMARY KEY (request_id, document_id)
  ) WITHOUT ROWID;

  CREATE TABLE task_documents (
    request_id  TEXT NOT NULL,
    task_id     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    document_id TEXT NOT NULL,
    action_type TEXT NOT NULL,
    optional    INTEGER NOT NULL,
    PRIMARY KEY (request_id, task_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE notifications (
    request_id      TEXT NOT NULL REFERENCES requests(id),
    task_id         TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    service         TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    definition      TEXT NOT NULL,
    disabled_at     TEXT,
    PRIMARY KEY (request_id, task_id, notification_id)
  ) WITHOUT ROWID;

  CREATE TABLE packaging_tasks (
    request_id        TEXT NOT NULL REFERENCES requests(id),
    packaging_task_id TEXT NOT NULL,
    service           TEXT NOT NULL,
    seq               INTEGER NOT NULL,
    status            TEXT NOT NULL,
    definition        TEXT NOT NULL,
    PRIMARY KEY (request_id, packaging_task_id)
  ) WITHOUT ROWID;

  CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    service    TEXT NOT NULL,
    request_id TEXT NOT NULL,
    task_id    TEXT NOT NULL,
    type       TEXT NOT NULL,
    time       TEXT NOT NULL,
    data       TEXT
  );
  CREATE INDEX events_task ON events(request_id, task_id, id);

  CREATE TABLE artifacts (
    artifact        TEXT PRIMARY KEY,
    service         TEXT NOT NULL,
    request_id      TEXT,
    task_id         TEXT,
    user_session_id TEXT,
    expires_at      TEXT NOT NULL,
    used_at         TEXT
  );

  CREATE TABLE user_sessions (
    id         TEXT PRIMARY KEY,
    service    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    definition TEXT NOT NULL
  );

  CREATE TABLE sds_documents (
    id           TEXT PRIMARY KEY,
    service      TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    blob         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
  );
  CREATE INDEX sds_expiry ON sds_documents(expires_at);

  CREATE TABLE archive_documents (
    id         TEXT PRIMARY KEY,
    service    TEXT NOT NULL,
    mime_type  TEXT NOT NULL,
    blob       TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  `,
  // 1: signing. The test PKI's certificates (keys are files beside the database, never rows), the
  // status of test persons per eID family, and the signed result of each task document.
  `
  CREATE TABLE pki_certificates (
    serial      TEXT PRIMARY KEY,
    family      TEXT NOT NULL,
    role        TEXT NOT NULL,
    owner       TEXT,
    issuer      TEXT,
    der         BLOB NOT NULL,
    key_file    TEXT,
    not_after   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    revocation_reason TEXT
  );
  CREATE INDEX pki_certificates_owner ON pki_certificates(family, role, owner);

  CREATE TABLE pki_persons (
    family     TEXT NOT NULL,
    owner      TEXT NOT NULL,
    status     TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (family, owner)
  ) WITHOUT ROWID;

  CREATE TABLE signed_results (
    request_id  TEXT NOT NULL REFERENCES requests(id),
    task_id     TEXT NOT NULL,
    document_id TEXT NOT NULL,
    service     TEXT NOT NULL,
    method      TEXT NOT NULL,
    mime_type   TEXT NOT NULL,
    blob        TEXT,
    archive_id  TEXT,
    signed_at   TEXT NOT NULL,
    PRIMARY KEY (request_id, task_id, document_id)
  ) WITHOUT ROWID;
  `,
  // 2: packaging. The package made for each document of a packaging task (an SDS id, or an archive id).
  `
  CREATE TABLE packaging_results (
    request_id        TEXT NOT NULL REFERENCES requests(id),
    packaging_task_id TEXT NOT NULL,
    document_id       TEXT NOT NULL,
    service           TEXT NOT NULL,
    sds_id            TEXT,
    archive_id        TEXT,
    error             TEXT,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (request_id, packaging_task_id, document_id)
  ) WITHOUT ROWID;
  `,
  // 3: shared blobs. Rows that name the same blob (an SDS upload and the orders made from it, an order's
  // original and its archived copy) are counted here once there are two or more; a blob named by one
  // row has no entry. Hard links did this before, at a syscall per order and a limit of 65,000 names
  // per file on ext4; the links made then are separate keys, each named by one row, and stay valid.
  `
  CREATE TABLE blob_refs (
    blob TEXT PRIMARY KEY,
    refs INTEGER NOT NULL CHECK (refs >= 2)
  ) WITHOUT ROWID;
  `,
];

/**
 * Opens (and migrates) the SQLite database, which this process then holds exclusively. Commits do not
 * wait for the disk (`synchronous=NORMAL`); writes are made durable before they are acknowledged by
 * a group commit instead (wal-sync.ts), so an acknowledged createRequest survives a power cut.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  // One process owns the database: Paraph keeps state beside it in memory (caches, the next expiry,
  // group commit), which a second process would not see, so a second one must not start on it.
  db.pragma('locking_mode = EXCLUSIVE');
  try {
    // Entering WAL mode takes the lock. A previous process still letting go is waited for (the
    // driver's default busy timeout, 5 s); one that keeps it fails the start.
    db.pragma('journal_mode = WAL');
  } catch (error) {
    db.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
      throw new Error(`the database ${file} is in use by another process: one Paraph owns a data folder`);
    }
    throw error;
  }
  db.pragma('synchronous = NORMAL');
  // SQLite keeps the pages a savepoint changes in a sub-journal to roll them back (group commit gives
  // each write one when a batch must run again, and better-sqlite3 nests transactions as savepoints).
  // In a temporary file that was two syscalls a page, about twenty per createRequest when every write
  // had one, half of all its writes; in memory it costs a copy (docs/performance.md).
  db.pragma('temp_store = MEMORY');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // SQLite's lower() folds ASCII only; task filters must fold Æ, Ø, Å, Ä, Ö too.
  db.function('ulower', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i] as string);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
  return db;
}
