import { isUtf8 } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { DOMParser, onWarningStopParsing, type Attr, type CharacterData, type Document, type Element, type Node } from '@xmldom/xmldom';
import { base64Bytes, base64Length } from './base64';

/**
 * Exclusive XML Canonicalization 1.0 (without comments, no InclusiveNamespaces) of documents whose
 * long runs of base64 text are kept out of the DOM, shared by the XAdES sealer (xades.ts) and the
 * seal verifier (verify-xades.ts), so that both compute the same bytes the same way:
 *
 * - `setAsideRuns` / `runsFromParts` replace the runs by placeholders, leaving a small template;
 * - `readTemplate` parses the template strictly: what the DOM parser lets through and conforming
 *   XML processors (xmlsec1's libxml2) reject is refused, so that the canonical form computed here
 *   is the one every other reader computes;
 * - `canonicalize` writes the canonical form of a subtree with each placeholder's run streamed to
 *   the output as it is, never copied into a canonical string.
 *
 * What is refused is an UnacceptableXmlError, whose message names the document as the caller
 * describes it (`what`).
 */
export class UnacceptableXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnacceptableXmlError';
  }
}

// ---------------------------------------------------------------------------------------------
// Large base64 text kept out of the DOM.

/**
 * A document with its long runs of base64 text replaced by placeholders, and the runs.
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
export interface Runs {
  readonly template: string;
  readonly marker: string;
  /** Matches a placeholder; group 1 is the index of its run. Global: use with matchAll or replace. */
  readonly pattern: RegExp;
  readonly count: number;
  /** Whether the document is bytes (given as bytes, or as parts that become UTF-8 bytes). */
  readonly bytes: boolean;
  /** Run `index` as the parser reads it: ASCII, line ends normalised. */
  text(index: number): string;
  /** The same, as bytes when the document is bytes and the run needs no normalising. */
  data(index: number): Buffer | string;
  /** Run `index` as it stands in the document, line ends untouched: what goes back into it. */
  raw(index: number): Buffer | string;
}

/** No runs: for a template that is the whole document. */
export const NO_RUNS: Runs = {
  template: '',
  // No XML text can hold U+0000, not even as a reference.
  marker: '\u0000',
  pattern: /(?!)/g,
  count: 0,
  bytes: false,
  text: noRun,
  data: noRun,
  raw: noRun,
};

function noRun(index: number): never {
  throw new RangeError(`no run ${index}`);
}

/**
 * Shorter runs stay in the template. Certificates and OCSP responses (1–3 kB of base64) are worth
 * setting aside too: the DOM costs more per character than a placeholder costs.
 */
const BULK_MIN_LENGTH = 256;
/** `+` and a length test rather than `{256,}`: V8 runs the counted quantifier far slower. */
const RUN = />([A-Za-z0-9+/=\t\n\r ]+)</g;
const NOT_WHITESPACE = /[^\t\n\r ]/;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Sets aside the runs of a document given as a string, or as bytes, which must be UTF-8. A leading
 * byte order mark is dropped. `what` describes the document in error messages.
 */
