import { randomBytes, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { OID, wholeSeconds } from './der';

/** One attribute of a distinguished name, e.g. `{ type: 'CN', value: 'Kari Nordmann' }`. */
export interface NameAttribute {
  readonly type: 'C' | 'O' | 'OU' | 'CN' | 'serialNumber' | 'GN' | 'SN' | 'E';
  readonly value: string;
}

export type CertificateProfile =
  /** A certification authority (root or issuing). */
  | { readonly kind: 'ca'; readonly pathLength?: number }
  /** A person's signing certificate: non-repudiation, with the OCSP address of its issuer. */
  | { readonly kind: 'signer' }
  /** An organisation's seal (e-seal). */
  | { readonly kind: 'seal' }
  /** A time-stamping unit: critical EKU timeStamping only (RFC 3161 §2.3). */
  | { readonly kind: 'tsa' }
  /** A delegated OCSP responder: EKU OCSPSigning and id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2). */
  | { readonly kind: 'ocsp' };

export interface CertificateSpec {
  readonly subject: readonly NameAttribute[];
  readonly publicKey: KeyObject;
  readonly profile: CertificateProfile;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The key that signs: the issuer's, or for a self-signed root the subject's own. */
  readonly signingKey: KeyObject;
  /** DER of the issuing CA's certificate; absent for a self-signed root. */
  readonly issuerCertificate?: Buffer;
  /** Written into the Authority Information Access extension, so validators know where to ask. */
  readonly ocspUrl?: string;
  readonly caIssuersUrl?: string;
  /** Hex; random 16 bytes when absent. */
  readonly serialHex?: string;
}

const SHORT_NAMES: Record<NameAttribute['type'], string> = {
  C: 'countryName',
  O: 'organizationName',
  OU: 'organizationalUnitName',
  CN: 'commonName',
  serialNumber: 'serialNumber',
  GN: 'givenName',
  SN: 'surname',
  E: 'emailAddress',
};

function forgeName(attributes: readonly NameAttribute[]): forge.pki.CertificateField[] {
  return attributes.map((a) => {
    // Country codes and serial numbers are PrintableString by definition (RFC 5280 appendix A); the rest
    // are UTF8String so that Nordic letters survive.
    const printable = a.type === 'C' || a.type === 'serialNumber';
    const ia5 = a.type === 'E';
    const valueTagClass = printable ? forge.asn1.Type.PRINTABLESTRING : ia5 ? forge.asn1.Type.IA5STRING : forge.asn1.Type.UTF8;
    return { name: SHORT_NAMES[a.type], value: a.value, valueTagClass } as unknown as forge.pki.CertificateField;
  });
}

/** node-forge has this function; its type declarations do not. */
interface ForgeTbs {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
}

/** The subject Name of a DER certificate, as forge ASN.1 (TBSCertificate field 5, after the [0] version). */
function subjectNameOf(certificateDer: Buffer): forge.asn1.Asn1 {
  const certificate = forge.asn1.fromDer(certificateDer.toString('binary'));
  const tbs = (certificate.value as forge.asn1.Asn1[])[0] as forge.asn1.Asn1;
  const fields = tbs.value as forge.asn1.Asn1[];
  const hasVersion = fields[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC;
  return fields[hasVersion ? 5 : 4] as forge.asn1.Asn1;
}

function derOf(asn: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(asn).getBytes(), 'binary');
}

function oidNode(oid: string): forge.asn1.Asn1 {
  return forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OID, false, forge.asn1.oidToDer(oid).getBytes());
}

/** AccessDescription SEQUENCE { accessMethod, uniformResourceIdentifier [6] }. */
function accessDescription(method: string, url: string): forge.asn1.Asn1 {
  return forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, [
    oidNode(method),
    forge.asn1.create(forge.asn1.Class.CONTEXT_SPECIFIC, 6, false, url),
  ]);
}

function extendedKeyUsage(oids: readonly string[], critical: boolean): object {
  return {
    id: '2.5.29.37',
    critical,
    value: forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, oids.map(oidNode)),
  };
}

