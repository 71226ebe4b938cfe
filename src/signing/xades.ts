import { sign as rsaSign, type KeyObject } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import type { Credential } from './credential';
import { sha256, wholeSeconds } from './der';
import { issuerSerial, readCertificate, readWhole } from './der-writer';
import {
  canonicalBytes,
  canonicalDigest,
  compareCodePoints,
  ELEMENT,
  escapeCanonicalAttribute,
  escapeCanonicalText,
  readTemplate,
  restoreRuns,
  restoreRunsAsString,
  runsFromParts,
  setAsideRuns,
  UnacceptableXmlError,
  type Base64Text,
  type Runs,
} from './exc-c14n';

export { parseXmlStrict } from './exc-c14n';
export type { Base64Text } from './exc-c14n';

/**
 * XAdES baseline signatures (ETSI EN 319 132-1) enveloped in an XML document: B-B, extended to B-T
 * (SignatureTimeStamp) and B-LT (CertificateValues, RevocationValues). The signature is written as
 * text here and its canonical forms computed alongside; the document is canonicalised by
 * exc-c14n.ts, the same code that verifies seals. Pure: the caller supplies the time, the
 * timestamping function and the validation data; nothing here does I/O.
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
 * The document's text is kept as it is, byte for byte: the signature is inserted before the end tag
 * of the root element (a root written `<a/>` becomes `<a>…</a>`). Large base64 text never enters the
 * DOM (see exc-c14n.ts). Refused, besides what is not well-formed: a DOCTYPE, processing
 * instructions, XML 1.1, relative namespace URIs, attribute names that start with `xmlns` and are not
 * namespace declarations, and what the DOM parser lets through but conforming XML processors reject
 * (a bare `&`, `]]>` in text, characters XML does not allow): every verifier must read the document
 * the way the signature was computed, or the seal is worthless.
 */
export async function sealXmlDocument(xml: string, options: XadesSealOptions): Promise<string> {
  const ids = xadesIds(checkNcName(options.signatureId, 'signatureId'));
  const runs = setAsideRuns(xml, DOCUMENT);
  const sealed = await sealTemplate(runs, ids, options);
  const bom = xml.startsWith('\uFEFF') ? '\uFEFF' : '';
  return bom + restoreRunsAsString(sealed.before, runs) + sealed.signature + restoreRunsAsString(sealed.after, runs);
}

/**
 * An XML document written as a list of parts: XML text, and element contents given as bytes. A
 * producer that embeds large binaries writes this instead of one string, so that the base64 is
 * never scanned, never copied into a document-sized string and is written straight into the result.
 */
export type XmlParts = ReadonlyArray<string | Base64Text>;

/** sealXmlDocument for a document given as parts; returns the UTF-8 bytes of the sealed document. */
export async function sealXmlParts(parts: XmlParts, options: XadesSealOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await writeSealedXmlParts(parts, options, (written) => chunks.push(...written));
  return Buffer.concat(chunks);
}

/**
 * Receives a sealed document in order, in two calls: first the document up to where the signature
 * goes, which is known before the signature is made, then the signature and the rest. A sink that
 * stores the bytes can start writing (and flushing) the bulk while the seal is computed.
 */
export type XmlSink = (chunks: readonly Buffer[]) => void;

/**
 * sealXmlParts, handing the sealed document to `sink` as it becomes known. When sealing fails after
 * the first call, the rejection says so and what the sink received is not a document.
 */
export async function writeSealedXmlParts(parts: XmlParts, options: XadesSealOptions, sink: XmlSink): Promise<void> {
  const ids = xadesIds(checkNcName(options.signatureId, 'signatureId'));
  const runs = runsFromParts(parts);
  const sealed = await sealTemplate(runs, ids, options, (before) => sink(restoreRuns(before, runs)));
  sink([Buffer.from(sealed.signature, 'utf8'), ...restoreRuns(sealed.after, runs)]);
}

/** How error messages name the document. */
const DOCUMENT = 'the document to seal';

type Ids = ReturnType<typeof xadesIds>;

/** The template cut where the signature goes, and the signature. */
interface SealedTemplate {
  readonly before: string;
  readonly signature: string;
  readonly after: string;
}

/**
 * Signs the document whose template is given: one parse of the small template, the document digest
 * over its exclusive C14N with the runs streamed into SHA-256, then the signature written as text.
 * `onBefore` gets the template up to the signature as soon as the template has been checked.
 */
