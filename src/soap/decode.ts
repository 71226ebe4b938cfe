import { ParaphError } from '../errors';
import { complexTypeOf, type ComplexType, type ElementDecl, type SchemaModel, type SimpleType } from './schema-model';
import { camelCase, XSI_NS, type WireObject, type WireValue } from './wire-value';
import { attribute, type XmlElement } from './xml-tree';

/**
 * Reads a payload element into a WireObject, guided by the schema but lenient the way real clients
 * need (CONTRACT.md §0.1): children matched by local name in any namespace and any order, unknown
 * children ignored, `xsi:nil` items skipped, booleans as true/false/1/0, any xs:dateTime form,
 * enumerations in any letter case, `xsi:type` resolved against in-scope prefixes or by its local part,
 * and inferred from the attributes when it is missing. Missing required values are left for the domain
 * to judge: some schema-invalid messages are what real clients send and Signicat accepts.
 */
export function decodePayload(model: SchemaModel, payload: XmlElement, elementName: string): WireObject {
  const decl = model.elements.get(elementName);
  if (!decl || !('complex' in decl.type)) throw new Error(`no complex element ${elementName}`);
  return decodeComplex(model, payload, decl.type.complex, elementName);
}

function isNil(el: XmlElement): boolean {
  const nil = attribute(el, 'nil', XSI_NS);
  return nil === 'true' || nil === '1';
}

function decodeComplex(model: SchemaModel, el: XmlElement, typeName: string, path: string): WireObject {
  const declared = complexTypeOf(model, typeName);
  const type = chooseDerivedType(model, el, declared);
  const out: Record<string, WireValue> = {};
  if (type !== declared || model.derivedTypes.has(declared.name)) out.xsiType = type.name;

  for (const attr of type.attributes) {
    const raw = attribute(el, attr.name);
    if (raw === undefined) continue;
    const value = decodeSimple(raw, attr.type, `${path}/@${attr.name}`);
    if (value !== undefined) out[camelCase(attr.name)] = value;
  }
  if (type.text) {
    const value = decodeSimple(el.text, type.text, path);
    if (value !== undefined) out.value = value;
  }
  if (type.elements.length === 0) return out;

  const byName = new Map<string, XmlElement[]>();
  for (const child of el.children) {
    const list = byName.get(child.localName);
    if (list) list.push(child);
    else byName.set(child.localName, [child]);
  }
  // Most declared children are absent from a given message: they cost a lookup, nothing more.
  for (const child of type.elements) {
    const found = byName.get(child.name);
    const key = camelCase(child.name);
    if (child.maxOccurs > 1) {
      const values: WireValue[] = [];
      for (const c of found ?? []) {
        if (isNil(c)) continue;
        const value = decodeElement(model, c, child, `${path}/${child.name}`);
        if (value !== undefined) values.push(value);
      }
      out[key] = values;
      continue;
    }
    const first = found?.find((c) => !isNil(c));
    if (!first) continue;
    const value = decodeElement(model, first, child, `${path}/${child.name}`);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function decodeElement(model: SchemaModel, el: XmlElement, decl: ElementDecl, path: string): WireValue {
  if ('complex' in decl.type) return decodeComplex(model, el, decl.type.complex, path);
  return decodeSimple(el.text, decl.type.simple, path);
}

/** The type named by `xsi:type`, or inferred from the attributes that only one derived type has. */
function chooseDerivedType(model: SchemaModel, el: XmlElement, declared: ComplexType): ComplexType {
  const derived = model.derivedTypes.get(declared.name);
  if (!derived) return declared;
  const xsiType = attribute(el, 'type', XSI_NS);
  if (xsiType) {
    const colon = xsiType.indexOf(':');
    const local = colon < 0 ? xsiType : xsiType.slice(colon + 1);
    // Resolve the prefix where it is declared; WCF writes an unprefixed name resolved against the
    // default namespace and some hand-written clients use an undeclared `tns:`. All name the local type.
    if (derived.includes(local) || local === declared.name) return complexTypeOf(model, local);
    throw new ParaphError(
      'FIELD_INVALID',
      `xsi:type "${xsiType}" is not a kind of ${declared.name} (expected one of ${derived.join(', ')})`,
    );
  }
  const has = (name: string): boolean => attribute(el, name) !== undefined;
  const hasChild = (name: string): boolean => el.children.some((c) => c.localName === name);
  let inferred: string | undefined;
  if (declared.name === 'document') {
    if (has('ref-sds-id')) inferred = 'sds-document';
    else if (has('mime-type') || hasChild('data')) inferred = 'provided-document';
    else if (has('ref-archive-id')) inferred = 'archive-document';
    else if (has('ref-task-id') || has('ref-document-id')) inferred = 'result-document';
    else if (has('ref-packaging-task-id')) inferred = 'packaging-result-document';
    else if (hasChild('description')) inferred = 'upload-document';
  }
  return inferred && derived.includes(inferred) ? complexTypeOf(model, inferred) : declared;
}

/** Accepts every xs:dateTime form clients send, including .NET's seven fractional digits. */
export function parseDateTime(text: string): Date | undefined {
  const m = /^(-?\d{4,}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(text);
  if (!m) return undefined;
  const fraction = m[3] ? m[3].slice(0, 4).padEnd(4, '0') : '';
  const date = new Date(`${m[1]}T${m[2] ?? '00:00:00'}${fraction}${m[4] ?? 'Z'}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function decodeSimple(raw: string, type: SimpleType, path: string): WireValue {
  if (type.kind === 'string' && !type.enumeration) return raw;
  if (type.kind === 'anyType') return raw;
  const text = raw.trim();
  // An empty typed value (`<days-to-live/>`, `<bundle></bundle>`) is read as absent, as Signicat does
  // for the empty strings C# clients send.
  if (text === '') return undefined;
  const invalid = (expected: string): ParaphError =>
    new ParaphError('FIELD_INVALID', `${path}: "${truncate(text)}" is not ${expected}`);

  if (type.enumeration) {
    if (type.enumeration.includes(text)) return text;
    const match = type.enumeration.find((v) => v.toLowerCase() === text.toLowerCase());
    if (match) return match;
    throw invalid(`one of ${type.enumeration.join(', ')}`);
  }
  switch (type.kind) {
    case 'boolean':
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      throw invalid('a boolean (true, false, 1, 0)');
    case 'int':
    case 'integer': {
      if (!/^[+-]?\d+$/.test(text)) throw invalid('an integer');
      const n = Number(text);
      if (!Number.isSafeInteger(n)) throw invalid('an integer in range');
      return n;
    }
    case 'dateTime': {
      const date = parseDateTime(text);
      if (!date) throw invalid('an xs:dateTime');
      return date;
    }
    case 'base64Binary': {
      const compact = raw.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) throw invalid('base64');
      return Buffer.from(compact, 'base64');
    }
    default:
      return raw;
  }
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
