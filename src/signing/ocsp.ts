import { createHash, sign, type KeyObject, type X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import type * as Pkijs from 'pkijs';
import { parseCertificate, serialHexOf } from './certificate-cache';
import type { Credential } from './credential';
import { OID, toArrayBuffer, wholeSeconds } from './der';
import {
  algorithm,
  bitString,
  enumerated,
  explicit,
  generalizedTime,
  NULL,
  octetString,
  oid,
  oidText,
  readCertificate,
  readChildren,
  readWhole,
  sequence,
  TAG,
  tlv,
  unsignedInteger,
} from './der-writer';
import { usePkijs } from './pkijs-engine';

/**
 * RFC 6960 OCSP: the requests Paraph sends, the responses its test CAs' responders give, and the
 * reading of a response. Pure functions: the caller supplies the time and the certificates' status.
 */

export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'certificateHold'
  | 'cessationOfOperation'
  | 'superseded'
  | 'affiliationChanged';

export type CertificateStatus =
  | { status: 'good' }
  | { status: 'revoked'; revokedAt: Date; reason: RevocationReason }
  | { status: 'unknown' };

/**
 * Who signs responses: a delegated responder certificate issued by the CA it answers for, with EKU
 * OCSPSigning and id-pkix-ocsp-nocheck; its chain starts with that CA.
 */
export interface OcspResponder {
  readonly credential: Credential;
}

/** The certificate a request asks about, as the request names it (RFC 6960 §4.1.1 CertID). */
export interface OcspCertId {
  hashAlgorithm: 'sha1' | 'sha256';
  /** Hash of the DER issuer name. */
  issuerNameHash: Buffer;
  /** Hash of the issuer's public key (the BIT STRING's value, without tag, length and unused-bits byte). */
  issuerKeyHash: Buffer;
  /** Lowercase hex, no leading zeros. */
  serialHex: string;
}

/** What the caller's lookup says about one CertID; undefined when the issuer is not one of ours. */
export interface OcspAnswer {
  responder: OcspResponder;
  status: CertificateStatus;
}

export type OcspLookup = (id: OcspCertId) => OcspAnswer | undefined | Promise<OcspAnswer | undefined>;

export interface OcspResponseOptions {
  /** producedAt and thisUpdate; milliseconds are dropped (NSS rejects fractional times). */
  time: Date;
  /** nextUpdate − thisUpdate. Default one hour (DEFAULT_OCSP_VALIDITY_MS). */
  validityMs?: number;
}

/** What a response says, read without checking its signature. */
export interface OcspResult {
  producedAt: Date;
  thisUpdate: Date;
  nextUpdate?: Date;
  status: CertificateStatus;
  serialHex: string;
  /** DER of the first certificate the response carries: the delegated responder's. */
  responderCertificate?: Buffer;
}

/** The non-successful OCSPResponseStatus values (RFC 6960 §4.2.1). */
export type OcspErrorStatus = 'malformedRequest' | 'internalError' | 'tryLater' | 'sigRequired' | 'unauthorized';

const RESPONSE_STATUS: Record<OcspErrorStatus | 'successful', number> = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
};

/** CRLReason codes (RFC 5280 §5.3.1). */
const REASON_CODES: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
};

const HASH_OIDS: Record<OcspCertId['hashAlgorithm'], string> = { sha1: OID.sha1, sha256: OID.sha256 };

/**
 * One hour. Responses are made on demand, so a short life costs nothing, and a relying party that
 * caches them until nextUpdate sees a revocation made in the test PKI within the hour. Validators of
 * long-term signatures judge the response by its thisUpdate against the signing time, not by its end.
 */
export const DEFAULT_OCSP_VALIDITY_MS = 3_600_000;

const signAsync = promisify(sign);

/** good [0] IMPLICIT NULL and unknown [2] IMPLICIT NULL. */
const STATUS_GOOD = Buffer.from([0x80, 0x00]);
const STATUS_UNKNOWN = Buffer.from([0x82, 0x00]);
/** RSA signature algorithms carry NULL parameters (RFC 4055 §5). */
const SHA256_WITH_RSA_ALGORITHM = algorithm(OID.sha256WithRsa, NULL);

