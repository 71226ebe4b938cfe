/**
 * The one DER (X.690) writer of the signing code, and a reader just large enough to slice the fields
 * a signer needs out of a certificate. CMS signatures, RFC 3161 tokens and OCSP responses are
 * assembled from these pieces: encoding whole structures through asn1js cost more than the RSA
 * signature, and re-encoding a parsed certificate risks changing bytes that were signed.
 *
 * Every function returns a fresh Buffer, except `oid` and the constants, which return shared ones:
 * callers must not change them. All inputs are already encoded elements unless a function says
 * otherwise; nothing here checks that a SEQUENCE holds what its ASN.1 type says.
 */

/** Universal tags, as the single identifier octet of the element. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OBJECT_IDENTIFIER: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

const CONSTRUCTED = 0x20;
const CONTEXT = 0x80;

/** NULL, as AlgorithmIdentifier parameters and as OCSP's good/unknown statuses carry it. */
export const NULL: Buffer = Buffer.from([TAG.NULL, 0x00]);

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

/** A definite length (X.690 §8.1.3, §10.1): short form below 128, else the shortest long form. */
export function derLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`not a length: ${length}`);
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One element from its single-octet tag and its already encoded contents, written one after another. */
export function tlv(tag: number, ...contents: readonly Uint8Array[]): Buffer {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) {
    throw new RangeError(`not a single-octet tag: ${tag}`);
  }
  let length = 0;
  for (const content of contents) length += content.length;
  const header = derLength(length);
  const out = Buffer.allocUnsafe(1 + header.length + length);
  out[0] = tag;
  header.copy(out, 1);
  let at = 1 + header.length;
  for (const content of contents) {
    out.set(content, at);
    at += content.length;
  }
  return out;
}

/** SEQUENCE of already encoded elements, in the order given. */
export function sequence(...elements: readonly Uint8Array[]): Buffer {
  return tlv(TAG.SEQUENCE, ...elements);
}

/**
 * SET OF already encoded elements, in DER order (X.690 §11.6): ascending by encoding. Buffer.compare
 * gives that order for whole elements: two different valid encodings never are one the prefix of the
 * other, so the standard's padding of the shorter with zero octets never decides.
 */
export function setOf(...elements: readonly Uint8Array[]): Buffer {
  return tlv(TAG.SET, ...sortedForSetOf(elements));
}

/** The elements of a SET OF in DER order, for callers that need them outside a SET (CMS signedAttrs). */
export function sortedForSetOf(elements: readonly Uint8Array[]): Uint8Array[] {
  return [...elements].sort(Buffer.compare);
}

/** [n] EXPLICIT: a constructed context-specific element wrapping whole elements. */
export function explicit(tagNumber: number, ...elements: readonly Uint8Array[]): Buffer {
  return tlv(CONTEXT | CONSTRUCTED | contextNumber(tagNumber), ...elements);
}

/**
 * [n] IMPLICIT: `element` with its tag replaced by context-specific `tagNumber`, keeping whether it
 * is constructed. For example the [0] IMPLICIT SET OF a CMS SignerInfo sends its signed attributes as.
 */
export function implicit(tagNumber: number, element: Uint8Array): Buffer {
  const first = element[0];
  if (first === undefined) throw new RangeError('an empty element has no tag to replace');
  if ((first & 0x1f) === 0x1f) throw new RangeError('multi-octet tags are not supported');
  const out = Buffer.from(element);
  out[0] = CONTEXT | (first & CONSTRUCTED) | contextNumber(tagNumber);
  return out;
}

function contextNumber(tagNumber: number): number {
  if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber > 30) throw new RangeError(`context tag [${tagNumber}] is not supported`);
  return tagNumber;
}

/** A positive INTEGER from unsigned big-endian bytes: leading zeros dropped, a zero octet added when the top bit is set. */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  return tlv(TAG.INTEGER, ...unsignedIntegerContents(bytes));
}

