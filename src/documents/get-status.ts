import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from './deps';
import { archiveDocumentUrl, orderDocumentUrl } from './document-urls';
import { loadRequest } from './load-request';
import type { DocumentStatus, TaskStatus, TaskStatusInfo } from './wire-types';

/**
 * getStatus: one `task-status-info` per task of each named request, in request order and then task
 * order, each with a `document-status` per document of the task: `original-uri` while the order holds
 * the document, `result-uri` once it is signed.
 */
export function getStatus(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestIds: readonly string[],
): { taskStatusInfo: TaskStatusInfo[] } {
  if (requestIds.length === 0) throw new ParaphError('FIELD_REQUIRED', 'request-id is required');
  const out: TaskStatusInfo[] = [];
  for (const requestId of requestIds) {
    const request = loadRequest(deps, service.name, requestId, { allowDeleted: true });
    let info: TaskStatusInfo | undefined;
    for (const row of deps.store.statusRows(request.id)) {
      if (info?.taskId !== row.taskId) {
        info = { requestId: request.id, taskId: row.taskId, taskStatus: row.status as TaskStatus, documentStatus: [] };
        if (request.clientReference !== null) info.clientReference = request.clientReference;
        if (row.clientStatus !== null) info.clientStatus = row.clientStatus;
        out.push(info);
      }
      if (row.documentId === null) continue;
      const status: DocumentStatus = { id: row.documentId };
      if (row.stored) {
        status.originalUri = orderDocumentUrl(
          deps.publicBaseUrl,
          service.name,
          request.id,
          row.taskId,
          row.documentId,
          'original',
        );
      }
      if (row.resultArchiveId !== null) {
        status.resultUri =
          row.resultArchiveId === ''
            ? orderDocumentUrl(deps.publicBaseUrl, service.name, request.id, row.taskId, row.documentId, 'sdo')
            : archiveDocumentUrl(deps.publicBaseUrl, service.name, row.resultArchiveId);
      }
      info.documentStatus.push(status);
    }
  }
  return { taskStatusInfo: out };
}
