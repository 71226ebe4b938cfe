import { sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import type * as Pkijs from 'pkijs';
import { attribute, issuerAndSerialNumber, signingCertificateV2Attribute } from './cms';
import type { Credential } from './credential';
import { OID, sha256, toArrayBuffer, wholeSeconds } from './der';
import {
  algorithm,
  bitString,
  BOOLEAN_TRUE,
  explicit,
  generalizedTime,
  implicit,
  integer,
  NULL,
  octetString,
  oid,
  oidText,
  readChildren,
  readWhole,
  readCertificate,
  sequence,
  setOf,
  TAG,
  tlv,
  unsignedInteger,
  utf8String,
} from './der-writer';
import { usePkijs } from './pkijs-engine';

/**
 * RFC 3161 time-stamping: the requests Paraph sends, the tokens its own TSA issues and the replies
 * its TSA endpoint gives. Pure functions: the caller supplies the time and a unique serial number.
 */

/** A time-stamping unit: its credential (certificate with critical EKU timeStamping) and its policy. */
export interface TimestampAuthority {
  readonly credential: Credential;
  /** The TSA policy OID written into every token (RFC 3161 §2.4.2 `policy`). */
  readonly policyOid: string;
}

/** What a token says, read without checking its signature. */
export interface TimestampInfo {
  readonly genTime: Date;
  /** The hashed message the token covers. */
  readonly imprint: Buffer;
  /** OID of the hash algorithm of `imprint`. */
  readonly hashAlgorithm: string;
  /** The serial number as minimal unsigned big-endian bytes. */
  readonly serial: Buffer;
  readonly policyOid: string;
  /** DER of the certificate that signed the token, when the token carries it. */
  readonly tsaCertificate?: Buffer;
}

export interface TimestampTokenOptions {
  /** genTime; milliseconds are dropped (NSS rejects fractional times). */
  readonly time: Date;
  /** Unique per token (RFC 3161 §2.4.2); unsigned big-endian bytes. */
  readonly serial: Buffer;
  /** Echoed as asked: an INTEGER parsed from a request, or unsigned big-endian bytes. */
  readonly nonce?: asn1js.Integer | Buffer;
  /** Put the TSA certificate and its chain into the token (the request's certReq). Default true. */
  readonly includeCertificate?: boolean;
  /** OID of the algorithm that made `imprint`. Default SHA-256. */
  readonly hashAlgorithm?: string;
}

/**
 * PKIFailureInfo bits (RFC 3161 §2.4.2) that this TSA reports. A rejected request gets exactly one.
 */
export type TimestampFailure =
  | 'badAlg'
  | 'badRequest'
  | 'badDataFormat'
  | 'unacceptedPolicy'
  | 'unacceptedExtension'
  | 'systemFailure';

const FAILURE_BITS: Record<TimestampFailure, number> = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  systemFailure: 25,
};

const PKI_STATUS_GRANTED = 0;
const PKI_STATUS_REJECTION = 2;

const SHA384 = '2.16.840.1.101.3.4.2.2';
const SHA512 = '2.16.840.1.101.3.4.2.3';

/** The imprint algorithms a request may use, with their digest lengths in bytes. */
const IMPRINT_LENGTHS: ReadonlyMap<string, number> = new Map([
  [OID.sha1, 20],
  [OID.sha256, 32],
  [SHA384, 48],
  [SHA512, 64],
]);

const signAsync = promisify(sign);

const INTEGER_1 = integer(1);
const INTEGER_3 = integer(3);
/** Accuracy ::= SEQUENCE { seconds INTEGER 1 }. */
const ACCURACY_ONE_SECOND = sequence(INTEGER_1);
/** Hash algorithms go without parameters (RFC 5754 §2). */
const SHA256_ALGORITHM = algorithm(OID.sha256);
/** RSA signature algorithms carry NULL parameters (RFC 4055 §5). */
const SHA256_WITH_RSA_ALGORITHM = algorithm(OID.sha256WithRsa, NULL);

/**
 * A DER TimeStampReq for a SHA-256 imprint. certReq defaults to true because a token is usually
 * embedded in a signature, where validators need the TSA certificate.
 */
export function buildTimestampRequest(imprint: Buffer, options: { nonce?: Buffer; certReq?: boolean } = {}): Buffer {
  checkImprint(imprint, OID.sha256);
  const nonce = options.nonce ? [unsignedInteger(options.nonce)] : [];
  // certReq is BOOLEAN DEFAULT FALSE: DER leaves it out when false.
  const certReq = options.certReq ?? true ? [BOOLEAN_TRUE] : [];
  return sequence(INTEGER_1, messageImprint(OID.sha256, imprint), ...nonce, ...certReq);
}

