/**
 * The in-memory form of a SOAP payload as the decoder produces it and the encoder consumes it: XML names
 * become camelCase keys (`request-id` → `requestId`), attributes and child elements alike; repeatable
 * elements are arrays; the text of a simple-content element is `value`; the chosen derived type of a
 * polymorphic element is `xsiType`.
 */
export type WireScalar = string | number | boolean | Date | Buffer;
export type WireValue = WireScalar | WireObject | readonly WireValue[] | undefined;
export interface WireObject {
  readonly [key: string]: WireValue;
}

const cache = new Map<string, string>();

export function camelCase(xmlName: string): string {
  let camel = cache.get(xmlName);
  if (camel === undefined) {
    camel = xmlName.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    cache.set(xmlName, camel);
  }
  return camel;
}

export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const SOAP11_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENV_NS = 'http://www.w3.org/2003/05/soap-envelope';
