import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from './deps';
import { loadRequest, loadTask } from './load-request';

/**
 * disableNotification: the named notifications of the request (or of one task) will not fire.
 * Disabling one twice is harmless; an id that was never added is an error, so typos surface.
 */
export async function disableNotification(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string | undefined,
  taskId: string | undefined,
  notificationIds: readonly string[],
): Promise<void> {
  const request = loadRequest(deps, service.name, requestId);
  const scope = taskId ? loadTask(deps, request, taskId).taskId : '';
  if (notificationIds.length === 0) throw new ParaphError('FIELD_REQUIRED', 'notification-id is required');
  const now = deps.clock.now().toISOString();
  await deps.store.commit(() => {
    const known = new Set(
      deps.store.notifications(request.id).filter((n) => n.taskId === scope).map((n) => n.notificationId),
    );
    for (const id of notificationIds) {
      if (!known.has(id)) throw new ParaphError('NOTIFICATION_NOT_FOUND', `No notification "${id}"`);
      deps.store.disableNotification(request.id, scope, id, now);
    }
  });
}