export { serialHexOf } from './certificate-cache';

/**
 * The CertID of `certificateDer`, issued by `issuerDer`. SHA-1 by default: RFC 5019 clients send it,
 * and every validator matches it. Throws when `issuerDer` did not issue the certificate.
 */
export function certIdOf(
  certificateDer: Buffer,
  issuerDer: Buffer,
  hashAlgorithm: OcspCertId['hashAlgorithm'] = 'sha1',
): OcspCertId {
  const certificate = parseCertificate(certificateDer);
  const issuer = issuerParts(issuerDer);
  if (!certificate.checkIssued(issuer.certificate)) throw new Error('the issuer certificate did not issue this certificate');
  const hash = (data: Uint8Array): Buffer => createHash(hashAlgorithm).update(data).digest();
  return {
    hashAlgorithm,
    issuerNameHash: hash(issuer.name),
    issuerKeyHash: hash(issuer.keyBits),
    serialHex: serialHexOf(certificateDer),
  };
}

/** A DER OCSPRequest about one certificate, with a nonce extension when `nonce` is given. */
export function buildOcspRequest(
  certificateDer: Buffer,
  issuerDer: Buffer,
  options: { nonce?: Buffer; hashAlgorithm?: OcspCertId['hashAlgorithm'] } = {},
): Buffer {
  const certId = certIdDer(certIdOf(certificateDer, issuerDer, options.hashAlgorithm ?? 'sha1'));
  const requestList = sequence(sequence(certId));
  if (!options.nonce) return sequence(sequence(requestList));
  // extnValue holds the DER of Nonce ::= OCTET STRING (RFC 8954), so the nonce is wrapped twice.
  const nonce = sequence(oid(OID.ocspNonce), octetString(octetString(options.nonce)));
  return sequence(sequence(requestList, explicit(2, sequence(nonce))));
}

/**
 * Answers a DER OCSPRequest with a DER OCSPResponse: one SingleResponse per certificate asked
 * about, the CertIDs echoed as sent, the nonce echoed. Bad input is answered, never thrown:
 * malformedRequest when the bytes are not an OCSPRequest; unauthorized when any certificate's issuer
 * is not ours (the lookup returns undefined), when its CertID uses a hash other than SHA-1 or SHA-256
 * (its issuer cannot be named), or when the certificates belong to different responders (one
 * response has one signature). Only a failing lookup or signature throws.
 */
export async function respondToOcspRequest(
  requestDer: Buffer,
  lookup: OcspLookup,
  options: OcspResponseOptions,
): Promise<Buffer> {
  const request = parseOcspRequest(requestDer);
  if (!request) return ocspErrorResponse('malformedRequest');
  const singles: SingleResponseSpec[] = [];
  let responder: OcspResponder | undefined;
  for (const item of request.requestList) {
    const id = requestedCertId(item.reqCert);
    const answer = id && (await lookup(id));
    if (!answer) return ocspErrorResponse('unauthorized');
    if (responder && !responder.credential.certificate.equals(answer.responder.credential.certificate)) {
      return ocspErrorResponse('unauthorized');
    }
    responder = answer.responder;
    singles.push({ certId: derOf(item.reqCert.toSchema()), status: answer.status });
  }
  if (!responder) return ocspErrorResponse('malformedRequest');
  const nonce = request.requestExtensions?.find((extension) => extension.extnID === OID.ocspNonce);
  return successfulResponse(singles, responder, options, nonce && derOf(nonce.toSchema()));
}

/**
 * A signed OCSP response about one certificate, for Paraph's own use when it embeds revocation data
 * in a signature (no request, so no nonce). The CertID uses SHA-1, which every validator matches.
 */
export async function createOcspResponse(
  certificateDer: Buffer,
  issuerDer: Buffer,
  status: CertificateStatus,
  responder: OcspResponder,
  options: OcspResponseOptions,
): Promise<Buffer> {
  const certId = certIdDer(certIdOf(certificateDer, issuerDer, 'sha1'));
  return successfulResponse([{ certId, status }], responder, options, undefined);
}

/** An OCSPResponse without responseBytes: for refusals, and for a responder that cannot answer now. */
export function ocspErrorResponse(status: OcspErrorStatus): Buffer {
  return sequence(enumerated(RESPONSE_STATUS[status]));
}