export function setAsideRuns(xml: string | Buffer, what: string): Runs {
  let bytes: Buffer | undefined;
  let source: string;
  if (typeof xml === 'string') {
    source = xml.startsWith('\uFEFF') ? xml.slice(1) : xml;
  } else {
    if (!isUtf8(xml)) throw new UnacceptableXmlError(`${what} is not UTF-8`);
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
  const marker = newMarker(gaps);

  const text = (index: number): string => normaliseLineEnds(source.slice(starts[index], ends[index]));
  return {
    template: gaps.map((gap, index) => (index === 0 ? gap : `${placeholder(marker, index - 1)}${gap}`)).join(''),
    marker,
    pattern: placeholderPattern(marker),
    count: starts.length,
    bytes: bytes !== undefined,
    text,
    data(index) {
      const raw = bytes?.subarray(starts[index], ends[index]);
      return raw && !raw.includes(0x0d) ? raw : text(index);
    },
    raw(index) {
      return bytes ? bytes.subarray(starts[index], ends[index]) : source.slice(starts[index], ends[index]);
    },
  };
}

/** An element's whole text content given as bytes, to be written as base64 on one line. */
export interface Base64Text {
  readonly base64: Buffer;
  /** The base64 of `base64` as ASCII bytes, when the producer has made it already (see base64Text). */
  readonly encoded?: Buffer;
}

/**
 * A Base64Text encoded now: for a producer that has a moment to spare before it writes the document
 * (while waiting for a timestamp, say), so that the encoding is not done later, on the critical path.
 */
export function base64Text(bytes: Buffer): Base64Text {
  return { base64: bytes, encoded: base64Bytes(bytes) };
}

/**
 * The runs of a document written as parts: XML text, and element contents given as bytes (see
 * `Base64Text`). Each long Base64Text becomes a placeholder without any scanning; its base64 is
 * made once, as bytes, which are hashed and written out as they are. The document is bytes: its
 * parts become UTF-8.
 */
export function runsFromParts(parts: ReadonlyArray<string | Base64Text>): Runs {
  const texts: string[] = [];
  const payloads: Buffer[] = [];
  const bulk: boolean[] = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      texts.push(part);
      bulk.push(false);
      continue;
    }
    const isBulk = base64Length(part.base64.length) >= BULK_MIN_LENGTH;
    bulk.push(isBulk);
    if (isBulk) {
      texts.push('');
      payloads.push(part.encoded ?? base64Bytes(part.base64));
    } else texts.push(part.base64.toString('base64'));
  }
  // Checked against the text joined, so that no marker can straddle two parts.
  const marker = newMarker([texts.join('')]);
  let index = 0;
  const template = texts.map((text, i) => (bulk[i] ? placeholder(marker, index++) : text)).join('');
  return {
    template,
    marker,
    pattern: placeholderPattern(marker),
    count: payloads.length,
    bytes: true,
    text: (i) => payloads[i]!.toString('latin1'),
    data: (i) => payloads[i]!,
    raw: (i) => payloads[i]!,
  };
}

/** 128 random bits in hex that none of `texts` contains. */
function newMarker(texts: readonly string[]): string {
  let marker = randomBytes(16).toString('hex');
  while (texts.some((text) => text.includes(marker))) marker = randomBytes(16).toString('hex');
  return marker;
}

function placeholder(marker: string, index: number): string {
  return `b${marker}x${index}x`;
}

function placeholderPattern(marker: string): RegExp {
  return new RegExp(`b${marker}x(\\d+)x`, 'g');
}

/** XML end-of-line handling (XML 1.0 §2.11). */
function normaliseLineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** A text with every placeholder replaced by its run as the parser reads it. */
export function expandRuns(text: string, runs: Runs): string {
  if (runs.count === 0 || !text.includes(runs.marker)) return text;
  return text.replace(runs.pattern, (_match, index: string) => runs.text(Number(index)));
}

/**
 * A piece of the template with every placeholder replaced by its run as it stood in the document,
 * as chunks to concatenate (UTF-8 bytes for text): the document is put back together without a
 * document-sized string.
 */