function unsignedIntegerContents(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length === 0) throw new RangeError('an INTEGER needs at least one byte');
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return trimmed[0]! & 0x80 ? [ZERO_OCTET, trimmed] : [trimmed];
}

const ZERO_OCTET = Buffer.from([0]);

/** INTEGER from a non-negative safe integer (versions, statuses). */
export function integer(value: number): Buffer {
  return tlv(TAG.INTEGER, ...unsignedIntegerContents(nonNegativeBytes(value)));
}

/** ENUMERATED from a non-negative safe integer. */
export function enumerated(value: number): Buffer {
  return tlv(TAG.ENUMERATED, ...unsignedIntegerContents(nonNegativeBytes(value)));
}

function nonNegativeBytes(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`only non-negative safe integers are supported, not ${value}`);
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  return Buffer.from(bytes);
}

export const BOOLEAN_TRUE: Buffer = Buffer.from([TAG.BOOLEAN, 0x01, 0xff]);
export const BOOLEAN_FALSE: Buffer = Buffer.from([TAG.BOOLEAN, 0x01, 0x00]);

/** BOOLEAN; DER writes TRUE as 0xFF (X.690 §11.1). */
export function boolean(value: boolean): Buffer {
  return Buffer.from(value ? BOOLEAN_TRUE : BOOLEAN_FALSE);
}

const oids = new Map<string, Buffer>();
/** OIDs come from code and configuration, so few; the bound only guards against an unexpected caller. */
const MAX_CACHED_OIDS = 1024;

/** OBJECT IDENTIFIER from dotted decimal ("1.2.840.113549.1.7.2"). The result is shared: do not change it. */
export function oid(dotted: string): Buffer {
  let encoded = oids.get(dotted);
  if (!encoded) {
    encoded = tlv(TAG.OBJECT_IDENTIFIER, oidContents(dotted));
    if (oids.size < MAX_CACHED_OIDS) oids.set(dotted, encoded);
  }
  return encoded;
}

function oidContents(dotted: string): Buffer {
  if (!/^[0-9]+(\.[0-9]+)+$/.test(dotted) || /(^|\.)0[0-9]/.test(dotted)) throw new RangeError(`not an OID: ${dotted}`);
  const arcs = dotted.split('.').map(BigInt);
  const [first, second] = arcs as [bigint, bigint];
  if (first > 2n || (first < 2n && second >= 40n)) throw new RangeError(`not an OID: ${dotted}`);
  const bytes: number[] = [];
  for (const arc of [first * 40n + second, ...arcs.slice(2)]) {
    // Base 128, most significant group first, the high bit set on all but the last (X.690 §8.19.2).
    const groups = [Number(arc & 0x7fn)];
    for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) groups.unshift(Number(rest & 0x7fn) | 0x80);
    bytes.push(...groups);
  }
  return Buffer.from(bytes);
}

/** AlgorithmIdentifier: the algorithm's OID and its parameters, if any (e.g. NULL for RSA signatures). */
export function algorithm(algorithmOid: string, ...parameters: readonly Uint8Array[]): Buffer {
  return sequence(oid(algorithmOid), ...parameters);
}

export function octetString(bytes: Uint8Array): Buffer {
  return tlv(TAG.OCTET_STRING, bytes);
}

export function utf8String(text: string): Buffer {
  return tlv(TAG.UTF8_STRING, Buffer.from(text, 'utf8'));
}

/**
 * BIT STRING from its bytes and the number of unused bits in the last one. DER wants those unused
 * bits zero (X.690 §11.2.1), so bytes that set them are refused rather than silently changed.
 */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7) throw new RangeError(`unused bits must be 0 to 7, not ${unusedBits}`);
  const last = bytes[bytes.length - 1];
  if (last === undefined ? unusedBits !== 0 : (last & ((1 << unusedBits) - 1)) !== 0) {
    throw new RangeError('the unused bits of a DER BIT STRING must be absent or zero');
  }
  return tlv(TAG.BIT_STRING, Buffer.from([unusedBits]), bytes);
}

