import { ParaphError } from '../errors';
import { SOAP11_ENV_NS, SOAP12_ENV_NS } from './wire-value';
import { parseXmlTree, type XmlElement } from './xml-tree';

/** Parses a SOAP 1.1 request and returns the payload: the first element child of the Body. */
export function readEnvelope(text: string): XmlElement {
  const envelope = parseXmlTree(text);
  if (envelope.localName !== 'Envelope' || envelope.namespaceURI !== SOAP11_ENV_NS) {
    const hint =
      envelope.namespaceURI === SOAP12_ENV_NS ? ' (SOAP 1.2 is not supported; this service speaks SOAP 1.1)' : '';
    throw new ParaphError('SOAP_ENVELOPE_INVALID', `Expected a SOAP 1.1 Envelope${hint}`);
  }
  const body = envelope.children.find((c) => c.localName === 'Body' && c.namespaceURI === SOAP11_ENV_NS);
  if (!body) throw new ParaphError('SOAP_ENVELOPE_INVALID', 'The SOAP Envelope has no Body');
  const payload = body.children[0];
  if (!payload) throw new ParaphError('SOAP_ENVELOPE_INVALID', 'The SOAP Body is empty');
  return payload;
}
