import { readFileSync } from 'node:fs';
import { WSDL } from 'soap';
import { compileSchema, type SoapSchema } from './compile-schema';
import type { SchemaModel } from './schema-model';

export interface OperationDecl {
  /** The WSDL operation name, e.g. `createRequest`. */
  readonly name: string;
  /** Local name of the request payload element, e.g. `create-request-request`. */
  readonly inputElement: string;
  /** Local name of the response payload element; undefined for operations whose output has no parts. */
  readonly outputElement?: string;
}

/** Everything the SOAP edge needs to know about one published service, all read from its WSDL. */
export interface ServiceDescription {
  /** The published path, e.g. `/ws/documentservice-v3`. */
  readonly path: string;
  readonly targetNamespace: string;
  readonly schema: SchemaModel;
  /** Operations by the local name of their request element: dispatch is on the Body's first child. */
  readonly operationsByElement: ReadonlyMap<string, OperationDecl>;
  /** The WSDL as served, with `soap:address` pointing at `publicBaseUrl` + path. */
  renderWsdl(publicBaseUrl: string): string;
}

interface SoapBinding {
  readonly topElements?: Readonly<Record<string, { methodName: string; outputName: string }>>;
}

function parse(text: string): Promise<WSDL> {
  return new Promise((resolve, reject) => {
    const wsdl = new WSDL(text, 'file:///', {});
    wsdl.onReady((err) => (err ? reject(err) : resolve(wsdl)));
  });
}

/**
 * Loads one of our WSDLs with the `soap` package and compiles what it parsed into the operation table
 * and schema model the edge works from. The `soap` package reads the WSDL; Paraph owns the envelope
 * (see soap-endpoint.ts for why).
 */
export async function loadWsdl(file: string, path: string): Promise<ServiceDescription> {
  const text = readFileSync(file, 'utf8');
  const wsdl = await parse(text);
  const definitions = wsdl.definitions;
  const targetNamespace = definitions.$targetNamespace as string;
  const schemas = definitions.schemas as unknown as Record<string, SoapSchema>;
  const soapSchema = schemas[targetNamespace];
  if (!soapSchema) throw new Error(`${file}: no schema for ${targetNamespace}`);
  const schema = compileSchema(soapSchema);

  const operationsByElement = new Map<string, OperationDecl>();
  // `soap` fills in topElements (request element -> operation) on the bindings of the service's ports.
  const services = definitions.services as unknown as Record<string, { ports: Record<string, { binding: SoapBinding }> }>;
  const bindings = Object.values(services).flatMap((service) => Object.values(service.ports).map((p) => p.binding));
  for (const binding of bindings) {
    for (const [inputElement, top] of Object.entries(binding.topElements ?? {})) {
      const outputElement = schema.elements.has(top.outputName) ? top.outputName : undefined;
      operationsByElement.set(inputElement, {
        name: top.methodName,
        inputElement,
        ...(outputElement ? { outputElement } : {}),
      });
    }
  }
  if (operationsByElement.size === 0) throw new Error(`${file}: no operations found`);

  const address = /(<soap:address\s+location=")[^"]*(")/;
  if (!address.test(text)) throw new Error(`${file}: no soap:address`);
  return {
    path,
    targetNamespace,
    schema,
    operationsByElement,
    renderWsdl: (publicBaseUrl) =>
      text.replace(address, (_m, open: string, close: string) => `${open}${escapeAttr(publicBaseUrl + path)}${close}`),
  };
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
