import { createHmac, createPublicKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Clock } from '../clock';
import type { EidMethod, PkiFamily, Signer } from '../eid/eid-method';
import { ParaphError } from '../errors';
import type { Credential } from '../signing/credential';
import { derToPem, sha1, sha256 } from '../signing/der';
import { issueCertificate, type CertificateProfile, type NameAttribute } from '../signing/issue-certificate';
import { readCertificate } from '../signing/der-writer';
import {
  certIdOf,
  serialHexOf,
  createOcspResponse,
  respondToOcspRequest,
  type CertificateStatus,
  type OcspCertId,
  type OcspResponder,
  type RevocationReason,
} from '../signing/ocsp';
import { createTimestampToken, respondToTimestampRequest, type TimestampAuthority } from '../signing/timestamp';
import { KeyFiles } from '../store/key-files';
import type { PersonStatus, PkiCertificateRow, PkiRole, PkiStore } from '../store/pki-store';
import { caSubject, PKI_FAMILIES, sealSubject, tsaSubject } from './families';

const generateRsa = promisify(generateKeyPair);
const DAY = 86_400_000;
const YEAR = 365 * DAY;

/** Validity of each kind of certificate. One-time certificates live minutes, like Nets' signing certificates. */
const LIFETIME: Readonly<Record<PkiRole, number>> = {
  root: 20 * YEAR,
  issuing: 10 * YEAR,
  ocsp: 5 * YEAR,
  tsa: 5 * YEAR,
  seal: 3 * YEAR,
  person: 2 * YEAR,
  'one-time': 10 * 60_000,
};

/** The Timestamping policy of Paraph's test TSA (a private arc: not a real policy). */
export const TSA_POLICY_OID = '1.3.6.1.4.1.99999.1.1';

export interface FamilyAuthorities {
  readonly root: Credential;
  readonly issuing: Credential;
  readonly responder: OcspResponder;
}

export interface TestPkiOptions {
  readonly dataDir: string;
  readonly publicBaseUrl: string;
  readonly clock: Clock;
  /** A real seal certificate and key (from PKCS#12) used for every service instead of a test seal. */
  readonly configuredSeal?: Credential;
}

async function newKey(): Promise<KeyObject> {
  const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
  return privateKey;
}

/** The issuerKeyHash a CertID carries for this CA, in both hashes OCSP clients use. */
function issuerKeyHashes(der: Buffer): { sha1: string; sha256: string } {
  const bits = readCertificate(der).subjectPublicKey;
  return { sha1: sha1(bits).toString('hex'), sha256: sha256(bits).toString('hex') };
}

/**
 * Paraph's test PKI, made when first needed and kept under the data folder: certificates in the
 * database, keys as files. It issues test persons' eID certificates, each service's seal, and answers
 * OCSP for every certificate it issued; its TSA stamps times. A person can be revoked or locked.
 */
export class TestPki {
  private readonly keys: KeyFiles;
  private readonly families = new Map<PkiFamily, Promise<FamilyAuthorities>>();
  private readonly loaded = new Map<PkiFamily, FamilyAuthorities>();
  private readonly credentials = new Map<string, Credential>();
  private tsaPromise: Promise<TimestampAuthority> | undefined;
  private readonly ownerSecret: Buffer;
  private readonly sealOcsp = new Map<string, { at: number; der: Buffer }>();

  constructor(
    private readonly store: PkiStore,
    private readonly options: TestPkiOptions,
  ) {
    const dir = join(options.dataDir, 'pki');
    this.keys = new KeyFiles(join(dir, 'keys'));
    this.ownerSecret = loadOrCreateSecret(join(dir, 'owner.secret'));
  }

  /** Makes every hierarchy and the TSA now (at first start) rather than at first use. */
  async ready(): Promise<void> {
    await Promise.all([...PKI_FAMILIES.map((f) => this.authorities(f)), this.tsa()]);
  }

  private now(): Date {
    return this.options.clock.now();
  }

