import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentStore } from '../store/document-store';

/** An archived document of the calling service; another service's archive id is reported as unknown. */
export function getArchiveDocument(
  store: DocumentStore,
  service: ServiceAccount,
  archiveId: string,
): { blob: string; mimeType: string } {
  const found = store.archiveBlob(service.name, archiveId);
  if (!found) throw new ParaphError('ARCHIVE_DOCUMENT_NOT_FOUND', `Archive document ${archiveId} not found`);
  return found;
}
