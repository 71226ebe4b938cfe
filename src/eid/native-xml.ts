import { isAscii } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { DOMParser, onWarningStopParsing, type Document, type Element, type Node } from '@xmldom/xmldom';
import { NativeSignatureError } from './native-signature-error';

/**
 * Reading the XML artifacts of the eIDs (NemID, Swedish BankID, the SEID-SDO) for core validation.
 *
 * The artifacts carry the document, or certificates, as base64 text of a megabyte or more. Decoding,
 * parsing and canonicalising that text as XML costs ten times more than everything else in a
 * verification, so long runs of plain text are set aside before parsing, as bytes, and stand in
 * the DOM as short placeholders.
 *
 * This is exact. A run is what lies between a `>` and the next `<` when it holds no `>`, `&` or
 * CR and only ASCII: it cannot be inside a tag (an attribute value cannot hold `<`, so a run
 * starting inside one would reach past the tag's own `>`), so it is character data, or the inside
 * of a comment or CDATA section. Such text passes through parsing and inclusive C14N unchanged
 * (C14N escapes only `&`, `<`, `>` and CR in text; parsing changes only references and CRs), and so
 * does the placeholder. The canonical form of an element is therefore its canonical form in the
 * small DOM with each placeholder replaced by its run, which is how digests are computed
 * (`sha256`), and the text of an element is its text in the small DOM with the placeholders
 * replaced (`textOf`, `textBytes`).
 */

/** A parsed artifact whose long runs of text stand in the DOM as placeholders. */
export interface NativeXml {
  readonly document: Document;
  /** How messages name the artifact ("the NemID signature"). */
  readonly what: string;
  /** The text with every placeholder replaced by the run it stands for. */
  expand(text: string): string;
  /** SHA-256 of the UTF-8 of `text` with every placeholder replaced by its run, without building it. */
  sha256(text: string): Buffer;
  /** The UTF-8 bytes of the text (see textOf); a run that is the whole text comes back uncopied. */
  textBytes(element: Element): Buffer;
}

/** Shorter runs stay in the DOM; a placeholder is worth it from a few hundred characters on. */
const BULK_MIN_LENGTH = 256;

const LESS_THAN = 0x3c;
const GREATER_THAN = 0x3e;
const AMPERSAND = 0x26;
const CARRIAGE_RETURN = 0x0d;
const EQUALS_SIGN = 0x3d;
const HYPHEN = 0x2d;
const UNDERSCORE = 0x5f;

/**
 * Parses an artifact. Refused as `malformed`: not XML, any parser complaint, a DOCTYPE (entities
 * are never processed: an artifact must mean the same to every reader), and processing
 * instructions, which inclusive C14N would have to render and the canonicaliser does not.
 */
export function parseNativeXml(artifact: Buffer, what: string): NativeXml {
  // A UTF-8 byte order mark is no part of the XML (and the parser would take it for content).
  const data = artifact[0] === 0xef && artifact[1] === 0xbb && artifact[2] === 0xbf ? artifact.subarray(3) : artifact;
  // Found with Buffer.indexOf (memchr), which is ten times faster than a regular expression over
  // the decoded text; only the text between runs is decoded.
  const runs: Buffer[] = [];
  const between: string[] = [];
  let copied = 0;
  for (let position = 0; ; ) {
    const tagEnd = data.indexOf(GREATER_THAN, position);
    if (tagEnd < 0) break;
    const nextTag = data.indexOf(LESS_THAN, tagEnd + 1);
    if (nextTag < 0) break;
    position = nextTag;
    if (nextTag - tagEnd - 1 < BULK_MIN_LENGTH) continue;
    const run = data.subarray(tagEnd + 1, nextTag);
    if (run.includes(GREATER_THAN) || run.includes(AMPERSAND) || run.includes(CARRIAGE_RETURN) || !isAscii(run)) continue;
    // Whitespace alone may stand outside the root element, where a placeholder may not.
    if (isWhitespace(run)) continue;
    between.push(data.toString('utf8', copied, tagEnd + 1));
    runs.push(run);
    copied = nextTag;
  }
  between.push(data.toString('utf8', copied));

  // Placeholders are only ever looked for in text made from `between` (never in the runs), which
  // must not hold the marker already. The marker is drawn afresh for each artifact, so no artifact
  // can be made to hold it by design: 96 random bits.
  let marker = randomBytes(12).toString('hex');
  while (between.some((text) => text.includes(marker))) marker = randomBytes(12).toString('hex');
  const pattern = new RegExp(`b${marker}x(\\d+)x`, 'g');
  const wholePattern = new RegExp(`^${pattern.source}$`);
  const template = between.map((text, index) => (index === 0 ? text : `b${marker}x${index - 1}x${text}`)).join('');
  // Anywhere, in any case: the parser is lenient about where it finds one. The runs set aside hold
  // no `<`, so the template holds every `<!DOCTYPE` of the artifact.
  if (/<!DOCTYPE/i.test(template)) throw new NativeSignatureError('malformed', `${what} has a DOCTYPE, which is not accepted`);

  let document: Document;
  try {
    document = new DOMParser({ onError: onWarningStopParsing }).parseFromString(template, 'text/xml');
  } catch (error) {
    throw new NativeSignatureError('malformed', `${what} is not well-formed XML: ${(error as Error).message}`);
  }
  if (!document.documentElement) throw new NativeSignatureError('malformed', `${what} has no root element`);
  refuseProcessingInstructions(document, what);

  const expand = (value: string): string =>
    runs.length === 0 ? value : value.replace(pattern, (_match, index: string) => runs[Number(index)]!.toString('latin1'));
  const xml: NativeXml = {
    document,
    what,
    expand,
    sha256(value) {
      const hash = createHash('sha256');
      let last = 0;
      for (const match of value.matchAll(pattern)) {
        hash.update(value.slice(last, match.index), 'utf8');
        hash.update(runs[Number(match[1])]!);
        last = match.index + match[0].length;
      }
      hash.update(value.slice(last), 'utf8');
      return hash.digest();
    },
    textBytes(element) {
      const text = rawTextOf(xml, element);
      const whole = wholePattern.exec(text);
      return whole ? runs[Number(whole[1])]! : Buffer.from(expand(text), 'utf8');
    },
  };
  return xml;
}