async function sealTemplate(
  runs: Runs,
  ids: Ids,
  options: XadesSealOptions,
  onBefore?: (before: string) => void,
): Promise<SealedTemplate> {
  const doc = readTemplate(runs, DOCUMENT);
  const root = doc.documentElement!;
  refuseIds(root, ids);
  const { before, after } = cutAtRootEnd(runs.template, root.tagName);
  onBefore?.(before);

  // The enveloped-signature transform removes the signature, which is not there yet; with the
  // comments gone (URI="") and no processing instructions, the canonical document is the root's.
  const documentDigest = canonicalDigest(root, null, runs);
  const signedProperties = signedPropertiesElement(ids, options);
  const signedInfo = signedInfoElement(ids, documentDigest, sha256(canonical(signedProperties)));
  const signatureValue = await rsaSha256(canonical(signedInfo), options.seal.privateKey);

  const signatureValueElement = el('ds:SignatureValue', [], signatureValue.toString('base64'));
  const token = await options.timestamp(sha256(canonical(signatureValueElement)));
  checkDerSequence(token, 'the timestamp token');

  const signature = el(
    'ds:Signature',
    [
      ['Id', ids.signature],
      ['xmlns:ds', XMLDSIG_NS],
    ],
    signedInfo,
    signatureValueElement,
    el('ds:KeyInfo', [], el('ds:X509Data', [], el('ds:X509Certificate', [], options.seal.certificate.toString('base64')))),
    el(
      'ds:Object',
      [],
      el(
        'xades:QualifyingProperties',
        [
          ['xmlns:xades', XADES_NS],
          ['Target', `#${ids.signature}`],
        ],
        signedProperties,
        unsignedProperties(ids, token, options),
      ),
    ),
  );
  return { before, signature: written(signature), after };
}

/** RSA-SHA256 (PKCS #1 v1.5) on the thread pool. */
function rsaSha256(data: Buffer, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    rsaSign('sha256', data, key, (error, signature) => (error ? reject(error) : resolve(signature)));
  });
}

/**
 * The Ids the signature brings must name its parts alone: no attribute of the document may have
 * one of them as its value (an Id, ID, id or xml:id would make a reference ambiguous).
 */
function refuseIds(root: Element, ids: Ids): void {
  const values = new Set(Object.values(ids));
  const pending: Element[] = [root];
  for (let element = pending.pop(); element; element = pending.pop()) {
    for (let i = 0; i < element.attributes.length; i++) {
      const value = element.attributes[i]!.value;
      if (values.has(value)) {
        throw new UnacceptableXmlError(`${DOCUMENT} already uses the value "${value}", which the signature needs as an Id`);
      }
    }
    for (let node = element.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === ELEMENT) pending.push(node as Element);
    }
  }
}

const XML_WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/**
 * The template cut just before the end tag of its root element, where the signature goes as the
 * root's last child. Only whitespace and comments can follow the root (processing instructions have
 * been refused, and the parser has checked the comments), so the root's end tag is found from the
 * end. A root without content (`<a/>`) is opened and closed around the signature.
 */
function cutAtRootEnd(template: string, rootName: string): { before: string; after: string } {
  let end = template.length;
  for (;;) {
    while (end > 0 && XML_WHITESPACE.has(template[end - 1]!)) end--;
    if (!template.endsWith('-->', end)) break;
    end = template.lastIndexOf('<!--', end - 3);
    if (end < 0) break;
  }
  const open = end > 0 && template[end - 1] === '>' ? template.lastIndexOf('<', end - 1) : -1;
  if (open >= 0 && template.startsWith('</', open)) {
    if (template.slice(open + 2, end - 1).trimEnd() === rootName) return { before: template.slice(0, open), after: template.slice(open) };
  } else if (open >= 0 && template.startsWith('/>', end - 2) && template.startsWith(rootName, open + 1)) {
    return { before: `${template.slice(0, end - 2)}>`, after: `</${rootName}>${template.slice(end)}` };
  }
  throw new Error(`cannot find the end of the root element of ${DOCUMENT}`);
}

/**
 * The exclusive C14N of ds:SignatureValue: what SignatureTimeStamp stamps (EN 319 132-1 §5.3).
 * Exclusive C14N renders only the namespace the element uses, so the bytes are the same wherever
 * the signature sits.
 */
export function canonicalSignatureValue(signatureValue: Element): Buffer {
  return canonicalBytes(signatureValue);
}