/**
 * UTCTime YYMMDDHHMMSSZ, for 1950 to 2049 only (RFC 5280 §4.1.2.5.1). Milliseconds are dropped:
 * DER times carry whole seconds here, as RFC 5280 asks and as NSS insists.
 */
export function utcTime(time: Date): Buffer {
  const parts = timeParts(time);
  if (parts.year < 1950 || parts.year > 2049) throw new RangeError(`UTCTime cannot hold the year ${parts.year}`);
  return tlv(TAG.UTC_TIME, Buffer.from(`${parts.digits.slice(2)}Z`, 'latin1'));
}

/** GeneralizedTime YYYYMMDDHHMMSSZ, whole seconds (RFC 5280 §4.1.2.5.2). */
export function generalizedTime(time: Date): Buffer {
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${timeParts(time).digits}Z`, 'latin1'));
}

/**
 * The Time CHOICE of RFC 5280 §4.1.2.5 and CMS signingTime (RFC 5652 §11.3): UTCTime from 1950
 * through 2049, GeneralizedTime otherwise.
 */
export function time(value: Date): Buffer {
  const year = timeParts(value).year;
  return year >= 1950 && year <= 2049 ? utcTime(value) : generalizedTime(value);
}

function timeParts(time: Date): { year: number; digits: string } {
  const ms = time.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('not a valid date');
  const whole = new Date(Math.floor(ms / 1000) * 1000);
  const year = whole.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`the year ${year} has no four-digit form`);
  const two = (n: number): string => String(n).padStart(2, '0');
  const digits =
    String(year).padStart(4, '0') +
    two(whole.getUTCMonth() + 1) +
    two(whole.getUTCDate()) +
    two(whole.getUTCHours()) +
    two(whole.getUTCMinutes()) +
    two(whole.getUTCSeconds());
  return { year, digits };
}

// ---------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------

/** One element as found in some DER bytes. Both buffers are views of the bytes read, not copies. */
export interface DerElement {
  /** The single identifier octet. */
  readonly tag: number;
  /** The whole element: tag, length and contents. */
  readonly bytes: Buffer;
  /** The contents octets. */
  readonly contents: Buffer;
}

/**
 * The element starting at `offset`. Strict about what DER allows: definite lengths in their shortest
 * form only, and no element running past the end. Multi-octet tags are refused (certificates, CMS,
 * OCSP and RFC 3161 use none).
 */
export function readElement(der: Uint8Array, offset = 0): DerElement {
  const bytes = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  const tag = bytes[offset];
  if (tag === undefined) throw new RangeError(`no DER element at offset ${offset}`);
  if ((tag & 0x1f) === 0x1f) throw new RangeError(`multi-octet tag at offset ${offset}`);
  const first = bytes[offset + 1];
  if (first === undefined) throw new RangeError(`truncated DER length at offset ${offset + 1}`);
  let length: number;
  let headerLength: number;
  if (first < 0x80) {
    length = first;
    headerLength = 2;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new RangeError(`indefinite length at offset ${offset + 1}: not DER`);
    if (count > 4) throw new RangeError(`length of ${count} octets at offset ${offset + 1} is too large`);
    if (offset + 2 + count > bytes.length) throw new RangeError(`truncated DER length at offset ${offset + 1}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + 2 + i]!;
    if (bytes[offset + 2] === 0 || length < 0x80) throw new RangeError(`length at offset ${offset + 1} is not in its shortest form`);
    headerLength = 2 + count;
  }
  const end = offset + headerLength + length;
  if (end > bytes.length) throw new RangeError(`the element at offset ${offset} runs past the end of the data`);
  return { tag, bytes: bytes.subarray(offset, end), contents: bytes.subarray(offset + headerLength, end) };
}

