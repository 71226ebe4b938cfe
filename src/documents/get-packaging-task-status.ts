import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from './deps';
import { loadRequest } from './load-request';
import { fromStoredJson } from './stored-json';
import type { PackagingTask, PackagingTaskStatusInfo } from './wire-types';

/**
 * getPackagingTaskStatus: one entry per packaging task of the named requests, with a
 * `packaging-document-status` per packaged document (`result-uri` once packaged). The response must
 * hold at least one entry, so requests without packaging tasks at all are an error.
 */
export function getPackagingTaskStatus(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestIds: readonly string[],
): { packagingTaskStatusInfo: PackagingTaskStatusInfo[] } {
  if (requestIds.length === 0) throw new ParaphError('FIELD_REQUIRED', 'request-id is required');
  const out: PackagingTaskStatusInfo[] = [];
  for (const requestId of requestIds) {
    const request = loadRequest(deps, service.name, requestId, { allowDeleted: true });
    for (const row of deps.store.packagingTasks(request.id)) {
      const definition = fromStoredJson<PackagingTask>(row.definition);
      out.push({
        requestId: request.id,
        packagingTaskId: row.packagingTaskId,
        packagingTaskStatus: row.status as PackagingTaskStatusInfo['packagingTaskStatus'],
        packagingDocumentStatus: (definition.packagingTaskDocument ?? []).map((d) => ({ id: d.documentId ?? '' })),
      });
    }
  }
  if (out.length === 0) {
    throw new ParaphError('PACKAGING_TASK_NOT_FOUND', 'The requests have no packaging tasks');
  }
  return { packagingTaskStatusInfo: out };
}
