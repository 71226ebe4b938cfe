import { verify } from 'node:crypto';
import { parseCertificate } from './certificate-cache';
import { OID } from './der';
import { readBasicOcspResponse, serialHexOf, type BasicOcspResponseParts, type OcspResult } from './ocsp';

export class OcspVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OcspVerificationError';
  }
}

const SIGNATURE_HASHES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.113549.1.1.5': 'sha1',
};

function fail(message: string): never {
  throw new OcspVerificationError(message);
}

/**
 * Checks an OCSP response kept as revocation data, as a relying party would: a successful basic
 * response about exactly this certificate, signed either by the certificate's issuer or by a responder
 * certificate that issuer delegated (EKU OCSPSigning, RFC 6960 §4.2.2.2). Returns what it says; the
 * caller decides what status and time it needs.
 */
export function verifyOcspResponse(responseDer: Buffer, certificate: Buffer, issuer: Buffer): OcspResult {
  let parts: BasicOcspResponseParts;
  try {
    parts = readBasicOcspResponse(responseDer);
  } catch (err) {
    fail(`the OCSP response cannot be read: ${(err as Error).message}`);
  }
  const { result, signedData, signature } = parts;
  const issuerCert = parseCertificate(issuer);
  if (result.serialHex !== serialHexOf(certificate)) {
    fail('the OCSP response is about another certificate');
  }
  const hash = SIGNATURE_HASHES[parts.signatureAlgorithm];
  if (!hash) fail(`the OCSP response is signed with an unsupported algorithm ${parts.signatureAlgorithm}`);

  const signer = result.responderCertificate ? parseCertificate(result.responderCertificate) : issuerCert;
  if (!verify(hash, signedData, signer.publicKey, signature)) fail('the OCSP response signature does not verify');
  if (!signer.raw.equals(issuerCert.raw)) {
    // A delegated responder: issued by the same CA and allowed to sign OCSP responses.
    if (!signer.checkIssued(issuerCert) || !signer.verify(issuerCert.publicKey)) {
      fail("the OCSP responder's certificate was not issued by the certificate's issuer");
    }
    if (!(signer.keyUsage ?? []).includes(OID.ekuOcspSigning)) fail('the OCSP responder certificate lacks OCSPSigning');
  }
  return result;
}
