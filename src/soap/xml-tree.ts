import { ParaphError } from '../errors';

/**
 * Reads a request body into a minimal, namespace-resolved element tree: XML 1.0 (fifth edition) with
 * Namespaces 1.0, checked for well-formedness as a conforming non-validating processor does, but
 * never reading a DTD. A DOCTYPE is refused with its own code, so no internal entity (billion laughs)
 * or external entity (XXE) can be declared; the five predefined entities and character references
 * are all a message may use.
 *
 * Why not a library: saxes, a strict and well-kept SAX parser, did this before, and under load a
 * createRequest spent about a quarter of its CPU in it: general machinery (an event per node, a state
 * transition per character, and their garbage) that building this small tree does not need. This
 * reader scans with indexOf and sticky regular expressions instead (docs/performance.md).
 * test/soap/xml-tree-conformance.test.ts checks that it accepts and rejects what saxes does, and
 * builds the same tree, over the contract corpus and thousands of mutations of it.
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

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** Any code point outside XML 1.0's Char (§2.2). With the u flag a lone surrogate is one such code point. */
const NOT_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
/** What may be outside Char, or a surrogate (of a pair or not): a quicker first look than NOT_CHAR. */
const MAYBE_NOT_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
/** §2.3 NameStartChar and NameChar. */
const NAME_START =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D' +
  '\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040`;
/** A Name at lastIndex (sticky); `test` then `lastIndex` gives its end without a match array. */
const NAME = new RegExp(`[${NAME_START}][${NAME_CHAR}]*`, 'uy');
/** The XML declaration after `<?xml` (§2.8), each value with its quotes. */
const DECLARATION =
  /^[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*("[^"]*"|'[^']*')(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*("[^"]*"|'[^']*'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*("[^"]*"|'[^']*'))?[ \t\r\n]*$/;
/** XML 1.0 (fifth edition, §2.8): a document of any version 1.x is read by the rules of 1.0. */
const VERSION = /^1\.[0-9]+$/;
const ENCODING = /^[A-Za-z][A-Za-z0-9._-]*$/;
const LINE_END = /\r\n?/g;
/** Attribute-value normalisation (§3.3.3) after line-end handling: each white space becomes one space. */
const ATTRIBUTE_SPACE = /\r\n|[\t\n\r]/g;

/** For each ASCII code: 2 when it may start a name, 1 when it may only continue one, 0 otherwise. */
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  ASCII_NAME[c] = /[:A-Z_a-z]/.test(ch) ? 2 : /[-.0-9]/.test(ch) ? 1 : 0;
}

const PREDEFINED: ReadonlyMap<string, string> = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['apos', "'"],
  ['quot', '"'],
]);

/** S (§2.3): space, tab, carriage return, line feed. */
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;
}

function isChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

interface OpenElement {
  readonly element: XmlElement;
  readonly qname: string;
  /** How many namespace bindings were in scope before this element's own. */
  readonly scope: number;
}

/** One attribute as written, before its prefix is resolved. */
interface RawAttribute {
  readonly qname: string;
  readonly value: string;
  readonly at: number;
}

class Reader {
  private i = 0;
  /** In-scope namespace bindings, innermost last: prefix ('' for the default) and URI. */
  private readonly prefixes: string[] = [];
  private readonly uris: string[] = [];

  constructor(private readonly s: string) {}

  read(): XmlElement {
    const s = this.s;
    const bad = MAYBE_NOT_CHAR.test(s) ? NOT_CHAR.exec(s) : null;
    if (bad) this.fail(`character U+${Number(bad[0].codePointAt(0)).toString(16).toUpperCase()} is not allowed`, bad.index);
    this.i = s.charCodeAt(0) === 0xfeff ? 1 : 0;
    if (s.startsWith('<?xml', this.i) && isSpace(s.charCodeAt(this.i + 5))) this.declaration();
    this.misc(true);
    if (this.i >= s.length) this.fail('no root element');
    if (s.startsWith('<!DOCTYPE', this.i)) {
      throw new ParaphError('XML_DOCTYPE_FORBIDDEN', 'DOCTYPE declarations are not allowed');
    }
    if (s.charCodeAt(this.i) !== 0x3c) this.fail('text before the root element');
    const root = this.elements();
    this.misc(false);
    if (this.i < s.length) this.fail(s.charCodeAt(this.i) === 0x3c ? 'a second root element' : 'text after the root element');
    return root;
  }

