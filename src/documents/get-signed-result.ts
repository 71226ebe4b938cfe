import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from './deps';
import { loadRequest, loadTask } from './load-request';

/** The signed result (LTV-SDO) of one document of a task, for `GET /doc/{service}/order/{r}/{t}/{d}/sdo`. */
export function getSignedResult(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string,
  taskId: string,
  documentId: string,
): { blob: string; mimeType: string } {
  const request = loadRequest(deps, service.name, requestId);
  const task = loadTask(deps, request, taskId);
  const result = deps.store.signedResult(request.id, task.taskId, documentId);
  if (!result?.blob) {
    throw new ParaphError('SIGNED_RESULT_NOT_FOUND', `Document ${documentId} of task ${taskId} has no signed result`);
  }
  return { blob: result.blob, mimeType: result.mimeType };
}