/** A TimeStampToken (DER ContentInfo holding SignedData over a TSTInfo) for `imprint`. */
export async function createTimestampToken(
  imprint: Buffer,
  tsa: TimestampAuthority,
  options: TimestampTokenOptions,
): Promise<Buffer> {
  const algorithm = options.hashAlgorithm ?? OID.sha256;
  checkImprint(imprint, algorithm);
  return timestampToken(messageImprint(algorithm, imprint), tsa, options);
}

/**
 * Answers a DER TimeStampReq with a DER TimeStampResp. Bad requests are answered, never thrown:
 * status rejection with one PKIFailureInfo bit and a statusString saying what was wrong. Only a
 * failure of the TSA itself (its key cannot sign) throws.
 */
export async function respondToTimestampRequest(
  requestDer: Buffer,
  tsa: TimestampAuthority,
  options: { time: Date; serial: Buffer },
): Promise<Buffer> {
  const request = parseTimestampRequest(requestDer, tsa.policyOid);
  if (!request.ok) return rejectTimestampRequest(request.failure, request.reason);
  const token = await timestampToken(request.messageImprint, tsa, {
    time: options.time,
    serial: options.serial,
    nonce: request.nonce,
    includeCertificate: request.certReq,
  });
  return sequence(sequence(integer(PKI_STATUS_GRANTED)), token);
}

/**
 * A TimeStampResp with status rejection: for bad requests, and for callers whose TSA cannot answer
 * (`systemFailure`).
 */
export function rejectTimestampRequest(failure: TimestampFailure, reason: string): Buffer {
  const statusInfo = sequence(
    integer(PKI_STATUS_REJECTION),
    sequence(utf8String(reason)),
    failureInfo(FAILURE_BITS[failure]),
  );
  return sequence(statusInfo);
}

/**
 * What a TimeStampToken says. Parses only: it neither checks the signature nor the imprint, which
 * callers compare with their own hash. Throws on anything that is not a TimeStampToken.
 */
export function readTimestampToken(tokenDer: Buffer): TimestampInfo {
  const pkijs = usePkijs();
  const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(tokenDer));
  if (contentInfo.contentType !== OID.signedData) throw new Error('the timestamp token is not a CMS SignedData');
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  const encapsulated = signedData.encapContentInfo;
  if (encapsulated.eContentType !== OID.tstInfo || !(encapsulated.eContent instanceof asn1js.OctetString)) {
    throw new Error('the timestamp token does not hold a TSTInfo');
  }
  const tstInfo = pkijs.TSTInfo.fromBER(encapsulated.eContent.getValue());
  const tsaCertificate = signerCertificate(signedData);
  return {
    genTime: tstInfo.genTime,
    imprint: Buffer.from(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView),
    hashAlgorithm: tstInfo.messageImprint.hashAlgorithm.algorithmId,
    serial: integerBytes(tstInfo.serialNumber),
    policyOid: tstInfo.policy,
    ...(tsaCertificate ? { tsaCertificate } : {}),
  };
}

/**
 * The message imprint of a TimeStampToken, read with the strict DER reader: what a validator compares
 * with its own hash, without pkijs's cost (several milliseconds a token).
 */
export function readTimestampImprint(tokenDer: Buffer): { hashAlgorithm: string; imprint: Buffer } {
  const [contentType, content] = readChildren(readWhole(tokenDer));
  if (!contentType || !content || !contentType.bytes.equals(oid(OID.signedData))) {
    throw new Error('the timestamp token is not a CMS SignedData');
  }
  const signedData = readChildren(readChildren(content)[0]!);
  const [eContentType, eContent] = readChildren(signedData[2]!);
  if (!eContentType || !eContent || !eContentType.bytes.equals(oid(OID.tstInfo))) {
    throw new Error('the timestamp token does not hold a TSTInfo');
  }
  const tstInfo = readChildren(readWhole(readChildren(eContent)[0]!.contents));
  const [algorithmId, hashed] = readChildren(tstInfo[2]!);
  const algorithmOid = readChildren(algorithmId!)[0]!;
  return { hashAlgorithm: oidText(algorithmOid.contents), imprint: Buffer.from(hashed!.contents) };
}

type ParsedRequest =
  | { ok: true; messageImprint: Buffer; nonce?: asn1js.Integer; certReq: boolean }
  | { ok: false; failure: TimestampFailure; reason: string };

