import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const XS = 'http://www.w3.org/2001/XMLSchema';
const cached = new Map<string, string>();

/** The inline schema of one of our WSDLs as a standalone XSD file, for `xmllint --schema`. */
export function schemaFile(wsdl = 'documentservice-v3.wsdl'): string {
  const found = cached.get(wsdl);
  if (found) return found;
  const text = readFileSync(join(__dirname, '..', '..', 'wsdl', wsdl), 'utf8');
  const doc = new DOMParser().parseFromString(text, 'text/xml');
  const schema = doc.getElementsByTagNameNS(XS, 'schema').item(0);
  if (!schema) throw new Error(`${wsdl} has no schema`);
  // The schema uses the tns prefix declared on wsdl:definitions; declare it where it stands alone.
  schema.setAttribute('xmlns:tns', schema.getAttribute('targetNamespace') ?? '');
  const file = join(mkdtempSync(join(tmpdir(), 'paraph-xsd-')), wsdl.replace('.wsdl', '.xsd'));
  writeFileSync(file, new XMLSerializer().serializeToString(schema));
  cached.set(wsdl, file);
  return file;
}
