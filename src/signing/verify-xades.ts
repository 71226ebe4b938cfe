import { isUtf8 } from 'node:buffer';
import { createHash, randomBytes, verify as verifySignature, X509Certificate, type KeyObject } from 'node:crypto';
import type { Attr, CharacterData, Document, Element, Node } from '@xmldom/xmldom';
import { sha256 } from './der';
import {
  ENVELOPED_SIGNATURE,
  EXC_C14N,
  issuerSerialV2,
  parseXmlStrict,
  RSA_SHA256,
  SHA256_URI,
  SIGNED_PROPERTIES_TYPE,
  XADES_NS,
  XMLDSIG_NS,
} from './xades';

export class SealError extends Error {
  constructor(
    readonly reason: 'malformed' | 'signature-invalid' | 'reference-invalid' | 'certificate-mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'SealError';
  }
}

/**
 * Verifies the enveloped XAdES seal of an XML document (an LTV-SDO): the signature value with the key
 * of the certificate in its KeyInfo, every reference (the whole document and the SignedProperties),
 * and that SigningCertificateV2 names that certificate. Returns the seal certificate (DER); whether to
 * trust it is the caller's decision (path validation). Throws SealError saying what failed.
 *
 * Only what Paraph's sealer makes is accepted: exactly one ds:Signature in the document, a child of
 * the root with Id `signatureId`; SignedInfo with exclusive C14N and RSA-SHA256; two references,
 * URI="" with the transforms enveloped-signature then exclusive C14N, and the seal's own
 * SignedProperties (by Id, with the XAdES Type) with exclusive C14N, both SHA-256. Anything else is
 * `reference-invalid` (what is referenced, and how) or `signature-invalid` (how SignedInfo is signed).
 *
 * Given bytes, the document must be UTF-8 (a leading BOM is allowed). Refused as `malformed`, besides
 * what is not well-formed: a DOCTYPE, processing instructions, XML 1.1, relative namespace URIs, and
 * the leniencies of the DOM parser that other XML processors reject (a bare `&`, `]]>` in text,
 * characters XML does not allow, attribute names that start with `xmlns`).
 *
 * Large base64 text is hashed without entering the DOM, as the sealer does (see `setAsideRuns`), so
 * a document with a 10 MB embedded PDF costs little more than hashing it.
 */
export function verifyXadesSeal(xml: string | Buffer, signatureId: string): Buffer {
  try {
    return verify(xml, signatureId);
  } catch (error) {
    if (error instanceof SealError) throw error;
    // Whatever else a hostile document makes fail, the caller gets a SealError, and no seal.
    throw new SealError('malformed', `the sealed document cannot be read: ${(error as Error).message}`);
  }
}

function verify(xml: string | Buffer, signatureId: string): Buffer {
  const runs = setAsideRuns(xml);
  const doc = parseTemplate(runs);
  const seal = readSeal(doc, signatureId, runs);

  const signedInfo: Buffer[] = [];
  canonicalize(
    seal.signedInfo,
    null,
    new CanonicalOutput(runs, (chunk, encoding) => signedInfo.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk)),
  );
  let signatureValid: boolean;
  try {
    signatureValid = verifySignature('sha256', Buffer.concat(signedInfo), seal.publicKey, seal.signatureValue);
  } catch {
    signatureValid = false;
  }
  if (!signatureValid) throw new SealError('signature-invalid', 'the seal does not verify: the SignatureValue is not the signature of SignedInfo');

  if (!digestOf(seal.signedProperties, null, runs).equals(seal.signedPropertiesDigest)) {
    throw new SealError('signature-invalid', 'the seal does not verify: the SignedProperties are not the ones signed');
  }
  if (!digestOf(doc.documentElement!, seal.signature, runs).equals(seal.documentDigest)) {
    throw new SealError('signature-invalid', 'the seal does not verify: the document is not the one signed');
  }
  checkSigningCertificate(seal.signedProperties, seal.certificate, runs);
  return seal.certificate;
}

// ---------------------------------------------------------------------------------------------
// Large base64 text kept out of the DOM.

