import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { OID, sha256 } from '../signing/der';
import { readCertificate, readChildren, readElement, type CertificateFields, type DerElement } from '../signing/der-writer';
import { NativeSignatureError, quoted } from './native-signature-error';

/**
 * Core validation of a detached CMS SignedData (RFC 5652), the signature the CMS-based eIDs make:
 * Nets one-time code, e-mail code, and the CMSSignature inside a Norwegian BankID SEID-SDO.
 *
 * The DER is read here rather than with pkijs: only a handful of fields matter, and reading them
 * costs microseconds, where pkijs's SignedData.verify (its object model of the SignedData and its
 * certificates, and WebCrypto) costs some ten times this whole check over a 1 MB document. The
 * signature is checked with node:crypto.
 *
 * What is accepted is what these eIDs make: one SignerInfo, identified by issuer and serial
 * number, SHA-256 as digest, RSA (PKCS #1 v1.5) as signature, signed attributes present, content
 * detached. Anything else is refused as `malformed` (not understood), never passed.
 */

export interface DetachedCmsCheck {
  /** DER ContentInfo holding the SignedData. */
  readonly cms: Buffer;
  /** SHA-256 of the content the signature must be over. */
  readonly contentDigest: Buffer;
  /** DER of the certificate that must have made the signature. */
  readonly signerCertificate: Buffer;
  /** How messages name the artifact ("the CMS signature"). */
  readonly what: string;
}

const ESS_SIGNING_CERTIFICATE_V2 = OID.signingCertificateV2;
const RSA_SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([OID.rsaEncryption, OID.sha256WithRsa]);

/**
 * Throws NativeSignatureError unless `cms` is a detached SignedData whose one signer is
 * `signerCertificate` and whose signature over its signed attributes verifies with that
 * certificate's key, with a messageDigest attribute equal to `contentDigest`.
 *
 * Checked in this order, so that the reason names the first thing wrong: the structure
 * (`malformed`); the certificate the SignerInfo names, which must be in the CMS and be the given
 * one (`certificate-mismatch`); the signature over the signed attributes (`signature-invalid`); an
 * ESS signing-certificate-v2 attribute, if present, which must hash the given certificate
 * (`certificate-mismatch`; read only once the signature has shown the attributes are the signer's;
 * the older signing-certificate, with a SHA-1 hash, is not read); the messageDigest
 * (`document-mismatch`).
 */
export function verifyDetachedCms(check: DetachedCmsCheck): void {
  const { cms, what } = check;
  const signed = readSignedData(cms, what);

  const named = signed.certificates.find((certificate) => sameIssuerAndSerial(certificate, signed.signer.sid, what));
  if (!named) {
    throw new NativeSignatureError('certificate-mismatch', `${what} does not carry the certificate its SignerInfo names`);
  }
  if (!named.equals(check.signerCertificate)) {
    throw new NativeSignatureError('certificate-mismatch', `${what} was made by another certificate than the one given`);
  }

  const key = certificatePublicKey(named, what);
  if (key.asymmetricKeyType !== 'rsa') {
    throw new NativeSignatureError('signature-invalid', `${what} claims an RSA signature, but the signer's key is not RSA`);
  }
  if (!verifySignature('sha256', signed.signer.signedAttributesDer, key, signed.signer.signature)) {
    throw new NativeSignatureError('signature-invalid', `the signature value of ${what} does not verify`);
  }

  const essCertHash = signed.signer.essCertHash;
  if (essCertHash && !essCertHash.equals(sha256(check.signerCertificate))) {
    throw new NativeSignatureError('certificate-mismatch', `the signing-certificate attribute of ${what} names another certificate`);
  }
  if (!signed.signer.messageDigest.equals(check.contentDigest)) {
    throw new NativeSignatureError('document-mismatch', `${what} signs another document (its messageDigest differs)`);
  }
}

// ---------------------------------------------------------------------------------------------
// The parts of a SignedData that core validation needs.

interface SignerInfoParts {
  /** IssuerAndSerialNumber: the issuer Name and the serialNumber INTEGER, each as DER. */
  readonly sid: { readonly issuer: Buffer; readonly serial: Buffer };
  /** DER of the signed attributes as signed: the [0] IMPLICIT tag re-tagged as SET OF (RFC 5652 §5.4). */
  readonly signedAttributesDer: Buffer;
  readonly messageDigest: Buffer;
  /** certHash of the first ESSCertIDv2 in signing-certificate-v2, when the attribute is there. */
  readonly essCertHash?: Buffer;
  readonly signature: Buffer;
}

