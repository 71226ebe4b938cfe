import { createHash, randomBytes, sign as rsaSign, type BinaryLike, type KeyLike } from 'node:crypto';
import { DOMParser, onWarningStopParsing, type Document, type Element, type Node, type ProcessingInstruction } from '@xmldom/xmldom';
import { ExclusiveCanonicalization, SignedXml, type ErrorFirstCallback, type SignatureAlgorithm } from 'xml-crypto';
import type { Credential } from './credential';
import { sha256, wholeSeconds } from './der';

/**
 * XAdES baseline signatures (ETSI EN 319 132-1) enveloped in an XML document: B-B made with
 * xml-crypto, then extended in place to B-T (SignatureTimeStamp) and B-LT (CertificateValues,
 * RevocationValues). Pure: the caller supplies the time, the timestamping function and the
 * validation data; nothing here does I/O.
 */

export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const XADES_NS = 'http://uri.etsi.org/01903/v1.3.2#';
/** The Type of the Reference to SignedProperties: it carries no XAdES version, unlike the namespace. */
export const SIGNED_PROPERTIES_TYPE = 'http://uri.etsi.org/01903#SignedProperties';
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const SHA256_URI = 'http://www.w3.org/2001/04/xmlenc#sha256';

/**
 * The signature policy the seal is made under (SignaturePolicyIdentifier).
 *
 * `explicit`: XAdES requires SigPolicyHash next to the identifier (the schema makes it mandatory,
 * EN 319 132-1 §5.2.9.1), so an identifier comes with the SHA-256 of the policy document it names.
 * A policy that has no document to hash cannot be named explicitly: use `implied`, which states
 * that the signed data and its context imply the policy (the LTV-SDO carries its packaging policy
 * inside the signed content, for instance).
 */
export type XadesSignaturePolicy =
  | {
      readonly kind: 'explicit';
      /** A URI (URN or URL) identifying one version of the policy. */
      readonly identifier: string;
      readonly description?: string;
      /** SHA-256 of the policy document. */
      readonly digest: Buffer;
      /** Where the policy document can be fetched (SPURI qualifier). */
      readonly documentUrl?: string;
    }
  | { readonly kind: 'implied' };

/** Certificates and revocation data a validator needs later, when the responders may be gone. */
export interface XadesValidationData {
  /**
   * DER certificates: every one needed to validate the seal and its timestamp that is not the
   * seal certificate itself (already in KeyInfo): the TSA's certificate and chain, the OCSP
   * responders' certificates. The seal's own chain is added from `seal.chain`. Duplicates are
   * dropped. EN 319 132-1 §5.4.2 keeps CA certificates used *only* by the TSA out of
   * CertificateValues; Paraph's TSA shares the seal's CAs, so a single list serves.
   */
  readonly certificates: readonly Buffer[];
  /** DER OCSPResponse (with responseStatus and responseBytes), one per certificate checked. */
  readonly ocspResponses: readonly Buffer[];
}

export interface XadesSealOptions {
  readonly seal: Credential;
  /** SigningTime; milliseconds are dropped. */
  readonly signingTime: Date;
  /** The ds:Signature's Id, an XML NCName; the Ids of the parts of the signature derive from it. */
  readonly signatureId: string;
  /** DataObjectFormat/MimeType of the signed document. Default `text/xml`. */
  readonly mimeType?: string;
  readonly policy?: XadesSignaturePolicy;
  /** Returns a DER RFC 3161 TimeStampToken over the given SHA-256 imprint. */
  readonly timestamp: (imprint: Buffer) => Promise<Buffer>;
  readonly validation: XadesValidationData;
}

/** The Ids given to the parts of a signature whose ds:Signature has Id `signatureId`. */
export function xadesIds(signatureId: string): {
  signature: string;
  documentReference: string;
  signedProperties: string;
  signatureTimeStamp: string;
} {
  return {
    signature: signatureId,
    documentReference: `${signatureId}-ref-document`,
    signedProperties: `${signatureId}-signed-properties`,
    signatureTimeStamp: `${signatureId}-signature-timestamp`,
  };
}

