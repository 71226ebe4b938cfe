import type { ServiceAccount } from '../auth/service-registry';
import type { DocumentDeps } from './deps';
import { loadRequest, loadTask } from './load-request';
import type { EventType, HistoryEvent } from './wire-types';

/** getRequestHistory: every event of one task, oldest first. */
export function getRequestHistory(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string | undefined,
  taskId: string | undefined,
): { event: HistoryEvent[] } {
  const request = loadRequest(deps, service.name, requestId, { allowDeleted: true });
  const task = loadTask(deps, request, taskId);
  const event = deps.store.events(request.id, task.taskId).map((e): HistoryEvent => {
    const item: HistoryEvent = { event: e.type as EventType, eventTime: new Date(e.time) };
    if (e.data !== null) item.data = e.data;
    return item;
  });
  return { event };
}