  /** The root, issuing CA and OCSP responder of a family, made on first use. */
  authorities(family: PkiFamily): Promise<FamilyAuthorities> {
    let found = this.families.get(family);
    if (!found) {
      found = this.loadOrCreateFamily(family).then((a) => {
        this.loaded.set(family, a);
        return a;
      });
      found.catch(() => this.families.delete(family));
      this.families.set(family, found);
    }
    return found;
  }

  private async loadOrCreateFamily(family: PkiFamily): Promise<FamilyAuthorities> {
    const existing = this.store.byRole(family, 'root');
    if (existing) {
      const root = this.credentialOf(existing, []);
      const issuing = this.credentialOf(this.required(family, 'issuing'), [root.certificate]);
      const ocsp = this.credentialOf(this.required(family, 'ocsp'), [issuing.certificate, root.certificate]);
      return { root, issuing, responder: { credential: ocsp } };
    }
    const [rootKey, issuingKey, ocspKey] = await Promise.all([newKey(), newKey(), newKey()]);
    const root = this.issue(family, 'root', null, caSubject(family, 'root'), rootKey, undefined, { kind: 'ca' });
    const issuing = this.issue(family, 'issuing', null, caSubject(family, 'issuing'), issuingKey, root, {
      kind: 'ca',
      pathLength: 0,
    });
    const ocsp = this.issue(family, 'ocsp', null, caSubject(family, 'ocsp'), ocspKey, issuing, { kind: 'ocsp' });
    return { root, issuing, responder: { credential: ocsp } };
  }

  private required(family: PkiFamily, role: PkiRole): PkiCertificateRow {
    const row = this.store.byRole(family, role);
    if (!row) throw new Error(`the test PKI lacks the ${role} certificate of ${family}`);
    return row;
  }

  private credentialOf(row: PkiCertificateRow, chain: readonly Buffer[]): Credential {
    const cached = this.credentials.get(row.serial);
    if (cached) return cached;
    if (row.keyFile === null) throw new Error(`the key of certificate ${row.serial} was not kept`);
    const credential: Credential = { certificate: row.der, privateKey: this.keys.read(row.keyFile), chain };
    this.credentials.set(row.serial, credential);
    return credential;
  }

  /** Issues, stores and returns a certificate; the key is written to disk before the row. */
  private issue(
    family: PkiFamily,
    role: PkiRole,
    owner: string | null,
    subject: NameAttribute[],
    key: KeyObject,
    issuer: Credential | undefined,
    profile: CertificateProfile,
    keepKey = true,
  ): Credential {
    const now = this.now();
    const notBefore = new Date(now.getTime() - (role === 'one-time' ? 60_000 : DAY));
    const der = issueCertificate({
      subject,
      publicKey: createPublicKey(key),
      signingKey: issuer?.privateKey ?? key,
      ...(issuer ? { issuerCertificate: issuer.certificate } : {}),
      profile,
      notBefore,
      notAfter: new Date(now.getTime() + LIFETIME[role]),
      ...(role === 'person' || role === 'one-time' || role === 'seal' || role === 'tsa'
        ? { ocspUrl: `${this.options.publicBaseUrl}/ocsp` }
        : {}),
      ...(issuer ? { caIssuersUrl: `${this.options.publicBaseUrl}/pki/${family}/${role === 'issuing' ? 'root' : 'issuing'}.cer` } : {}),
    });
    const serial = serialHexOf(der);
    const keyFile = keepKey ? `${serial}.key` : null;
    if (keyFile !== null) this.keys.write(keyFile, key);
    this.store.insert({
      serial,
      family,
      role,
      owner,
      issuer: issuer ? serialHexOf(issuer.certificate) : null,
      der,
      keyFile,
      notAfter: new Date(now.getTime() + LIFETIME[role]).toISOString(),
      createdAt: now.toISOString(),
      revokedAt: null,
      revocationReason: null,
    });
    const credential: Credential = {
      certificate: der,
      privateKey: key,
      chain: issuer ? [issuer.certificate, ...issuer.chain] : [],
    };
    if (keyFile !== null) this.credentials.set(serial, credential);
    return credential;
  }

