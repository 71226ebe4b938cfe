/**
 * Our WSDL is wire-identical to the one Signicat served (kept verbatim in fixtures/reference/): the same
 * target namespace, schema, messages, port type, binding and service/port names. Only soap:address may
 * differ, and the served copy points at the configured public base URL.
 */
import { DOMParser, type Element } from '@xmldom/xmldom';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalXml } from '../contract/canonical-xml';
import { startParaph, type RunningParaph } from '../helpers/paraph';

const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
const SOAP_BINDING_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';
const ours = readFileSync(join(__dirname, '..', '..', 'wsdl', 'documentservice-v3.wsdl'), 'utf8');
const reference = readFileSync(join(__dirname, '..', '..', 'fixtures', 'reference', 'documentservice-v3.reference.wsdl'), 'utf8');

function withoutAddress(xml: string): Element {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const address = doc.getElementsByTagNameNS(SOAP_BINDING_NS, 'address').item(0);
  address?.removeAttribute('location');
  return doc.documentElement as Element;
}

function section(root: Element, local: string): string[] {
  const out: string[] = [];
  const list = root.getElementsByTagNameNS(WSDL_NS, local);
  for (let i = 0; i < list.length; i++) out.push(canonicalXml(String(list.item(i))));
  return out;
}

describe('the DocumentService v3 WSDL', () => {
  it('has the same schema as the reference WSDL', () => {
    expect(section(withoutAddress(ours), 'types')).toEqual(section(withoutAddress(reference), 'types'));
  });

  it.each(['message', 'portType', 'binding', 'service'])('has the same wsdl:%s elements as the reference', (local) => {
    expect(section(withoutAddress(ours), local)).toEqual(section(withoutAddress(reference), local));
  });

  it('has the same definitions name and target namespace', () => {
    const a = withoutAddress(ours);
    const b = withoutAddress(reference);
    expect(a.getAttribute('targetNamespace')).toBe('https://id.signicat.com/definitions/wsdl/Document-v3');
    expect(a.getAttribute('targetNamespace')).toBe(b.getAttribute('targetNamespace'));
    expect(a.getAttribute('name')).toBe(b.getAttribute('name'));
  });

  describe('as served', () => {
    let running: RunningParaph;
    beforeAll(async () => {
      running = await startParaph({ config: { publicBaseUrl: 'https://sign.example.com/base' } });
    });
    afterAll(async () => running.stop());

    it.each(['?wsdl', '?WSDL'])('is served at %s with soap:address at the public base URL', async (query) => {
      const res = await fetch(`${running.url}/ws/documentservice-v3${query}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/xml;charset=UTF-8');
      const text = await res.text();
      expect(text).toContain('<soap:address location="https://sign.example.com/base/ws/documentservice-v3" />');
      expect(canonicalXml(String(withoutAddress(text)))).toBe(canonicalXml(String(withoutAddress(ours))));
    });
  });
});
