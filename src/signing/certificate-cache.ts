import { X509Certificate } from 'node:crypto';

const MAX_CACHED = 2000;
const parsed = new Map<string, X509Certificate>();

/** A bounded cache: the oldest entries go first. */
export function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (map.size >= MAX_CACHED) map.delete(map.keys().next().value as K);
  map.set(key, value);
}

/**
 * Node's parse of a certificate, once per content. Parsing costs about as much as an RSA
 * verification, and the same certificates (CAs, responders, the seal, a returning signer) arrive in
 * every signature, often in fresh buffers; a signature touches each several times.
 */
export function parseCertificate(der: Buffer): X509Certificate {
  const key = der.toString('base64');
  let found = parsed.get(key);
  if (!found) {
    found = new X509Certificate(der);
    remember(parsed, key, found);
  }
  return found;
}

/** A certificate's serial as OCSP and the test PKI name it: lowercase hex without leading zeros. */
export function serialHexOf(certificateDer: Buffer): string {
  return parseCertificate(certificateDer).serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
}
