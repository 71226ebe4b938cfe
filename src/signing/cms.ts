import { sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type * as Pkijs from 'pkijs';
import type { Credential } from './credential';
import { OID, sha256, toArrayBuffer } from './der';
import {
  algorithm,
  explicit,
  implicit,
  integer,
  issuerSerial,
  NULL,
  octetString,
  oid,
  readCertificate,
  readWhole,
  sequence,
  setOf,
  TAG,
  time,
  tlv,
} from './der-writer';
import { usePkijs } from './pkijs-engine';

/**
 * Detached CMS SignedData (RFC 5652) in the CAdES baseline form (EN 319 122-1): what the CMS-based
 * eID methods return and what PAdES embeds. Assembled from DER pieces and signed with Node's crypto:
 * the certificates go in as the bytes they are, and the per-certificate pieces are made once.
 */

export interface DetachedSignatureOptions {
  /**
   * Adds the signingTime attribute. CMS-based eID signatures carry it; PAdES must not (EN 319 142-1
   * puts the time in the signature dictionary's /M instead).
   */
  readonly signingTime?: Date;
  /**
   * Asked for an RFC 3161 TimeStampToken (DER ContentInfo) over the SHA-256 of the signature value;
   * the token becomes the unsigned signature-time-stamp attribute (CAdES-T / PAdES B-T).
   */
  readonly timestamp?: (imprint: Buffer) => Promise<Buffer>;
}

const signAsync = promisify(sign);

const CMS_VERSION_1 = integer(1);
/** Hash algorithms go without parameters (RFC 5754 §2), as OpenSSL writes them. */
const SHA256_ALGORITHM = algorithm(OID.sha256);
/**
 * rsaEncryption with NULL parameters: the RSA PKCS#1 v1.5 signature identifier every CMS
 * implementation must accept (RFC 3370 §3.2), and the one `openssl cms -sign` writes; the hash is
 * the SignerInfo's digestAlgorithm.
 */
const RSA_ALGORITHM = algorithm(OID.rsaEncryption, NULL);
const DIGEST_ALGORITHMS = setOf(SHA256_ALGORITHM);
/** EncapsulatedContentInfo of id-data without eContent: the signature is detached. */
const DETACHED_DATA = sequence(oid(OID.data));
const CONTENT_TYPE_DATA = attribute(OID.contentType, oid(OID.data));

/** A CMS Attribute: its type and its values as a SET OF. */
export function attribute(type: string, ...values: readonly Uint8Array[]): Buffer {
  return sequence(oid(type), setOf(...values));
}

/** What signing needs of a certificate, made once per certificate buffer. */
interface CertificateParts {
  /** IssuerAndSerialNumber: the certificate's issuer and serial exactly as encoded in it. */
  readonly issuerAndSerial: Buffer;
  /** The ESS signing-certificate-v2 attribute. */
  readonly signingCertificateV2: Buffer;
}

const certificateParts = new WeakMap<Uint8Array, CertificateParts>();

/**
 * Reading a certificate and hashing it cost little, but a signer signs with the same certificate
 * buffer signature after signature. Callers must not change a buffer after handing it here.
 */
function partsOf(certificateDer: Uint8Array): CertificateParts {
  let parts = certificateParts.get(certificateDer);
  if (!parts) {
    const certificate = readCertificate(certificateDer);
    // ESSCertIDv2 without hashAlgorithm: SHA-256 is its DEFAULT, and DER omits defaults.
    const essCertIdV2 = sequence(octetString(sha256(certificateDer)), issuerSerial(certificate));
    parts = {
      issuerAndSerial: sequence(certificate.issuer, certificate.serialNumber),
      signingCertificateV2: attribute(OID.signingCertificateV2, sequence(sequence(essCertIdV2))),
    };
    certificateParts.set(certificateDer, parts);
  }
  return parts;
}

/**
 * DER of the ESS signing-certificate-v2 attribute (RFC 5035): binds a signature to the signer's
 * certificate, which CAdES, PAdES and RFC 5816 timestamps require.
 */
export function signingCertificateV2Attribute(certificateDer: Uint8Array): Buffer {
  return partsOf(certificateDer).signingCertificateV2;
}

/** DER of the IssuerAndSerialNumber naming this certificate as a SignerInfo's sid (RFC 5652 §10.2.4). */
export function issuerAndSerialNumber(certificateDer: Uint8Array): Buffer {
  return partsOf(certificateDer).issuerAndSerial;
}

/**
 * A detached CMS SignedData (CAdES B-B, or B-T with a timestamp) over content whose SHA-256 is
 * `messageDigest`: the content itself is not in the result. Signed attributes: contentType,
 * messageDigest, signing-certificate-v2 and, when asked, signingTime. Certificates: the signer, then
 * its chain.
 */
export async function signDigestDetached(
  messageDigest: Buffer,
  signer: Credential,
  options: DetachedSignatureOptions = {},
): Promise<Buffer> {
  if (messageDigest.length !== 32) throw new Error(`a SHA-256 message digest has 32 bytes, not ${messageDigest.length}`);
  const parts = partsOf(signer.certificate);
  const attributes = [CONTENT_TYPE_DATA, attribute(OID.messageDigest, octetString(messageDigest)), parts.signingCertificateV2];
  if (options.signingTime) attributes.push(attribute(OID.signingTime, time(options.signingTime)));
  // The signature covers the attributes' DER as a SET OF (X.690 §11.6 order); the SignerInfo sends
  // the same bytes under [0] IMPLICIT (RFC 5652 §5.4).
  const signedAttributes = setOf(...attributes);
  const signature = await signRsaSha256(signer.privateKey, signedAttributes);
  const unsignedAttributes = options.timestamp ? [await timestampAttribute(options.timestamp, signature)] : [];
  const signerInfo = sequence(
    CMS_VERSION_1,
    parts.issuerAndSerial,
    SHA256_ALGORITHM,
    implicit(0, signedAttributes),
    RSA_ALGORITHM,
    octetString(signature),
    ...unsignedAttributes,
  );
  // Version 1: sid is IssuerAndSerialNumber, the content id-data and no attribute certificates
  // (RFC 5652 §5.1). The certificates stay signer first: RFC 5652 asks DER of the signed attributes
  // only, and some readers take the first certificate for the signer's.
  const signedData = sequence(
    CMS_VERSION_1,
    DIGEST_ALGORITHMS,
    DETACHED_DATA,
    tlv(0xa0, signer.certificate, ...signer.chain),
    setOf(signerInfo),
  );
  return sequence(oid(OID.signedData), explicit(0, signedData));
}

/** A detached CMS signature over `data` (see signDigestDetached). */
export function signDetached(data: Uint8Array, signer: Credential, options: DetachedSignatureOptions = {}): Promise<Buffer> {
  return signDigestDetached(sha256(data), signer, options);
}

/**
 * unsignedAttrs [1] IMPLICIT SET OF holding the signature-time-stamp attribute (RFC 3161 appendix A):
 * a token over the SHA-256 of the signature value.
 */
async function timestampAttribute(timestamp: (imprint: Buffer) => Promise<Buffer>, signature: Buffer): Promise<Buffer> {
  const token = await timestamp(sha256(signature));
  if (tagOfWhole(token) !== TAG.SEQUENCE) throw new Error('the timestamp token is not a ContentInfo');
  return implicit(1, setOf(attribute(OID.signatureTimeStampToken, token)));
}

/** The tag of `der` when it is exactly one DER element. */
function tagOfWhole(der: Buffer): number {
  try {
    return readWhole(der).tag;
  } catch (error) {
    throw new Error(`the timestamp token is not DER: ${(error as Error).message}`);
  }
}

/** RSA PKCS#1 v1.5 with SHA-256 through Node's crypto, off the event loop. */
async function signRsaSha256(key: KeyObject, data: Buffer): Promise<Buffer> {
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`a CMS signer key must be RSA, not ${String(key.asymmetricKeyType)}`);
  return signAsync('sha256', data, key);
}

const parsedCertificates = new WeakMap<Uint8Array, Pkijs.Certificate>();

/**
 * Parses DER certificate bytes into pkijs's model, once per buffer, for code that reads certificates
 * (signing does not use it). Callers must not change a buffer after handing it here.
 */
export function pkijsCertificate(der: Uint8Array): Pkijs.Certificate {
  let parsed = parsedCertificates.get(der);
  if (!parsed) {
    parsed = usePkijs().Certificate.fromBER(toArrayBuffer(der));
    parsedCertificates.set(der, parsed);
  }
  return parsed;
}
