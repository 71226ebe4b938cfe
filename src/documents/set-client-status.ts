import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from './deps';
import { loadRequest, loadTask } from './load-request';

/** setClientStatus: free text the client keeps on a task, echoed by getStatus and findTasks. */
export async function setClientStatus(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string | undefined,
  taskId: string | undefined,
  clientStatus: string | undefined,
): Promise<void> {
  const request = loadRequest(deps, service.name, requestId);
  const task = loadTask(deps, request, taskId);
  if (clientStatus === undefined) throw new ParaphError('FIELD_REQUIRED', 'client-status is required');
  await deps.store.commit(() => deps.store.setClientStatus(task.pk, clientStatus, deps.clock.now().toISOString()));
}
