import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from './deps';
import { loadRequest, loadTask } from './load-request';
import { notificationRows } from './request-plan';
import type { Notification } from './wire-types';

/**
 * addNotification: a notification on the request (no task-id) or on one task. It is stored now and
 * fires when its schedule says; a notification-id may be used once per request or task.
 */
export async function addNotification(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string | undefined,
  taskId: string | undefined,
  notification: Notification | undefined,
): Promise<void> {
  const request = loadRequest(deps, service.name, requestId);
  const scope = taskId ? loadTask(deps, request, taskId).taskId : '';
  if (!notification) throw new ParaphError('FIELD_REQUIRED', 'notification is required');
  await deps.store.commit(() => {
    const existing = deps.store.notifications(request.id).filter((n) => n.taskId === scope);
    const taken = new Set(existing.map((n) => n.notificationId));
    const rows = notificationRows(
      { service: service.name, requestId: request.id },
      scope,
      [notification],
      'notification',
      deps.store.nextNotificationSeq(request.id),
      taken,
    );
    for (const row of rows) deps.store.insertNotification(row);
  });
}
