import type { ServiceAccount } from '../auth/service-registry';
import type { DocumentDeps } from './deps';
import { loadRequest, loadTask, requireWaiting } from './load-request';
import { recordEvent } from './record-event';

/** disableTask: a waiting task becomes `deleted` and can no longer be signed. Repeating it is harmless. */
export async function disableTask(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string | undefined,
  taskId: string | undefined,
): Promise<void> {
  const request = loadRequest(deps, service.name, requestId);
  const task = loadTask(deps, request, taskId);
  if (task.status === 'deleted') return;
  requireWaiting(task);
  await deps.store.commit(() => {
    deps.store.setTaskStatus(task.pk, 'deleted', deps.clock.now().toISOString());
    recordEvent(deps, service.name, request.id, task.taskId, 'document-deleted', 'task-disabled');
  });
}