/**
 * The document with its long runs of base64 text replaced by placeholders, and the runs.
 *
 * A run is the whole text between a `>` and the next `<`, at least BULK_MIN_LENGTH characters of
 * the base64 alphabet and XML whitespace, not all whitespace. Between a `>` and a `<` there can only
 * be character data, or the inside of a comment or CDATA section: attribute values cannot contain
 * `<` (the parser refuses it), a DOCTYPE is refused and so are processing instructions. None of the
 * run's characters is markup or needs escaping in canonical text, and it holds no reference (`&` is
 * not in the alphabet: a run broken by a character reference stays in the DOM and is read as XML).
 * So the canonical form of the document is the canonical form of the template with each placeholder
 * replaced by its run, line ends normalised as the parser would (a CR LF or a lone CR becomes LF).
 *
 * A placeholder is `b`, 128 random bits in hex chosen for this call (so that no document can hold
 * it in advance) and absent from the text around the runs, `x`, the run's index and `x`. The DOM is
 * checked to hold each placeholder exactly once, in text, a CDATA section or a comment, and the
 * marker nowhere else (see `checkNodes`), so no text can pass for a run.
 */
interface Runs {
  readonly template: string;
  readonly marker: string;
  /** Matches a placeholder; group 1 is the index of its run. Global: use with matchAll or replace. */
  readonly pattern: RegExp;
  readonly count: number;
  /** Whether the document was given as bytes. */
  readonly bytes: boolean;
  /** Run `index` as the parser reads it: ASCII, line ends normalised. */
  text(index: number): string;
  /** The same, sliced out of the document's bytes when it was given as bytes. */
  data(index: number): Buffer | string;
}

/**
 * Shorter runs stay in the template. Certificates and OCSP responses (1–3 kB of base64) are worth
 * setting aside too, as the sealer does.
 */
const BULK_MIN_LENGTH = 256;
/** `+` and a length test rather than `{256,}`: V8 runs the counted quantifier far slower. */
const RUN = />([A-Za-z0-9+/=\t\n\r ]+)</g;
const NOT_WHITESPACE = /[^\t\n\r ]/;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function setAsideRuns(xml: string | Buffer): Runs {
  let bytes: Buffer | undefined;
  let source: string;
  if (typeof xml === 'string') {
    source = xml.startsWith('\uFEFF') ? xml.slice(1) : xml;
  } else {
    if (!isUtf8(xml)) throw new SealError('malformed', 'the sealed document is not UTF-8');
    bytes = xml.subarray(0, 3).equals(UTF8_BOM) ? xml.subarray(3) : xml;
    // One byte a character: the offsets of runs (ASCII, between ASCII `>` and `<`, which UTF-8
    // never uses inside a multi-byte sequence) are byte offsets.
    source = bytes.toString('latin1');
  }
  const decode = bytes ? (start: number, end: number) => bytes.toString('utf8', start, end) : (start: number, end: number) => source.slice(start, end);

  const starts: number[] = [];
  const ends: number[] = [];
  const gaps: string[] = [];
  let last = 0;
  for (const match of source.matchAll(RUN)) {
    const run = match[1]!;
    if (run.length < BULK_MIN_LENGTH || !NOT_WHITESPACE.test(run)) continue;
    const start = match.index + 1;
    gaps.push(decode(last, start));
    starts.push(start);
    ends.push(start + run.length);
    last = start + run.length;
  }
  gaps.push(decode(last, source.length));
  // Absent from the document outside the runs (inside them it is never looked for); spelled with
  // character references it would show in the DOM, where checkNodes refuses it.
  let marker = randomBytes(16).toString('hex');
  while (gaps.some((gap) => gap.includes(marker))) marker = randomBytes(16).toString('hex');

  const text = (index: number): string => normaliseLineEnds(source.slice(starts[index], ends[index]));
  return {
    template: gaps.map((gap, index) => (index === 0 ? gap : `b${marker}x${index - 1}x${gap}`)).join(''),
    marker,
    pattern: new RegExp(`b${marker}x(\\d+)x`, 'g'),
    count: starts.length,
    bytes: bytes !== undefined,
    text,
    data(index) {
      const raw = bytes?.subarray(starts[index], ends[index]);
      return raw && !raw.includes(0x0d) ? raw : text(index);
    },
  };
}