/**
 * Seals an XML document: appends to its root element an enveloped XAdES B-LT signature made with
 * the seal credential, and returns the signed document.
 *
 * The signature covers the whole document (Reference URI="" with the enveloped-signature and
 * exclusive C14N transforms) and its SignedProperties (SigningTime, SigningCertificateV2, the
 * optional SignaturePolicyIdentifier, DataObjectFormat). The unsigned properties are added after
 * signing: SignatureTimeStamp over the canonical ds:SignatureValue, then CertificateValues and
 * RevocationValues.
 *
 * Large base64 text (an embedded PDF, typically) never enters the DOM: see `setAsideBulkText`.
 * Refused: a DOCTYPE, and processing instructions (see `refuseProcessingInstructions`).
 */
export async function sealXmlDocument(xml: string, options: XadesSealOptions): Promise<string> {
  const bulk = setAsideBulkText(xml);
  return restoreBulkText(await sealTemplate(bulk, options), bulk);
}

/** An element's whole text content given as bytes, to be written as base64 on one line. */
export interface Base64Text {
  readonly base64: Buffer;
}

/**
 * An XML document written as a list of parts: XML text, and element contents given as bytes. A
 * producer that embeds large binaries writes this instead of one string, so that the base64 is
 * never scanned, never copied into a document-sized string and is written straight into the result.
 */
export type XmlParts = ReadonlyArray<string | Base64Text>;

/** sealXmlDocument for a document given as parts; returns the UTF-8 bytes of the sealed document. */
export async function sealXmlParts(parts: XmlParts, options: XadesSealOptions): Promise<Buffer> {
  const bulk = bulkFromParts(parts);
  return assembleBulkText(await sealTemplate(bulk, options), bulk);
}

/** Signs and extends a template; returns the sealed template, placeholders still in place. */
async function sealTemplate(bulk: BulkText, options: XadesSealOptions): Promise<string> {
  const ids = xadesIds(checkNcName(options.signatureId, 'signatureId'));
  const template = parseXmlStrict(bulk.template, 'the document to seal');
  if (!template.documentElement) throw new Error('the document to seal has no root element');
  refuseProcessingInstructions(template);
  for (const id of Object.values(ids)) {
    if (bulk.template.includes(`"${id}"`) || bulk.template.includes(`'${id}'`)) {
      throw new Error(`the document to seal already uses the value "${id}", which the signature needs as an Id`);
    }
  }

  const signed = await signTemplate(bulk, ids, options);
  const doc = parseXmlStrict(signed, 'the signed document');
  const signature = lastChildElement(doc.documentElement, XMLDSIG_NS, 'Signature');
  if (!signature || signature.getAttribute('Id') !== ids.signature) throw new Error('the new signature is not where it was put');

  const signatureValue = childElement(signature, XMLDSIG_NS, 'SignatureValue');
  const token = await options.timestamp(sha256(canonicalSignatureValue(signatureValue)));
  checkDerSequence(token, 'the timestamp token');
  const qualifyingProperties = descendantElement(signature, XADES_NS, 'QualifyingProperties');
  qualifyingProperties.appendChild(unsignedProperties(doc, ids, token, options));
  return serialize(doc);
}

/**
 * The exclusive C14N of ds:SignatureValue: what SignatureTimeStamp stamps (EN 319 132-1 §5.3).
 * Exclusive C14N renders only the namespace the element uses, so the bytes are the same wherever
 * the signature sits.
 */
export function canonicalSignatureValue(signatureValue: Element): Buffer {
  const canonical = new ExclusiveCanonicalization().process(signatureValue as unknown as globalThis.Element, {});
  return Buffer.from(canonical, 'utf8');
}

/**
 * IssuerSerialV2 of SigningCertificateV2: DER of RFC 5035's IssuerSerial, SEQUENCE { GeneralNames
 * { [4] directoryName Name }, serialNumber }. The issuer Name and the serial are copied byte for
 * byte out of the certificate: re-encoding a Name can change its string types, and then the
 * validator's comparison fails.
 */
