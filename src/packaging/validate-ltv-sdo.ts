import type { DocumentToSign, EidMethod, NativeSignature } from '../eid/eid-method';
import { findEidMethod } from '../eid/methods';
import { ParaphError } from '../errors';
import { sha256 } from '../signing/der';
import { LTV_SDO_SEAL_ID, readLtvSdo, type LtvSdoSummary } from '../signing/ltv-sdo';
import { readTimestampImprint } from '../signing/timestamp';
import { chainAbove, verifyChain } from '../signing/verify-chain';
import { verifyOcspResponse } from '../signing/verify-ocsp';
import { verifyXadesSeal } from '../signing/verify-xades';

export interface ValidatedSdo {
  readonly bytes: Buffer;
  readonly summary: LtvSdoSummary;
  readonly method: EidMethod;
  /** The original document's bytes: embedded in the SDO, or the supplementary original that matched. */
  readonly original?: Buffer;
}

export interface TrustAnchors {
  /** The root of each eID family a native signature may chain to. */
  readonly eidRoot: (method: EidMethod) => Promise<Buffer>;
  /** Roots a seal may chain to. */
  readonly sealRoots: () => Promise<readonly Buffer[]>;
}

const MAX_ELEMENTS = 20_000;

/** How many `<` the bytes hold, counting no further than `limit`. */
function markupCount(bytes: Buffer, limit: number): number {
  let count = 0;
  for (let at = bytes.indexOf(0x3c); at >= 0 && count < limit; at = bytes.indexOf(0x3c, at + 1)) count++;
  return count;
}

function invalid(label: string, what: string): ParaphError {
  return new ParaphError('SDO_INVALID', `${label}: ${what}`);
}

/**
 * The `ltvsdo-validator` policy: an LTV-SDO is accepted when its seal verifies and chains to a trusted
 * root, the native eID signature verifies over the original document, the signer's certificate chains
 * to its eID's root, an OCSP response kept in it says the certificate was good when the signature was
 * validated, and the native signature's timestamp is over exactly that signature. Throws SDO_INVALID
 * naming the first check that failed.
 */
export async function validateLtvSdo(
  bytes: Buffer,
  label: string,
  trust: TrustAnchors,
  supplementaryOriginal?: Buffer,
): Promise<ValidatedSdo> {
  // An LTV-SDO has a few hundred elements; a file of hundreds of thousands of tiny ones is an attack on
  // the XML parser (seconds per megabyte), refused before any parsing.
  if (markupCount(bytes, MAX_ELEMENTS) >= MAX_ELEMENTS) throw invalid(label, `more than ${MAX_ELEMENTS} elements`);
  let summary: LtvSdoSummary;
  try {
    summary = readLtvSdo(bytes);
  } catch (err) {
    throw invalid(label, `not an LTV-SDO (${(err as Error).message})`);
  }

  // The seal: intact, and made by a certificate we trust.
  let sealCertificate: Buffer;
  try {
    sealCertificate = verifyXadesSeal(bytes.toString('utf8'), LTV_SDO_SEAL_ID);
  } catch (err) {
    throw invalid(label, `the seal does not verify (${(err as Error).message})`);
  }
  try {
    verifyChain(sealCertificate, chainAbove(sealCertificate, summary.sealCertificates), await trust.sealRoots(), summary.signingTime);
  } catch (err) {
    throw invalid(label, `the seal's certificate is not trusted (${(err as Error).message})`);
  }

  let method: EidMethod;
  try {
    method = findEidMethod(summary.native.method);
  } catch {
    throw invalid(label, `unknown signature method ${summary.native.method.slice(0, 40)}`);
  }
  const native = summary.native;
  // The format is the SDO's claim; each method's verify refuses an artifact of another format.
  const nativeSignature: NativeSignature = {
    format: native.format as NativeSignature['format'],
    mimeType: native.mimeType,
    data: native.data,
    signerCertificate: native.signerCertificate,
  };

  // The original document: embedded, carried by the native signature, or given beside the SDO.
  let original = summary.document.data;
  if (!original && method.documentOf) {
    try {
      original = method.documentOf(nativeSignature);
    } catch (err) {
      throw invalid(label, `the ${method.name} signature cannot be read (${(err as Error).message})`);
    }
  }
  if (!original && supplementaryOriginal && sha256(supplementaryOriginal).equals(summary.document.digest)) {
    original = supplementaryOriginal;
  }
  if (original && !sha256(original).equals(summary.document.digest)) throw invalid(label, 'the original document does not match its digest');

  // The native signature: core validation, path validation, revocation at validation time.
  if (original) {
    const document: DocumentToSign = {
      id: summary.document.id,
      mimeType: summary.document.mimeType === 'text/plain' ? 'text/plain' : 'application/pdf',
      description: summary.document.description ?? '',
      bytes: original,
    };
    try {
      method.verify(nativeSignature, document);
    } catch (err) {
      throw invalid(label, `the ${method.name} signature does not verify (${(err as Error).message})`);
    }
  }
  try {
    verifyChain(native.signerCertificate, native.chain, [await trust.eidRoot(method)], native.validatedAt);
  } catch (err) {
    throw invalid(label, `the signer's certificate is not trusted (${(err as Error).message})`);
  }
  const issuer = native.chain[0];
  const good = issuer
    ? native.ocspResponses.some((der) => {
        try {
          const ocsp = verifyOcspResponse(der, native.signerCertificate, issuer);
          return ocsp.status.status === 'good' && ocsp.producedAt.getTime() <= native.validatedAt.getTime() + 60_000;
        } catch {
          return false;
        }
      })
    : false;
  if (!good) throw invalid(label, "no OCSP response in it says the signer's certificate was good at signing");
  try {
    const stamp = readTimestampImprint(native.timestamp);
    if (!stamp.imprint.equals(sha256(native.data))) throw new Error('its imprint is not the native signature');
  } catch (err) {
    throw invalid(label, `the native signature's timestamp does not hold (${(err as Error).message})`);
  }
  return { bytes, summary, method, ...(original ? { original } : {}) };
}