/** XML end-of-line handling (XML 1.0 §2.11). */
function normaliseLineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** A text with every placeholder replaced by its run. */
function expand(text: string, runs: Runs): string {
  if (runs.count === 0 || !text.includes(runs.marker)) return text;
  return text.replace(runs.pattern, (_match, index: string) => runs.text(Number(index)));
}

// ---------------------------------------------------------------------------------------------
// Parsing, and what the DOM parser lets through that XML does not.

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;
const PROCESSING_INSTRUCTION = 7;
const COMMENT = 8;

/** A character XML 1.0 does not allow, literally or as a reference (lone surrogates included). */
const NOT_XML_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const DECLARATION = /^<\?xml\s+version\s*=\s*(["'])([^"']*)\1(?:\s+encoding\s*=\s*(["'])([^"']*)\3)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\5)?\s*\?>/;
const REFERENCE = /&(?:(?:lt|gt|amp|quot|apos);|#([0-9]+);|#x([0-9A-Fa-f]+);)/y;
/** An absolute URI without the characters that canonical XML would have to escape. */
const NAMESPACE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#[\]@!$'()*+,;=%]*$/;

function malformed(message: string): SealError {
  return new SealError('malformed', message);
}

function parseTemplate(runs: Runs): Document {
  const { template } = runs;
  if (NOT_XML_CHARACTER.test(template)) throw malformed('the sealed document holds a character that XML does not allow');
  checkDeclaration(template, runs.bytes);
  let doc: Document;
  try {
    doc = parseXmlStrict(template, 'the sealed document');
  } catch (error) {
    throw malformed((error as Error).message);
  }
  if (!doc.documentElement) throw malformed('the sealed document has no root element');
  checkMarkup(template);
  checkNodes(doc, runs);
  return doc;
}

/** XML 1.0 only; and bytes in another encoding than the UTF-8 they were read as are refused. */
function checkDeclaration(template: string, bytes: boolean): void {
  if (!/^<\?xml[\s?]/.test(template)) return;
  const declaration = DECLARATION.exec(template);
  if (!declaration) throw malformed('the XML declaration of the sealed document is not well-formed');
  if (declaration[2] !== '1.0') throw malformed(`the sealed document is XML ${declaration[2]}; only XML 1.0 is accepted`);
  const encoding = declaration[4];
  if (bytes && encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
    throw malformed(`the sealed document declares the encoding ${encoding}; only UTF-8 is accepted`);
  }
}

/**
 * What the DOM parser accepts and a conforming XML parser (xmlsec1's libxml2) rejects, found in the
 * template (small: long runs of base64 are set aside and cannot hold any of it): a `&` that does not
 * start a predefined entity or character reference, a reference to a character XML does not allow,
 * and `]]>` in text. Comments, CDATA sections and processing instructions are skipped; the parser
 * has already checked that they are closed.
 */
function checkMarkup(template: string): void {
  const length = template.length;
  let position = 0;
  while (position < length) {
    const open = template.indexOf('<', position);
    const textEnd = open < 0 ? length : open;
    const text = template.slice(position, textEnd);
    if (text.includes(']]>')) throw malformed('the sealed document has "]]>" in text');
    checkReferences(text);
    if (open < 0) return;
    if (template.startsWith('<!--', open)) position = after(template, '-->', open + 4);
    else if (template.startsWith('<![CDATA[', open)) position = after(template, ']]>', open + 9);
    else if (template.startsWith('<?', open)) position = after(template, '?>', open + 2);
    else if (template.startsWith('<!', open)) throw malformed('the sealed document holds a declaration');
    else {
      // A tag: attribute values may hold `>`, never `<`.
      let end = open + 1;
      for (let quote = ''; end < length; end++) {
        const c = template[end];
        if (quote) {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
      }
      if (end >= length) throw malformed('the sealed document ends inside a tag');
      checkReferences(template.slice(open, end));
      position = end + 1;
    }
  }
}

function after(template: string, close: string, from: number): number {
  const end = template.indexOf(close, from);
  if (end < 0) throw malformed(`the sealed document lacks a closing "${close}"`);
  return end + close.length;
}

function checkReferences(text: string): void {
  for (let amp = text.indexOf('&'); amp >= 0; amp = text.indexOf('&', amp + 1)) {
    REFERENCE.lastIndex = amp;
    const reference = REFERENCE.exec(text);
    if (!reference) throw malformed('the sealed document has a "&" that starts no entity or character reference');
    const [, decimal, hex] = reference;
    if (decimal === undefined && hex === undefined) continue;
    const code = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex!, 16);
    if (code > 0x10ffff || NOT_XML_CHARACTER.test(String.fromCodePoint(code))) {
      throw malformed('the sealed document refers to a character that XML does not allow');
    }
  }
}

/**
 * Every node: each placeholder exactly once, in text, CDATA or a comment; no processing instruction
 * (the XML declaration, which the DOM lists as one, aside), no other node types; namespace
 * declarations that canonical XML can render (an absolute URI, or an empty default), no attribute
 * name starting with `xmlns` that is not one, no element or prefix `xml`/`xmlns` misused.
 */
function checkNodes(doc: Document, runs: Runs): void {
  const seen = new Uint8Array(runs.count);
  const countPlaceholders = (data: string): void => {
    if (!data.includes(runs.marker)) return;
    const found = Array.from(data.matchAll(runs.pattern), (match) => Number(match[1]));
    const outside = data.replace(runs.pattern, '');
    if (outside.includes(runs.marker)) throw malformed('the sealed document holds text that looks like a placeholder');
    for (const index of found) {
      if (!(index < runs.count) || seen[index]) throw malformed('the sealed document holds text that looks like a placeholder');
      seen[index] = 1;
    }
  };

  const pending: Node[] = [];
  for (let node = doc.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === PROCESSING_INSTRUCTION && node === doc.firstChild && (node as unknown as { target: string }).target === 'xml') {
      continue;
    }
    pending.push(node);
  }
  for (let node = pending.pop(); node; node = pending.pop()) {
    switch (node.nodeType) {
      case ELEMENT: {
        const element = node as Element;
        if (element.prefix === 'xml' || element.prefix === 'xmlns') throw malformed(`the sealed document has an element ${element.tagName}`);
        for (let i = 0; i < element.attributes.length; i++) checkAttribute(element.attributes[i]!, runs);
        for (let child = element.firstChild; child; child = child.nextSibling) pending.push(child);
        break;
      }
      case TEXT:
      case CDATA:
      case COMMENT:
        countPlaceholders((node as CharacterData).data);
        break;
      case PROCESSING_INSTRUCTION:
        throw malformed('the sealed document holds a processing instruction');
      default:
        throw malformed(`the sealed document holds a node of type ${node.nodeType}`);
    }
  }
  if (seen.some((flag) => flag !== 1)) throw malformed('the sealed document lost a run of text while being read');
}

function checkAttribute(attribute: Attr, runs: Runs): void {
  if (attribute.value.includes(runs.marker)) throw malformed('the sealed document holds an attribute that looks like a placeholder');
  if (attribute.namespaceURI === XMLNS_NS) {
    const prefix = attribute.prefix === 'xmlns' ? attribute.localName : '';
    const uri = attribute.value;
    if (prefix === 'xmlns') throw malformed('the sealed document declares the prefix xmlns');
    if (prefix === 'xml' ? uri !== XML_NS : uri === XML_NS || uri === XMLNS_NS) {
      throw malformed('the sealed document misuses the xml namespace');
    }
    if (prefix === 'xml') return;
    if (uri === '' ? prefix !== '' : !NAMESPACE_URI.test(uri)) {
      throw malformed(`the sealed document declares a namespace that canonical XML cannot render: ${JSON.stringify(uri)}`);
    }
    return;
  }
  // The DOM parser takes `xmlnsFoo` for an ordinary attribute, but canonicalisers that recognise
  // declarations by their name leave it out: the digest would not cover it.
  if (attribute.name.startsWith('xmlns')) throw malformed(`the sealed document has an attribute named ${attribute.name}`);
}

// ---------------------------------------------------------------------------------------------
// Exclusive XML canonicalization (without comments, no InclusiveNamespaces).

/** Receives canonical output: a Buffer, or a string to encode as told. */
type Sink = (chunk: string | Buffer, encoding: 'utf8' | 'latin1') => void;

/**
 * Where canonical output goes: text, and runs of base64 handed over as they are, so that a run is
 * hashed straight out of the document and never copied into a canonical string.
 */
class CanonicalOutput {
  private pending: string[] = [];
  private size = 0;

  constructor(
    private readonly runs: Runs,
    private readonly sink: Sink,
  ) {}

  write(text: string): void {
    this.pending.push(text);
    this.size += text.length;
    if (this.size > 1 << 16) this.flush();
  }

  /** Character data, escaped, with placeholders replaced by their runs. */
  text(data: string): void {
    if (this.runs.count === 0 || !data.includes(this.runs.marker)) {
      this.write(escapeText(data));
      return;
    }
    let last = 0;
    for (const match of data.matchAll(this.runs.pattern)) {
      this.write(escapeText(data.slice(last, match.index)));
      this.flush();
      // A run is ASCII: as a string, its Latin-1 bytes are its UTF-8 bytes, and faster to get.
      this.sink(this.runs.data(Number(match[1])), 'latin1');
      last = match.index + match[0].length;
    }
    this.write(escapeText(data.slice(last)));
  }

  flush(): void {
    if (this.pending.length === 0) return;
    this.sink(this.pending.join(''), 'utf8');
    this.pending = [];
    this.size = 0;
  }
}

function digestOf(apex: Element, excluded: Element | null, runs: Runs): Buffer {
  const hash = createHash('sha256');
  const output = new CanonicalOutput(runs, (chunk, encoding) => (typeof chunk === 'string' ? hash.update(chunk, encoding) : hash.update(chunk)));
  canonicalize(apex, excluded, output);
  return hash.digest();
}

/** A namespace prefix ('' for the default namespace) and the URI it is bound to. */
type Bindings = ReadonlyMap<string, string>;

interface Frame {
  readonly element: Element;
  /** The namespaces rendered by the output ancestors and this element. */
  readonly rendered: Bindings;
  next: Node | null;
}

/**
 * Exclusive XML Canonicalization 1.0 of the subtree at `apex` without comments, leaving out the
 * subtree at `excluded` (the enveloped-signature transform). An element renders the namespaces it
 * visibly uses (its own prefix or the default namespace, its attributes' prefixes) whose binding
 * differs from the one its nearest output ancestor rendered, sorted by prefix; then its attributes
 * sorted by namespace URI and local name. Iterative, so that deep nesting cannot exhaust the stack.
 */
function canonicalize(apex: Element, excluded: Element | null, output: CanonicalOutput): void {
  const stack: Frame[] = [];
  const open = (element: Element, inherited: Bindings): void => {
    const rendered = openTag(element, inherited, output);
    stack.push({ element, rendered, next: element.firstChild });
  };
  open(apex, new Map([['', '']]));
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const node = frame.next;
    if (!node) {
      output.write(`</${frame.element.tagName}>`);
      stack.pop();
      continue;
    }
    frame.next = node.nextSibling;
    if (node.nodeType === ELEMENT) {
      if (node !== excluded) open(node as Element, frame.rendered);
    } else if (node.nodeType === TEXT || node.nodeType === CDATA) {
      output.text((node as CharacterData).data);
    } else if (node.nodeType !== COMMENT) {
      throw malformed(`cannot canonicalize a node of type ${node.nodeType}`);
    }
  }
  output.flush();
}

function openTag(element: Element, inherited: Bindings, output: CanonicalOutput): Bindings {
  const used = new Map<string, string>([[element.prefix ?? '', element.namespaceURI ?? '']]);
  const attributes: Attr[] = [];
  for (let i = 0; i < element.attributes.length; i++) {
    const attribute = element.attributes[i]!;
    if (attribute.namespaceURI === XMLNS_NS) continue;
    attributes.push(attribute);
    if (attribute.prefix && attribute.prefix !== 'xml') used.set(attribute.prefix, attribute.namespaceURI ?? '');
  }
  const declarations = Array.from(used).filter(([prefix, uri]) => inherited.get(prefix) !== uri);
  let rendered = inherited;
  if (declarations.length > 0) {
    const copy = new Map(inherited);
    for (const [prefix, uri] of declarations) copy.set(prefix, uri);
    rendered = copy;
  }
  declarations.sort(([a], [b]) => compareCodePoints(a, b));
  attributes.sort(
    (a, b) => compareCodePoints(a.namespaceURI ?? '', b.namespaceURI ?? '') || compareCodePoints(a.localName ?? a.name, b.localName ?? b.name),
  );
  let tag = `<${element.tagName}`;
  for (const [prefix, uri] of declarations) tag += prefix === '' ? ` xmlns="${uri}"` : ` xmlns:${prefix}="${uri}"`;
  for (const attribute of attributes) tag += ` ${attribute.name}="${escapeAttribute(attribute.value)}"`;
  output.write(`${tag}>`);
  return rendered;
}

/** Lexicographic order of Unicode code points (UTF-16 order differs above U+FFFF). */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

const TEXT_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

function escapeText(text: string): string {
  return /[&<>\r]/.test(text) ? text.replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c]!) : text;
}