/**
 * What a basic OCSP response says about its first certificate. Parses only: it checks neither the
 * signature nor which certificate is meant. Throws on a non-successful responseStatus and on
 * anything that is not a basic OCSP response.
 */
export function readOcspResponse(responseDer: Buffer): OcspResult {
  return readBasicOcspResponse(responseDer).result;
}

/** A basic OCSP response taken apart: what it says, and what its signature covers. */
export interface BasicOcspResponseParts {
  readonly result: OcspResult;
  /** DER of tbsResponseData: the bytes the signature is over. */
  readonly signedData: Buffer;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
}

/**
 * Parses a DER OCSPResponse with the strict DER reader (pkijs costs several milliseconds a response,
 * and every signature reads one). Checks nothing but structure; throws on a non-successful status.
 */
export function readBasicOcspResponse(responseDer: Buffer): BasicOcspResponseParts {
  const top = readChildren(readWhole(responseDer));
  const status = top[0];
  if (!status || status.tag !== TAG.ENUMERATED) throw new Error('not an OCSP response');
  const code = status.contents.reduce((n, b) => n * 256 + b, 0);
  if (code !== RESPONSE_STATUS.successful) {
    const name = Object.entries(RESPONSE_STATUS).find(([, c]) => c === code)?.[0] ?? String(code);
    throw new Error(`the OCSP response status is ${name}`);
  }
  const bytesElement = top[1];
  if (!bytesElement || bytesElement.tag !== 0xa0) throw new Error('the OCSP response has no responseBytes');
  const [responseBytes] = readChildren(bytesElement);
  const [type, octets] = responseBytes ? readChildren(responseBytes) : [];
  if (!type || !octets || type.tag !== TAG.OBJECT_IDENTIFIER || !type.bytes.equals(oid(OID.ocspBasic))) {
    throw new Error('the OCSP response is not a basic OCSP response');
  }
  const [tbs, algorithmId, signature, certs] = readChildren(readWhole(octets.contents));
  if (!tbs || !algorithmId || !signature || signature.tag !== TAG.BIT_STRING) throw new Error('a malformed basic OCSP response');
  const tbsFields = readChildren(tbs);
  let i = tbsFields[0]?.tag === 0xa0 ? 1 : 0; // [0] EXPLICIT version, DEFAULT v1
  i++; // responderID
  const producedAt = tbsFields[i++];
  const responses = tbsFields[i];
  if (!producedAt || !responses) throw new Error('a malformed OCSP ResponseData');
  const [single] = readChildren(responses);
  if (!single) throw new Error('the OCSP response answers no certificate');
  const [certId, certStatus, thisUpdate, ...rest] = readChildren(single);
  if (!certId || !certStatus || !thisUpdate) throw new Error('a malformed SingleResponse');
  const serial = readChildren(certId)[3];
  if (!serial || serial.tag !== TAG.INTEGER) throw new Error('a malformed CertID');
  const nextUpdate = rest.find((e) => e.tag === 0xa0);
  const responder = certs?.tag === 0xa0 ? readChildren(readChildren(certs)[0]!)[0] : undefined;
  const [algorithm] = readChildren(algorithmId);
  return {
    result: {
      producedAt: generalizedTimeOf(producedAt.contents),
      thisUpdate: generalizedTimeOf(thisUpdate.contents),
      ...(nextUpdate ? { nextUpdate: generalizedTimeOf(readChildren(nextUpdate)[0]!.contents) } : {}),
      status: certificateStatusOf(certStatus),
      serialHex: serialHexOfBytes(serial.contents),
      ...(responder ? { responderCertificate: Buffer.from(responder.bytes) } : {}),
    },
    signedData: Buffer.from(tbs.bytes),
    signatureAlgorithm: oidText(algorithm!.contents),
    signature: Buffer.from(signature.contents.subarray(1)),
  };
}

/** GeneralizedTime contents (YYYYMMDDHHMMSS[.fff]Z) as a Date. */
function generalizedTimeOf(contents: Uint8Array): Date {
  const text = Buffer.from(contents).toString('latin1');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(text);
  if (!m) throw new Error(`an OCSP time is not a UTC GeneralizedTime: ${text.slice(0, 30)}`);
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms));
}

