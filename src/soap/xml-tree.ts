import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';
import { ParaphError } from '../errors';

/**
 * A minimal, namespace-resolved element tree for reading SOAP requests. Built from saxes events:
 * saxes is a strict, well-kept XML parser that checks well-formedness and namespaces and is about six
 * times faster here than building a DOM (docs/performance.md); requests are read once, top-down, so a
 * DOM's features are not needed.
 */
export interface XmlAttribute {
  readonly localName: string;
  readonly namespaceURI: string;
  readonly value: string;
}

export interface XmlElement {
  readonly localName: string;
  readonly namespaceURI: string;
  readonly attributes: readonly XmlAttribute[];
  readonly children: XmlElement[];
  /** The element's own text and CDATA (not its descendants'). */
  text: string;
}

/** An unqualified attribute by local name, or a qualified one by namespace and local name. */
export function attribute(el: XmlElement, localName: string, namespaceURI = ''): string | undefined {
  for (const a of el.attributes) {
    if (a.localName === localName && a.namespaceURI === namespaceURI) return a.value;
  }
  return undefined;
}

/**
 * A DOCTYPE can only stand in the prolog, before the root element. Rejecting it there means no DTD,
 * internal entity (billion laughs) or external entity (XXE) ever reaches the parser; saxes processes
 * none of them anyway, and this gives the refusal its own error code.
 */
function assertNoDoctype(text: string): void {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i);
      if (end < 0) return;
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i);
      if (end < 0) return;
      i = end + 3;
    } else {
      break;
    }
  }
  if (text.slice(i, i + 9).toUpperCase() === '<!DOCTYPE') {
    throw new ParaphError('XML_DOCTYPE_FORBIDDEN', 'DOCTYPE declarations are not allowed');
  }
}

/**
 * What the parser's handlers build. One parser serves every call, as its construction (state tables,
 * six handlers) cost as much as reading a small request: parsing is synchronous, so calls never
 * overlap, and a parser that saw a failure is thrown away rather than trusted to reset.
 */
interface TreeBuilder {
  parser: SaxesParser<{ xmlns: true; position: false }>;
  stack: XmlElement[];
  root: XmlElement | undefined;
  failure: string | undefined;
}

let reusable: TreeBuilder | undefined;

function newBuilder(): TreeBuilder {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const b: TreeBuilder = { parser, stack: [], root: undefined, failure: undefined };
  parser.on('error', (err) => {
    b.failure ??= err.message;
  });
  parser.on('doctype', () => {
    b.failure ??= 'DOCTYPE';
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const attributes: XmlAttribute[] = [];
    const attrs = tag.attributes;
    for (const name in attrs) {
      const a = attrs[name] as SaxesAttributeNS;
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attributes.push({ localName: a.local, namespaceURI: a.uri, value: a.value });
    }
    const el: XmlElement = { localName: tag.local, namespaceURI: tag.uri, attributes, children: [], text: '' };
    const parent = b.stack[b.stack.length - 1];
    if (parent) parent.children.push(el);
    else b.root ??= el;
    b.stack.push(el);
  });
  parser.on('closetag', () => {
    b.stack.pop();
  });
  parser.on('text', (t) => {
    const current = b.stack[b.stack.length - 1];
    if (current) current.text += t;
  });
  parser.on('cdata', (t) => {
    const current = b.stack[b.stack.length - 1];
    if (current) current.text += t;
  });
  return b;
}

export function parseXmlTree(text: string): XmlElement {
  assertNoDoctype(text);
  const b = reusable ?? newBuilder();
  reusable = undefined;
  try {
    b.parser.write(text).close();
  } catch (err) {
    b.failure ??= (err as Error).message;
  }
  const { root, failure } = b;
  if (failure === undefined) {
    b.stack.length = 0;
    b.root = undefined;
    reusable = b;
  }
  if (failure === 'DOCTYPE') throw new ParaphError('XML_DOCTYPE_FORBIDDEN', 'DOCTYPE declarations are not allowed');
  if (failure !== undefined) {
    throw new ParaphError('XML_MALFORMED', `Malformed XML: ${failure.split('\n')[0]?.replace(/^undefined:/, '')}`);
  }
  if (!root) throw new ParaphError('XML_MALFORMED', 'Malformed XML: no root element');
  return root;
}