function escapeAttribute(value: string): string {
  return /[&<"\t\n\r]/.test(value) ? value.replace(/[&<"\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c]!) : value;
}

// ---------------------------------------------------------------------------------------------
// The seal's structure.

interface Seal {
  readonly signature: Element;
  readonly signedInfo: Element;
  readonly signatureValue: Buffer;
  readonly certificate: Buffer;
  readonly publicKey: KeyObject;
  readonly signedProperties: Element;
  readonly documentDigest: Buffer;
  readonly signedPropertiesDigest: Buffer;
}

function readSeal(doc: Document, signatureId: string, runs: Runs): Seal {
  const root = doc.documentElement!;
  const signatures = descendants(root, XMLDSIG_NS, 'Signature');
  const signature = signatures[0];
  if (signatures.length !== 1 || signature?.parentNode !== root || signature.getAttribute('Id') !== signatureId) {
    throw malformed(`the document must carry exactly one seal ${signatureId} as a child of its root`);
  }
  const [signedInfo, signatureValue, keyInfo, ...objects] = children(signature);
  if (
    !isElement(signedInfo, XMLDSIG_NS, 'SignedInfo') ||
    !isElement(signatureValue, XMLDSIG_NS, 'SignatureValue') ||
    !isElement(keyInfo, XMLDSIG_NS, 'KeyInfo') ||
    !objects.every((object) => isElement(object, XMLDSIG_NS, 'Object'))
  ) {
    throw malformed('the seal must hold SignedInfo, SignatureValue, KeyInfo and Objects, in this order');
  }

  // The certificate: the first of KeyInfo's first X509Data.
  const x509Data = children(keyInfo).find((element) => isElement(element, XMLDSIG_NS, 'X509Data'));
  const certificateElement = x509Data && children(x509Data).find((element) => isElement(element, XMLDSIG_NS, 'X509Certificate'));
  if (!certificateElement) throw malformed('the seal names no certificate');
  const certificate = base64(leafText(certificateElement, runs), 'the seal certificate');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certificate);
    issuerSerialV2(certificate);
  } catch {
    throw malformed("the seal's certificate cannot be read");
  }
  if (!x509.raw.equals(certificate)) throw malformed("the seal's certificate cannot be read: it is followed by other bytes");
  if (x509.publicKey.asymmetricKeyType !== 'rsa') throw new SealError('signature-invalid', "the seal's certificate has no RSA key");

  // SignedInfo: exclusive C14N, RSA-SHA256, the whole document and the seal's SignedProperties.
  const [canonicalization, method, ...references] = children(signedInfo);
  if (!isAlgorithm(canonicalization, 'CanonicalizationMethod', EXC_C14N)) {
    throw new SealError('signature-invalid', 'the seal must use exclusive C14N (without comments or InclusiveNamespaces) for SignedInfo');
  }
  if (!isAlgorithm(method, 'SignatureMethod', RSA_SHA256)) throw new SealError('signature-invalid', 'the seal must be signed with RSA-SHA256');

  const signedProperties = signedPropertiesOf(root, signature, signatureId);
  const signedPropertiesUri = `#${signedProperties.getAttribute('Id')}`;
  const documentReference = references.find((reference) => isElement(reference, XMLDSIG_NS, 'Reference') && reference.getAttribute('URI') === '');
  const propertiesReference = references.find(
    (reference) => isElement(reference, XMLDSIG_NS, 'Reference') && reference.getAttribute('URI') === signedPropertiesUri,
  );
  if (
    references.length !== 2 ||
    !documentReference ||
    !propertiesReference ||
    propertiesReference.getAttribute('Type') !== SIGNED_PROPERTIES_TYPE
  ) {
    throw new SealError('reference-invalid', 'the seal must sign the whole document and its own SignedProperties');
  }

  return {
    signature,
    signedInfo,
    signatureValue: base64(leafText(signatureValue, runs), 'the SignatureValue'),
    certificate,
    publicKey: x509.publicKey,
    signedProperties,
    documentDigest: referenceDigest(documentReference, [ENVELOPED_SIGNATURE, EXC_C14N], runs),
    signedPropertiesDigest: referenceDigest(propertiesReference, [EXC_C14N], runs),
  };
}

