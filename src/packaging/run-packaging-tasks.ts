import type { ServiceAccount } from '../auth/service-registry';
import { fromStoredJson } from '../documents/stored-json';
import type { PackagingTask } from '../documents/wire-types';
import { asParaphError } from '../errors';
import { createPackage } from './create-package';
import type { PackagingDeps } from './deps';

/**
 * Runs the packaging tasks of a request (createRequest's `packaging-task`) whose tasks have all been
 * signed: one PAdES per packaged document, holding the results of every listed task that signed it.
 * A packaging task whose tasks ended otherwise (rejected, expired, deleted) fails. Called after a task
 * completes; a task that is still waiting leaves its packaging tasks `created`.
 */
export async function runPackagingTasks(deps: PackagingDeps, service: ServiceAccount, requestId: string): Promise<void> {
  const store = deps.documents.store;
  for (const row of store.packagingTasks(requestId)) {
    if (row.status !== 'created') continue;
    const definition = fromStoredJson<PackagingTask>(row.definition);
    const entries = (definition.packagingTaskDocument ?? []).filter((d) => d.taskId && d.documentId);
    const statuses = entries.map((d) => store.task(requestId, d.taskId as string)?.status);
    if (statuses.some((s) => s === 'created')) continue;
    const now = deps.documents.clock.now().toISOString();
    if (entries.length === 0 || statuses.some((s) => s !== 'completed')) {
      await store.commit(() => store.setPackagingTaskStatus(requestId, row.packagingTaskId, 'failed'));
      continue;
    }
    const documentIds = [...new Set(entries.map((d) => d.documentId as string))];
    const results: Array<{ documentId: string; sdsId: string | null; archiveId: string | null; error: string | null }> = [];
    for (const documentId of documentIds) {
      try {
        const created = await createPackage(deps, service, {
          packagingMethod: definition.method ?? 'pades',
          validationPolicy: 'ltvsdo-validator',
          sendResultToArchive: definition.sendToArchive === true,
          sdo: entries
            .filter((d) => d.documentId === documentId)
            .map((d) => ({ orderDocumentId: { requestId, taskId: d.taskId as string, documentId, type: 'result' as const } })),
        });
        results.push({ documentId, sdsId: created.archived ? null : created.id, archiveId: created.archived ? created.id : null, error: null });
      } catch (err) {
        const error = asParaphError(err);
        results.push({ documentId, sdsId: null, archiveId: null, error: `${error.code}: ${error.message}` });
      }
    }
    await store.commit(() => {
      for (const r of results) {
        store.insertPackagingResult({ requestId, packagingTaskId: row.packagingTaskId, service: service.name, createdAt: now, ...r });
      }
      store.setPackagingTaskStatus(requestId, row.packagingTaskId, results.every((r) => r.error === null) ? 'completed' : 'failed');
    });
  }
}
