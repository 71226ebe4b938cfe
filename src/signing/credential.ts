import type { KeyObject, X509Certificate } from 'node:crypto';
import { parseCertificate } from './certificate-cache';

/**
 * A certificate with its private key and the chain above it: what every signer in Paraph holds,
 * whether a test person, a service's seal, the TSA or an OCSP responder. The key is a cached
 * KeyObject: parsing a PEM key on every signature costs more than half the signing time.
 */
export interface Credential {
  /** DER of the certificate. */
  readonly certificate: Buffer;
  readonly privateKey: KeyObject;
  /** DER of the issuing CAs, nearest first, ending with the root. */
  readonly chain: readonly Buffer[];
}

/** The parts of a certificate that signing code reads, parsed once by Node. */
export function describeCertificate(der: Buffer): X509Certificate {
  return parseCertificate(der);
}