/**
 * The seal's SignedProperties: the only one in the document, at Signature/Object/QualifyingProperties
 * (which must target the seal), with an Id that no other element carries as Id, ID, id or xml:id.
 */
function signedPropertiesOf(root: Element, signature: Element, signatureId: string): Element {
  const all = descendants(root, XADES_NS, 'SignedProperties');
  const signedProperties = all[0];
  const qualifying = signedProperties?.parentNode as Element | null | undefined;
  const object = qualifying?.parentNode as Element | null | undefined;
  if (
    all.length !== 1 ||
    !isElement(qualifying, XADES_NS, 'QualifyingProperties') ||
    qualifying.getAttribute('Target') !== `#${signatureId}` ||
    !isElement(object, XMLDSIG_NS, 'Object') ||
    object.parentNode !== signature
  ) {
    throw new SealError('reference-invalid', 'the seal must have one SignedProperties, in its own QualifyingProperties');
  }
  const id = signedProperties!.getAttribute('Id');
  let carriers = 0;
  for (const element of elements(root)) {
    for (let i = 0; i < element.attributes.length; i++) {
      const attribute = element.attributes[i]!;
      const idLike = attribute.namespaceURI === XML_NS ? attribute.localName === 'id' : !attribute.namespaceURI && /^(?:Id|ID|id)$/.test(attribute.name);
      if (idLike && attribute.value === id) carriers++;
    }
  }
  if (!id || carriers !== 1) throw new SealError('reference-invalid', 'the Id of the seal\'s SignedProperties must name it alone');
  return signedProperties!;
}

