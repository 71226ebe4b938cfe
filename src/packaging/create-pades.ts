import type { Credential } from '../signing/credential';
import { PdfRevisions } from '../signing/pades';
import { buildPackagePdf, type PackageInput } from './build-package-pdf';

/**
 * A Paraph PAdES package, sealed to level B-LTA (EN 319 142-1), as PackagingService returns it:
 *
 * 1. the package document (buildPackagePdf): original pages, signature page(s), LTV-SDOs attached;
 * 2. the seal's signature (B-T): CAdES detached CMS with a signature timestamp;
 * 3. the document security store (B-LT): the certificates and OCSP responses to validate the seal;
 * 4. a document timestamp (B-LTA) over all of the above.
 *
 * Steps 2–4 are incremental updates on a document parsed once (PdfRevisions), each appending its own
 * revision; see docs/pades.md for what each revision holds and how to check it.
 */

export interface PadesInput extends PackageInput {
  /** The trust service's seal. */
  readonly seal: Credential;
  /** Returns a DER RFC 3161 TimeStampToken over a SHA-256 imprint. Asked twice: signature and document timestamp. */
  readonly timestamp: (imprint: Buffer) => Promise<Buffer>;
  /** Validation data for /DSS: the seal's and the TSA's certificates and OCSP responses about them. */
  readonly validation: { readonly certificates: readonly Buffer[]; readonly ocspResponses: readonly Buffer[]; readonly crls?: readonly Buffer[] };
  /** Signature dictionary texts; defaults suit a package seal. */
  readonly reason?: string;
  readonly location?: string;
  readonly name?: string;
  readonly contactInfo?: string;
}

export async function createPades(input: PadesInput): Promise<Buffer> {
  const base = await buildPackagePdf(input);
  const revisions = await PdfRevisions.open(base);
  await revisions.sign({
    seal: input.seal,
    time: input.time,
    timestamp: input.timestamp,
    fieldName: 'Seal',
    reason: input.reason,
    location: input.location,
    name: input.name,
    contactInfo: input.contactInfo,
  });
  await revisions.addDss(input.validation);
  await revisions.addDocumentTimestamp({ timestamp: input.timestamp, time: input.time });
  return revisions.bytes();
}