/** IssuerSerialV2 of SigningCertificateV2 (see issuerSerial). Throws when the certificate cannot be read. */
export function issuerSerialV2(certificateDer: Buffer): Buffer {
  return issuerSerial(readCertificate(certificateDer));
}

/** XML 1.0 forbids most control characters even as character references; they become U+FFFD. */
const NOT_XML_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** A value with the characters XML does not allow replaced, as the escaping functions do. */
function xmlCharacters(value: string): string {
  return value.replace(NOT_XML_CHARACTER, '\uFFFD');
}

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

function checkNcName(value: string, what: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value)) throw new Error(`${what} must be an XML NCName: ${JSON.stringify(value)}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// The signature, written as text.

/**
 * An element of the signature: a prefixed name (`ds:` or `xades:`), attributes without a prefix
 * (and the namespace declarations of the written form, `xmlns:ds` and `xmlns:xades`), and content.
 */
interface SignatureElement {
  readonly name: string;
  readonly attributes: ReadonlyArray<readonly [string, string]>;
  readonly content: ReadonlyArray<SignatureElement | string>;
}

const PREFIXES: ReadonlyMap<string, string> = new Map([
  ['ds', XMLDSIG_NS],
  ['xades', XADES_NS],
]);

function el(name: string, attributes: ReadonlyArray<readonly [string, string]>, ...content: Array<SignatureElement | string>): SignatureElement {
  return { name, attributes, content };
}

/** The written form: attributes in the order given, `<x/>` for an element without content. */
function written(element: SignatureElement): string {
  let tag = `<${element.name}`;
  for (const [name, value] of element.attributes) tag += ` ${name}="${escapeXmlAttribute(value)}"`;
  if (element.content.length === 0) return `${tag}/>`;
  let text = `${tag}>`;
  for (const child of element.content) text += typeof child === 'string' ? escapeXmlText(child) : written(child);
  return `${text}</${element.name}>`;
}

/**
 * The exclusive C14N of an element of the signature, wherever it sits: the written form's
 * declarations left out, each element declares its prefix unless its nearest output ancestor has
 * (a sibling's declaration does not count); attributes, all without a prefix, sorted by name.
 * Values are cleaned of characters XML does not allow first, as the written form does.
 */
function canonical(element: SignatureElement): Buffer {
  const out: string[] = [];
  const render = (node: SignatureElement, declared: ReadonlySet<string>): void => {
    const prefix = node.name.slice(0, node.name.indexOf(':'));
    const uri = PREFIXES.get(prefix);
    if (uri === undefined) throw new Error(`no namespace for ${node.name}`);
    let tag = `<${node.name}`;
    let inScope = declared;
    if (!declared.has(prefix)) {
      tag += ` xmlns:${prefix}="${uri}"`;
      inScope = new Set([...declared, prefix]);
    }
    const attributes = node.attributes.filter(([name]) => !name.startsWith('xmlns'));
    attributes.sort(([a], [b]) => compareCodePoints(a, b));
    for (const [name, value] of attributes) tag += ` ${name}="${escapeCanonicalAttribute(xmlCharacters(value))}"`;
    out.push(`${tag}>`);
    for (const child of node.content) {
      if (typeof child === 'string') out.push(escapeCanonicalText(xmlCharacters(child)));
      else render(child, inScope);
    }
    out.push(`</${node.name}>`);
  };
  render(element, new Set());
  return Buffer.from(out.join(''), 'utf8');
}

function signedInfoElement(ids: Ids, documentDigest: Buffer, signedPropertiesDigest: Buffer): SignatureElement {
  const algorithm = (name: string, uri: string): SignatureElement => el(name, [['Algorithm', uri]]);
  const reference = (attributes: ReadonlyArray<readonly [string, string]>, transforms: readonly string[], digest: Buffer): SignatureElement =>
    el(
      'ds:Reference',
      attributes,
      el('ds:Transforms', [], ...transforms.map((transform) => algorithm('ds:Transform', transform))),
      algorithm('ds:DigestMethod', SHA256_URI),
      el('ds:DigestValue', [], digest.toString('base64')),
    );
  return el(
    'ds:SignedInfo',
    [],
    algorithm('ds:CanonicalizationMethod', EXC_C14N),
    algorithm('ds:SignatureMethod', RSA_SHA256),
    reference(
      [
        ['URI', ''],
        ['Id', ids.documentReference],
      ],
      [ENVELOPED_SIGNATURE, EXC_C14N],
      documentDigest,
    ),
    reference(
      [
        ['URI', `#${ids.signedProperties}`],
        ['Type', SIGNED_PROPERTIES_TYPE],
      ],
      [EXC_C14N],
      signedPropertiesDigest,
    ),
  );
}