/** A reference's DigestValue, once its transforms and digest method are the expected ones. */
function referenceDigest(reference: Element, transforms: readonly string[], runs: Runs): Buffer {
  const [transformsElement, digestMethod, digestValue, ...rest] = children(reference);
  const uri = reference.getAttribute('URI');
  if (
    rest.length > 0 ||
    !isElement(transformsElement, XMLDSIG_NS, 'Transforms') ||
    children(transformsElement).length !== transforms.length ||
    !children(transformsElement).every((transform, i) => isAlgorithm(transform, 'Transform', transforms[i]!))
  ) {
    throw new SealError('reference-invalid', `the reference "${uri}" must have the transforms ${transforms.join(', ')}`);
  }
  if (!isAlgorithm(digestMethod, 'DigestMethod', SHA256_URI) || !isElement(digestValue, XMLDSIG_NS, 'DigestValue')) {
    throw new SealError('reference-invalid', `the reference "${uri}" must be a SHA-256 digest`);
  }
  const digest = base64(leafText(digestValue, runs), 'a DigestValue');
  if (digest.length !== 32) throw new SealError('reference-invalid', `the reference "${uri}" must be a SHA-256 digest`);
  return digest;
}

/**
 * SigningCertificateV2 (in the SignedProperties, which have been verified) must name the
 * certificate that sealed: its first Cert has the certificate's SHA-256 and, if there is an
 * IssuerSerialV2, the certificate's issuer and serial number.
 */