export function issuerSerialV2(certificateDer: Buffer): Buffer {
  const certificate = readTlv(certificateDer, 0);
  const tbs = readTlv(certificateDer, certificate.contentStart);
  let field = readTlv(certificateDer, tbs.contentStart);
  if (field.tag === 0xa0) field = readTlv(certificateDer, field.end); // [0] version
  if (field.tag !== 0x02) throw new Error('the certificate has no serial number where expected');
  const serial = certificateDer.subarray(field.start, field.end);
  const algorithm = readTlv(certificateDer, field.end);
  const issuer = readTlv(certificateDer, algorithm.end);
  if (issuer.tag !== 0x30) throw new Error('the certificate has no issuer name where expected');
  const issuerName = certificateDer.subarray(issuer.start, issuer.end);
  const generalNames = derElement(0x30, derElement(0xa4, issuerName));
  return derElement(0x30, Buffer.concat([generalNames, serial]));
}

/** XML 1.0 forbids most control characters even as character references; they become U+FFFD. */
const NOT_XML_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text content, escaped so that it parses back to the same characters (a CR included). */
export function escapeXmlText(value: string): string {
  return value
    .replace(NOT_XML_CHARACTER, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#xD;');
}

/** An attribute value for double quotes; whitespace is escaped so that normalisation keeps it. */
export function escapeXmlAttribute(value: string): string {
  return value
    .replace(NOT_XML_CHARACTER, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

/** xs:dateTime in UTC without fractional seconds, the safest form for XAdES validators. */
export function xmlDateTime(time: Date): string {
  if (Number.isNaN(time.getTime())) throw new RangeError('invalid date');
  return wholeSeconds(time).toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * Parses XML with xmldom, refusing a DOCTYPE (a signed document must mean the same to every reader,
 * and entity tricks are the classic way to make it not) and treating every parser complaint as
 * fatal instead of logging it and carrying on.
 */
export function parseXmlStrict(xml: string, what: string): Document {
  if (hasDoctype(xml)) throw new Error(`${what} has a DOCTYPE, which is not accepted`);
  try {
    return new DOMParser({ onError: onWarningStopParsing }).parseFromString(xml, 'text/xml');
  } catch (error) {
    throw new Error(`${what} is not well-formed XML: ${(error as Error).message}`);
  }
}

/**
 * xml-crypto 6.3.2 cannot sign a processing instruction: its C14N writes one inside the root as
 * text, and its URI="" reference leaves out one outside the root, where C14N keeps it. Either way
 * every other verifier computes another digest, so such a document is refused rather than sealed
 * with a signature that fails. (The XML declaration, which xmldom lists as a PI, is not one.)
 */
function refuseProcessingInstructions(doc: Document): void {
  const pending: Node[] = Array.from(doc.childNodes);
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (node.nodeType === node.PROCESSING_INSTRUCTION_NODE && (node as ProcessingInstruction).target !== 'xml') {
      throw new Error('the document to seal holds a processing instruction, which cannot be signed faithfully');
    }
    if (node.nodeType !== node.ELEMENT_NODE) continue;
    for (let child = node.firstChild; child; child = child.nextSibling) pending.push(child);
  }
}

/** Whether the prolog (the only place one may stand) holds a document type declaration. */
function hasDoctype(xml: string): boolean {
  const prolog = /^\uFEFF?(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*/.exec(xml);
  const start = prolog ? prolog[0].length : 0;
  // Any case: a lenient parser might take `<!doctype` too.
  return xml.slice(start, start + 9).toUpperCase() === '<!DOCTYPE';
}

/** First child element with this namespace and local name, or an error naming what is missing. */
export function childElement(parent: Element, namespace: string, localName: string): Element {
  const found = findChildElement(parent, namespace, localName);
  if (!found) throw new Error(`${parent.localName} has no ${localName}`);
  return found;
}

export function findChildElement(parent: Element, namespace: string, localName: string): Element | undefined {
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType !== node.ELEMENT_NODE) continue;
    const element = node as Element;
    if (element.namespaceURI === namespace && element.localName === localName) return element;
  }
  return undefined;
}

export function childElements(parent: Element, namespace: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType !== node.ELEMENT_NODE) continue;
    const element = node as Element;
    if (element.namespaceURI === namespace && element.localName === localName) found.push(element);
  }
  return found;
}

