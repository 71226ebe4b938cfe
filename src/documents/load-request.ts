import { ParaphError } from '../errors';
import type { RequestRow, TaskRow } from '../store/document-store';
import type { DocumentDeps } from './deps';
import { expireDueTasks } from './expire-tasks';

/**
 * The request as the calling service may see it. Another service's request is reported exactly like
 * one that does not exist, so ids reveal nothing across services.
 */
export function loadRequest(
  deps: DocumentDeps,
  service: string,
  requestId: string | undefined,
  options: { allowDeleted?: boolean } = {},
): RequestRow {
  if (!requestId) throw new ParaphError('FIELD_REQUIRED', 'request-id is required');
  expireDueTasks(deps);
  const row = deps.store.request(service, requestId);
  if (!row) throw new ParaphError('REQUEST_NOT_FOUND', `Request ${requestId} not found`);
  if (row.deletedAt && !options.allowDeleted) {
    throw new ParaphError('REQUEST_DELETED', `Request ${requestId} was deleted`);
  }
  return row;
}

export function loadTask(deps: DocumentDeps, request: RequestRow, taskId: string | undefined): TaskRow {
  if (!taskId) throw new ParaphError('FIELD_REQUIRED', 'task-id is required');
  const task = deps.store.task(request.id, taskId);
  if (!task) throw new ParaphError('TASK_NOT_FOUND', `Request ${request.id} has no task ${taskId}`);
  return task;
}

/** Operations that change what a signer will do need a task that is still waiting. */
export function requireWaiting(task: TaskRow): void {
  if (task.status !== 'created') {
    throw new ParaphError('TASK_NOT_ACTIVE', `Task ${task.taskId} is ${task.status}`);
  }
}
