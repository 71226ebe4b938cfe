import { ParaphError } from '../errors';
import type { DocumentRow, NewTaskRow, NotificationRow, TaskDocumentRow } from '../store/document-store';
import type { DocumentDeps } from './deps';
import { toStoredJson } from './stored-json';
import type { Document, DocumentKind, Notification, Request, Subject, Task } from './wire-types';

/**
 * Checks a request (or tasks added to one) against every rule of the contract and turns it into rows,
 * writing document bytes to blobs first. Nothing is inserted here: the caller inserts all rows of a
 * call in one transaction, and on any failure removes the blobs listed in `blobs`.
 */

/** What a new task may refer to: the request's subjects, documents, tasks and packaging tasks. */
export interface RequestContext {
  readonly service: string;
  readonly requestId: string;
  readonly subjects: ReadonlyMap<string, Subject>;
  /** Document ids of the request (request-level and inline) and their kinds. */
  readonly documents: Map<string, DocumentKind>;
  /** Every task id of the request, with the document ids its actions use. */
  readonly tasks: Map<string, Set<string>>;
  readonly packagingTaskIds: ReadonlySet<string>;
  /** Existing `depends-on-task` edges, for the cycle check. */
  readonly dependencies: Map<string, readonly string[]>;
  readonly language?: string;
  /** Order of the next document row (request-level documents first, then inline ones). */
  nextDocumentSeq: number;
}

export interface PlannedRows {
  documents: DocumentRow[];
  tasks: NewTaskRow[];
  taskDocuments: TaskDocumentRow[];
  notifications: NotificationRow[];
  /** Blobs written while planning; to be removed if the transaction does not commit. */
  blobs: string[];
  /** Bytes of an SDS or archive document that the order names too, counted when the rows are inserted. */
  shared: SharedBlob[];
  /** The first task that asked for an SSO artifact. */
  artifactTaskId?: string;
}

/** The blob of an SDS or archive document, as it was when the request was checked. */
export interface SharedBlob {
  readonly from: 'sds' | 'archive';
  readonly id: string;
  readonly blob: string;
}

export function emptyPlan(): PlannedRows {
  return { documents: [], tasks: [], taskDocuments: [], notifications: [], blobs: [], shared: [] };
}

const DAY_MS = 24 * 60 * 60 * 1000;

function required<T>(value: T | undefined | null, path: string): T {
  if (value === undefined || value === null || value === '') {
    throw new ParaphError('FIELD_REQUIRED', `${path} is required`);
  }
  return value;
}

/** The base media type, lower-case, without parameters: `Text/Plain; charset=utf-8` → `text/plain`. */
export function baseMediaType(mimeType: string): string {
  return (mimeType.split(';')[0] ?? '').trim().toLowerCase();
}

/** Whether a document of this (base) media type can be signed: PDF or plain text. */
export function isSignableMediaType(base: string): boolean {
  return base === 'application/pdf' || base === 'text/plain';
}

export function validateNotification(n: Notification, path: string): void {
  required(n.type, `${path}/@type`);
  required(n.notificationId, `${path}/@notification-id`);
  required(n.recipient, `${path}/recipient`);
  for (const [i, s] of (n.schedule ?? []).entries()) required(s.stateIs, `${path}/schedule[${i + 1}]/state-is`);
}

export function notificationRows(
  ctx: Pick<RequestContext, 'service' | 'requestId'>,
  taskId: string,
  notifications: readonly Notification[],
  path: string,
  firstSeq: number,
  taken: Set<string> = new Set(),
): NotificationRow[] {
  return notifications.map((n, i) => {
    validateNotification(n, `${path}/notification[${i + 1}]`);
    const id = n.notificationId as string;
    if (taken.has(id)) {
      throw new ParaphError('NOTIFICATION_ID_DUPLICATE', `notification-id "${id}" is used twice`);
    }
    taken.add(id);
    return {
      requestId: ctx.requestId,
      taskId,
      notificationId: id,
      service: ctx.service,
      seq: firstSeq + i,
      definition: toStoredJson(n),
      disabledAt: null,
    };
  });
}

