import { getDocument } from '../archive/get-document';
import { removeDocuments } from '../archive/remove-documents';
import type { DocumentDeps } from '../documents/deps';
import type { OperationHandler } from './soap-endpoint';

/** ArchiveService v3: getDocument and removeDocument, mapped to the archive's domain operations. */
export function archiveServiceHandlers(deps: DocumentDeps): Record<string, OperationHandler> {
  return {
    getDocument: (input, account) =>
      getDocument(deps, account, typeof input.archiveId === 'string' ? input.archiveId : undefined),
    removeDocument: (input, account) => {
      const ids = input.archiveId;
      const list = Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : typeof ids === 'string' ? [ids] : [];
      return removeDocuments(deps, account, list);
    },
  };
}
