import type { Db } from './database';

export type PkiRole = 'root' | 'issuing' | 'ocsp' | 'tsa' | 'seal' | 'person' | 'one-time';

export interface PkiCertificateRow {
  /** Lowercase hex without leading zeros, as OCSP requests name it. */
  serial: string;
  family: string;
  role: PkiRole;
  /** The service of a seal; a keyed digest of the national id for a person (never the id itself). */
  owner: string | null;
  /** Serial of the issuing certificate; null for a root. */
  issuer: string | null;
  der: Buffer;
  /** File name of the private key under the PKI key folder; null when the key was not kept. */
  keyFile: string | null;
  notAfter: string;
  createdAt: string;
  revokedAt: string | null;
  revocationReason: string | null;
}

export type PersonStatus = 'active' | 'revoked' | 'locked';

const COLUMNS = `serial, family, role, owner, issuer, der, key_file AS keyFile, not_after AS notAfter,
  created_at AS createdAt, revoked_at AS revokedAt, revocation_reason AS revocationReason`;

/** The test PKI's certificates and test persons. Writes are rare (first use of a person) and small. */
export class PkiStore {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare(`INSERT INTO pki_certificates (serial, family, role, owner, issuer, der, key_file, not_after,
        created_at, revoked_at, revocation_reason) VALUES (@serial, @family, @role, @owner, @issuer, @der, @keyFile,
        @notAfter, @createdAt, @revokedAt, @revocationReason)`),
      bySerial: db.prepare<[string], PkiCertificateRow>(`SELECT ${COLUMNS} FROM pki_certificates WHERE serial = ?`),
      byRole: db.prepare<[string, string], PkiCertificateRow>(
        `SELECT ${COLUMNS} FROM pki_certificates WHERE family = ? AND role = ? AND owner IS NULL
         ORDER BY created_at DESC LIMIT 1`,
      ),
      byOwner: db.prepare<[string, string, string, string], PkiCertificateRow>(
        `SELECT ${COLUMNS} FROM pki_certificates WHERE family = ? AND role = ? AND owner = ? AND not_after > ?
         AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1`,
      ),
      roots: db.prepare<[], PkiCertificateRow>(`SELECT ${COLUMNS} FROM pki_certificates WHERE role = 'root' ORDER BY family`),
      cas: db.prepare<[], PkiCertificateRow>(
        `SELECT ${COLUMNS} FROM pki_certificates WHERE role IN ('root', 'issuing') ORDER BY family`,
      ),
      revokeOwner: db.prepare(`UPDATE pki_certificates SET revoked_at = ?, revocation_reason = ?
        WHERE family = ? AND owner = ? AND role IN ('person', 'one-time')
        AND (revoked_at IS NULL OR revocation_reason = 'certificateHold')`),
      releaseHold: db.prepare(`UPDATE pki_certificates SET revoked_at = NULL, revocation_reason = NULL
        WHERE family = ? AND owner = ? AND revocation_reason = 'certificateHold'`),
      person: db.prepare<[string, string], { status: PersonStatus }>(
        `SELECT status FROM pki_persons WHERE family = ? AND owner = ?`,
      ),
      setPerson: db.prepare(`INSERT INTO pki_persons (family, owner, status, changed_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (family, owner) DO UPDATE SET status = excluded.status, changed_at = excluded.changed_at`),
      countOwner: db.prepare<[string, string], { n: number }>(
        `SELECT count(*) AS n FROM pki_certificates WHERE family = ? AND owner = ?`,
      ),
    };
  }

  insert(row: PkiCertificateRow): void {
    this.s.insert.run(row);
  }

  bySerial(serial: string): PkiCertificateRow | undefined {
    return this.s.bySerial.get(serial);
  }

  /** The newest certificate of a role that belongs to no owner (the family's CAs, responder, TSA). */
  byRole(family: string, role: PkiRole): PkiCertificateRow | undefined {
    return this.s.byRole.get(family, role);
  }

  /** The newest still-valid certificate of an owner (a service's seal, a person's eID). */
  byOwner(family: string, role: PkiRole, owner: string, now: string): PkiCertificateRow | undefined {
    return this.s.byOwner.get(family, role, owner, now);
  }

  roots(): PkiCertificateRow[] {
    return this.s.roots.all();
  }

  certificationAuthorities(): PkiCertificateRow[] {
    return this.s.cas.all();
  }

  hasCertificates(family: string, owner: string): boolean {
    return (this.s.countOwner.get(family, owner)?.n ?? 0) > 0;
  }

  personStatus(family: string, owner: string): PersonStatus {
    return this.s.person.get(family, owner)?.status ?? 'active';
  }

  /**
   * Revokes (or, with `certificateHold`, locks) every certificate the person holds in the family, and
   * remembers it so that one-time certificates are refused too. Reactivating lifts a lock; revoked
   * certificates stay revoked (RFC 5280 lets only a hold be released) and the person's next signature
   * gets a new certificate, as a renewed eID would.
   */
  setPersonStatus(family: string, owner: string, status: PersonStatus, now: string): void {
    const reason = status === 'locked' ? 'certificateHold' : 'keyCompromise';
    this.s.setPerson.run(family, owner, status, now);
    if (status === 'active') {
      this.s.releaseHold.run(family, owner);
      return;
    }
    this.s.revokeOwner.run(now, reason, family, owner);
  }
}