/** `der` as exactly one element: trailing bytes are refused. */
export function readWhole(der: Uint8Array): DerElement {
  const element = readElement(der);
  if (element.bytes.length !== der.length) throw new RangeError(`${der.length - element.bytes.length} bytes follow the DER element`);
  return element;
}

/** The elements inside a constructed element, in order. */
export function readChildren(element: DerElement): DerElement[] {
  if (!(element.tag & CONSTRUCTED)) throw new RangeError(`tag 0x${element.tag.toString(16)} is not constructed`);
  const children: DerElement[] = [];
  for (let at = 0; at < element.contents.length; ) {
    const child = readElement(element.contents, at);
    children.push(child);
    at += child.bytes.length;
  }
  return children;
}

/** What signers take from a certificate, each exactly as encoded in it (copies, not views). */
export interface CertificateFields {
  /** The serialNumber element: tag, length and value. */
  readonly serialNumber: Buffer;
  /** The issuer Name element. */
  readonly issuer: Buffer;
  /** The subject Name element. */
  readonly subject: Buffer;
  /** The SubjectPublicKeyInfo element. */
  readonly subjectPublicKeyInfo: Buffer;
  /** The subjectPublicKey BIT STRING's bits without its unused-bits octet: what OCSP's issuerKeyHash covers. */
  readonly subjectPublicKey: Buffer;
}

/**
 * The fields of an X.509 certificate (RFC 5280 §4.1) that CMS, RFC 3161 and OCSP structures name it
 * by. Checks the outline only (tags and nesting), not the signature or the extensions.
 */
export function readCertificate(der: Uint8Array): CertificateFields {
  const certificate = readWhole(der);
  const outer = certificate.tag === TAG.SEQUENCE ? readChildren(certificate) : [];
  const tbs = outer[0];
  if (outer.length !== 3 || tbs?.tag !== TAG.SEQUENCE) throw new RangeError('not an X.509 certificate');
  const fields = readChildren(tbs);
  // version [0] EXPLICIT is absent for v1 certificates (DER omits the DEFAULT).
  const start = fields[0]?.tag === (CONTEXT | CONSTRUCTED) ? 1 : 0;
  const [serialNumber, signature, issuer, validity, subject, spki] = fields.slice(start, start + 6);
  const expected = [TAG.INTEGER, TAG.SEQUENCE, TAG.SEQUENCE, TAG.SEQUENCE, TAG.SEQUENCE, TAG.SEQUENCE];
  const found = [serialNumber, signature, issuer, validity, subject, spki];
  if (!found.every((element, i) => element?.tag === expected[i])) throw new RangeError('not an X.509 TBSCertificate');
  const spkiParts = readChildren(spki!);
  const key = spkiParts[1];
  if (spkiParts.length !== 2 || key?.tag !== TAG.BIT_STRING || key.contents.length === 0) {
    throw new RangeError('not a SubjectPublicKeyInfo');
  }
  return {
    serialNumber: Buffer.from(serialNumber!.bytes),
    issuer: Buffer.from(issuer!.bytes),
    subject: Buffer.from(subject!.bytes),
    subjectPublicKeyInfo: Buffer.from(spki!.bytes),
    subjectPublicKey: Buffer.from(key.contents.subarray(1)),
  };
}

/**
 * RFC 5035's IssuerSerial of a certificate: SEQUENCE { GeneralNames { [4] directoryName Name },
 * serialNumber }, as ESSCertIDv2 (CMS) and XAdES's IssuerSerialV2 name it. The issuer Name and the
 * serial are copied byte for byte: re-encoding a Name can change its string types, and then a
 * validator's comparison fails. [4] is explicit because Name is a CHOICE.
 */
export function issuerSerial(certificate: CertificateFields): Buffer {
  return sequence(sequence(explicit(4, certificate.issuer)), certificate.serialNumber);
}

/** Dotted text of OBJECT IDENTIFIER contents (the bytes after tag and length). */
export function oidText(contents: Uint8Array): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of contents) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}
