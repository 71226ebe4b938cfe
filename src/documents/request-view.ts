import { readFile } from 'node:fs/promises';
import type { DocumentRow, NotificationRow, RequestRow, TaskRow } from '../store/document-store';
import type { DocumentDeps } from './deps';
import { fromStoredJson } from './stored-json';
import type { Document, Notification, PackagingTask, Request, Task } from './wire-types';

/**
 * Rebuilds what the client stored, for getRequest and getTask: the request as sent, with the ids the
 * server assigned to inline documents, the data of provided documents, live (not disabled)
 * notifications and tasks added later by addTask.
 */
async function documentView(deps: DocumentDeps, row: DocumentRow): Promise<Document> {
  const doc = fromStoredJson<Document>(row.definition);
  if (row.kind === 'provided-document' && row.blob) doc.data = await readFile(deps.blobs.path(row.blob));
  return doc;
}

function liveNotifications(rows: readonly NotificationRow[], taskId: string): Notification[] {
  return rows.filter((n) => n.taskId === taskId && n.disabledAt === null).map((n) => fromStoredJson<Notification>(n.definition));
}

export async function taskView(
  deps: DocumentDeps,
  task: TaskRow,
  documents: readonly DocumentRow[],
  notifications: readonly NotificationRow[],
): Promise<Task> {
  const stored = fromStoredJson<Task>(task.definition);
  const actions = [];
  for (const action of stored.documentAction ?? []) {
    const inline = action.document?.id;
    const row = inline === undefined ? undefined : documents.find((d) => d.documentId === inline);
    actions.push(row ? { ...action, document: await documentView(deps, row) } : action);
  }
  return { ...stored, documentAction: actions, notification: liveNotifications(notifications, task.taskId) };
}

export async function requestView(deps: DocumentDeps, row: RequestRow): Promise<Request> {
  const request = fromStoredJson<Request>(row.definition);
  const documents = deps.store.documents(row.id);
  const notifications = deps.store.notifications(row.id);
  const requestDocuments = [];
  for (const d of documents.filter((d) => d.inlineTask === null)) requestDocuments.push(await documentView(deps, d));
  const tasks = [];
  for (const t of deps.store.tasks(row.id)) tasks.push(await taskView(deps, t, documents, notifications));
  const packagingTasks = deps.store.packagingTasks(row.id).map((p) => fromStoredJson<PackagingTask>(p.definition));
  return {
    ...request,
    document: requestDocuments,
    task: tasks,
    notification: liveNotifications(notifications, ''),
    packagingTask: packagingTasks,
  };
}
