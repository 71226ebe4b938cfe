import { DOMParser, type Element } from '@xmldom/xmldom';
import { ParaphError } from '../errors';
import { SOAP11_ENV_NS, SOAP12_ENV_NS } from './wire-value';

/**
 * A DOCTYPE can only stand in the prolog, before the root element. Rejecting it there means no DTD,
 * internal entity (billion laughs) or external entity (XXE) ever reaches the parser. xmldom resolves no
 * external entities anyway; this makes the refusal explicit and gives it its own error code.
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

export function parseXml(text: string): Element {
  assertNoDoctype(text);
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level === 'warning') return;
      throw new ParaphError('XML_MALFORMED', `Malformed XML: ${String(message).split('\n')[0]}`);
    },
  });
  let root: Element | null;
  try {
    root = parser.parseFromString(text, 'text/xml').documentElement;
  } catch (err) {
    if (err instanceof ParaphError) throw err;
    // xmldom wraps the error our onError threw; keep our code and message.
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof ParaphError) throw cause;
    throw new ParaphError('XML_MALFORMED', 'Malformed XML');
  }
  if (!root) throw new ParaphError('XML_MALFORMED', 'Malformed XML: no root element');
  return root;
}

export function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) out.push(n as Element);
  }
  return out;
}

/** Parses a SOAP 1.1 request and returns the payload: the first element child of the Body. */
export function readEnvelope(text: string): Element {
  const envelope = parseXml(text);
  if (envelope.localName !== 'Envelope' || envelope.namespaceURI !== SOAP11_ENV_NS) {
    const hint =
      envelope.namespaceURI === SOAP12_ENV_NS ? ' (SOAP 1.2 is not supported; this service speaks SOAP 1.1)' : '';
    throw new ParaphError('SOAP_ENVELOPE_INVALID', `Expected a SOAP 1.1 Envelope${hint}`);
  }
  const body = childElements(envelope).find((c) => c.localName === 'Body' && c.namespaceURI === SOAP11_ENV_NS);
  if (!body) throw new ParaphError('SOAP_ENVELOPE_INVALID', 'The SOAP Envelope has no Body');
  const payload = childElements(body)[0];
  if (!payload) throw new ParaphError('SOAP_ENVELOPE_INVALID', 'The SOAP Body is empty');
  return payload;
}
