import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentRow, RequestRow } from '../store/document-store';
import type { DocumentDeps } from './deps';
import { expireDueTasks } from './expire-tasks';
import { buildTaskQuery, orderBy } from './task-filter';
import type { TaskFilter, TaskFilterField, TaskInfo, TaskStatus } from './wire-types';

/** The most task-info records one call returns, whatever the indexes ask for. */
const MAX_PAGE = 10_000;

export interface FindTasksInput {
  filter?: TaskFilter;
  fromIndex?: number;
  toIndex?: number;
  sortField?: TaskFilterField;
  ascending?: boolean;
}

/**
 * findTasks: the calling service's tasks that match the filter, as `task-info` records (one per task;
 * its document fields are those of the task's first document), sorted, records `from-index` up to but
 * not including `to-index` (defaults 0 and 100).
 */
export function findTasks(deps: DocumentDeps, service: ServiceAccount, input: FindTasksInput): { task: TaskInfo[] } {
  expireDueTasks(deps);
  const from = input.fromIndex ?? 0;
  const to = input.toIndex ?? 100;
  if (from < 0 || to < 0) throw new ParaphError('FIELD_INVALID', 'from-index and to-index must not be negative');
  const limit = Math.min(Math.max(to - from, 0), MAX_PAGE);
  const query = buildTaskQuery(service.name, input.filter);
  const rows = deps.store.queryTasks(`${query.where} ${orderBy(input.sortField, input.ascending)} LIMIT ? OFFSET ?`, [
    ...query.params,
    limit,
    from,
  ]);

  const requests = new Map<string, RequestRow | undefined>();
  const firstDocuments = new Map<string, Map<string, string>>();
  const documents = new Map<string, DocumentRow[]>();
  const task = rows.map((t): TaskInfo => {
    if (!requests.has(t.requestId)) requests.set(t.requestId, deps.store.request(service.name, t.requestId));
    const request = requests.get(t.requestId);
    let firsts = firstDocuments.get(t.requestId);
    if (!firsts) {
      firsts = new Map();
      for (const td of deps.store.taskDocuments(t.requestId)) if (!firsts.has(td.taskId)) firsts.set(td.taskId, td.documentId);
      firstDocuments.set(t.requestId, firsts);
    }
    const documentId = firsts.get(t.taskId);
    if (!documents.has(t.requestId)) documents.set(t.requestId, deps.store.documents(t.requestId));
    const document = documents.get(t.requestId)?.find((d) => d.documentId === documentId);
    const info: TaskInfo = {
      id: String(t.pk),
      requestId: t.requestId,
      taskId: t.taskId,
      taskStatus: t.status as TaskStatus,
      created: new Date(t.createdAt),
      lastUpdated: new Date(t.lastUpdated),
    };
    const optional: Partial<TaskInfo> = {
      documentId,
      archiveId: document?.archiveId ?? undefined,
      account: request?.account ?? undefined,
      language: t.language ?? undefined,
      documentDescription: document?.description ?? undefined,
      mimeType: document?.mimeType ?? undefined,
      subjectFirstName: t.subjectFirstName ?? undefined,
      subjectLastName: t.subjectLastName ?? undefined,
      subjectEmail: t.subjectEmail ?? undefined,
      subjectNationalId: t.subjectNationalId ?? undefined,
      subjectMobile: t.subjectMobile ?? undefined,
      signer: t.signer ?? undefined,
      senderUniqueId: request?.senderUniqueId ?? undefined,
      clientReference: request?.clientReference ?? undefined,
      clientStatus: t.clientStatus ?? undefined,
      daysToLive: t.daysToLive ?? undefined,
    };
    for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(info, { [k]: v });
    return info;
  });
  return { task };
}