  /** The TSA: issued by Paraph's trust-services CA, critical EKU timeStamping. */
  tsa(): Promise<TimestampAuthority> {
    this.tsaPromise ??= (async () => {
      const authorities = await this.authorities('paraph');
      const existing = this.store.byRole('paraph', 'tsa');
      const credential = existing
        ? this.credentialOf(existing, [authorities.issuing.certificate, authorities.root.certificate])
        : this.issue('paraph', 'tsa', null, tsaSubject(), await newKey(), authorities.issuing, { kind: 'tsa' });
      return { credential, policyOid: TSA_POLICY_OID };
    })();
    return this.tsaPromise;
  }

  /** An RFC 3161 TimeStampToken (DER) over a SHA-256 imprint, from Paraph's TSA, at the clock's time. */
  async timestampToken(imprint: Buffer): Promise<Buffer> {
    return createTimestampToken(imprint, await this.tsa(), {
      time: this.now(),
      serial: randomBytes(16),
      includeCertificate: true,
    });
  }

  /** Answers a DER TimeStampReq from a client of the TSA (bad requests get a rejection reply). */
  async timestampReply(requestDer: Buffer): Promise<Buffer> {
    return respondToTimestampRequest(requestDer, await this.tsa(), { time: this.now(), serial: randomBytes(16) });
  }

  /** Answers a DER OCSPRequest from a client of the responder (bad requests get an error status). */
  async ocspReply(requestDer: Buffer): Promise<Buffer> {
    await this.ready();
    return respondToOcspRequest(requestDer, (id) => this.ocspLookup(id), { time: this.now() });
  }

  /** The seal of a service: the configured PKCS#12 one, or a test seal made on first use. */
  async seal(service: string): Promise<Credential> {
    if (this.options.configuredSeal) return this.options.configuredSeal;
    const authorities = await this.authorities('paraph');
    const existing = this.store.byOwner('paraph', 'seal', service, this.now().toISOString());
    if (existing) return this.credentialOf(existing, [authorities.issuing.certificate, authorities.root.certificate]);
    return this.issue('paraph', 'seal', service, sealSubject(service), await newKey(), authorities.issuing, { kind: 'seal' });
  }

  /** Roots a seal of this Paraph chains to: the trust services' test root, and a configured seal's root. */
  async sealRoots(): Promise<Buffer[]> {
    const roots = [await this.caCertificate('paraph', 'root')];
    const configured = this.options.configuredSeal;
    const top = configured?.chain[configured.chain.length - 1];
    if (top) roots.push(top);
    return roots;
  }

  /** Whether a seal is one of ours (so that its revocation status can be stated). */
  isTestCertificate(der: Buffer): boolean {
    return this.store.bySerial(serialHexOf(der)) !== undefined;
  }

  private owner(family: PkiFamily, nationalId: string): string {
    // Keyed, so that the database never holds a national id nor a hash anyone could reverse by trying ids.
    return createHmac('sha256', this.ownerSecret).update(`${family}:${nationalId}`).digest('hex');
  }

  /**
   * The signer's credential for a method: their long-lived eID certificate (made when first needed), or
   * a fresh short-lived one for one-time-code methods. A revoked or locked person cannot sign.
   */
  async signerCredential(method: EidMethod, signer: Signer): Promise<Credential> {
    method.checkNationalId(signer.nationalId);
    const owner = this.owner(method.family, signer.nationalId);
    const status = this.store.personStatus(method.family, owner);
    if (status !== 'active') {
      throw new ParaphError('EID_CERTIFICATE_REVOKED', `The signer's ${method.name} certificate is ${status}`);
    }
    const authorities = await this.authorities(method.family);
    if (method.certificates === 'one-time') {
      return this.issue(method.family, 'one-time', owner, method.certificateSubject(signer), await newKey(), authorities.issuing, {
        kind: 'signer',
      }, false);
    }
    const existing = this.store.byOwner(method.family, 'person', owner, this.now().toISOString());
    if (existing) return this.credentialOf(existing, [authorities.issuing.certificate, authorities.root.certificate]);
    return this.issue(method.family, 'person', owner, method.certificateSubject(signer), await newKey(), authorities.issuing, {
      kind: 'signer',
    });
  }