export function restoreRuns(text: string, runs: Runs): Buffer[] {
  const chunks: Buffer[] = [];
  let last = 0;
  if (runs.count > 0) {
    for (const match of text.matchAll(runs.pattern)) {
      chunks.push(Buffer.from(text.slice(last, match.index), 'utf8'));
      const raw = runs.raw(Number(match[1]));
      chunks.push(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
      last = match.index + match[0].length;
    }
  }
  chunks.push(Buffer.from(text.slice(last), 'utf8'));
  return chunks;
}

/** The same as one string. */
export function restoreRunsAsString(text: string, runs: Runs): string {
  if (runs.count === 0) return text;
  return text.replace(runs.pattern, (_match, index: string) => {
    const raw = runs.raw(Number(index));
    return typeof raw === 'string' ? raw : raw.toString('latin1');
  });
}

// ---------------------------------------------------------------------------------------------
// Parsing, and what the DOM parser lets through that XML does not.

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
export const ELEMENT = 1;
export const TEXT = 3;
export const CDATA = 4;
const PROCESSING_INSTRUCTION = 7;
export const COMMENT = 8;

/** A character XML 1.0 does not allow, literally or as a reference (lone surrogates included). */
const NOT_XML_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const DECLARATION = /^<\?xml\s+version\s*=\s*(["'])([^"']*)\1(?:\s+encoding\s*=\s*(["'])([^"']*)\3)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\5)?\s*\?>/;
const REFERENCE = /&(?:(?:lt|gt|amp|quot|apos);|#([0-9]+);|#x([0-9A-Fa-f]+);)/y;
/** An absolute URI without the characters that canonical XML would have to escape. */
const NAMESPACE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#[\]@!$'()*+,;=%]*$/;

/**
 * Parses XML with xmldom, refusing a DOCTYPE (a signed document must mean the same to every reader,
 * and entity tricks are the classic way to make it not) and treating every parser complaint as
 * fatal instead of logging it and carrying on. Errors are plain Errors.
 */
export function parseXmlStrict(xml: string, what: string): Document {
  if (hasDoctype(xml)) throw new Error(`${what} has a DOCTYPE, which is not accepted`);
  try {
    return new DOMParser({ onError: onWarningStopParsing }).parseFromString(xml, 'text/xml');
  } catch (error) {
    throw new Error(`${what} is not well-formed XML: ${(error as Error).message}`);
  }
}

/** Whether the prolog (the only place one may stand) holds a document type declaration. */
function hasDoctype(xml: string): boolean {
  const prolog = /^\uFEFF?(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*/.exec(xml);
  const start = prolog ? prolog[0].length : 0;
  // Any case: a lenient parser might take `<!doctype` too.
  return xml.slice(start, start + 9).toUpperCase() === '<!DOCTYPE';
}

/**
 * Parses the template of a document strictly. Refused, besides what is not well-formed: a DOCTYPE,
 * processing instructions, XML 1.1, bytes declared in another encoding than UTF-8, relative namespace
 * URIs, and the leniencies of the DOM parser that other XML processors reject (a bare `&`, `]]>` in
 * text, characters XML does not allow, attribute names that start with `xmlns`). Checks that every
 * placeholder is in the DOM once, as text.
 */
export function readTemplate(runs: Runs, what: string): Document {
  const { template } = runs;
  if (NOT_XML_CHARACTER.test(template)) throw new UnacceptableXmlError(`${what} holds a character that XML does not allow`);
  checkDeclaration(template, runs.bytes, what);
  let doc: Document;
  try {
    doc = parseXmlStrict(template, what);
  } catch (error) {
    throw new UnacceptableXmlError((error as Error).message);
  }
  if (!doc.documentElement) throw new UnacceptableXmlError(`${what} has no root element`);
  checkMarkup(template, what);
  checkNodes(doc, runs, what);
  return doc;
}

/** XML 1.0 only; and bytes in another encoding than the UTF-8 they were read as are refused. */
function checkDeclaration(template: string, bytes: boolean, what: string): void {
  if (!/^<\?xml[\s?]/.test(template)) return;
  const declaration = DECLARATION.exec(template);
  if (!declaration) throw new UnacceptableXmlError(`the XML declaration of ${what} is not well-formed`);
  if (declaration[2] !== '1.0') throw new UnacceptableXmlError(`${what} is XML ${declaration[2]}; only XML 1.0 is accepted`);
  const encoding = declaration[4];
  if (bytes && encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
    throw new UnacceptableXmlError(`${what} declares the encoding ${encoding}; only UTF-8 is accepted`);
  }
}

/**
 * What the DOM parser accepts and a conforming XML parser (xmlsec1's libxml2) rejects, found in the
 * template (small: long runs of base64 are set aside and cannot hold any of it): a `&` that does not
 * start a predefined entity or character reference, a reference to a character XML does not allow,
 * and `]]>` in text. Comments, CDATA sections and processing instructions are skipped; the parser
 * has already checked that they are closed.
 */
function checkMarkup(template: string, what: string): void {
  const length = template.length;
  let position = 0;
  while (position < length) {
    const open = template.indexOf('<', position);
    const textEnd = open < 0 ? length : open;
    const text = template.slice(position, textEnd);
    if (text.includes(']]>')) throw new UnacceptableXmlError(`${what} has "]]>" in text`);
    checkReferences(text, what);
    if (open < 0) return;
    if (template.startsWith('<!--', open)) position = after(template, '-->', open + 4, what);
    else if (template.startsWith('<![CDATA[', open)) position = after(template, ']]>', open + 9, what);
    else if (template.startsWith('<?', open)) position = after(template, '?>', open + 2, what);
    else if (template.startsWith('<!', open)) throw new UnacceptableXmlError(`${what} holds a declaration`);
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
      if (end >= length) throw new UnacceptableXmlError(`${what} ends inside a tag`);
      checkReferences(template.slice(open, end), what);
      position = end + 1;
    }
  }
}

function after(template: string, close: string, from: number, what: string): number {
  const end = template.indexOf(close, from);
  if (end < 0) throw new UnacceptableXmlError(`${what} lacks a closing "${close}"`);
  return end + close.length;
}

function checkReferences(text: string, what: string): void {
  for (let amp = text.indexOf('&'); amp >= 0; amp = text.indexOf('&', amp + 1)) {
    REFERENCE.lastIndex = amp;
    const reference = REFERENCE.exec(text);
    if (!reference) throw new UnacceptableXmlError(`${what} has a "&" that starts no entity or character reference`);
    const [, decimal, hex] = reference;
    if (decimal === undefined && hex === undefined) continue;
    const code = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex!, 16);
    if (code > 0x10ffff || NOT_XML_CHARACTER.test(String.fromCodePoint(code))) {
      throw new UnacceptableXmlError(`${what} refers to a character that XML does not allow`);
    }
  }
}

/**
 * Every node: each placeholder exactly once, in text, CDATA or a comment; no processing instruction
 * (the XML declaration, which the DOM lists as one, aside), no other node types; namespace
 * declarations that canonical XML can render (an absolute URI, or an empty default), no attribute
 * name starting with `xmlns` that is not one, no element or prefix `xml`/`xmlns` misused.
 */
function checkNodes(doc: Document, runs: Runs, what: string): void {
  const seen = new Uint8Array(runs.count);
  const lookalike = (): UnacceptableXmlError => new UnacceptableXmlError(`${what} holds text that looks like a placeholder`);
  const countPlaceholders = (data: string): void => {
    if (!data.includes(runs.marker)) return;
    const found = Array.from(data.matchAll(runs.pattern), (match) => Number(match[1]));
    const outside = data.replace(runs.pattern, '');
    if (outside.includes(runs.marker)) throw lookalike();
    for (const index of found) {
      if (!(index < runs.count) || seen[index]) throw lookalike();
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
        if (element.prefix === 'xml' || element.prefix === 'xmlns') throw new UnacceptableXmlError(`${what} has an element ${element.tagName}`);
        for (let i = 0; i < element.attributes.length; i++) checkAttribute(element.attributes[i]!, runs, what);
        for (let child = element.firstChild; child; child = child.nextSibling) pending.push(child);
        break;
      }
      case TEXT:
      case CDATA:
      case COMMENT:
        countPlaceholders((node as CharacterData).data);
        break;
      case PROCESSING_INSTRUCTION:
        throw new UnacceptableXmlError(`${what} holds a processing instruction`);
      default:
        throw new UnacceptableXmlError(`${what} holds a node of type ${node.nodeType}`);
    }
  }
  if (seen.some((flag) => flag !== 1)) throw new UnacceptableXmlError(`${what} lost a run of text while being read`);
}

function checkAttribute(attribute: Attr, runs: Runs, what: string): void {
  if (attribute.value.includes(runs.marker)) throw new UnacceptableXmlError(`${what} holds an attribute that looks like a placeholder`);
  if (attribute.namespaceURI === XMLNS_NS) {
    const prefix = attribute.prefix === 'xmlns' ? attribute.localName : '';
    const uri = attribute.value;
    if (prefix === 'xmlns') throw new UnacceptableXmlError(`${what} declares the prefix xmlns`);
    if (prefix === 'xml' ? uri !== XML_NS : uri === XML_NS || uri === XMLNS_NS) {
      throw new UnacceptableXmlError(`${what} misuses the xml namespace`);
    }
    if (prefix === 'xml') return;
    if (uri === '' ? prefix !== '' : !NAMESPACE_URI.test(uri)) {
      throw new UnacceptableXmlError(`${what} declares a namespace that canonical XML cannot render: ${JSON.stringify(uri)}`);
    }
    return;
  }
  // The DOM parser takes `xmlnsFoo` for an ordinary attribute, but canonicalisers that recognise
  // declarations by their name leave it out: the digest would not cover it.
  if (attribute.name.startsWith('xmlns')) throw new UnacceptableXmlError(`${what} has an attribute named ${attribute.name}`);
}

// ---------------------------------------------------------------------------------------------
// Exclusive XML canonicalization (without comments, no InclusiveNamespaces).

/** Receives canonical output: a Buffer, or a string to encode as told. */
export type Sink = (chunk: string | Buffer, encoding: 'utf8' | 'latin1') => void;

/**
 * Where canonical output goes: text, and runs of base64 handed over as they are, so that a run is
 * hashed straight out of the document and never copied into a canonical string.
 */
export class CanonicalOutput {
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
      this.write(escapeCanonicalText(data));
      return;
    }
    let last = 0;
    for (const match of data.matchAll(this.runs.pattern)) {
      this.write(escapeCanonicalText(data.slice(last, match.index)));
      this.flush();
      // A run is ASCII: as a string, its Latin-1 bytes are its UTF-8 bytes, and faster to get.
      this.sink(this.runs.data(Number(match[1])), 'latin1');
      last = match.index + match[0].length;
    }
    this.write(escapeCanonicalText(data.slice(last)));
  }

  flush(): void {
    if (this.pending.length === 0) return;
    this.sink(this.pending.join(''), 'utf8');
    this.pending = [];
    this.size = 0;
  }
}