function descendantElement(parent: Element, namespace: string, localName: string): Element {
  const found = parent.getElementsByTagNameNS(namespace, localName)[0];
  if (!found) throw new Error(`${parent.localName} has no ${localName}`);
  return found;
}

function lastChildElement(parent: Element | null, namespace: string, localName: string): Element | undefined {
  for (let node = parent?.lastChild ?? null; node; node = node.previousSibling) {
    if (node.nodeType !== node.ELEMENT_NODE) continue;
    const element = node as Element;
    return element.namespaceURI === namespace && element.localName === localName ? element : undefined;
  }
  return undefined;
}

function checkNcName(value: string, what: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value)) throw new Error(`${what} must be an XML NCName: ${JSON.stringify(value)}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Large base64 text kept out of the DOM.

/**
 * A document with its large base64 texts replaced by short placeholders, and those texts.
 */
interface BulkText {
  readonly template: string;
  /** Base64 characters (and line feeds) only. */
  readonly payloads: readonly string[];
  /** Matches a placeholder; group 1 is the index into `payloads`. */
  readonly pattern: RegExp;
}

/**
 * Shorter runs stay in the template. Certificates and OCSP responses (1–3 kB of base64) are worth
 * setting aside too: xml-crypto's XPath and C14N cost more per character than a placeholder costs.
 */
const BULK_MIN_LENGTH = 256;

/**
 * A random marker that `texts` do not contain, and the placeholder pattern built on it. The
 * signature added later cannot be checked in advance; with 96 random bits it will not hold one.
 */
function newMarker(texts: readonly string[]): { marker: string; pattern: RegExp } {
  let marker = randomBytes(12).toString('hex');
  while (texts.some((text) => text.includes(marker))) marker = randomBytes(12).toString('hex');
  return { marker, pattern: new RegExp(`bulk${marker}x(\\d+)x`, 'g') };
}

/**
 * Replaces every long run of base64 characters that fills the space between a `>` and a `<` with
 * a placeholder, so that xml-crypto parses, clones, canonicalises and serialises a document of a
 * few kilobytes instead of megabytes.
 *
 * This is exact, not an approximation: such a run can only be character data (or the inside of a
 * comment or CDATA section: attribute values cannot contain `<`), and base64 characters and line
 * feeds pass through parsing, C14N and serialisation unchanged, as does the placeholder. So the
 * canonical form of the real document is the canonical form of the template with each placeholder
 * replaced by its text, which is how the digest is computed (see `expandingSha256`), and the signed
 * document is the signed template with the texts put back. A CR is left out of the alphabet
 * because parsing turns CR LF into LF.
 */
function setAsideBulkText(xml: string): BulkText {
  const { marker, pattern } = newMarker([xml]);
  const payloads: string[] = [];
  // `+` and a length test rather than `{256,}`: V8 runs the counted quantifier twenty times slower.
  const template = xml.replace(/>([A-Za-z0-9+/=\n]+)</g, (match, text: string) => {
    if (text.length < BULK_MIN_LENGTH) return match;
    payloads.push(text);
    return `>bulk${marker}x${payloads.length - 1}x<`;
  });
  return { template, payloads, pattern };
}

/** The same from parts: each long Base64Text becomes a placeholder without any scanning. */
function bulkFromParts(parts: XmlParts): BulkText {
  const texts = parts.map((part) => (typeof part === 'string' ? part : part.base64.toString('base64')));
  const isBulk = (index: number): boolean => typeof parts[index] !== 'string' && texts[index]!.length >= BULK_MIN_LENGTH;
  const { marker, pattern } = newMarker(texts.filter((_text, index) => !isBulk(index)));
  const payloads: string[] = [];
  const template = texts
    .map((text, index) => {
      if (!isBulk(index)) return text;
      payloads.push(text);
      return `bulk${marker}x${payloads.length - 1}x`;
    })
    .join('');
  return { template, payloads, pattern };
}

function restoreBulkText(xml: string, bulk: BulkText): string {
  if (bulk.payloads.length === 0) return xml;
  return xml.replace(bulk.pattern, (_match, index: string) => bulk.payloads[Number(index)]!);
}

/** The UTF-8 bytes of the template with the texts put back, without a document-sized string. */
function assembleBulkText(xml: string, bulk: BulkText): Buffer {
  const pieces: Buffer[] = [];
  let last = 0;
  for (const match of xml.matchAll(bulk.pattern)) {
    pieces.push(Buffer.from(xml.slice(last, match.index), 'utf8'));
    pieces.push(Buffer.from(bulk.payloads[Number(match[1])]!, 'latin1'));
    last = match.index + match[0].length;
  }
  pieces.push(Buffer.from(xml.slice(last), 'utf8'));
  return Buffer.concat(pieces);
}

/** xml-crypto's SHA-256, fed with the set-aside texts where the canonical form has placeholders. */
function expandingSha256(bulk: BulkText): new () => { getAlgorithmName(): string; getHash(xml: string): string } {
  return class ExpandingSha256 {
    getAlgorithmName(): string {
      return SHA256_URI;
    }
    getHash(canonical: string): string {
      const hash = createHash('sha256');
      let last = 0;
      for (const match of canonical.matchAll(bulk.pattern)) {
        hash.update(canonical.slice(last, match.index));
        hash.update(bulk.payloads[Number(match[1])]!);
        last = match.index + match[0].length;
      }
      hash.update(canonical.slice(last));
      return hash.digest('base64');
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Signing.

/**
 * RSA-SHA256 through Node's asynchronous crypto.sign, which runs on the thread pool: xml-crypto's
 * own implementation signs on the event loop even when given a callback.
 */
class ThreadPoolRsaSha256 implements SignatureAlgorithm {
  getSignature(signedInfo: BinaryLike, privateKey: KeyLike): string;
  getSignature(signedInfo: BinaryLike, privateKey: KeyLike, callback?: ErrorFirstCallback<string>): void;
  getSignature(signedInfo: BinaryLike, privateKey: KeyLike, callback?: ErrorFirstCallback<string>): string | void {
    const data = typeof signedInfo === 'string' ? Buffer.from(signedInfo, 'utf8') : signedInfo;
    if (!callback) return rsaSign('sha256', data as NodeJS.ArrayBufferView, privateKey).toString('base64');
    rsaSign('sha256', data as NodeJS.ArrayBufferView, privateKey, (error, signature) => {
      if (error) callback(error);
      else callback(null, signature.toString('base64'));
    });
  }

  verifySignature(material: string, key: KeyLike, signatureValue: string): boolean;
  verifySignature(material: string, key: KeyLike, signatureValue: string, callback?: ErrorFirstCallback<boolean>): void;
  verifySignature(): boolean | void {
    throw new Error('this signature algorithm only signs');
  }

  getAlgorithmName(): string {
    return RSA_SHA256;
  }
}

async function signTemplate(bulk: BulkText, ids: ReturnType<typeof xadesIds>, options: XadesSealOptions): Promise<string> {
  const signer = new SignedXml({
    privateKey: options.seal.privateKey,
    canonicalizationAlgorithm: EXC_C14N,
    signatureAlgorithm: RSA_SHA256,
    getKeyInfoContent: ({ prefix } = {}) => {
      const p = prefix ? `${prefix}:` : '';
      return `<${p}X509Data><${p}X509Certificate>${options.seal.certificate.toString('base64')}</${p}X509Certificate></${p}X509Data>`;
    },
    objects: [{ content: qualifyingProperties(ids, options) }],
  });
  signer.HashAlgorithms = { ...signer.HashAlgorithms, [SHA256_URI]: expandingSha256(bulk) };
  signer.SignatureAlgorithms = { ...signer.SignatureAlgorithms, [RSA_SHA256]: ThreadPoolRsaSha256 };
  signer.addReference({
    xpath: '/*',
    isEmptyUri: true,
    id: ids.documentReference,
    transforms: [ENVELOPED_SIGNATURE, EXC_C14N],
    digestAlgorithm: SHA256_URI,
  });
  // Content generated inside the signature is found by Id (xml-crypto ≥ 6.2 looks there when the
  // document has no match); the document was checked not to use these Ids.
  signer.addReference({
    xpath: `//*[@Id='${ids.signedProperties}']`,
    type: SIGNED_PROPERTIES_TYPE,
    transforms: [EXC_C14N],
    digestAlgorithm: SHA256_URI,
  });
  await new Promise<void>((resolve, reject) => {
    signer.computeSignature(
      bulk.template,
      { prefix: 'ds', attrs: { Id: ids.signature }, location: { reference: '/*', action: 'append' } },
      (error) => (error ? reject(error) : resolve()),
    );
  });
  return signer.getSignedXml();
}