/** Checks a TimeStampReq the way RFC 3161 §2.4.1 asks, naming the first problem found. */
function parseTimestampRequest(requestDer: Buffer, policyOid: string): ParsedRequest {
  const pkijs = usePkijs();
  const asn1 = asn1js.fromBER(toArrayBuffer(requestDer));
  if (asn1.offset === -1 || asn1.offset !== requestDer.length) {
    return { ok: false, failure: 'badDataFormat', reason: 'the request is not one DER value' };
  }
  let request: Pkijs.TimeStampReq;
  try {
    request = new pkijs.TimeStampReq({ schema: asn1.result });
  } catch {
    return { ok: false, failure: 'badDataFormat', reason: 'the request is not a TimeStampReq' };
  }
  if (request.version !== 1) return { ok: false, failure: 'badRequest', reason: `unsupported version ${request.version}` };
  const algorithm = request.messageImprint.hashAlgorithm;
  const length = IMPRINT_LENGTHS.get(algorithm.algorithmId);
  if (length === undefined) {
    return { ok: false, failure: 'badAlg', reason: `unsupported hash algorithm ${algorithm.algorithmId}` };
  }
  const parameters = algorithm.algorithmParams as unknown;
  if (parameters !== undefined && !(parameters instanceof asn1js.Null)) {
    return { ok: false, failure: 'badAlg', reason: 'hash algorithm parameters must be absent or NULL' };
  }
  const hashedLength = request.messageImprint.hashedMessage.valueBlock.valueHexView.byteLength;
  if (hashedLength !== length) {
    return { ok: false, failure: 'badRequest', reason: `the imprint has ${hashedLength} bytes, the algorithm makes ${length}` };
  }
  if (request.reqPolicy !== undefined && request.reqPolicy !== policyOid) {
    return { ok: false, failure: 'unacceptedPolicy', reason: `this TSA issues under policy ${policyOid} only` };
  }
  // RFC 3161 §2.4.1: an extension the TSA does not know, critical or not, is refused. It knows none.
  if (request.extensions !== undefined && request.extensions.length > 0) {
    return { ok: false, failure: 'unacceptedExtension', reason: 'this TSA supports no request extensions' };
  }
  return {
    ok: true,
    messageImprint: derOf(request.messageImprint.toSchema()),
    ...(request.nonce ? { nonce: request.nonce } : {}),
    certReq: request.certReq === true,
  };
}

/** The DER pieces of a TSA's signer that never change, made once per certificate. */
interface PreparedSigner {
  /** IssuerAndSerialNumber. */
  readonly sid: Buffer;
  /** The TSA's subject Name, for TSTInfo's tsa field. */
  readonly tsaName: Buffer;
  /** The ESS signing-certificate-v2 attribute. */
  readonly essAttribute: Buffer;
  /** The TSA certificate then its chain. */
  readonly certificates: readonly Buffer[];
}

const preparedSigners = new WeakMap<Buffer, PreparedSigner>();

/**
 * Parsing and hashing the TSA certificate costs more than the RSA signature itself, and a TSA signs
 * with the same certificate for months: that is done once per certificate.
 */
function preparedSigner(credential: Credential): PreparedSigner {
  const found = preparedSigners.get(credential.certificate);
  if (found) return found;
  const prepared: PreparedSigner = {
    sid: issuerAndSerialNumber(credential.certificate),
    tsaName: readCertificate(credential.certificate).subject,
    essAttribute: signingCertificateV2Attribute(credential.certificate),
    certificates: [credential.certificate, ...credential.chain],
  };
  preparedSigners.set(credential.certificate, prepared);
  return prepared;
}

/**
 * The TimeStampToken: ContentInfo holding a SignedData v3 (v3 because the content is not id-data,
 * RFC 5652 §5.1) over the TSTInfo. Assembled from DER pieces rather than with pkijs's SignedData:
 * re-encoding the certificates through asn1js on every token cost more than the signature, and pkijs
 * would send the TSTInfo as a constructed (BER) OCTET STRING.
 */
