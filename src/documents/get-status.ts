import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from './deps';
import { archiveDocumentUrl, orderDocumentUrl } from './document-urls';
import { expireDueTasks } from './expire-tasks';
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
  expireDueTasks(deps);
  for (const requestId of requestIds) {
    if (!requestId) throw new ParaphError('FIELD_REQUIRED', 'request-id is required');
    // The request and its tasks in one query (a deleted request still has a status); none for another
    // service's request, which is reported exactly like one that does not exist.
    const rows = deps.store.statusRows(service.name, requestId);
    if (rows.length === 0) throw new ParaphError('REQUEST_NOT_FOUND', `Request ${requestId} not found`);
    let info: TaskStatusInfo | undefined;
    for (const row of rows) {
      if (row.taskId === null) continue;
      if (info?.taskId !== row.taskId) {
        info = { requestId, taskId: row.taskId, taskStatus: row.status as TaskStatus, documentStatus: [] };
        if (row.clientReference !== null) info.clientReference = row.clientReference;
        if (row.clientStatus !== null) info.clientStatus = row.clientStatus;
        out.push(info);
      }
      if (row.documentId === null) continue;
      const status: DocumentStatus = { id: row.documentId };
      if (row.stored) {
        status.originalUri = orderDocumentUrl(
          deps.publicBaseUrl,
          service.name,
          requestId,
          row.taskId,
          row.documentId,
          'original',
        );
      }
      if (row.resultArchiveId !== null) {
        status.resultUri =
          row.resultArchiveId === ''
            ? orderDocumentUrl(deps.publicBaseUrl, service.name, requestId, row.taskId, row.documentId, 'sdo')
            : archiveDocumentUrl(deps.publicBaseUrl, service.name, row.resultArchiveId);
      }
      info.documentStatus.push(status);
    }
  }
  return { taskStatusInfo: out };
}
