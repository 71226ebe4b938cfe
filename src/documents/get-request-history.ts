import type { ServiceAccount } from '../auth/service-registry';
import type { DocumentDeps } from './deps';
import { loadRequest, loadTask } from './load-request';
import type { EventType, HistoryEvent } from './wire-types';

/**
 * getRequestHistory: every event of one task, oldest first. A task made by createRequest begins with
 * `request-created` at the task's creation time, read from the task rather than stored as an event:
 * one row and two B-trees less for every order (docs/performance.md). Tasks stored before that, and
 * tasks added by addTask (whose event says `task-added`), have it as a stored event.
 */
export function getRequestHistory(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string | undefined,
  taskId: string | undefined,
): { event: HistoryEvent[] } {
  const request = loadRequest(deps, service.name, requestId, { allowDeleted: true });
  const task = loadTask(deps, request, taskId);
  const stored = deps.store.events(request.id, task.taskId);
  const event = stored.map((e): HistoryEvent => {
    const item: HistoryEvent = { event: e.type as EventType, eventTime: new Date(e.time) };
    if (e.data !== null) item.data = e.data;
    return item;
  });
  if (stored[0]?.type !== 'request-created') {
    event.unshift({ event: 'request-created', eventTime: new Date(task.createdAt) });
  }
  return { event };
}
