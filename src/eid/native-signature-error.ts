/**
 * Why an eID's native signature failed core validation (EidMethod.verify):
 *
 * - `malformed`: the artifact cannot be read as this method's format: not XML or not DER, a
 *   DOCTYPE, a missing or repeated part, an Id two elements claim, an algorithm that is not
 *   supported. Nothing about the signature is known.
 * - `signature-invalid`: the artifact is not intact: the signature value does not verify with the
 *   key of the certificate it names, or signed content no longer matches its digest.
 * - `document-mismatch`: the artifact is intact, but signs another document than the one given.
 * - `certificate-mismatch`: the artifact names another certificate as its signer than the one
 *   given (NativeSignature.signerCertificate), or binds itself to another certificate.
 */
export type NativeSignatureFailure = 'malformed' | 'document-mismatch' | 'signature-invalid' | 'certificate-mismatch';

export class NativeSignatureError extends Error {
  constructor(
    readonly reason: NativeSignatureFailure,
    message: string,
  ) {
    super(message);
    this.name = 'NativeSignatureError';
  }
}

/**
 * A value read from an artifact, fit for an error message: the artifact is not trusted, so only a
 * short, printable, quoted prefix of it is shown.
 */
export function quoted(value: string): string {
  const printable = value.slice(0, 60).replace(/[^\x20-\x7e]/g, '?');
  return `"${printable}${value.length > 60 ? '…' : ''}"`;
}
