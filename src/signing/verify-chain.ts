import { parseCertificate, remember } from './certificate-cache';

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

const verifiedLinks = new Map<string, true>();

const x509 = parseCertificate;

/** Whether `issuer` signed `cert`; a positive answer is remembered (a signature does not change). */
function signedBy(cert: Buffer, issuer: Buffer): boolean {
  const key = `${cert.toString('base64')} ${issuer.toString('base64')}`;
  if (verifiedLinks.has(key)) return true;
  const ok = x509(cert).checkIssued(x509(issuer)) && x509(cert).verify(x509(issuer).publicKey);
  if (ok) remember(verifiedLinks, key, true);
  return ok;
}

/**
 * Orders certificates from an unordered pool (a PKCS#12 file, an LTV-SDO's CertificateValues) into the
 * chain above `leaf`: its issuer first, up to a self-signed root or as far as the pool goes. Issuance
 * is judged by names (checkIssued); signatures are checked by verifyChain.
 */
export function chainAbove(leaf: Buffer, pool: readonly Buffer[]): Buffer[] {
  const chain: Buffer[] = [];
  let current = x509(leaf);
  for (let i = 0; i < 8; i++) {
    const issuer = pool.find((der) => !der.equals(leaf) && !chain.includes(der) && !der.equals(current.raw) && current.checkIssued(x509(der)));
    if (!issuer) break;
    chain.push(issuer);
    current = x509(issuer);
    if (current.checkIssued(current)) break;
  }
  return chain;
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
