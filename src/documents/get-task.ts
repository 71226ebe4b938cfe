import type { ServiceAccount } from '../auth/service-registry';
import type { DocumentDeps } from './deps';
import { loadRequest, loadTask } from './load-request';
import { taskView } from './request-view';
import type { Task } from './wire-types';

/** getTask: one task as stored, inline documents included. */
export async function getTask(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string | undefined,
  taskId: string | undefined,
): Promise<{ task: Task }> {
  const request = loadRequest(deps, service.name, requestId);
  const task = loadTask(deps, request, taskId);
  const view = await taskView(deps, task, deps.store.documents(request.id), deps.store.notifications(request.id));
  return { task: view };
}
