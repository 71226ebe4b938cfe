import type { ServiceAccount } from '../auth/service-registry';
import type { DocumentDeps } from './deps';
import { loadRequest, loadTask, requireWaiting } from './load-request';
import { recordEvent } from './record-event';

/**
 * Expires a waiting task now, as if its days-to-live had run out (for tests of expiry handling).
 * Written to the history exactly as a timed expiry is (expire-tasks.ts).
 */
export async function expireTask(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string,
  taskId: string,
): Promise<{ requestId: string; taskId: string; status: 'expired' }> {
  const request = loadRequest(deps, service.name, requestId);
  const task = loadTask(deps, request, taskId);
  requireWaiting(task);
  await deps.store.commit(() => {
    requireWaiting(deps.store.task(request.id, task.taskId) ?? task);
    deps.store.setTaskStatus(task.pk, 'expired', deps.clock.now().toISOString());
    recordEvent(deps, service.name, request.id, task.taskId, 'error', 'task-expired');
  });
  await deps.onTaskEnded?.(service, request.id);
  return { requestId: request.id, taskId: task.taskId, status: 'expired' };
}
