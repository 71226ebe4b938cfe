import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { PackagingTaskRow, RequestRow } from '../store/document-store';
import type { DocumentDeps } from './deps';
import { issueArtifact } from './issue-artifact';
import {
  checkNoDependencyCycle,
  checkResultDocuments,
  discardBlobs,
  emptyPlan,
  insertPlan,
  notificationRows,
  planRequestDocuments,
  planTask,
  registerTaskIds,
  requestOf,
  type PlannedRows,
  type RequestContext,
} from './request-plan';
import { toStoredJson } from './stored-json';
import type { Request, Subject } from './wire-types';

export interface CreateRequestResult {
  requestId: string[];
  artifact?: string;
}

interface PlannedRequest {
  request: RequestRow;
  plan: PlannedRows;
  packagingTasks: PackagingTaskRow[];
}

/**
 * createRequest: one request id per `<request>`, in order. Every reference is checked before anything
 * is stored; then all requests of the call are stored in one transaction, or none is. An artifact is
 * returned when a task asks for one (`authentication/@artifact="true"`).
 */
export async function createRequest(
  deps: DocumentDeps,
  service: ServiceAccount,
  requests: readonly Request[],
): Promise<CreateRequestResult> {
  if (requests.length === 0) throw new ParaphError('FIELD_REQUIRED', 'request is required');
  const planned: PlannedRequest[] = [];
  try {
    for (const request of requests) planned.push(await planRequest(deps, service.name, request));
  } catch (err) {
    for (const p of planned) await discardBlobs(deps, p.plan);
    throw err;
  }

  try {
    return await deps.store.commit(() => {
      let artifact: string | undefined;
      for (const { request, plan, packagingTasks } of planned) {
        deps.store.insertRequest(request);
        insertPlan(deps, service.name, plan);
        for (const row of packagingTasks) deps.store.insertPackagingTask(row);
        if (artifact === undefined && plan.artifactTaskId !== undefined) {
          artifact = issueArtifact(deps, service.name, { requestId: request.id, taskId: plan.artifactTaskId });
        }
      }
      const requestId = planned.map((p) => p.request.id);
      return artifact === undefined ? { requestId } : { requestId, artifact };
    });
  } catch (err) {
    for (const p of planned) await discardBlobs(deps, p.plan);
    throw err;
  }
}

async function planRequest(deps: DocumentDeps, service: string, request: Request): Promise<PlannedRequest> {
  const requestId = deps.ids.documentId();
  const subjects = new Map<string, Subject>();
  for (const subject of request.subject ?? []) {
    if (subject.id === undefined) continue;
    if (subjects.has(subject.id)) {
      throw new ParaphError('SUBJECT_ID_DUPLICATE', `subject id "${subject.id}" is used twice`);
    }
    subjects.set(subject.id, subject);
  }
  const packagingTaskIds = new Set<string>();
  for (const [i, p] of (request.packagingTask ?? []).entries()) {
    const id = p.packagingTaskId;
    if (!id) throw new ParaphError('FIELD_REQUIRED', `request/packaging-task[${i + 1}]/@packaging-task-id is required`);
    if (packagingTaskIds.has(id)) throw new ParaphError('FIELD_INVALID', `packaging-task-id "${id}" is used twice`);
    packagingTaskIds.add(id);
  }

  const ctx: RequestContext = {
    service,
    requestId,
    subjects,
    documents: new Map(),
    tasks: new Map(),
    packagingTaskIds,
    dependencies: new Map(),
    nextDocumentSeq: 0,
    ...(request.language !== undefined ? { language: request.language } : {}),
  };
  const plan = emptyPlan();
  try {
    await planRequestDocuments(deps, ctx, request.document ?? [], plan);
    const tasks = request.task ?? [];
    if (tasks.length === 0) throw new ParaphError('FIELD_REQUIRED', 'request/task is required');
    registerTaskIds(ctx, tasks, 'request');
    let notificationSeq = 0;
    for (const [i, task] of tasks.entries()) {
      const { notifications } = await planTask(deps, ctx, task, i, `request/task[${i + 1}]`, plan, notificationSeq);
      notificationSeq += notifications;
    }
    checkNoDependencyCycle(ctx);
    checkResultDocuments(ctx, plan);
    plan.notifications.push(...notificationRows(ctx, '', request.notification ?? [], 'request', notificationSeq));

    const packagingTasks = (request.packagingTask ?? []).map((p, i): PackagingTaskRow => {
      const path = `request/packaging-task[${i + 1}]`;
      if (!p.method) throw new ParaphError('FIELD_REQUIRED', `${path}/@method is required`);
      const documents = p.packagingTaskDocument ?? [];
      if (documents.length === 0) throw new ParaphError('FIELD_REQUIRED', `${path}/packaging-task-document is required`);
      for (const d of documents) {
        if (!ctx.tasks.get(d.taskId ?? '')?.has(d.documentId ?? '')) {
          throw new ParaphError(
            'PACKAGING_TASK_REF_UNKNOWN',
            `${path}: task "${d.taskId}" has no document "${d.documentId}"`,
          );
        }
      }
      for (const [j, n] of (p.packagingNotification ?? []).entries()) {
        if (!n.type || !n.recipient) {
          throw new ParaphError('FIELD_REQUIRED', `${path}/packaging-notification[${j + 1}] needs @type and recipient`);
        }
      }
      return {
        requestId,
        packagingTaskId: p.packagingTaskId as string,
        service,
        seq: i,
        status: 'created',
        definition: toStoredJson(p),
      };
    });

    const row: RequestRow = {
      id: requestId,
      service,
      createdAt: deps.clock.now().toISOString(),
      deletedAt: null,
      clientReference: request.clientReference ?? null,
      account: request.account ?? null,
      language: request.language ?? null,
      senderUniqueId: request.sender?.uniqueId ?? null,
      definition: toStoredJson(requestOf(request)),
    };
    return { request: row, plan, packagingTasks };
  } catch (err) {
    await discardBlobs(deps, plan);
    throw err;
  }
}