function certificateStatusOf(element: { tag: number; contents: Uint8Array; bytes: Uint8Array }): CertificateStatus {
  if (element.tag === 0x80) return { status: 'good' };
  if (element.tag === 0x82) return { status: 'unknown' };
  if (element.tag !== 0xa1) throw new Error('the OCSP response has no certificate status');
  const [time, reasonTag] = readChildren(element as Parameters<typeof readChildren>[0]);
  if (!time || time.tag !== TAG.GENERALIZED_TIME) throw new Error('the revoked status has no revocation time');
  const reasonValue = reasonTag?.tag === 0xa0 ? readChildren(reasonTag)[0] : undefined;
  const code = reasonValue ? reasonValue.contents.reduce((n, b) => n * 256 + b, 0) : REASON_CODES.unspecified;
  const reason = (Object.keys(REASON_CODES) as RevocationReason[]).find((name) => REASON_CODES[name] === code) ?? 'unspecified';
  return { status: 'revoked', revokedAt: generalizedTimeOf(time.contents), reason };
}

interface SingleResponseSpec {
  /** DER of the CertID as it goes into the response. */
  certId: Buffer;
  status: CertificateStatus;
}

/** The OCSPRequest, or undefined when the bytes are not one a responder can answer. */
function parseOcspRequest(requestDer: Buffer): Pkijs.TBSRequest | undefined {
  const pkijs = usePkijs();
  const asn1 = asn1js.fromBER(toArrayBuffer(requestDer));
  if (asn1.offset === -1 || asn1.offset !== requestDer.length) return undefined;
  let request: Pkijs.OCSPRequest;
  try {
    request = new pkijs.OCSPRequest({ schema: asn1.result });
  } catch {
    return undefined;
  }
  const tbs = request.tbsRequest;
  if (tbs.version !== undefined && tbs.version !== 0) return undefined;
  if (tbs.requestList.length === 0) return undefined;
  // RFC 6960 §4.4: unrecognised extensions are ignored, unless critical. The nonce is the one known.
  const unknownCritical = (tbs.requestExtensions ?? []).some((e) => e.critical && e.extnID !== OID.ocspNonce);
  return unknownCritical ? undefined : tbs;
}

/** The lookup's view of a request's CertID; undefined when its hash algorithm is one we cannot match. */
function requestedCertId(certId: Pkijs.CertID): OcspCertId | undefined {
  const algorithm = certId.hashAlgorithm.algorithmId;
  const hashAlgorithm = algorithm === OID.sha1 ? 'sha1' : algorithm === OID.sha256 ? 'sha256' : undefined;
  if (!hashAlgorithm) return undefined;
  return {
    hashAlgorithm,
    issuerNameHash: Buffer.from(certId.issuerNameHash.valueBlock.valueHexView),
    issuerKeyHash: Buffer.from(certId.issuerKeyHash.valueBlock.valueHexView),
    serialHex: serialHexOfBytes(certId.serialNumber.valueBlock.valueHexView),
  };
}

/**
 * CertID with NULL hash parameters, as OpenSSL writes it. The serial is rebuilt from its hex: the
 * positive INTEGER every conforming certificate has (RFC 5280 §4.1.2.2).
 */
function certIdDer(id: OcspCertId): Buffer {
  const hex = id.serialHex.length % 2 === 0 ? id.serialHex : `0${id.serialHex}`;
  return sequence(
    algorithm(HASH_OIDS[id.hashAlgorithm], NULL),
    octetString(id.issuerNameHash),
    octetString(id.issuerKeyHash),
    unsignedInteger(Buffer.from(hex, 'hex')),
  );
}

/** What a CertID needs of an issuer, parsed once per issuer certificate. */
interface IssuerParts {
  readonly certificate: X509Certificate;
  /** DER of its subject: OpenSSL hashes this, equal to the issued certificate's issuer field. */
  readonly name: Buffer;
  /** Its public key's BIT STRING value, which the key hash covers. */
  readonly keyBits: Uint8Array;
}