/** Validates one document, stores its bytes, and returns its row (id assigned when missing). */
async function planDocument(
  deps: DocumentDeps,
  ctx: RequestContext,
  doc: Document,
  id: string,
  inlineTask: string | null,
  path: string,
  plan: PlannedRows,
): Promise<DocumentRow> {
  const kind = doc.xsiType;
  if (!kind || kind === 'document') {
    throw new ParaphError('FIELD_REQUIRED', `${path}: xsi:type is required (sds-document, provided-document, …)`);
  }
  let mimeType: string | null = null;
  let blob: string | null = null;
  let archiveId: string | null = null;
  const now = deps.clock.now().toISOString();

  switch (kind) {
    case 'sds-document': {
      const sdsId = required(doc.refSdsId, `${path}/@ref-sds-id`);
      const sds = deps.store.sdsDocumentForOrder(ctx.service, sdsId, now);
      if (!sds) throw new ParaphError('SDS_DOCUMENT_NOT_FOUND', `SDS document ${sdsId} not found`);
      mimeType = sds.contentType;
      // The order names the same bytes (counted when its rows go in): SDS retention must not take them
      // from a live order.
      blob = sds.blob;
      plan.shared.push({ from: 'sds', id: sdsId, blob });
      break;
    }
    case 'provided-document': {
      const declared = required(doc.mimeType, `${path}/@mime-type`);
      const base = baseMediaType(declared);
      if (!isSignableMediaType(base)) {
        throw new ParaphError(
          'DOCUMENT_TYPE_UNSUPPORTED',
          `${path}: mime-type "${declared}" is not supported (application/pdf or text/plain)`,
        );
      }
      const data = doc.data;
      if (!data || data.length === 0) throw new ParaphError('DOCUMENT_DATA_INVALID', `${path}/data is empty`);
      if (base === 'application/pdf' && !data.subarray(0, 1024).includes('%PDF-')) {
        throw new ParaphError('DOCUMENT_DATA_INVALID', `${path}/data is not a PDF (no %PDF- header)`);
      }
      mimeType = declared;
      blob = await deps.blobs.writeBuffer(data);
      plan.blobs.push(blob);
      break;
    }
    case 'archive-document': {
      const ref = required(doc.refArchiveId, `${path}/@ref-archive-id`);
      const archived = deps.store.archiveBlob(ctx.service, ref);
      if (!archived) throw new ParaphError('ARCHIVE_DOCUMENT_NOT_FOUND', `archive document ${ref} not found`);
      mimeType = archived.mimeType;
      archiveId = ref;
      blob = archived.blob;
      plan.shared.push({ from: 'archive', id: ref, blob });
      break;
    }
    case 'result-document':
      // Both must be there; whether they name a task's document is checked once all tasks are known
      // (checkResultDocuments): the task may come later in the request.
      required(doc.refTaskId, `${path}/@ref-task-id`);
      required(doc.refDocumentId, `${path}/@ref-document-id`);
      break;
    case 'packaging-result-document': {
      const ref = required(doc.refPackagingTaskId, `${path}/@ref-packaging-task-id`);
      if (!ctx.packagingTaskIds.has(ref)) {
        throw new ParaphError('PACKAGING_TASK_REF_UNKNOWN', `${path}: packaging task "${ref}" is not in the request`);
      }
      break;
    }
    case 'upload-document':
      break;
  }
  if (ctx.documents.has(id)) throw new ParaphError('DOCUMENT_ID_DUPLICATE', `document id "${id}" is used twice`);
  ctx.documents.set(id, kind);
  return {
    requestId: ctx.requestId,
    documentId: id,
    service: ctx.service,
    seq: ctx.nextDocumentSeq++,
    kind,
    mimeType,
    description: doc.description ?? null,
    blob,
    archiveId,
    inlineTask,
    definition: toStoredJson({ ...doc, id }),
  };
}

export async function planRequestDocuments(
  deps: DocumentDeps,
  ctx: RequestContext,
  documents: readonly Document[],
  plan: PlannedRows,
): Promise<void> {
  for (const [i, doc] of documents.entries()) {
    const path = `request/document[${i + 1}]`;
    const id = required(doc.id, `${path}/@id`);
    plan.documents.push(await planDocument(deps, ctx, doc, id, null, path, plan));
  }
}

