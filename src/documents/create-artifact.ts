import type { ServiceAccount } from '../auth/service-registry';
import type { DocumentDeps } from './deps';
import { issueArtifact } from './issue-artifact';
import { loadRequest, loadTask, requireWaiting } from './load-request';

/** createArtifact: a fresh single-use artifact for a waiting task, valid 30 seconds. */
export async function createArtifact(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string | undefined,
  taskId: string | undefined,
): Promise<{ artifact: string }> {
  const request = loadRequest(deps, service.name, requestId);
  const task = loadTask(deps, request, taskId);
  requireWaiting(task);
  return deps.store.commit(() => ({
    artifact: issueArtifact(deps, service.name, { requestId: request.id, taskId: task.taskId }),
  }));
}
