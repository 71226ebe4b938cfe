import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from './deps';
import { loadRequest, loadTask } from './load-request';

/** The original of one document of a task, for `GET /doc/{service}/order/{r}/{t}/{d}/original`. */
export function getOriginalDocument(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string,
  taskId: string,
  documentId: string,
): { blob: string; mimeType: string } {
  const request = loadRequest(deps, service.name, requestId);
  const task = loadTask(deps, request, taskId);
  const inTask = deps.store.taskDocuments(request.id).some((td) => td.taskId === task.taskId && td.documentId === documentId);
  const document = inTask ? deps.store.documents(request.id).find((d) => d.documentId === documentId) : undefined;
  if (!document?.blob) {
    throw new ParaphError('DOCUMENT_NOT_FOUND', `Task ${taskId} has no stored document ${documentId}`);
  }
  return { blob: document.blob, mimeType: document.mimeType ?? 'application/octet-stream' };
}
