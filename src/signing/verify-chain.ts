import { X509Certificate } from 'node:crypto';

export type ChainProblem = 'signature' | 'issuer' | 'validity' | 'untrusted-root' | 'not-a-ca';

export class ChainError extends Error {
  constructor(
    readonly problem: ChainProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ChainError';
  }
}

const parsed = new WeakMap<Buffer, X509Certificate>();

/** Node's parse of a certificate, once per buffer (parsing costs about as much as an RSA verification). */
function x509(der: Buffer): X509Certificate {
  let found = parsed.get(der);
  if (!found) {
    found = new X509Certificate(der);
    parsed.set(der, found);
  }
  return found;
}

const verifiedLinks = new WeakMap<Buffer, WeakSet<Buffer>>();

/** Whether `issuer` signed `cert`; a positive answer is remembered (a signature does not change). */
function signedBy(cert: Buffer, issuer: Buffer): boolean {
  if (verifiedLinks.get(cert)?.has(issuer)) return true;
  const ok = x509(cert).checkIssued(x509(issuer)) && x509(cert).verify(x509(issuer).publicKey);
  if (ok) {
    const set = verifiedLinks.get(cert) ?? new WeakSet<Buffer>();
    set.add(issuer);
    verifiedLinks.set(cert, set);
  }
  return ok;
}

/**
 * Path validation (RFC 5280 §6, the parts a closed test PKI needs): each certificate is issued and
 * signed by the next, every one is valid at `time`, every issuer is a CA, and the chain ends at one of
 * the trusted roots (compared byte for byte). Throws ChainError saying what failed.
 */
export function verifyChain(
  leaf: Buffer,
  chain: readonly Buffer[],
  trustedRoots: readonly Buffer[],
  time: Date,
): void {
  const ders = [leaf, ...chain];
  for (let i = 0; i < ders.length; i++) {
    const der = ders[i]!;
    const cert = x509(der);
    if (time < new Date(cert.validFrom) || time > new Date(cert.validTo)) {
      throw new ChainError('validity', `${cert.subject} is not valid at ${time.toISOString()}`);
    }
    const issuerDer = ders[i + 1] ?? der;
    const issuer = x509(issuerDer);
    if (i + 1 < ders.length && !issuer.ca) throw new ChainError('not-a-ca', `${issuer.subject} is not a CA`);
    if (!cert.checkIssued(issuer)) throw new ChainError('issuer', `${cert.subject} was not issued by ${issuer.subject}`);
    if (!signedBy(der, issuerDer)) throw new ChainError('signature', `the signature on ${cert.subject} does not verify`);
  }
  const top = x509(ders[ders.length - 1]!);
  if (!trustedRoots.some((root) => top.raw.equals(root))) {
    throw new ChainError('untrusted-root', `${top.subject} is not a trusted root`);
  }
}
