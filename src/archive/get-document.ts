import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import type { DocumentDeps } from '../documents/deps';
import { getArchiveDocument } from './get-archive-document';

/** ArchiveService getDocument: an archived document of the caller, with its type and bytes. */
export async function getDocument(
  deps: DocumentDeps,
  service: ServiceAccount,
  archiveId: string | undefined,
): Promise<{ documentData: { archiveId: string; mimeType: string; data: Buffer } }> {
  if (!archiveId) throw new ParaphError('FIELD_REQUIRED', 'archive-id is required');
  const { blob, mimeType } = getArchiveDocument(deps.store, service, archiveId);
  return { documentData: { archiveId, mimeType, data: await deps.blobs.read(blob) } };
}
