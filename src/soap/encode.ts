import { complexTypeOf, type ComplexType, type ElementDecl, type SchemaModel, type SimpleType } from './schema-model';
import { camelCase, XSI_NS, type WireObject, type WireValue } from './wire-value';

/**
 * Writes a payload strictly (CONTRACT.md §0.2): the WSDL's element as root with the target namespace
 * as default namespace, children in schema sequence order and qualified, attributes unqualified,
 * absent values omitted, booleans as true/false, and `xsi:type` with a declared prefix on every
 * element of a polymorphic type. Keys of the value that the schema does not know are never written.
 */
export function encodePayload(model: SchemaModel, elementName: string, value: WireObject): string {
  const decl = model.elements.get(elementName);
  if (!decl || !('complex' in decl.type)) throw new Error(`no complex element ${elementName}`);
  const parts: string[] = [];
  writeComplex(model, parts, elementName, decl.type.complex, value, ` xmlns="${escapeAttr(model.targetNamespace)}"`);
  return parts.join('');
}

function writeComplex(
  model: SchemaModel,
  out: string[],
  name: string,
  typeName: string,
  value: WireObject,
  extraAttrs = '',
): void {
  let type = complexTypeOf(model, typeName);
  let attrs = extraAttrs;
  const derived = model.derivedTypes.get(typeName);
  const xsiType = value.xsiType;
  if (derived && typeof xsiType === 'string' && derived.includes(xsiType)) {
    type = complexTypeOf(model, xsiType);
    attrs += ` xmlns:xsi="${XSI_NS}" xmlns:tns="${escapeAttr(model.targetNamespace)}" xsi:type="tns:${xsiType}"`;
  }
  attrs += attributesOf(type, value);
  const inner = contentOf(model, type, value);
  out.push(inner === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${inner}</${name}>`);
}

function attributesOf(type: ComplexType, value: WireObject): string {
  let attrs = '';
  for (const attr of type.attributes) {
    const v = value[camelCase(attr.name)];
    if (v === undefined || v === null) continue;
    attrs += ` ${attr.name}="${escapeAttr(formatSimple(v, attr.type))}"`;
  }
  return attrs;
}

function contentOf(model: SchemaModel, type: ComplexType, value: WireObject): string {
  if (type.text) {
    const text = value.value;
    return text === undefined ? '' : escapeText(formatSimple(text, type.text));
  }
  const out: string[] = [];
  for (const child of type.elements) {
    const v = value[camelCase(child.name)];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v as readonly WireValue[]) writeElement(model, out, child, item);
    } else {
      writeElement(model, out, child, v);
    }
  }
  return out.join('');
}

function writeElement(model: SchemaModel, out: string[], decl: ElementDecl, value: WireValue): void {
  if (value === undefined || value === null) return;
  if ('complex' in decl.type) {
    writeComplex(model, out, decl.name, decl.type.complex, value as WireObject);
    return;
  }
  out.push(`<${decl.name}>${escapeText(formatSimple(value, decl.type.simple))}</${decl.name}>`);
}

function formatSimple(value: WireValue, type: SimpleType): string {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return type.kind === 'boolean' ? String(value !== 0) : String(Math.trunc(value));
  return String(value);
}

export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

export function escapeAttr(text: string): string {
  return text.replace(/[&<>"\t\n\r]/g, (c) => ATTR_ESCAPES[c] as string);
}

const ATTR_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};