  /** The root element and everything in it; `i` is at its `<`. */
  private elements(): XmlElement {
    const s = this.s;
    const stack: OpenElement[] = [];
    let root: XmlElement | undefined;
    for (;;) {
      const lt = s.indexOf('<', this.i);
      const top = stack[stack.length - 1];
      if (lt < 0) this.fail(`the end of the document before </${top?.qname ?? ''}>`, s.length);
      if (lt > this.i && top) top.element.text += this.text(this.i, lt);
      this.i = lt;
      const next = s.charCodeAt(lt + 1);
      if (next === 0x2f) {
        this.endTag(stack);
        if (stack.length === 0) return root as XmlElement;
      } else if (next === 0x21) {
        if (s.startsWith('<!--', lt)) this.comment();
        else if (s.startsWith('<![CDATA[', lt) && top) top.element.text += this.cdata();
        else this.fail('markup that is not allowed in content');
      } else if (next === 0x3f) {
        this.processingInstruction();
      } else {
        const opened = this.startTag(top?.element);
        if (!top) root = opened.element;
        if (opened.empty) {
          if (this.prefixes.length !== opened.scope) this.prefixes.length = this.uris.length = opened.scope;
          if (!top) return opened.element;
        } else {
          stack.push(opened);
        }
      }
    }
  }

  private startTag(parent: XmlElement | undefined): OpenElement & { empty: boolean } {
    const s = this.s;
    const at = this.i;
    this.i++;
    const qname = this.name('a start tag');
    let raw: RawAttribute[] | undefined;
    let empty = false;
    for (;;) {
      let j = this.i;
      while (isSpace(s.charCodeAt(j))) j++;
      const c = s.charCodeAt(j);
      if (c === 0x3e) {
        this.i = j + 1;
        break;
      }
      if (c === 0x2f && s.charCodeAt(j + 1) === 0x3e) {
        this.i = j + 2;
        empty = true;
        break;
      }
      if (j === this.i) this.fail(Number.isNaN(c) ? `the end of the document in <${qname}>` : `an unexpected character in <${qname}>`, j);
      this.i = j;
      const attributeAt = j;
      const name = this.name('an attribute');
      this.skipSpace();
      if (s.charCodeAt(this.i) !== 0x3d) this.fail(`attribute ${name} has no "="`);
      this.i++;
      this.skipSpace();
      const quote = s.charCodeAt(this.i);
      if (quote !== 0x22 && quote !== 0x27) this.fail(`the value of attribute ${name} is not quoted`);
      const close = s.indexOf(quote === 0x22 ? '"' : "'", this.i + 1);
      if (close < 0) this.fail(`the value of attribute ${name} is not closed`);
      const value = this.attributeValue(this.i + 1, close);
      this.i = close + 1;
      raw ??= [];
      for (const other of raw) if (other.qname === name) this.fail(`attribute ${name} is given twice`, attributeAt);
      raw.push({ qname: name, value, at: attributeAt });
    }

    const scope = this.prefixes.length;
    if (raw) for (const a of raw) this.declare(a);
    const colon = this.checkQName(qname, at + 1);
    const element: XmlElement = {
      localName: colon < 0 ? qname : qname.slice(colon + 1),
      namespaceURI: this.resolve(colon < 0 ? '' : qname.slice(0, colon), at + 1),
      attributes: raw ? this.attributes(raw) : [],
      children: [],
      text: '',
    };
    if (parent) parent.children.push(element);
    return { element, qname, scope, empty };
  }

  /** Binds a prefix when `a` is a namespace declaration (Namespaces 1.0 §3, with its constraints). */
  private declare(a: RawAttribute): void {
    const { qname } = a;
    if (qname !== 'xmlns' && !qname.startsWith('xmlns:')) return;
    // White space around a namespace name is dropped, as saxes (which read requests before) did.
    const value = a.value.trim();
    if (qname === 'xmlns') {
      if (value === XML_NS || value === XMLNS_NS) this.fail(`the default namespace cannot be ${value}`, a.at);
      this.bind('', value);
      return;
    }
    this.checkQName(qname, a.at);
    const prefix = qname.slice(6);
    if (prefix === 'xmlns') this.fail('the prefix xmlns cannot be declared', a.at);
    if ((prefix === 'xml') !== (value === XML_NS)) this.fail(`the prefix xml and ${XML_NS} belong only to each other`, a.at);
    if (value === XMLNS_NS) this.fail(`no prefix can be bound to ${XMLNS_NS}`, a.at);
    if (value === '') this.fail(`the prefix ${prefix} cannot be undeclared`, a.at);
    this.bind(prefix, value);
  }