function qualifyingProperties(ids: ReturnType<typeof xadesIds>, options: XadesSealOptions): string {
  const certificate = options.seal.certificate;
  return (
    `<xades:QualifyingProperties xmlns:xades="${XADES_NS}" Target="#${ids.signature}">` +
    `<xades:SignedProperties Id="${ids.signedProperties}">` +
    '<xades:SignedSignatureProperties>' +
    `<xades:SigningTime>${xmlDateTime(options.signingTime)}</xades:SigningTime>` +
    '<xades:SigningCertificateV2><xades:Cert>' +
    digestAlgAndValue('xades:CertDigest', sha256(certificate)) +
    `<xades:IssuerSerialV2>${issuerSerialV2(certificate).toString('base64')}</xades:IssuerSerialV2>` +
    '</xades:Cert></xades:SigningCertificateV2>' +
    signaturePolicyIdentifier(options.policy) +
    '</xades:SignedSignatureProperties>' +
    '<xades:SignedDataObjectProperties>' +
    `<xades:DataObjectFormat ObjectReference="#${ids.documentReference}">` +
    `<xades:MimeType>${escapeXmlText(options.mimeType ?? 'text/xml')}</xades:MimeType>` +
    '</xades:DataObjectFormat>' +
    '</xades:SignedDataObjectProperties>' +
    '</xades:SignedProperties>' +
    '</xades:QualifyingProperties>'
  );
}