/** SHA-256 of the exclusive C14N of the subtree at `apex`, without the subtree at `excluded`. */
export function canonicalDigest(apex: Element, excluded: Element | null, runs: Runs = NO_RUNS): Buffer {
  const hash = createHash('sha256');
  const output = new CanonicalOutput(runs, (chunk, encoding) => (typeof chunk === 'string' ? hash.update(chunk, encoding) : hash.update(chunk)));
  canonicalize(apex, excluded, output);
  return hash.digest();
}

/** The exclusive C14N of the subtree at `apex`, as bytes. */
export function canonicalBytes(apex: Element, excluded: Element | null = null, runs: Runs = NO_RUNS): Buffer {
  const chunks: Buffer[] = [];
  canonicalize(apex, excluded, new CanonicalOutput(runs, (chunk, encoding) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk)));
  return Buffer.concat(chunks);
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
 * Expects a DOM that `readTemplate` has checked (or that is known to be as strict).
 */
export function canonicalize(apex: Element, excluded: Element | null, output: CanonicalOutput): void {
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
      throw new UnacceptableXmlError(`cannot canonicalize a node of type ${node.nodeType}`);
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
  for (const attribute of attributes) tag += ` ${attribute.name}="${escapeCanonicalAttribute(attribute.value)}"`;
  output.write(`${tag}>`);
  return rendered;
}

/** Lexicographic order of Unicode code points (UTF-16 order differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
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

/** Character data as canonical XML writes it. */
export function escapeCanonicalText(text: string): string {
  return /[&<>\r]/.test(text) ? text.replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c]!) : text;
}

/** An attribute value as canonical XML writes it (between double quotes). */
export function escapeCanonicalAttribute(value: string): string {
  return /[&<"\t\n\r]/.test(value) ? value.replace(/[&<"\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c]!) : value;
}
