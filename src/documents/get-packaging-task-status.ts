import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from './deps';
import { archiveDocumentUrl } from './document-urls';
import { loadRequest } from './load-request';
import { fromStoredJson } from './stored-json';
import type { PackagingTask, PackagingTaskStatusInfo } from './wire-types';

/**
 * getPackagingTaskStatus: one entry per packaging task of the named requests, with a
 * `packaging-document-status` per packaged document (`result-uri` once packaged: the package in SDS,
 * or in the archive when the packaging task has `send-to-archive`). The response must
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
    const results = deps.store.packagingResults(request.id);
    for (const row of deps.store.packagingTasks(request.id)) {
      const definition = fromStoredJson<PackagingTask>(row.definition);
      const documentIds = [...new Set((definition.packagingTaskDocument ?? []).map((d) => d.documentId ?? ''))];
      out.push({
        requestId: request.id,
        packagingTaskId: row.packagingTaskId,
        packagingTaskStatus: row.status as PackagingTaskStatusInfo['packagingTaskStatus'],
        packagingDocumentStatus: documentIds.map((id) => {
          const result = results.find((r) => r.packagingTaskId === row.packagingTaskId && r.documentId === id);
          const resultUri = result?.archiveId
            ? archiveDocumentUrl(deps.publicBaseUrl, service.name, result.archiveId)
            : result?.sdsId
              ? `${deps.publicBaseUrl}/doc/${encodeURIComponent(service.name)}/sds/${encodeURIComponent(result.sdsId)}`
              : undefined;
          return resultUri ? { id, resultUri } : { id };
        }),
      });
    }
  }
  if (out.length === 0) {
    throw new ParaphError('PACKAGING_TASK_NOT_FOUND', 'The requests have no packaging tasks');
  }
  return { packagingTaskStatusInfo: out };
}
