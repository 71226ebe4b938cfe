import type { ServiceAccount } from '../auth/service-registry';
import type { DocumentDeps } from './deps';
import { loadRequest, loadTask, requireWaiting } from './load-request';
import { recordEvent } from './record-event';

/** The signer refuses: a waiting task becomes `rejected` (the portal's cancel button, or the control API). */
export async function rejectTask(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string,
  taskId: string,
): Promise<{ requestId: string; taskId: string; status: 'rejected' }> {
  const request = loadRequest(deps, service.name, requestId);
  const task = loadTask(deps, request, taskId);
  requireWaiting(task);
  await deps.store.commit(() => {
    requireWaiting(deps.store.task(request.id, task.taskId) ?? task);
    deps.store.setTaskStatus(task.pk, 'rejected', deps.clock.now().toISOString());
    recordEvent(deps, service.name, request.id, task.taskId, 'task-rejected');
  });
  await deps.onTaskEnded?.(service, request.id);
  return { requestId: request.id, taskId: task.taskId, status: 'rejected' };
}
