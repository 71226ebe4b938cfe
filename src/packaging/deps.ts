import type { DocumentDeps } from '../documents/deps';
import type { SdsDocuments } from '../sds/sds-documents';
import type { SignaturePageTemplate } from './signature-page-template';

/** What packaging needs: the orders and their results, SDS for packages, and the signature page template. */
export interface PackagingDeps {
  readonly documents: DocumentDeps;
  readonly sds: SdsDocuments;
  readonly template: SignaturePageTemplate;
}