function extensionsFor(spec: CertificateSpec): object[] {
  const extensions: object[] = [];
  const profile = spec.profile;
  if (profile.kind === 'ca') {
    extensions.push(
      profile.pathLength === undefined
        ? { name: 'basicConstraints', cA: true, critical: true }
        : { name: 'basicConstraints', cA: true, critical: true, pathLenConstraint: profile.pathLength },
    );
    extensions.push({ name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true });
  } else {
    extensions.push({ name: 'basicConstraints', cA: false, critical: true });
  }
  if (profile.kind === 'signer' || profile.kind === 'seal') {
    extensions.push({ name: 'keyUsage', critical: true, digitalSignature: true, nonRepudiation: true });
    extensions.push(extendedKeyUsage([OID.ekuClientAuth, OID.ekuEmailProtection], false));
  }
  if (profile.kind === 'tsa') {
    extensions.push({ name: 'keyUsage', critical: true, digitalSignature: true, nonRepudiation: true });
    extensions.push(extendedKeyUsage([OID.ekuTimeStamping], true));
  }
  if (profile.kind === 'ocsp') {
    extensions.push({ name: 'keyUsage', critical: true, digitalSignature: true });
    extensions.push(extendedKeyUsage([OID.ekuOcspSigning], false));
    // id-pkix-ocsp-nocheck: the responder's own status is not asked of itself.
    extensions.push({ id: OID.ocspNoCheck, critical: false, value: forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.NULL, false, '') });
  }
  extensions.push({ name: 'subjectKeyIdentifier' });
  
  const access: forge.asn1.Asn1[] = [];
  if (spec.ocspUrl !== undefined) access.push(accessDescription(OID.ocspAccessMethod, spec.ocspUrl));
  if (spec.caIssuersUrl !== undefined) access.push(accessDescription(OID.caIssuersAccessMethod, spec.caIssuersUrl));
  if (access.length > 0) {
    extensions.push({
      id: OID.authorityInfoAccess,
      critical: false,
      value: forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, access),
    });
  }
  return extensions;
}

/**
 * Issues an X.509 v3 certificate. node-forge assembles the TBSCertificate; Node's crypto signs it,
 * because forge's pure-JavaScript RSA signs about 30 times a second and a one-time-code signature
 * issues a fresh certificate every time.
 */
export function issueCertificate(spec: CertificateSpec): Buffer {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // A positive serial: clear the top bit so DER needs no leading zero byte.
  const serial = spec.serialHex ?? randomBytes(16).toString('hex');
  cert.serialNumber = (parseInt(serial.slice(0, 2), 16) & 0x7f).toString(16).padStart(2, '0') + serial.slice(2);
  cert.validity.notBefore = wholeSeconds(spec.notBefore);
  cert.validity.notAfter = wholeSeconds(spec.notAfter);
  cert.setSubject(forgeName(spec.subject));
  const issuer =
    spec.issuerCertificate === undefined
      ? undefined
      : forge.pki.certificateFromAsn1(forge.asn1.fromDer(spec.issuerCertificate.toString('binary')));
  // The issuer name is copied from the issuing certificate as parsed, so its string types match byte for byte.
  cert.setIssuer(issuer ? issuer.subject.attributes : forgeName(spec.subject));
  const extensions = extensionsFor(spec);
  if (issuer) {
    extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: issuer.generateSubjectKeyIdentifier().getBytes() });
  }
  cert.setExtensions(extensions);
  const signatureOid = forge.pki.oids['sha256WithRSAEncryption']!;
  cert.signatureOid = signatureOid;
  cert.siginfo.algorithmOid = signatureOid;
  const tbs = (forge.pki as unknown as ForgeTbs).getTBSCertificate(cert);
  if (spec.issuerCertificate !== undefined) {
    // The issuer Name must be the issuing certificate's subject byte for byte. forge re-encodes a parsed
    // name (and would UTF-8-encode a UTF8String twice), so the DER is taken over as it is.
    (tbs.value as forge.asn1.Asn1[])[3] = subjectNameOf(spec.issuerCertificate);
  }
  cert.tbsCertificate = tbs;
  cert.signature = sign('sha256', derOf(cert.tbsCertificate), spec.signingKey).toString('binary');
  return derOf(forge.pki.certificateToAsn1(cert));
}