/** A free id for an inline document: `{taskId}-doc-{n}`, unique in the request. */
function inlineDocumentId(ctx: RequestContext, taskId: string, index: number): string {
  let id = `${taskId}-doc-${index}`;
  for (let n = 2; ctx.documents.has(id); n++) id = `${taskId}-doc-${index}-${n}`;
  return id;
}

/** Registers the ids of new tasks first, so that tasks may depend on tasks later in the same call. */
export function registerTaskIds(ctx: RequestContext, tasks: readonly Task[], path: string): void {
  for (const [i, task] of tasks.entries()) {
    const id = required(task.id, `${path}/task[${i + 1}]/@id`);
    if (ctx.tasks.has(id)) throw new ParaphError('TASK_ID_DUPLICATE', `task id "${id}" is used twice`);
    ctx.tasks.set(id, new Set());
  }
}

export async function planTask(
  deps: DocumentDeps,
  ctx: RequestContext,
  task: Task,
  seq: number,
  path: string,
  plan: PlannedRows,
  firstNotificationSeq: number,
): Promise<{ stored: Task; notifications: number }> {
  const taskId = task.id as string;
  const now = deps.clock.now();

  let subject = task.subject;
  if (task.subjectRef !== undefined && task.subjectRef !== '') {
    // A JAX-WS client in the wild sends subject-ref naming the task's own inline subject (same id);
    // Signicat accepts that, so the inline subject counts as a subject the reference may name.
    const inline = task.subject?.id === task.subjectRef ? task.subject : undefined;
    const referenced = ctx.subjects.get(task.subjectRef) ?? inline;
    if (!referenced) {
      throw new ParaphError('SUBJECT_REF_UNKNOWN', `${path}: subject-ref "${task.subjectRef}" is not a subject of the request`);
    }
    subject = subject ?? referenced;
  }
  if (task.daysToLive !== undefined && task.daysToLive < 1) {
    throw new ParaphError('FIELD_INVALID', `${path}/days-to-live must be at least 1`);
  }

  const actions = task.documentAction ?? [];
  if (actions.length === 0) throw new ParaphError('FIELD_REQUIRED', `${path}/document-action is required`);
  const storedActions = [];
  const taskDocuments = ctx.tasks.get(taskId) as Set<string>;
  for (const [i, action] of actions.entries()) {
    const actionPath = `${path}/document-action[${i + 1}]`;
    required(action.type, `${actionPath}/@type`);
    const hasRef = action.documentRef !== undefined && action.documentRef !== '';
    if (hasRef === (action.document !== undefined)) {
      throw new ParaphError('DOCUMENT_ACTION_INVALID', `${actionPath}: give either document-ref or document`);
    }
    let documentId: string;
    if (hasRef) {
      documentId = action.documentRef as string;
      if (!ctx.documents.has(documentId)) {
        throw new ParaphError('DOCUMENT_REF_UNKNOWN', `${actionPath}: document-ref "${documentId}" is not a document of the request`);
      }
      storedActions.push(action);
    } else {
      const doc = action.document as Document;
      documentId = doc.id ?? inlineDocumentId(ctx, taskId, i + 1);
      const row = await planDocument(deps, ctx, doc, documentId, taskId, `${actionPath}/document`, plan);
      plan.documents.push(row);
      storedActions.push({ ...action, document: { ...doc, id: documentId } });
    }
    taskDocuments.add(documentId);
    plan.taskDocuments.push({
      requestId: ctx.requestId,
      taskId,
      seq: i,
      documentId,
      actionType: action.type as string,
      optional: action.optional ? 1 : 0,
    });
  }

  const dependencies = task.dependsOnTask ?? [];
  for (const dep of dependencies) {
    if (dep === taskId || !ctx.tasks.has(dep)) {
      throw new ParaphError('DEPENDENCY_UNKNOWN', `${path}: depends-on-task "${dep}" is not another task of the request`);
    }
  }
  ctx.dependencies.set(taskId, dependencies);

  const notifications = notificationRows(ctx, taskId, task.notification ?? [], path, firstNotificationSeq);
  plan.notifications.push(...notifications);
  if (task.authentication?.artifact && plan.artifactTaskId === undefined) plan.artifactTaskId = taskId;

  const stored: Task = { ...task, documentAction: storedActions };
  delete stored.notification;
  const createdAt = now.toISOString();
  plan.tasks.push({
    service: ctx.service,
    requestId: ctx.requestId,
    taskId,
    seq,
    status: 'created',
    createdAt,
    lastUpdated: createdAt,
    expiresAt: task.daysToLive ? new Date(now.getTime() + task.daysToLive * DAY_MS).toISOString() : null,
    clientStatus: null,
    signer: null,
    language: task.language ?? ctx.language ?? null,
    daysToLive: task.daysToLive ?? null,
    subjectFirstName: subject?.firstName ?? null,
    subjectLastName: subject?.lastName ?? null,
    subjectEmail: subject?.email ?? null,
    subjectNationalId: subject?.nationalId ?? null,
    subjectMobile: subject?.mobile ?? null,
    authenticationType: task.authentication?.method?.join(',') || null,
    definition: toStoredJson(stored),
  });
  return { stored, notifications: notifications.length };
}