interface SignedDataParts {
  readonly certificates: readonly Buffer[];
  readonly signer: SignerInfoParts;
}

function readSignedData(cms: Buffer, what: string): SignedDataParts {
  const der = new DerReader(cms, what);
  const contentInfo = der.top(SEQUENCE);
  const [contentType, explicitContent, ...restOfContentInfo] = der.children(contentInfo);
  der.expectOid(contentType, OID.signedData, 'contentType');
  if (!explicitContent || explicitContent.tag !== CONTEXT_0_CONSTRUCTED || restOfContentInfo.length > 0) {
    throw malformed(what, 'the ContentInfo does not hold exactly one SignedData');
  }
  const [signedData, ...afterSignedData] = der.children(explicitContent);
  if (!signedData || signedData.tag !== SEQUENCE || afterSignedData.length > 0) {
    throw malformed(what, 'the ContentInfo does not hold exactly one SignedData');
  }

  const fields = der.children(signedData);
  let next = 0;
  der.expectTag(fields[next++], INTEGER, 'SignedData version');
  der.expectTag(fields[next++], SET, 'digestAlgorithms');
  const encapContentInfo = der.expectTag(fields[next++], SEQUENCE, 'encapContentInfo');
  const [eContentType, eContent] = der.children(encapContentInfo);
  const contentTypeOid = der.oid(der.expectTag(eContentType, OBJECT_IDENTIFIER, 'eContentType'));
  if (eContent) throw malformed(what, 'the content is inside the signature; a detached signature was expected');

  const certificates: Buffer[] = [];
  if (fields[next]?.tag === CONTEXT_0_CONSTRUCTED) {
    for (const choice of der.children(fields[next++]!)) {
      // Other CertificateChoices (attribute certificates, [0]–[3]) name no signer: skipped.
      if (choice.tag === SEQUENCE) certificates.push(der.bytes(choice));
    }
  }
  if (fields[next]?.tag === CONTEXT_1_CONSTRUCTED) next++; // crls: revocation is the caller's part
  const signerInfos = der.children(der.expectTag(fields[next++], SET, 'signerInfos'));
  if (next !== fields.length) throw malformed(what, 'the SignedData has fields after its signerInfos');
  if (signerInfos.length !== 1) {
    throw malformed(what, `the SignedData has ${signerInfos.length} SignerInfos; exactly one was expected`);
  }
  return { certificates, signer: readSignerInfo(der, signerInfos[0]!, contentTypeOid, what) };
}

function readSignerInfo(der: DerReader, signerInfo: Tlv, contentTypeOid: string, what: string): SignerInfoParts {
  const fields = der.children(signerInfo);
  let next = 0;
  der.expectTag(fields[next++], INTEGER, 'SignerInfo version');
  const sidField = fields[next++];
  if (sidField?.tag !== SEQUENCE) {
    throw malformed(what, 'the SignerInfo does not name its signer by issuer and serial number');
  }
  const [issuer, serial, ...restOfSid] = der.children(sidField);
  der.expectTag(issuer, SEQUENCE, 'sid issuer');
  der.expectTag(serial, INTEGER, 'sid serialNumber');
  if (restOfSid.length > 0) throw malformed(what, 'the IssuerAndSerialNumber has extra fields');

  const digestAlgorithm = der.algorithm(der.expectTag(fields[next++], SEQUENCE, 'digestAlgorithm'));
  if (digestAlgorithm !== OID.sha256) throw malformed(what, `the digest algorithm ${quoted(digestAlgorithm)} is not supported`);

  const signedAttributes = fields[next++];
  if (signedAttributes?.tag !== CONTEXT_0_CONSTRUCTED) throw malformed(what, 'the SignerInfo has no signed attributes');
  const signatureAlgorithm = der.algorithm(der.expectTag(fields[next++], SEQUENCE, 'signatureAlgorithm'));
  if (!RSA_SIGNATURE_ALGORITHMS.has(signatureAlgorithm)) {
    throw malformed(what, `the signature algorithm ${quoted(signatureAlgorithm)} is not supported`);
  }
  const signature = der.content(der.expectTag(fields[next++], OCTET_STRING, 'signature'));
  if (fields[next]?.tag === CONTEXT_1_CONSTRUCTED) next++; // unsigned attributes: not part of core validation
  if (next !== fields.length) throw malformed(what, 'the SignerInfo has unexpected fields');

  const attributes = readAttributes(der, signedAttributes, what);
  const contentType = singleValue(attributes, OID.contentType, 'contentType', what);
  if (!contentType) throw malformed(what, 'the signed attributes have no contentType');
  if (der.oid(der.expectTag(contentType, OBJECT_IDENTIFIER, 'contentType value')) !== contentTypeOid) {
    throw malformed(what, 'the contentType attribute differs from the eContentType');
  }
  const messageDigestValue = singleValue(attributes, OID.messageDigest, 'messageDigest', what);
  if (!messageDigestValue) throw malformed(what, 'the signed attributes have no messageDigest');
  const messageDigest = der.content(der.expectTag(messageDigestValue, OCTET_STRING, 'messageDigest value'));

  const essValue = singleValue(attributes, ESS_SIGNING_CERTIFICATE_V2, 'signingCertificateV2', what);
  const essCertHash = essValue ? firstEssCertHash(der, essValue, what) : undefined;

  // What was signed is the DER of the attributes as a SET OF: the same bytes with the tag 0x31.
  const signedAttributesDer = Buffer.from(der.bytes(signedAttributes));
  signedAttributesDer[0] = SET;
  return {
    sid: { issuer: der.bytes(issuer!), serial: der.bytes(serial!) },
    signedAttributesDer,
    messageDigest,
    ...(essCertHash ? { essCertHash } : {}),
    signature,
  };
}