/** Whether the bytes are XML whitespace only (stops at the first other byte, the first of base64). */
function isWhitespace(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a) return false;
  }
  return true;
}

/** xmldom lists the XML declaration as a processing instruction with target `xml`; it is not one. */
function refuseProcessingInstructions(document: Document, what: string): void {
  const pending: Node[] = Array.from(document.childNodes);
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (node.nodeType === node.PROCESSING_INSTRUCTION_NODE && node.nodeName !== 'xml') {
      throw new NativeSignatureError('malformed', `${what} holds a processing instruction, which is not accepted`);
    }
    if (node.nodeType !== node.ELEMENT_NODE) continue;
    for (let child = node.firstChild; child; child = child.nextSibling) pending.push(child);
  }
}

export function malformedXml(xml: NativeXml, detail: string): NativeSignatureError {
  return new NativeSignatureError('malformed', `${xml.what} is not as expected: ${detail}`);
}

/** The child elements of `parent`, in document order. */
export function elementChildren(parent: Element): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE) found.push(node as Element);
  }
  return found;
}

export function childrenNamed(parent: Element, namespace: string, localName: string): Element[] {
  return elementChildren(parent).filter((child) => child.namespaceURI === namespace && child.localName === localName);
}

/** The one child of this name; none, or more than one, is `malformed`. */
export function onlyChild(xml: NativeXml, parent: Element, namespace: string, localName: string): Element {
  const found = childrenNamed(parent, namespace, localName);
  if (found.length !== 1) {
    throw malformedXml(xml, `${parent.localName} has ${found.length} ${localName} elements where exactly one was expected`);
  }
  return found[0]!;
}

/** Whether `node` is an element with this namespace and local name. */
export function isElement(node: Node | null | undefined, namespace: string, localName: string): node is Element {
  if (!node || node.nodeType !== node.ELEMENT_NODE) return false;
  const element = node as Element;
  return element.namespaceURI === namespace && element.localName === localName;
}

/** The text of an element that holds only text, placeholders left in; child elements are `malformed`. */
function rawTextOf(xml: NativeXml, element: Element): string {
  let text = '';
  for (let node = element.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE) throw malformedXml(xml, `${element.localName} holds elements where text was expected`);
    if (node.nodeType === node.TEXT_NODE || node.nodeType === node.CDATA_SECTION_NODE) text += node.nodeValue ?? '';
  }
  return text;
}

/** The text of an element that holds only text (placeholders expanded); child elements are `malformed`. */
export function textOf(xml: NativeXml, element: Element): string {
  return xml.expand(rawTextOf(xml, element));
}

/**
 * Whether the element's base64 text encodes exactly `bytes`. Whitespace between the characters
 * (base64 wrapped in lines) is allowed; anything else than the base64 alphabet is not.
 *
 * The usual case, text exactly as long as the encoding, is decided by decoding it piece by piece
 * (see decodesTo): at that length there is no room for whitespace. Node's decoder also takes the
 * URL-safe `-` and `_`, which are refused first, and `=` must be padding at the end. What decoding
 * still lets through, non-zero bits in the padding of the last group, changes no byte.
 */
export function carriesBase64Of(xml: NativeXml, element: Element, bytes: Buffer): boolean {
  const text = xml.textBytes(element);
  const encodedLength = 4 * Math.ceil(bytes.length / 3);
  if (text.length === encodedLength) {
    const padding = text.indexOf(EQUALS_SIGN);
    if (text.includes(HYPHEN) || text.includes(UNDERSCORE) || (padding >= 0 && padding < encodedLength - 2)) return false;
    return decodesTo(text, bytes);
  }
  return text.toString('latin1').replace(/\s+/g, '') === bytes.toString('base64');
}

/** Base64 characters decoded at a time: a multiple of 4, small enough to stay in the CPU's cache. */
const DECODE_CHUNK = 65536;
/** Reused: verification is synchronous, so no two decodings share it at once. */
const decoded = Buffer.allocUnsafe((DECODE_CHUNK / 4) * 3);

/**
 * Whether base64 `text` decodes to `bytes`, a chunk at a time into one reused buffer: twice as fast
 * as decoding megabytes at once, and nothing the size of the document is allocated. Node's
 * decoder skips a character outside the alphabet, so a chunk holding one decodes to fewer bytes
 * than it should, which is refused, as is `=` before the end (decoding stops there).
 */
function decodesTo(text: Buffer, bytes: Buffer): boolean {
  let offset = 0;
  for (let start = 0; start < text.length; start += DECODE_CHUNK) {
    const expected = Math.min(decoded.length, bytes.length - offset);
    const written = decoded.write(text.toString('latin1', start, Math.min(start + DECODE_CHUNK, text.length)), 'base64');
    if (written !== expected || decoded.compare(bytes, offset, offset + written, 0, written) !== 0) return false;
    offset += written;
  }
  return offset === bytes.length;
}

/** The bytes of an element's base64 text (whitespace aside); anything but base64 is `malformed`. */
export function base64BytesOf(xml: NativeXml, element: Element): Buffer {
  const text = textOf(xml, element).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw malformedXml(xml, `${element.localName} does not hold base64`);
  }
  return Buffer.from(text, 'base64');
}
