import type { DocumentDeps } from './deps';
import { recordEvent } from './record-event';

/**
 * Moves waiting tasks whose `days-to-live` has passed to `expired`. Runs before every DocumentService
 * operation (an indexed query that finds nothing costs microseconds) and on a timer, so a client
 * never sees a task as waiting after its time. The change is dated when the time ran out, not when
 * it was noticed (after downtime the two differ). The history has no `task-expired` event type;
 * expiry is written as `error` with the data `task-expired`.
 */
export function expireDueTasks(deps: DocumentDeps): number {
  const time = deps.clock.now();
  if (!deps.store.mayHaveDueTasks(time)) return 0;
  const now = time.toISOString();
  let expired = 0;
  for (;;) {
    const due = deps.store.dueTasks(now);
    if (due.length === 0) {
      deps.store.forgetNextExpiry();
      return expired;
    }
    deps.store.transaction(() => {
      for (const task of due) {
        const at = task.expiresAt as string;
        deps.store.setTaskStatus(task.pk, 'expired', at);
        recordEvent(deps, task.service, task.requestId, task.taskId, 'error', 'task-expired', new Date(at));
      }
    });
    expired += due.length;
  }
}