/** The attributes by type; a type given twice is refused (RFC 5652 §5.3 and §11). */
function readAttributes(der: DerReader, attributes: Tlv, what: string): Map<string, Tlv[]> {
  const byType = new Map<string, Tlv[]>();
  for (const attribute of der.children(attributes)) {
    der.expectTag(attribute, SEQUENCE, 'attribute');
    const [type, values, ...rest] = der.children(attribute);
    const oid = der.oid(der.expectTag(type, OBJECT_IDENTIFIER, 'attribute type'));
    der.expectTag(values, SET, 'attribute values');
    if (rest.length > 0) throw malformed(what, `the attribute ${quoted(oid)} has extra fields`);
    if (byType.has(oid)) throw malformed(what, `the signed attribute ${quoted(oid)} occurs twice`);
    byType.set(oid, der.children(values!));
  }
  return byType;
}

function singleValue(attributes: Map<string, Tlv[]>, oid: string, name: string, what: string): Tlv | undefined {
  const values = attributes.get(oid);
  if (!values) return undefined;
  if (values.length !== 1) throw malformed(what, `the ${name} attribute must have exactly one value`);
  return values[0];
}

/**
 * certHash of the first ESSCertIDv2 (RFC 5035): the one that identifies the signer's certificate.
 * Its hashAlgorithm is SHA-256 when absent (the DEFAULT); another one is not supported.
 */
function firstEssCertHash(der: DerReader, value: Tlv, what: string): Buffer {
  const [certs] = der.children(der.expectTag(value, SEQUENCE, 'SigningCertificateV2'));
  const [first] = der.children(der.expectTag(certs, SEQUENCE, 'SigningCertificateV2 certs'));
  const fields = der.children(der.expectTag(first, SEQUENCE, 'ESSCertIDv2'));
  let next = 0;
  if (fields[next]?.tag === SEQUENCE) {
    const algorithm = der.algorithm(fields[next++]!);
    if (algorithm !== OID.sha256) {
      throw malformed(what, `the signing-certificate hash algorithm ${quoted(algorithm)} is not supported`);
    }
  }
  return der.content(der.expectTag(fields[next], OCTET_STRING, 'ESSCertIDv2 certHash'));
}

// ---------------------------------------------------------------------------------------------
// Certificates.

/** The certificate's outline (der-writer's strict reader); what cannot be read is `malformed`. */
function certificateFields(certificate: Buffer, what: string): CertificateFields {
  try {
    return readCertificate(certificate);
  } catch (err) {
    throw malformed(`a certificate in ${what}`, (err as Error).message);
  }
}

/** Issuer and serial are compared as DER, byte for byte, as the signer copied them. */
function sameIssuerAndSerial(certificate: Buffer, sid: SignerInfoParts['sid'], what: string): boolean {
  const fields = certificateFields(certificate, what);
  return fields.serialNumber.equals(sid.serial) && fields.issuer.equals(sid.issuer);
}

