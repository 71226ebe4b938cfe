import type { ServiceAccount } from '../auth/service-registry';
import type { DocumentDeps } from './deps';
import { expireDueTasks } from './expire-tasks';
import { recordEvent } from './record-event';

/**
 * deleteRequest: every named request of the calling service that is not yet deleted is deleted: its
 * tasks become `deleted` and the order's copies of its documents are removed. Unknown, foreign or
 * already deleted ids are not counted (a client checks `deleted == 1`) and are no error.
 */
export async function deleteRequest(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestIds: readonly string[],
): Promise<{ deleted: number }> {
  expireDueTasks(deps);
  const now = deps.clock.now().toISOString();
  const { deleted, freed } = await deps.store.commit(() => {
    const outcome = { deleted: 0, freed: [] as string[] };
    for (const id of new Set(requestIds)) {
      if (!deps.store.markRequestDeleted(service.name, id, now)) continue;
      outcome.deleted++;
      for (const task of deps.store.tasks(id)) {
        if (task.status === 'deleted') continue;
        deps.store.setTaskStatus(task.pk, 'deleted', now);
        recordEvent(deps, service.name, id, task.taskId, 'document-deleted', 'request-deleted');
      }
      outcome.freed.push(...deps.store.clearDocumentBlobs(id));
    }
    return outcome;
  });
  // Files go after the commit: a failed transaction must not leave rows naming missing files.
  await Promise.all(freed.map((key) => deps.blobs.remove(key)));
  return { deleted };
}