function digestAlgAndValue(element: string, digest: Buffer): string {
  return (
    `<${element}><ds:DigestMethod Algorithm="${SHA256_URI}"/>` +
    `<ds:DigestValue>${digest.toString('base64')}</ds:DigestValue></${element}>`
  );
}

function signaturePolicyIdentifier(policy: XadesSignaturePolicy | undefined): string {
  if (!policy) return '';
  if (policy.kind === 'implied') {
    return '<xades:SignaturePolicyIdentifier><xades:SignaturePolicyImplied/></xades:SignaturePolicyIdentifier>';
  }
  if (policy.digest.length !== 32) throw new Error('the signature policy digest must be a SHA-256 digest');
  const description =
    policy.description === undefined ? '' : `<xades:Description>${escapeXmlText(policy.description)}</xades:Description>`;
  const qualifiers =
    policy.documentUrl === undefined
      ? ''
      : '<xades:SigPolicyQualifiers><xades:SigPolicyQualifier>' +
        `<xades:SPURI>${escapeXmlText(policy.documentUrl)}</xades:SPURI>` +
        '</xades:SigPolicyQualifier></xades:SigPolicyQualifiers>';
  return (
    '<xades:SignaturePolicyIdentifier><xades:SignaturePolicyId>' +
    `<xades:SigPolicyId><xades:Identifier>${escapeXmlText(policy.identifier)}</xades:Identifier>${description}</xades:SigPolicyId>` +
    digestAlgAndValue('xades:SigPolicyHash', policy.digest) +
    qualifiers +
    '</xades:SignaturePolicyId></xades:SignaturePolicyIdentifier>'
  );
}

