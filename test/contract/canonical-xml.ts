import { DOMParser, XMLSerializer, type Element, type Node } from '@xmldom/xmldom';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const XMLNS = 'http://www.w3.org/2000/xmlns/';

/**
 * A canonical text of an XML document for comparing responses: namespace prefixes, attribute order,
 * comments and whitespace between elements do not count; names are written `{namespace}local`, and
 * `xsi:type` QName values are resolved the same way, so `tns:sds-document` and `ns2:sds-document`
 * compare equal when both prefixes name the same namespace.
 */
export function canonicalXml(xml: string): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  if (!doc.documentElement) throw new Error('not XML');
  return render(doc.documentElement, '');
}

function qname(ns: string | null, local: string | null): string {
  return ns ? `{${ns}}${local}` : (local ?? '');
}

function render(el: Element, indent: string): string {
  const attrs: string[] = [];
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i);
    if (!a || a.namespaceURI === XMLNS || a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
    let value = a.value;
    if (a.namespaceURI === XSI && a.localName === 'type') {
      const colon = value.indexOf(':');
      const prefix = colon < 0 ? null : value.slice(0, colon);
      value = qname(el.lookupNamespaceURI(prefix), colon < 0 ? value : value.slice(colon + 1));
    }
    attrs.push(`${qname(a.namespaceURI, a.localName)}=${JSON.stringify(value)}`);
  }
  attrs.sort();
  const children: string[] = [];
  let text = '';
  for (let n: Node | null = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) children.push(render(n as Element, `${indent}  `));
    else if (n.nodeType === 3 || n.nodeType === 4) text += n.nodeValue ?? '';
  }
  const head = `${indent}${qname(el.namespaceURI, el.localName)}${attrs.length ? ` ${attrs.join(' ')}` : ''}`;
  if (children.length === 0) return text === '' ? head : `${head} = ${JSON.stringify(text)}`;
  if (text.trim() !== '') children.unshift(`${indent}  #text ${JSON.stringify(text)}`);
  return `${head}\n${children.join('\n')}`;
}

/** The first element child of the SOAP Body, serialised on its own (undefined for an empty Body). */
export function payloadOf(xml: string): string | undefined {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const body = doc.getElementsByTagNameNS('http://schemas.xmlsoap.org/soap/envelope/', 'Body').item(0);
  for (let n = body?.firstChild ?? null; n; n = n.nextSibling) {
    if (n.nodeType === 1) return new XMLSerializer().serializeToString(n);
  }
  return undefined;
}