function checkSigningCertificate(signedProperties: Element, certificate: Buffer, runs: Runs): void {
  const mismatch = (message: string): SealError => new SealError('certificate-mismatch', message);
  const signatureProperties = children(signedProperties).filter((e) => isElement(e, XADES_NS, 'SignedSignatureProperties'));
  const signingCertificates = signatureProperties.flatMap((properties) =>
    children(properties).filter((e) => isElement(e, XADES_NS, 'SigningCertificateV2')),
  );
  if (signatureProperties.length !== 1 || signingCertificates.length !== 1) {
    throw mismatch('the seal must name its certificate in one SigningCertificateV2');
  }
  const [cert] = children(signingCertificates[0]!);
  const [certDigest, issuerSerial, ...rest] = cert && isElement(cert, XADES_NS, 'Cert') ? children(cert) : [];
  const [digestMethod, digestValue] = certDigest && isElement(certDigest, XADES_NS, 'CertDigest') ? children(certDigest) : [];
  if (!isAlgorithm(digestMethod, 'DigestMethod', SHA256_URI) || !isElement(digestValue, XMLDSIG_NS, 'DigestValue') || rest.length > 0) {
    throw mismatch('SigningCertificateV2 must give the SHA-256 of the seal certificate');
  }
  if (!base64(leafText(digestValue, runs), 'the CertDigest').equals(sha256(certificate))) {
    throw mismatch('SigningCertificateV2 does not name the certificate that sealed');
  }
  if (issuerSerial === undefined) return;
  if (!isElement(issuerSerial, XADES_NS, 'IssuerSerialV2')) throw mismatch('SigningCertificateV2 has an unexpected element');
  if (!base64(leafText(issuerSerial, runs), 'IssuerSerialV2').equals(issuerSerialV2(certificate))) {
    throw mismatch('the IssuerSerialV2 of SigningCertificateV2 is not the issuer and serial number of the certificate that sealed');
  }
}

