import { generateKeyPair, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PkiFamily } from '../../src/eid/eid-method';
import type { Credential } from '../../src/signing/credential';
import { derToPem } from '../../src/signing/der';
import { issueCertificate, type NameAttribute } from '../../src/signing/issue-certificate';

const generateRsa = promisify(generateKeyPair);

async function rsaKeyPair(): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return generateRsa('rsa', { modulusLength: 2048 });
}

/**
 * A three-level PKI for one eID family in a temporary directory: root → issuing CA → signers. The
 * root and issuing CA are written as PEM files for the independent verifiers (xmlsec1, openssl).
 */
export interface EidTestPki {
  readonly dir: string;
  readonly rootPemFile: string;
  readonly issuingPemFile: string;
  /** A signer credential; `validityMinutes` for one-time certificates, a year otherwise. */
  issueSigner(subject: readonly NameAttribute[], validityMinutes?: number): Promise<Credential>;
  remove(): Promise<void>;
}

const MINUTE = 60_000;

export async function makeEidTestPki(family: PkiFamily): Promise<EidTestPki> {
  const dir = await mkdtemp(join(tmpdir(), `paraph-eid-${family}-`));
  const now = Date.now();
  // Certificates start a minute back, so a clock a few seconds apart from the verifier's is no issue.
  const notBefore = new Date(now - MINUTE);
  const caNotAfter = new Date(now + 3650 * 24 * 60 * MINUTE);
  const root = await rsaKeyPair();
  const rootCert = issueCertificate({
    subject: [
      { type: 'C', value: 'NO' },
      { type: 'O', value: 'Paraph Test' },
      { type: 'CN', value: `Paraph Test ${family} Root CA` },
    ],
    publicKey: root.publicKey,
    signingKey: root.privateKey,
    profile: { kind: 'ca' },
    notBefore,
    notAfter: caNotAfter,
  });
  const issuing = await rsaKeyPair();
  const issuingCert = issueCertificate({
    subject: [
      { type: 'C', value: 'NO' },
      { type: 'O', value: 'Paraph Test' },
      { type: 'CN', value: `Paraph Test ${family} Issuing CA` },
    ],
    publicKey: issuing.publicKey,
    signingKey: root.privateKey,
    issuerCertificate: rootCert,
    profile: { kind: 'ca', pathLength: 0 },
    notBefore,
    notAfter: caNotAfter,
  });
  const rootPemFile = join(dir, 'root.pem');
  const issuingPemFile = join(dir, 'issuing.pem');
  await writeFile(rootPemFile, derToPem(rootCert));
  await writeFile(issuingPemFile, derToPem(issuingCert));
  return {
    dir,
    rootPemFile,
    issuingPemFile,
    async issueSigner(subject, validityMinutes) {
      const keys = await rsaKeyPair();
      const certificate = issueCertificate({
        subject,
        publicKey: keys.publicKey,
        signingKey: issuing.privateKey,
        issuerCertificate: issuingCert,
        profile: { kind: 'signer' },
        notBefore,
        notAfter: new Date(now + (validityMinutes ?? 365 * 24 * 60) * MINUTE),
      });
      return { certificate, privateKey: keys.privateKey, chain: [issuingCert, rootCert] };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
