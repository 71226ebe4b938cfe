import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from '../documents/deps';

/**
 * ArchiveService removeDocument: removes each named document of the caller and lists those it removed.
 * Unknown ids, another service's ids and ids already removed are not listed and are no error, so a
 * failed call can be repeated with the same input (as Signicat documents it).
 */
export async function removeDocuments(
  deps: DocumentDeps,
  service: ServiceAccount,
  archiveIds: readonly string[],
): Promise<{ archiveId: string[] }> {
  if (archiveIds.length === 0) throw new ParaphError('FIELD_REQUIRED', 'archive-id is required');
  const { removed, freed } = await deps.store.commit(() => {
    const outcome = { removed: [] as string[], freed: [] as string[] };
    for (const id of new Set(archiveIds)) {
      const deleted = deps.store.deleteArchiveDocument(service.name, id);
      if (deleted === undefined) continue;
      outcome.removed.push(id);
      // The order the document was archived from may still name the same bytes.
      if (deleted.freedBlob !== undefined) outcome.freed.push(deleted.freedBlob);
    }
    return outcome;
  });
  // Files go after the rows are durably gone: a crash in between leaves an orphan file, never a row without its file.
  await Promise.all(freed.map((blob) => deps.blobs.remove(blob)));
  return { archiveId: removed };
}