/** `depends-on-task` must form no cycle, counting tasks already in the request. */
export function checkNoDependencyCycle(ctx: RequestContext): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(id)), id].join(' → ');
      throw new ParaphError('DEPENDENCY_CYCLE', `depends-on-task forms a cycle: ${cycle}`);
    }
    state.set(id, 'visiting');
    for (const dep of ctx.dependencies.get(id) ?? []) visit(dep, [...trail, id]);
    state.set(id, 'done');
  };
  for (const id of ctx.dependencies.keys()) visit(id, []);
}

/** A result-document names a task of the request and one of that task's documents. */
export function checkResultDocuments(ctx: RequestContext, plan: PlannedRows): void {
  for (const row of plan.documents) {
    if (row.kind !== 'result-document') continue;
    const doc = JSON.parse(row.definition) as Document;
    const docs = ctx.tasks.get(doc.refTaskId as string);
    if (!docs || !docs.has(doc.refDocumentId as string)) {
      throw new ParaphError(
        'RESULT_DOCUMENT_REF_UNKNOWN',
        `result-document "${row.documentId}": task "${doc.refTaskId}" has no document "${doc.refDocumentId}"`,
      );
    }
  }
}

export async function discardBlobs(deps: DocumentDeps, plan: PlannedRows): Promise<void> {
  await Promise.all(plan.blobs.map((key) => deps.blobs.remove(key)));
}

/**
 * Inserts the planned rows (call in a transaction). The SDS and archive documents the order names were
 * found while planning, outside the transaction; they are looked up again here, where nothing can
 * remove them before the order's count on their bytes is in.
 */
export function insertPlan(deps: DocumentDeps, service: string, plan: PlannedRows): void {
  const now = deps.clock.now().toISOString();
  for (const { from, id, blob } of plan.shared) {
    if (from === 'sds') {
      if (!deps.store.shareSdsBlob(service, id, blob, now)) {
        throw new ParaphError('SDS_DOCUMENT_NOT_FOUND', `SDS document ${id} not found`);
      }
      continue;
    }
    if (deps.store.archiveBlob(service, id)?.blob !== blob) {
      throw new ParaphError('ARCHIVE_DOCUMENT_NOT_FOUND', `archive document ${id} not found`);
    }
    deps.store.shareBlob(blob);
  }
  for (const row of plan.documents) deps.store.insertDocument(row);
  for (const row of plan.tasks) deps.store.insertTask(row);
  for (const row of plan.taskDocuments) deps.store.insertTaskDocument(row);
  for (const row of plan.notifications) deps.store.insertNotification(row);
}

export function requestOf(request: Request): Omit<Request, 'task' | 'document' | 'notification' | 'packagingTask'> {
  const { task: _t, document: _d, notification: _n, packagingTask: _p, ...rest } = request;
  return rest;
}
