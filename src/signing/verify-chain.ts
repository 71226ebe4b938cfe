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
  const certificates = [leaf, ...chain].map((der) => new X509Certificate(der));
  for (let i = 0; i < certificates.length; i++) {
    const cert = certificates[i]!;
    if (time < new Date(cert.validFrom) || time > new Date(cert.validTo)) {
      throw new ChainError('validity', `${cert.subject} is not valid at ${time.toISOString()}`);
    }
    const issuer = certificates[i + 1] ?? cert;
    if (i + 1 < certificates.length && !issuer.ca) throw new ChainError('not-a-ca', `${issuer.subject} is not a CA`);
    if (!cert.checkIssued(issuer)) throw new ChainError('issuer', `${cert.subject} was not issued by ${issuer.subject}`);
    if (!cert.verify(issuer.publicKey)) throw new ChainError('signature', `the signature on ${cert.subject} does not verify`);
  }
  const top = certificates[certificates.length - 1]!;
  if (!trustedRoots.some((root) => top.raw.equals(root))) {
    throw new ChainError('untrusted-root', `${top.subject} is not a trusted root`);
  }
}