  private bind(prefix: string, uri: string): void {
    this.prefixes.push(prefix);
    this.uris.push(uri);
  }

  private resolve(prefix: string, at: number): string {
    if (prefix === 'xml') return XML_NS;
    for (let k = this.prefixes.length - 1; k >= 0; k--) {
      if (this.prefixes[k] === prefix) return this.uris[k] as string;
    }
    if (prefix === '') return '';
    return this.fail(`the prefix ${prefix} is not declared`, at);
  }

  /** The attributes but namespace declarations, resolved; two may not share a namespace and local name. */
  private attributes(raw: readonly RawAttribute[]): XmlAttribute[] {
    const out: XmlAttribute[] = [];
    for (const a of raw) {
      if (a.qname === 'xmlns' || a.qname.startsWith('xmlns:')) continue;
      const colon = this.checkQName(a.qname, a.at);
      const localName = colon < 0 ? a.qname : a.qname.slice(colon + 1);
      const namespaceURI = colon < 0 ? '' : this.resolve(a.qname.slice(0, colon), a.at);
      for (const other of out) {
        if (other.localName === localName && other.namespaceURI === namespaceURI) {
          this.fail(`attribute ${localName} of ${namespaceURI} is given twice`, a.at);
        }
      }
      out.push({ localName, namespaceURI, value: a.value });
    }
    return out;
  }

  /** A QName has at most one colon, with a name on either side (Namespaces 1.0 §4). Returns its index. */
  private checkQName(qname: string, at: number): number {
    const colon = qname.indexOf(':');
    if (colon < 0) return colon;
    if (colon === 0 || colon === qname.length - 1 || qname.indexOf(':', colon + 1) >= 0) {
      this.fail(`${qname} is not a qualified name`, at);
    }
    // The local part must start as a name does; NAME allowed digits and the like after the colon.
    NAME.lastIndex = 0;
    if (!NAME.test(qname.slice(colon + 1))) this.fail(`${qname} is not a qualified name`, at);
    return colon;
  }

  private endTag(stack: OpenElement[]): void {
    const s = this.s;
    const at = this.i;
    const open = stack.pop();
    // The usual case costs a comparison: the open element's name, then ">".
    if (open && s.startsWith(open.qname, at + 2) && s.charCodeAt(at + 2 + open.qname.length) === 0x3e) {
      this.i = at + 3 + open.qname.length;
    } else {
      this.i += 2;
      const name = this.name('an end tag');
      this.skipSpace();
      if (s.charCodeAt(this.i) !== 0x3e) this.fail(`the end tag </${name}> is not closed`);
      this.i++;
      if (!open || open.qname !== name) {
        this.fail(open ? `the end tag </${name}> does not match <${open.qname}>` : `the end tag </${name}> closes nothing`, at);
      }
    }
    if (this.prefixes.length !== open.scope) this.prefixes.length = this.uris.length = open.scope;
  }

  /** Character data between markup: `]]>` is not allowed in it; line ends become \n; references are replaced. */
  private text(from: number, to: number): string {
    let t = this.s.slice(from, to);
    const cdataEnd = t.indexOf(']]>');
    if (cdataEnd >= 0) this.fail('"]]>" in text', from + cdataEnd);
    if (t.includes('\r')) t = t.replace(LINE_END, '\n');
    return t.includes('&') ? this.references(t, from) : t;
  }

  private attributeValue(from: number, to: number): string {
    let v = this.s.slice(from, to);
    const lt = v.indexOf('<');
    if (lt >= 0) this.fail('"<" in an attribute value', from + lt);
    if (v.includes('\t') || v.includes('\n') || v.includes('\r')) v = v.replace(ATTRIBUTE_SPACE, ' ');
    return v.includes('&') ? this.references(v, from) : v;
  }

  /** Replaces the predefined entities and character references; any other reference is an error. */
  private references(t: string, at: number): string {
    let out = '';
    let from = 0;
    for (let amp = t.indexOf('&'); amp >= 0; amp = t.indexOf('&', from)) {
      const semicolon = t.indexOf(';', amp + 1);
      const ref = semicolon < 0 ? '' : t.slice(amp + 1, semicolon);
      out += t.slice(from, amp);
      if (ref.startsWith('#')) {
        const hex = ref.startsWith('#x');
        const digits = ref.slice(hex ? 2 : 1);
        const cp = (hex ? /^[0-9A-Fa-f]+$/ : /^[0-9]+$/).test(digits) ? Number.parseInt(digits, hex ? 16 : 10) : NaN;
        if (!isChar(cp)) this.fail(`&${ref}; is not a character reference to an XML character`, at + amp);
        out += String.fromCodePoint(cp);
      } else {
        const replacement = PREDEFINED.get(ref);
        if (replacement === undefined) {
          this.fail(semicolon < 0 ? '"&" that starts no reference' : `the entity &${ref}; is not defined`, at + amp);
        }
        out += replacement;
      }
      from = semicolon + 1;
    }
    return out + t.slice(from);
  }