async function timestampToken(
  messageImprintDer: Buffer,
  tsa: TimestampAuthority,
  options: TimestampTokenOptions,
): Promise<Buffer> {
  const signer = preparedSigner(tsa.credential);
  const tstInfo = tstInfoOf(messageImprintDer, tsa.policyOid, signer.tsaName, options);
  // DER orders a SET OF by its elements' encodings (X.690 §11.6). The signature covers the
  // attributes as a SET OF (tag 0x31); the SignerInfo sends the same bytes as [0] IMPLICIT.
  const signedAttributes = setOf(
    attribute(OID.contentType, oid(OID.tstInfo)),
    attribute(OID.messageDigest, octetString(sha256(tstInfo))),
    signer.essAttribute,
  );
  const signature = await signWith(tsa.credential.privateKey, signedAttributes);
  const signerInfo = sequence(
    INTEGER_1,
    signer.sid,
    SHA256_ALGORITHM,
    implicit(0, signedAttributes),
    SHA256_WITH_RSA_ALGORITHM,
    octetString(signature),
  );
  const encapsulated = sequence(oid(OID.tstInfo), explicit(0, octetString(tstInfo)));
  // certificates [0] IMPLICIT: the TSA certificate first, then its chain.
  const certificates = options.includeCertificate ?? true ? [tlv(0xa0, ...signer.certificates)] : [];
  const signedData = sequence(INTEGER_3, setOf(SHA256_ALGORITHM), encapsulated, ...certificates, setOf(signerInfo));
  return sequence(oid(OID.signedData), explicit(0, signedData));
}

/**
 * TSTInfo (RFC 3161 §2.4.2): version 1, whole-second genTime with an accuracy of one second, no
 * ordering, the nonce if asked, and the TSA's name as a hint for validators.
 */
function tstInfoOf(messageImprintDer: Buffer, policyOid: string, tsaName: Buffer, options: TimestampTokenOptions): Buffer {
  const asked = options.nonce;
  // A nonce parsed from a request is echoed with the contents it came with.
  const nonce =
    asked === undefined ? [] : [asked instanceof asn1js.Integer ? tlv(TAG.INTEGER, asked.valueBlock.valueHexView) : unsignedInteger(asked)];
  return sequence(
    INTEGER_1,
    oid(policyOid),
    messageImprintDer,
    unsignedInteger(options.serial),
    generalizedTime(wholeSeconds(options.time)),
    ACCURACY_ONE_SECOND,
    ...nonce,
    // tsa [0] GeneralName: explicit because GeneralName is a CHOICE; directoryName [4] likewise for Name.
    explicit(0, explicit(4, tsaName)),
  );
}

/** The certificate named by the first SignerInfo's IssuerAndSerialNumber, if the token carries it. */
function signerCertificate(signedData: Pkijs.SignedData): Buffer | undefined {
  const pkijs = usePkijs();
  const sid: unknown = signedData.signerInfos[0]?.sid;
  if (!(sid instanceof pkijs.IssuerAndSerialNumber)) return undefined;
  for (const certificate of signedData.certificates ?? []) {
    if (!(certificate instanceof pkijs.Certificate)) continue;
    if (certificate.issuer.isEqual(sid.issuer) && certificate.serialNumber.isEqual(sid.serialNumber)) {
      return derOf(certificate.toSchema());
    }
  }
  return undefined;
}

function checkImprint(imprint: Buffer, algorithm: string): void {
  const length = IMPRINT_LENGTHS.get(algorithm);
  if (length === undefined) throw new Error(`unsupported imprint hash algorithm ${algorithm}`);
  if (imprint.length !== length) throw new Error(`an imprint of ${algorithm} has ${length} bytes, not ${imprint.length}`);
}

/** MessageImprint; the hash algorithm without parameters (RFC 5754 §2). */
function messageImprint(hashAlgorithm: string, imprint: Buffer): Buffer {
  return sequence(algorithm(hashAlgorithm), octetString(imprint));
}

/**
 * RSA PKCS#1 v1.5 with SHA-256, the algorithm every certificate in Paraph uses. Node's crypto rather
 * than pkijs's WebCrypto path: it is a fraction of the cost and runs off the event loop.
 */
async function signWith(key: KeyObject, data: Buffer): Promise<Buffer> {
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`a TSA key must be RSA, not ${String(key.asymmetricKeyType)}`);
  return signAsync('sha256', data, key);
}

/** PKIFailureInfo: a named BIT STRING with only `bit` set, without trailing zero bits (X.690 §11.2.2). */
function failureInfo(bit: number): Buffer {
  const bytes = Buffer.alloc(Math.floor(bit / 8) + 1);
  bytes[bytes.length - 1] = 0x80 >> bit % 8;
  return bitString(bytes, 7 - (bit % 8));
}

/** The minimal unsigned big-endian bytes of a (positive) INTEGER. */
function integerBytes(value: asn1js.Integer): Buffer {
  const bytes = Buffer.from(value.valueBlock.valueHexView);
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/** DER of a value pkijs parsed (a request's messageImprint, a token's certificate). */
function derOf(value: asn1js.AsnType): Buffer {
  return Buffer.from(value.toBER(false));
}
