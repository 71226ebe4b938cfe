import { createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derToPem } from '../../src/signing/der';
import { issueCertificate, type CertificateProfile } from '../../src/signing/issue-certificate';
import { openssl } from '../helpers/test-pki';

const key = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const now = new Date();
const later = new Date(now.getTime() + 365 * 86_400_000);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'paraph-issue-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('issuing certificates', () => {
  const rootKey = key();
  const root = issueCertificate({
    subject: [{ type: 'C', value: 'NO' }, { type: 'O', value: 'Ørsta Tillitstjenester' }, { type: 'CN', value: 'TEST Ærlig Rot CA' }],
    publicKey: createPublicKey(rootKey),
    signingKey: rootKey,
    profile: { kind: 'ca' },
    notBefore: now,
    notAfter: later,
  });
  beforeAll(() => writeFileSync(join(dir, 'root.pem'), derToPem(root)));

  const issue = (profile: CertificateProfile, cn: string, ocspUrl?: string): Buffer => {
    const k = key();
    return issueCertificate({
      subject: [{ type: 'C', value: 'NO' }, { type: 'CN', value: cn }, { type: 'serialNumber', value: 'UN:NO-9578-5999-4-1234567' }],
      publicKey: createPublicKey(k),
      signingKey: rootKey,
      issuerCertificate: root,
      profile,
      notBefore: now,
      notAfter: later,
      ...(ocspUrl ? { ocspUrl } : {}),
    });
  };

  it('chains under a CA whose name has Nordic letters, as openssl verifies', async () => {
    const leaf = issue({ kind: 'signer' }, 'Kåre Ødegård', 'http://127.0.0.1:8080/ocsp');
    expect(new X509Certificate(leaf).issuer).toBe(new X509Certificate(root).subject);
    writeFileSync(join(dir, 'leaf.pem'), derToPem(leaf));
    const out = await openssl(['verify', '-CAfile', 'root.pem', 'leaf.pem'], dir);
    expect(out.stdout).toContain('leaf.pem: OK');
    const text = await openssl(['x509', '-in', 'leaf.pem', '-noout', '-text', '-nameopt', 'utf8'], dir);
    expect(text.stdout).toContain('Kåre Ødegård');
    expect(text.stdout).toContain('OCSP - URI:http://127.0.0.1:8080/ocsp');
    expect(text.stdout).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
  });

  it.each([
    [{ kind: 'tsa' } as const, /Extended Key Usage: critical\s+Time Stamping/],
    [{ kind: 'ocsp' } as const, /OCSP Signing[\s\S]*OCSP No Check/],
    [{ kind: 'ca', pathLength: 0 } as const, /CA:TRUE, pathlen:0/],
  ])('gives a %o certificate its extensions', async (profile, expected) => {
    const der = issue(profile, `TEST ${profile.kind}`);
    writeFileSync(join(dir, `${profile.kind}.pem`), derToPem(der));
    const text = await openssl(['x509', '-in', `${profile.kind}.pem`, '-noout', '-text'], dir);
    expect(text.stdout).toMatch(expected);
    const verify = await openssl(['verify', '-CAfile', 'root.pem', `${profile.kind}.pem`], dir);
    expect(verify.stdout).toContain('OK');
  });
});