  /** Revokes, locks or reactivates a test person's certificates of the method's family. */
  setPersonStatus(method: EidMethod, nationalId: string, status: PersonStatus): void {
    method.checkNationalId(nationalId);
    const owner = this.owner(method.family, nationalId);
    if (status !== 'active' && !this.store.hasCertificates(method.family, owner) && method.certificates === 'person') {
      throw new ParaphError('PKI_PERSON_UNKNOWN', `The test PKI has no ${method.name} certificate for this person`);
    }
    this.store.setPersonStatus(method.family, owner, status, this.now().toISOString());
  }

  /** The status of one of our certificates, as OCSP states it. */
  statusOf(serial: string, issuerSerial: string): CertificateStatus {
    const row = this.store.bySerial(serial);
    if (!row || row.issuer !== issuerSerial) return { status: 'unknown' };
    if (row.revokedAt === null) return { status: 'good' };
    return {
      status: 'revoked',
      revokedAt: new Date(row.revokedAt),
      reason: (row.revocationReason ?? 'unspecified') as RevocationReason,
    };
  }

  /**
   * Finds who answers an OCSP CertID: the family whose issuing CA has the CertID's issuer key hash.
   * Undefined when the issuer is none of ours (the responder then answers `unauthorized`). Needs the
   * hierarchies loaded (`ready()`), so that it can answer without waiting.
   */
  ocspLookup(id: OcspCertId): { responder: OcspResponder; status: CertificateStatus } | undefined {
    for (const authorities of this.loaded.values()) {
      const hashes = this.keyHashes(authorities.issuing.certificate);
      if (hashes[id.hashAlgorithm] !== id.issuerKeyHash.toString('hex')) continue;
      return {
        responder: authorities.responder,
        status: this.statusOf(id.serialHex, serialHexOf(authorities.issuing.certificate)),
      };
    }
    return undefined;
  }

  private readonly issuerHashes = new WeakMap<Buffer, { sha1: string; sha256: string }>();

  private keyHashes(der: Buffer): { sha1: string; sha256: string } {
    let found = this.issuerHashes.get(der);
    if (!found) {
      found = issuerKeyHashes(der);
      this.issuerHashes.set(der, found);
    }
    return found;
  }

  /** An OCSP response for one of our certificates, made now: the revocation data kept with a signature. */
  async ocspResponseFor(certificate: Buffer, issuer: Buffer): Promise<Buffer> {
    const id = certIdOf(certificate, issuer);
    await this.ready();
    const found = this.ocspLookup(id);
    if (!found) throw new Error('the certificate was not issued by the test PKI');
    return createOcspResponse(certificate, issuer, found.status, found.responder, { time: this.now() });
  }

  /**
   * The OCSP response for a service's seal, reused for a minute: a seal's status changes rarely, and
   * every result carries it (B-LT).
   */
  async sealOcspResponse(seal: Credential): Promise<Buffer | undefined> {
    if (!this.isTestCertificate(seal.certificate) || seal.chain.length === 0) return undefined;
    const key = serialHexOf(seal.certificate);
    const cached = this.sealOcsp.get(key);
    const now = this.now().getTime();
    if (cached && now - cached.at < 60_000) return cached.der;
    const der = await this.ocspResponseFor(seal.certificate, seal.chain[0]!);
    this.sealOcsp.set(key, { at: now, der });
    return der;
  }

  /** Every root, as PEM, for trust stores. */
  async rootsPem(): Promise<string> {
    await this.ready();
    return this.store
      .roots()
      .map((r) => derToPem(r.der))
      .join('');
  }

  /** A family's root or issuing CA certificate (DER). */
  async caCertificate(family: PkiFamily, which: 'root' | 'issuing'): Promise<Buffer> {
    const authorities = await this.authorities(family);
    return which === 'root' ? authorities.root.certificate : authorities.issuing.certificate;
  }
}

function loadOrCreateSecret(file: string): Buffer {
  if (existsSync(file)) return readFileSync(file);
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32);
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