function signedPropertiesElement(ids: Ids, options: XadesSealOptions): SignatureElement {
  const certificate = options.seal.certificate;
  return el(
    'xades:SignedProperties',
    [['Id', ids.signedProperties]],
    el(
      'xades:SignedSignatureProperties',
      [],
      el('xades:SigningTime', [], xmlDateTime(options.signingTime)),
      el(
        'xades:SigningCertificateV2',
        [],
        el(
          'xades:Cert',
          [],
          digestAlgAndValue('xades:CertDigest', sha256(certificate)),
          el('xades:IssuerSerialV2', [], issuerSerialV2(certificate).toString('base64')),
        ),
      ),
      ...signaturePolicyIdentifier(options.policy),
    ),
    el(
      'xades:SignedDataObjectProperties',
      [],
      el('xades:DataObjectFormat', [['ObjectReference', `#${ids.documentReference}`]], el('xades:MimeType', [], options.mimeType ?? 'text/xml')),
    ),
  );
}

function digestAlgAndValue(name: string, digest: Buffer): SignatureElement {
  return el(name, [], el('ds:DigestMethod', [['Algorithm', SHA256_URI]]), el('ds:DigestValue', [], digest.toString('base64')));
}

function signaturePolicyIdentifier(policy: XadesSignaturePolicy | undefined): SignatureElement[] {
  if (!policy) return [];
  if (policy.kind === 'implied') return [el('xades:SignaturePolicyIdentifier', [], el('xades:SignaturePolicyImplied', []))];
  if (policy.digest.length !== 32) throw new Error('the signature policy digest must be a SHA-256 digest');
  const description = policy.description === undefined ? [] : [el('xades:Description', [], policy.description)];
  const qualifiers =
    policy.documentUrl === undefined
      ? []
      : [el('xades:SigPolicyQualifiers', [], el('xades:SigPolicyQualifier', [], el('xades:SPURI', [], policy.documentUrl)))];
  return [
    el(
      'xades:SignaturePolicyIdentifier',
      [],
      el(
        'xades:SignaturePolicyId',
        [],
        el('xades:SigPolicyId', [], el('xades:Identifier', [], policy.identifier), ...description),
        digestAlgAndValue('xades:SigPolicyHash', policy.digest),
        ...qualifiers,
      ),
    ),
  ];
}

/**
 * UnsignedProperties in the order they are made, which validators rely on: SignatureTimeStamp,
 * CertificateValues, RevocationValues. An empty container is left out rather than written empty.
 */
function unsignedProperties(ids: Ids, token: Buffer, options: XadesSealOptions): SignatureElement {
  const properties: SignatureElement[] = [
    el(
      'xades:SignatureTimeStamp',
      [['Id', ids.signatureTimeStamp]],
      el('ds:CanonicalizationMethod', [['Algorithm', EXC_C14N]]),
      el('xades:EncapsulatedTimeStamp', [], token.toString('base64')),
    ),
  ];
  const certificates = certificateValues(options);
  if (certificates.length > 0) {
    properties.push(
      el('xades:CertificateValues', [], ...certificates.map((der) => el('xades:EncapsulatedX509Certificate', [], der.toString('base64')))),
    );
  }
  const responses = uniqueDer(options.validation.ocspResponses);
  if (responses.length > 0) {
    responses.forEach((der) => checkDerSequence(der, 'an OCSP response'));
    properties.push(
      el(
        'xades:RevocationValues',
        [],
        el('xades:OCSPValues', [], ...responses.map((der) => el('xades:EncapsulatedOCSPValue', [], der.toString('base64')))),
      ),
    );
  }
  return el('xades:UnsignedProperties', [], el('xades:UnsignedSignatureProperties', [], ...properties));
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

/** A cheap sanity check that a value handed over as DER is one complete SEQUENCE. */
function checkDerSequence(der: Buffer, what: string): void {
  try {
    if (readWhole(der).tag === 0x30) return;
  } catch {
    // Not DER at all: the same refusal.
  }
  throw new Error(`${what} is not a DER SEQUENCE`);
}
