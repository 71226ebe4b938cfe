import type { Credential } from '../signing/credential';
import { openPackage, type PackageInput } from './build-package-pdf';

/**
 * A Paraph PAdES package, sealed to level B-LTA (EN 319 142-1), as PackagingService returns it:
 *
 * 1. the package document (openPackage): a PDF original as it is, byte for byte, with the signature
 *    page(s) and the LTV-SDOs attached as an incremental update on it; or a text original typeset
 *    with them in one new document;
 * 2. the seal's signature (B-T): CAdES detached CMS with a signature timestamp;
 * 3. the document security store (B-LT): the certificates and OCSP responses to validate the seal;
 * 4. a document timestamp (B-LTA) over all of the above.
 *
 * All of it is made on one document in memory (PdfRevisions): a PDF original is parsed once, and
 * nothing written is parsed again; every step appends its own revision. See docs/pades.md for what
 * each revision holds and how to check it.
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
  const revisions = await openPackage(input);
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
