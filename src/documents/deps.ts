import type { ServiceAccount } from '../auth/service-registry';
import type { Clock } from '../clock';
import type { IdGenerator } from '../ids';
import type { TestPki } from '../pki/test-pki';
import type { BlobStore } from '../store/blob-store';
import type { DocumentStore } from '../store/document-store';

/** What DocumentService operations need: storage, time, identifiers and the public address. */
export interface DocumentDeps {
  readonly store: DocumentStore;
  readonly blobs: BlobStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** The base URL clients reach Paraph at, e.g. `https://sign.example.com`; used in document URIs. */
  readonly publicBaseUrl: string;
  /** Lifetime of a single-sign-on artifact (Signicat: 30 seconds). */
  readonly artifactTtlMs: number;
  /** Issues signers' certificates, seals results, stamps times, states revocation. */
  readonly pki: TestPki;
  /** Paraph's version, written into every signed result. */
  readonly serverVersion: string;
  /**
   * Called after a task is completed, rejected or expired (and committed): runs what waits for it, such
   * as the request's packaging tasks. Its failures are its own; they never undo the change.
   */
  onTaskEnded?: (service: ServiceAccount, requestId: string) => Promise<void>;
}