/**
 * Public keys by certificate (base64 DER), the most recent last. A person's certificate signs again
 * and again, and importing its key costs several times an RSA verification.
 */
const publicKeys = new Map<string, KeyObject>();
const PUBLIC_KEYS_KEPT = 1000;

/** The public key of a DER certificate; `malformed` when it cannot be read. */
export function certificatePublicKey(certificate: Buffer, what: string): KeyObject {
  const cacheKey = certificate.toString('base64');
  const cached = publicKeys.get(cacheKey);
  if (cached) {
    publicKeys.delete(cacheKey);
    publicKeys.set(cacheKey, cached);
    return cached;
  }
  const { subjectPublicKeyInfo } = certificateFields(certificate, what);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: subjectPublicKeyInfo, format: 'der', type: 'spki' });
  } catch (error) {
    throw malformed(what, `the signer's public key cannot be read: ${(error as Error).message}`);
  }
  publicKeys.set(cacheKey, key);
  if (publicKeys.size > PUBLIC_KEYS_KEPT) publicKeys.delete(publicKeys.keys().next().value!);
  return key;
}

// ---------------------------------------------------------------------------------------------
// Just enough DER.

const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const OBJECT_IDENTIFIER = 0x06;
const SEQUENCE = 0x30;
const SET = 0x31;
const CONTEXT_0_CONSTRUCTED = 0xa0;
const CONTEXT_1_CONSTRUCTED = 0xa1;

/** An element as the reader found it: views of the CMS's own bytes. */
type Tlv = DerElement;

function malformed(what: string, detail: string): NativeSignatureError {
  return new NativeSignatureError('malformed', `${what} is not a CMS signature as expected: ${detail}`);
}

/** A reader over one DER buffer that refuses, as `malformed`, anything it cannot read exactly. */
class DerReader {
  constructor(
    private readonly der: Buffer,
    private readonly what: string,
  ) {}

  /** The outermost element, which must fill the buffer and have this tag. */
  top(tag: number): Tlv {
    const tlv = this.strictly(() => readElement(this.der));
    if (tlv.tag !== tag || tlv.bytes.length !== this.der.length) throw malformed(this.what, 'it is not one DER element');
    return tlv;
  }

  /** The elements a constructed element holds, which must fill it exactly. */
  children(parent: Tlv): Tlv[] {
    return this.strictly(() => readChildren(parent));
  }

  expectTag(tlv: Tlv | undefined, tag: number, name: string): Tlv {
    if (!tlv || tlv.tag !== tag) throw malformed(this.what, `${name} is missing or not of the expected type`);
    return tlv;
  }

  expectOid(tlv: Tlv | undefined, oid: string, name: string): void {
    const found = this.oid(this.expectTag(tlv, OBJECT_IDENTIFIER, name));
    if (found !== oid) throw malformed(this.what, `${name} is ${quoted(found)}, not ${oid}`);
  }

  /** An AlgorithmIdentifier's OID (its parameters, NULL or absent for the algorithms accepted, are not read). */
  algorithm(tlv: Tlv): string {
    const [oid] = this.children(tlv);
    return this.oid(this.expectTag(oid, OBJECT_IDENTIFIER, 'algorithm'));
  }

  /** Dotted form of an OBJECT IDENTIFIER. */
  oid(tlv: Tlv): string {
    const content = this.content(tlv);
    if (content.length === 0 || (content[content.length - 1]! & 0x80) !== 0) throw malformed(this.what, 'bad OID');
    const arcs: number[] = [];
    let value = 0;
    for (const byte of content) {
      if (value === 0 && byte === 0x80) throw malformed(this.what, 'bad OID');
      value = value * 128 + (byte & 0x7f);
      if (value > Number.MAX_SAFE_INTEGER / 128) throw malformed(this.what, 'OID arc too large');
      if ((byte & 0x80) === 0) {
        arcs.push(value);
        value = 0;
      }
    }
    const first = arcs[0]!;
    const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
    return [...head, ...arcs.slice(1)].join('.');
  }

  /** The whole element (tag, length and content). */
  bytes(tlv: Tlv): Buffer {
    return tlv.bytes;
  }

  content(tlv: Tlv): Buffer {
    return tlv.contents;
  }

  /** der-writer's reader refuses what DER does not allow (RangeError); here that is `malformed`. */
  private strictly<T>(read: () => T): T {
    try {
      return read();
    } catch (err) {
      throw malformed(this.what, (err as Error).message);
    }
  }
}