  private cdata(): string {
    const start = this.i + 9;
    const end = this.s.indexOf(']]>', start);
    if (end < 0) this.fail('a CDATA section that is not closed');
    this.i = end + 3;
    const t = this.s.slice(start, end);
    return t.includes('\r') ? t.replace(LINE_END, '\n') : t;
  }

  /** `<!-- … -->`: two hyphens in a row may not occur inside, nor one just before the end. */
  private comment(): void {
    const start = this.i + 4;
    const end = this.s.indexOf('-->', start);
    if (end < 0) this.fail('a comment that is not closed');
    const body = this.s.slice(start, end);
    if (body.includes('--') || body.endsWith('-')) this.fail('"--" inside a comment');
    this.i = end + 3;
  }

  private processingInstruction(): void {
    const s = this.s;
    const at = this.i;
    this.i += 2;
    const target = this.name('a processing instruction');
    if (target.toLowerCase() === 'xml') this.fail('an XML declaration that is not at the start of the document', at);
    if (target.includes(':')) this.fail(`the processing instruction target ${target} has a colon`, at);
    const end = s.indexOf('?>', this.i);
    if (end < 0) this.fail('a processing instruction that is not closed', at);
    if (end > this.i && !isSpace(s.charCodeAt(this.i))) this.fail(`the processing instruction ${target} is malformed`, at);
    this.i = end + 2;
  }

  /** `<?xml version="1.0" encoding="…" standalone="…"?>`: version first, the other two optional, in that order. */
  private declaration(): void {
    const s = this.s;
    const end = s.indexOf('?>', this.i);
    if (end < 0) this.fail('an XML declaration that is not closed');
    const body = s.slice(this.i + 5, end);
    const m = DECLARATION.exec(body);
    if (!m) this.fail('a malformed XML declaration');
    const [, version, encoding, standalone] = m.map((v, n) => (n === 0 ? v : v?.slice(1, -1)));
    if (!VERSION.test(version ?? '')) this.fail(`XML version ${version ?? ''} is not supported`);
    if (encoding !== undefined && !ENCODING.test(encoding)) this.fail(`"${encoding}" is not an encoding name`);
    if (standalone !== undefined && standalone !== 'yes' && standalone !== 'no') this.fail('standalone must be yes or no');
    this.i = end + 2;
  }

  /** White space, comments and processing instructions around the root element. */
  private misc(beforeRoot: boolean): void {
    const s = this.s;
    for (;;) {
      this.skipSpace();
      if (s.startsWith('<!--', this.i)) this.comment();
      else if (s.startsWith('<?', this.i)) this.processingInstruction();
      else if (!beforeRoot && s.startsWith('<!DOCTYPE', this.i)) this.fail('a DOCTYPE after the root element');
      else return;
    }
  }

  private name(what: string): string {
    const s = this.s;
    const start = this.i;
    // Names in SOAP messages are ASCII: scan those here, and leave any other to the full NAME pattern.
    let j = start;
    let c = s.charCodeAt(j);
    if (c < 128 && ASCII_NAME[c] === 2) {
      do c = s.charCodeAt(++j);
      while (c < 128 && ASCII_NAME[c] !== 0);
      if (!(c >= 128)) {
        this.i = j;
        return s.slice(start, j);
      }
    }
    NAME.lastIndex = start;
    if (!NAME.test(s)) {
      this.fail(start >= s.length ? `the end of the document in ${what}` : `${what} without a valid name`);
    }
    this.i = NAME.lastIndex;
    return s.slice(start, this.i);
  }

  private skipSpace(): void {
    while (isSpace(this.s.charCodeAt(this.i))) this.i++;
  }

  private fail(reason: string, at = this.i): never {
    let line = 1;
    let lineStart = 0;
    for (let k = this.s.indexOf('\n'); k >= 0 && k < at; k = this.s.indexOf('\n', k + 1)) {
      line++;
      lineStart = k + 1;
    }
    throw new ParaphError('XML_MALFORMED', `Malformed XML: ${reason} (line ${line}, column ${at - lineStart + 1})`);
  }
}

export function parseXmlTree(text: string): XmlElement {
  return new Reader(text).read();
}
