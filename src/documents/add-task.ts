import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from './deps';
import { issueArtifact } from './issue-artifact';
import { loadRequest } from './load-request';
import { recordEvent } from './record-event';
import {
  checkNoDependencyCycle,
  checkResultDocuments,
  discardBlobs,
  emptyPlan,
  insertPlan,
  planTask,
  registerTaskIds,
  type RequestContext,
} from './request-plan';
import { fromStoredJson } from './stored-json';
import type { DocumentKind, Request, Subject, Task } from './wire-types';

/**
 * addTask: a new task on an existing request, checked by the same rules as in createRequest: it may
 * use the request's subjects and documents and depend on its tasks.
 */
export async function addTask(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string | undefined,
  task: Task | undefined,
): Promise<{ artifact?: string }> {
  const request = loadRequest(deps, service.name, requestId);
  if (!task) throw new ParaphError('FIELD_REQUIRED', 'task is required');
  const stored = fromStoredJson<Request>(request.definition);
  const subjects = new Map<string, Subject>();
  for (const s of stored.subject ?? []) if (s.id !== undefined) subjects.set(s.id, s);

  const tasks = new Map<string, Set<string>>();
  const dependencies = new Map<string, readonly string[]>();
  for (const t of deps.store.tasks(request.id)) {
    tasks.set(t.taskId, new Set());
    dependencies.set(t.taskId, fromStoredJson<Task>(t.definition).dependsOnTask ?? []);
  }
  for (const td of deps.store.taskDocuments(request.id)) tasks.get(td.taskId)?.add(td.documentId);

  const ctx: RequestContext = {
    service: service.name,
    requestId: request.id,
    subjects,
    documents: new Map(deps.store.documents(request.id).map((d) => [d.documentId, d.kind as DocumentKind])),
    tasks,
    packagingTaskIds: new Set(deps.store.packagingTasks(request.id).map((p) => p.packagingTaskId)),
    dependencies,
    nextDocumentSeq: deps.store.nextDocumentSeq(request.id),
    ...(request.language !== null ? { language: request.language } : {}),
  };
  const plan = emptyPlan();
  try {
    registerTaskIds(ctx, [task], 'add-task-request');
    await planTask(
      deps,
      ctx,
      task,
      deps.store.nextTaskSeq(request.id),
      'task',
      plan,
      deps.store.nextNotificationSeq(request.id),
    );
    checkNoDependencyCycle(ctx);
    checkResultDocuments(ctx, plan);
    return await deps.store.commit(() => {
      insertPlan(deps, service.name, plan);
      const taskId = task.id as string;
      recordEvent(deps, service.name, request.id, taskId, 'request-created', 'task-added');
      if (plan.artifactTaskId === undefined) return {};
      return { artifact: issueArtifact(deps, service.name, { requestId: request.id, taskId }) };
    });
  } catch (err) {
    await discardBlobs(deps, plan);
    throw err;
  }
}