const issuers = new WeakMap<Buffer, IssuerParts>();

/** Issuers are few and their certificates long-lived: each is parsed once. */
function issuerParts(issuerDer: Buffer): IssuerParts {
  const found = issuers.get(issuerDer);
  if (found) return found;
  const fields = readCertificate(issuerDer);
  const parts = {
    certificate: parseCertificate(issuerDer),
    name: fields.subject,
    keyBits: fields.subjectPublicKey,
  };
  issuers.set(issuerDer, parts);
  return parts;
}

const responderNames = new WeakMap<Buffer, Buffer>();

/** DER of the responder's subject, for responderID byName. */
function responderName(credential: Credential): Buffer {
  let name = responderNames.get(credential.certificate);
  if (!name) {
    name = readCertificate(credential.certificate).subject;
    responderNames.set(credential.certificate, name);
  }
  return name;
}

/**
 * OCSPResponse successful, holding a BasicOCSPResponse signed by the responder and carrying its
 * certificate. Assembled from DER pieces: asn1js would re-encode the certificate on every response.
 */
async function successfulResponse(
  singles: readonly SingleResponseSpec[],
  responder: OcspResponder,
  options: OcspResponseOptions,
  nonceExtension: Buffer | undefined,
): Promise<Buffer> {
  const thisUpdate = wholeSeconds(options.time);
  const nextUpdate = wholeSeconds(new Date(thisUpdate.getTime() + (options.validityMs ?? DEFAULT_OCSP_VALIDITY_MS)));
  const extensions = nonceExtension ? [explicit(1, sequence(nonceExtension))] : [];
  const tbs = sequence(
    // version v1 is the DEFAULT, so DER leaves it out; responderID byName is [1] (EXPLICIT: Name is a CHOICE).
    explicit(1, responderName(responder.credential)),
    generalizedTime(thisUpdate),
    sequence(...singles.map((single) => singleResponse(single, thisUpdate, nextUpdate))),
    ...extensions,
  );
  const signature = await signWith(responder.credential.privateKey, tbs);
  const basic = sequence(
    tbs,
    SHA256_WITH_RSA_ALGORITHM,
    bitString(signature),
    explicit(0, sequence(responder.credential.certificate)),
  );
  const responseBytes = sequence(oid(OID.ocspBasic), octetString(basic));
  return sequence(enumerated(RESPONSE_STATUS.successful), explicit(0, responseBytes));
}

function singleResponse(single: SingleResponseSpec, thisUpdate: Date, nextUpdate: Date): Buffer {
  return sequence(single.certId, certStatusDer(single.status), generalizedTime(thisUpdate), explicit(0, generalizedTime(nextUpdate)));
}

/**
 * good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL. The reason
 * `unspecified` is left out rather than stated, as RFC 5280 §5.3.1 asks of CRLs; readers take a
 * missing reason as unspecified.
 */
function certStatusDer(status: CertificateStatus): Buffer {
  if (status.status === 'good') return STATUS_GOOD;
  if (status.status === 'unknown') return STATUS_UNKNOWN;
  const reason = status.reason === 'unspecified' ? [] : [explicit(0, enumerated(REASON_CODES[status.reason]))];
  // revoked [1] IMPLICIT RevokedInfo: the SEQUENCE's contents under a constructed [1].
  return tlv(0xa1, generalizedTime(wholeSeconds(status.revokedAt)), ...reason);
}

/** Lowercase hex of a serial number's bytes without leading zeros ("0" for zero). */
function serialHexOfBytes(serial: Uint8Array): string {
  return Buffer.from(serial).toString('hex').replace(/^0+(?=.)/, '');
}

/** RSA PKCS#1 v1.5 with SHA-256 through Node's crypto: a fraction of WebCrypto's cost, off the event loop. */
async function signWith(key: KeyObject, data: Buffer): Promise<Buffer> {
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`an OCSP responder key must be RSA, not ${String(key.asymmetricKeyType)}`);
  return signAsync('sha256', data, key);
}

/** DER of a value pkijs parsed from a request (a CertID, the nonce extension), echoed into the response. */
function derOf(value: asn1js.AsnType): Buffer {
  return Buffer.from(value.toBER(false));
}
