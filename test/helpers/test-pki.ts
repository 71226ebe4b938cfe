import { generateKeyPair, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Credential } from '../../src/signing/credential';
import { derToPem } from '../../src/signing/der';
import { issueCertificate, type CertificateProfile, type NameAttribute } from '../../src/signing/issue-certificate';
import { tool, type ToolResult } from './tool';

/**
 * A small PKI for tests that check Paraph's output with independent tools: a root, an issuing CA
 * under it, and under the issuing CA a person's signing certificate (with an AIA OCSP address), a
 * time-stamping unit and a delegated OCSP responder.
 */
export interface TestPki {
  readonly root: Credential;
  readonly issuing: Credential;
  readonly signer: Credential;
  readonly tsa: Credential;
  readonly ocsp: Credential;
  /** PEM certificate files. `chain` holds the issuing CA then the root, for `-untrusted`/`-CAfile` style options. */
  readonly files: Readonly<Record<TestPkiRole | 'chain', string>>;
  /** PKCS#8 PEM private key files, for tools that sign. */
  readonly keyFiles: Readonly<Record<TestPkiRole, string>>;
}

export type TestPkiRole = 'root' | 'issuing' | 'signer' | 'tsa' | 'ocsp';

export interface TestPkiOptions {
  /** Written into the signer certificate's AIA. Default http://127.0.0.1:8081/ocsp (no one answers there). */
  readonly ocspUrl?: string;
  /** Start of every certificate's validity. Default: a day ago, so that clock skew does not matter. */
  readonly notBefore?: Date;
}

interface KeyPair {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

const generateRsa = promisify(generateKeyPair);
const DAY = 86_400_000;

/** Builds the PKI with fresh RSA-2048 keys and writes its certificates and keys as PEM into `dir`. */
export async function makeTestPki(dir: string, options: TestPkiOptions = {}): Promise<TestPki> {
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  const notAfter = new Date(notBefore.getTime() + 400 * DAY);
  // Key generation dominates; the thread pool makes the five keys side by side.
  const [rootKey, issuingKey, signerKey, tsaKey, ocspKey] = await Promise.all(
    [0, 1, 2, 3, 4].map(() => generateRsa('rsa', { modulusLength: 2048 })),
  );
  /** A credential signed by `issuer`, or self-signed when there is none. */
  const issue = (
    subject: NameAttribute[],
    key: KeyPair,
    profile: CertificateProfile,
    issuer: Credential | undefined,
    ocspUrl?: string,
  ): Credential => ({
    certificate: issueCertificate({
      subject,
      publicKey: key.publicKey,
      profile,
      notBefore,
      notAfter,
      signingKey: issuer?.privateKey ?? key.privateKey,
      ...(issuer ? { issuerCertificate: issuer.certificate } : {}),
      ...(ocspUrl !== undefined ? { ocspUrl } : {}),
    }),
    privateKey: key.privateKey,
    chain: issuer ? [issuer.certificate, ...issuer.chain] : [],
  });
  const organisation = (commonName: string): NameAttribute[] => [
    { type: 'C', value: 'NO' },
    { type: 'O', value: 'Paraph Test PKI' },
    { type: 'CN', value: commonName },
  ];
  const person: NameAttribute[] = [
    { type: 'C', value: 'NO' },
    { type: 'serialNumber', value: 'UN:NO-9578-5999-4-3710628' },
    { type: 'GN', value: 'Kari' },
    { type: 'SN', value: 'Nordmann' },
    { type: 'CN', value: 'Kari Nordmann' },
  ];
  const root = issue(organisation('Paraph Test Root CA'), rootKey, { kind: 'ca' }, undefined);
  const issuing = issue(organisation('Paraph Test Issuing CA'), issuingKey, { kind: 'ca', pathLength: 0 }, root);
  const signer = issue(person, signerKey, { kind: 'signer' }, issuing, options.ocspUrl ?? 'http://127.0.0.1:8081/ocsp');
  const tsa = issue(organisation('Paraph Test TSA'), tsaKey, { kind: 'tsa' }, issuing);
  const ocsp = issue(organisation('Paraph Test OCSP Responder'), ocspKey, { kind: 'ocsp' }, issuing);

  const credentials = { root, issuing, signer, tsa, ocsp };
  const files = { ...byRole((role) => join(dir, `${role}.pem`)), chain: join(dir, 'chain.pem') };
  const keyFiles = byRole((role) => join(dir, `${role}.key`));
  await Promise.all([
    ...ROLES.map((role) => writeFile(files[role], derToPem(credentials[role].certificate))),
    ...ROLES.map((role) => writeFile(keyFiles[role], credentials[role].privateKey.export({ type: 'pkcs8', format: 'pem' }))),
    writeFile(files.chain, derToPem(issuing.certificate) + derToPem(root.certificate)),
  ]);
  return { ...credentials, files, keyFiles };
}

const ROLES: readonly TestPkiRole[] = ['root', 'issuing', 'signer', 'tsa', 'ocsp'];

function byRole<T>(make: (role: TestPkiRole) => T): Record<TestPkiRole, T> {
  return { root: make('root'), issuing: make('issuing'), signer: make('signer'), tsa: make('tsa'), ocsp: make('ocsp') };
}

export type { ToolResult };

/** Runs /usr/bin/openssl (see tool.ts: never throws on a non-zero exit). */
export function openssl(args: readonly string[], cwd?: string): Promise<ToolResult> {
  return tool('/usr/bin/openssl', args, cwd === undefined ? {} : { cwd });
}
