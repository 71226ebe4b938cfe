import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from './deps';
import { orderDocumentUrl } from './document-urls';
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
    const documents = new Map(deps.store.documents(request.id).map((d) => [d.documentId, d]));
    const taskDocuments = deps.store.taskDocuments(request.id);
    for (const task of deps.store.tasks(request.id)) {
      const documentStatus = taskDocuments
        .filter((td) => td.taskId === task.taskId)
        .map((td): DocumentStatus => {
          const status: DocumentStatus = { id: td.documentId };
          if (documents.get(td.documentId)?.blob) {
            status.originalUri = orderDocumentUrl(
              deps.publicBaseUrl,
              service.name,
              request.id,
              task.taskId,
              td.documentId,
              'original',
            );
          }
          return status;
        });
      const info: TaskStatusInfo = {
        requestId: request.id,
        taskId: task.taskId,
        taskStatus: task.status as TaskStatus,
        documentStatus,
      };
      if (request.clientReference !== null) info.clientReference = request.clientReference;
      if (task.clientStatus !== null) info.clientStatus = task.clientStatus;
      out.push(info);
    }
  }
  return { taskStatusInfo: out };
}