// ---------------------------------------------------------------------------------------------
// DOM helpers.

function isElement(node: Node | null | undefined, namespace: string, localName: string): node is Element {
  return !!node && node.nodeType === ELEMENT && (node as Element).namespaceURI === namespace && (node as Element).localName === localName;
}

/** A ds: algorithm element with this Algorithm and no content but whitespace or comments. */
function isAlgorithm(node: Node | undefined, localName: string, algorithm: string): boolean {
  if (!isElement(node, XMLDSIG_NS, localName) || node.getAttribute('Algorithm') !== algorithm) return false;
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === COMMENT) continue;
    if (child.nodeType !== TEXT || (child as CharacterData).data.trim() !== '') return false;
  }
  return true;
}

function children(parent: Element): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === ELEMENT) found.push(node as Element);
  }
  return found;
}

/** Every element of the subtree at `root`, in document order, without recursion. */
function* elements(root: Element): Generator<Element> {
  const pending: Element[] = [root];
  for (let element = pending.pop(); element; element = pending.pop()) {
    yield element;
    const list = children(element);
    for (let i = list.length - 1; i >= 0; i--) pending.push(list[i]!);
  }
}

function descendants(root: Element, namespace: string, localName: string): Element[] {
  return Array.from(elements(root)).filter((element) => isElement(element, namespace, localName));
}

/** The text of an element that holds only text (CDATA and comments allowed), runs put back. */
function leafText(element: Element, runs: Runs): string {
  let text = '';
  for (let node = element.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === TEXT || node.nodeType === CDATA) text += (node as CharacterData).data;
    else if (node.nodeType !== COMMENT) throw malformed(`${element.localName} must hold only text`);
  }
  return expand(text, runs);
}

/** Base64 with XML whitespace anywhere, and nothing else. */
function base64(text: string, what: string): Buffer {
  const compact = text.replace(/[\t\n\r ]+/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) throw malformed(`${what} is not base64`);
  return Buffer.from(compact, 'base64');
}
