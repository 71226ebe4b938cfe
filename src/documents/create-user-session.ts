import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from './deps';
import { expireDueTasks } from './expire-tasks';
import { issueArtifact } from './issue-artifact';
import { requireWaiting } from './load-request';
import { fromStoredJson, toStoredJson } from './stored-json';
import type { Task, UserSession } from './wire-types';

/**
 * createUserSession: several tasks, possibly of several requests, signed in one sitting. Every
 * session-task must name a waiting task of the calling service. An artifact comes back when one of the tasks
 * asks for one.
 */
export async function createUserSession(
  deps: DocumentDeps,
  service: ServiceAccount,
  session: UserSession | undefined,
): Promise<{ userSessionId: string; artifact?: string }> {
  const tasks = session?.sessionTask ?? [];
  if (!session || tasks.length === 0) throw new ParaphError('FIELD_REQUIRED', 'user-session/session-task is required');
  expireDueTasks(deps);
  let wantsArtifact = false;
  for (const [i, t] of tasks.entries()) {
    const path = `user-session/session-task[${i + 1}]`;
    if (!t.requestId || !t.taskId) throw new ParaphError('FIELD_REQUIRED', `${path}: @request-id and @task-id are required`);
    const request = deps.store.request(service.name, t.requestId);
    const task = request && !request.deletedAt ? deps.store.task(request.id, t.taskId) : undefined;
    if (!task) {
      throw new ParaphError('USER_SESSION_TASK_UNKNOWN', `${path}: no task ${t.taskId} in request ${t.requestId}`);
    }
    requireWaiting(task);
    if (fromStoredJson<Task>(task.definition).authentication?.artifact) wantsArtifact = true;
  }
  const userSessionId = deps.ids.documentId();
  return deps.store.commit(() => {
    deps.store.insertUserSession(userSessionId, service.name, deps.clock.now().toISOString(), toStoredJson(session));
    if (!wantsArtifact) return { userSessionId };
    return { userSessionId, artifact: issueArtifact(deps, service.name, { userSessionId }) };
  });
}
