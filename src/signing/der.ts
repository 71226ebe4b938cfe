import { createHash } from 'node:crypto';

/** DER bytes of the first PEM block in `pem` (any label). */
export function pemToDer(pem: string): Buffer {
  const match = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(pem);
  if (!match) throw new Error('no PEM block found');
  return Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
}

/** PEM text of DER bytes, 64 characters a line as RFC 7468 asks. */
export function derToPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A standalone ArrayBuffer with exactly these bytes (pkijs and asn1js want ArrayBuffers). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

export function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

export function sha1(data: Uint8Array | string): Buffer {
  return createHash('sha1').update(data).digest();
}

/**
 * A time without its milliseconds: RFC 5280 forbids fractions in certificates, and NSS (pdfsig,
 * Firefox) rejects OCSP and timestamp times that carry them.
 */
export function wholeSeconds(time: Date): Date {
  return new Date(Math.floor(time.getTime() / 1000) * 1000);
}

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha1: '1.3.14.3.2.26',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  ocspAccessMethod: '1.3.6.1.5.5.7.48.1',
  caIssuersAccessMethod: '1.3.6.1.5.5.7.48.2',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  ekuTimeStamping: '1.3.6.1.5.5.7.3.8',
  ekuOcspSigning: '1.3.6.1.5.5.7.3.9',
  ekuClientAuth: '1.3.6.1.5.5.7.3.2',
  ekuEmailProtection: '1.3.6.1.5.5.7.3.4',
  /** Subject attribute serialNumber (2.5.4.5): where eIDs put the person's identifier. */
  serialNumberAttribute: '2.5.4.5',
} as const;