/**
 * UnsignedProperties in the order they are made, which validators rely on: SignatureTimeStamp,
 * CertificateValues, RevocationValues. An empty container is left out rather than written empty.
 */
function unsignedProperties(doc: Document, ids: ReturnType<typeof xadesIds>, token: Buffer, options: XadesSealOptions): Element {
  const xades = (name: string, ...children: (Element | string)[]): Element => {
    const element = doc.createElementNS(XADES_NS, `xades:${name}`);
    for (const child of children) {
      element.appendChild(typeof child === 'string' ? doc.createTextNode(child) : child);
    }
    return element;
  };
  const timestamp = xades('SignatureTimeStamp');
  timestamp.setAttribute('Id', ids.signatureTimeStamp);
  const canonicalization = doc.createElementNS(XMLDSIG_NS, 'ds:CanonicalizationMethod');
  canonicalization.setAttribute('Algorithm', EXC_C14N);
  timestamp.appendChild(canonicalization);
  timestamp.appendChild(xades('EncapsulatedTimeStamp', token.toString('base64')));

  const signatureProperties = xades('UnsignedSignatureProperties', timestamp);
  const certificates = certificateValues(options);
  if (certificates.length > 0) {
    signatureProperties.appendChild(
      xades('CertificateValues', ...certificates.map((der) => xades('EncapsulatedX509Certificate', der.toString('base64')))),
    );
  }
  const responses = uniqueDer(options.validation.ocspResponses);
  if (responses.length > 0) {
    responses.forEach((der) => checkDerSequence(der, 'an OCSP response'));
    signatureProperties.appendChild(
      xades(
        'RevocationValues',
        xades('OCSPValues', ...responses.map((der) => xades('EncapsulatedOCSPValue', der.toString('base64')))),
      ),
    );
  }
  return xades('UnsignedProperties', signatureProperties);
}

/** The seal's chain and the given certificates, without the seal certificate (it is in KeyInfo). */
function certificateValues(options: XadesSealOptions): Buffer[] {
  const sealKey = options.seal.certificate.toString('base64');
  return uniqueDer([...options.seal.chain, ...options.validation.certificates]).filter(
    (der) => der.toString('base64') !== sealKey,
  );
}

function uniqueDer(values: readonly Buffer[]): Buffer[] {
  const seen = new Set<string>();
  return values.filter((der) => {
    const key = der.toString('base64');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** xmldom leaves a CR from a character reference raw in text, where a parser would read it as LF. */
function serialize(doc: Document): string {
  return doc.toString().replace(/\r/g, '&#xD;');
}

// ---------------------------------------------------------------------------------------------
// Just enough DER.

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

function readTlv(der: Buffer, offset: number): Tlv {
  let position = offset;
  const tag = der[position++];
  if (tag === undefined || (tag & 0x1f) === 0x1f) throw new Error('unexpected DER: missing or multi-byte tag');
  const first = der[position++];
  if (first === undefined) throw new Error('unexpected DER: truncated length');
  let length = first;
  if (first & 0x80) {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4) throw new Error('unexpected DER: bad length');
    length = 0;
    for (let i = 0; i < octets; i++) {
      const octet = der[position++];
      if (octet === undefined) throw new Error('unexpected DER: truncated length');
      length = length * 256 + octet;
    }
  }
  const end = position + length;
  if (end > der.length) throw new Error('unexpected DER: element runs past the end');
  return { tag, start: offset, contentStart: position, end };
}

function derElement(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else {
    const octets: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
    header = Buffer.from([tag, 0x80 | octets.length, ...octets]);
  }
  return Buffer.concat([header, content]);
}

/** A cheap sanity check that a value handed over as DER is one complete SEQUENCE. */
function checkDerSequence(der: Buffer, what: string): void {
  const tlv = readTlv(der, 0);
  if (tlv.tag !== 0x30 || tlv.end !== der.length) throw new Error(`${what} is not a DER SEQUENCE`);
}
