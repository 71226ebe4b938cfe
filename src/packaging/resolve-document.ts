import type { ServiceAccount } from '../auth/service-registry';
import type { DocumentDeps } from '../documents/deps';
import { loadRequest } from '../documents/load-request';
import { ParaphError } from '../errors';
import type { SdsDocuments } from '../sds/sds-documents';

/** PackagingService's `document-id`: exactly one of four ways to name a document. */
export interface DocumentIdRef {
  readonly uriDocumentId?: string;
  readonly sdsDocumentId?: { readonly id?: string };
  readonly archiveDocumentId?: { readonly id?: string };
  readonly orderDocumentId?: {
    readonly requestId?: string;
    readonly taskId?: string;
    readonly documentId?: string;
    readonly type?: 'source' | 'result';
  };
}

export interface ResolvedDocument {
  readonly bytes: Buffer;
  readonly mimeType: string;
  /** Where it came from, for error messages. */
  readonly label: string;
}

type Where =
  | { kind: 'order'; requestId: string; taskId?: string; documentId: string; which: 'source' | 'result' }
  | { kind: 'sds'; id: string }
  | { kind: 'archive'; id: string };

function notFound(label: string): ParaphError {
  return new ParaphError('SDO_NOT_FOUND', `${label} names no document of this service`);
}

/**
 * Paraph's own document addresses, as getStatus, SDS and the archive hand them out. The host is not
 * compared (clients reach Paraph under several names); the path and the service are.
 */
function parseUri(uri: string, service: string): Where {
  let path: string;
  try {
    path = new URL(uri).pathname;
  } catch {
    throw notFound(`uri-document-id "${uri.slice(0, 200)}"`);
  }
  const parts = path.split('/').map((p) => decodeURIComponent(p));
  const at = parts.indexOf('doc');
  const rest = at < 0 ? [] : parts.slice(at + 1);
  if (rest[0] !== service) throw notFound(`uri-document-id "${uri.slice(0, 200)}"`);
  if (rest[1] === 'order' && rest.length === 6 && (rest[5] === 'sdo' || rest[5] === 'original')) {
    return { kind: 'order', requestId: rest[2]!, taskId: rest[3]!, documentId: rest[4]!, which: rest[5] === 'sdo' ? 'result' : 'source' };
  }
  if (rest[1] === 'sds' && rest.length === 3) return { kind: 'sds', id: rest[2]! };
  if (rest[1] === 'archive' && rest.length === 3) return { kind: 'archive', id: rest[2]! };
  throw notFound(`uri-document-id "${uri.slice(0, 200)}"`);
}

function whereOf(ref: DocumentIdRef, service: string): Where {
  if (ref.uriDocumentId) return parseUri(ref.uriDocumentId.trim(), service);
  if (ref.sdsDocumentId?.id) return { kind: 'sds', id: ref.sdsDocumentId.id };
  if (ref.archiveDocumentId?.id) return { kind: 'archive', id: ref.archiveDocumentId.id };
  const order = ref.orderDocumentId;
  if (order?.requestId && order.documentId) {
    return {
      kind: 'order',
      requestId: order.requestId,
      ...(order.taskId ? { taskId: order.taskId } : {}),
      documentId: order.documentId,
      which: order.type ?? 'result',
    };
  }
  throw new ParaphError('FIELD_REQUIRED', 'A document-id needs one of uri-document-id, sds-document-id, archive-document-id, order-document-id');
}

/**
 * The documents a `document-id` names, for the calling service only. An order result without a
 * task-id names the results of every task that signed that document (all signers of it).
 */
export async function resolveDocument(
  deps: DocumentDeps,
  sds: SdsDocuments,
  service: ServiceAccount,
  ref: DocumentIdRef,
): Promise<ResolvedDocument[]> {
  const where = whereOf(ref, service.name);
  switch (where.kind) {
    case 'sds': {
      let row;
      try {
        row = sds.get(service.name, where.id);
      } catch {
        throw notFound(`SDS document ${where.id}`);
      }
      return [{ bytes: await deps.blobs.read(row.blob), mimeType: row.contentType, label: `SDS document ${where.id}` }];
    }
    case 'archive': {
      const found = deps.store.archiveBlob(service.name, where.id);
      if (!found) throw notFound(`archive document ${where.id}`);
      return [{ bytes: await deps.blobs.read(found.blob), mimeType: found.mimeType, label: `archive document ${where.id}` }];
    }
    case 'order': {
      let requestId: string;
      try {
        requestId = loadRequest(deps, service.name, where.requestId, { allowDeleted: false }).id;
      } catch {
        throw notFound(`request ${where.requestId}`);
      }
      const label = `document ${where.documentId} of request ${requestId}`;
      if (where.which === 'source') {
        const document = deps.store.documents(requestId).find((d) => d.documentId === where.documentId);
        if (!document?.blob) throw notFound(label);
        return [{ bytes: await deps.blobs.read(document.blob), mimeType: document.mimeType ?? 'application/octet-stream', label }];
      }
      const results = deps.store
        .signedResults(requestId)
        .filter((r) => r.documentId === where.documentId && (where.taskId === undefined || r.taskId === where.taskId));
      const out: ResolvedDocument[] = [];
      for (const result of results) {
        const blob = result.blob ?? (result.archiveId ? deps.store.archiveBlob(service.name, result.archiveId)?.blob : undefined);
        if (!blob) continue;
        out.push({ bytes: await deps.blobs.read(blob), mimeType: result.mimeType, label: `${label}, task ${result.taskId}` });
      }
      if (out.length === 0) throw notFound(`${label}${where.taskId ? `, task ${where.taskId}` : ''} (not signed)`);
      return out;
    }
  }
}
