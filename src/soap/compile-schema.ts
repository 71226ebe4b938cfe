import type { AttributeDecl, ComplexType, ElementDecl, SchemaModel, SimpleKind, SimpleType } from './schema-model';

/** The node shape of the `soap` package's parsed schema: tag local name, `$`-prefixed attributes, children. */
export interface SoapSchemaNode {
  readonly name: string;
  readonly children?: readonly SoapSchemaNode[];
  readonly [attribute: `$${string}`]: unknown;
}

export interface SoapSchema {
  readonly $targetNamespace: string;
  readonly elements: Readonly<Record<string, SoapSchemaNode>>;
  readonly complexTypes: Readonly<Record<string, SoapSchemaNode>>;
  readonly types: Readonly<Record<string, SoapSchemaNode>>;
}

const XSD_KINDS: Readonly<Record<string, SimpleKind>> = {
  string: 'string',
  boolean: 'boolean',
  int: 'int',
  integer: 'integer',
  long: 'integer',
  dateTime: 'dateTime',
  base64Binary: 'base64Binary',
  anyType: 'anyType',
};

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

function attr(node: SoapSchemaNode, name: string): string | undefined {
  const value = node[`$${name}`];
  return typeof value === 'string' ? value : undefined;
}

function children(node: SoapSchemaNode, name?: string): SoapSchemaNode[] {
  return (node.children ?? []).filter((c) => name === undefined || c.name === name);
}

/**
 * Compiles the schema the `soap` package loaded from a WSDL into a SchemaModel. Only the constructs
 * Signicat's WSDLs use are supported (sequence, choice, attributes, complexContent and simpleContent
 * extension, simpleType enumerations); anything else is an error at start-up, not a surprise later.
 */
export function compileSchema(schema: SoapSchema): SchemaModel {
  const simpleTypes = new Map<string, SimpleType>();
  for (const [name, node] of Object.entries(schema.types)) {
    const restriction = children(node, 'restriction')[0];
    if (!restriction) throw new Error(`simpleType ${name}: only restrictions are supported`);
    const base = XSD_KINDS[localName(attr(restriction, 'base') ?? '')];
    if (!base) throw new Error(`simpleType ${name}: unsupported base`);
    const enumeration = children(restriction, 'enumeration').map((e) => attr(e, 'value') ?? '');
    simpleTypes.set(name, enumeration.length ? { kind: base, enumeration } : { kind: base });
  }

  const simpleTypeOf = (qname: string | undefined, where: string): SimpleType | undefined => {
    const local = localName(qname ?? 'xs:anyType');
    if (qname === undefined || /^(xs|xsd):/.test(qname)) {
      const kind = XSD_KINDS[local];
      if (!kind) throw new Error(`${where}: unsupported XSD type ${qname}`);
      return { kind };
    }
    return simpleTypes.get(local);
  };

  const complexTypes = new Map<string, ComplexType>();
  const pendingBases: Array<[string, string]> = [];

  const compileElement = (node: SoapSchemaNode, where: string, choiceMax = 1): ElementDecl => {
    const name = attr(node, 'name');
    if (!name) throw new Error(`${where}: element without a name`);
    const typeName = attr(node, 'type');
    const max = attr(node, 'maxOccurs');
    const maxOccurs = Math.max(max === 'unbounded' ? Infinity : Number(max ?? 1), choiceMax);
    const base = {
      name,
      minOccurs: Number(attr(node, 'minOccurs') ?? 1),
      maxOccurs,
      nillable: attr(node, 'nillable') === 'true',
      ...(attr(node, 'default') !== undefined ? { defaultValue: attr(node, 'default') } : {}),
    };
    const simple = simpleTypeOf(typeName, `${where}/${name}`);
    if (simple) return { ...base, type: { simple } };
    return { ...base, type: { complex: localName(typeName ?? '') } };
  };

  const compileParticles = (node: SoapSchemaNode, where: string): ElementDecl[] => {
    const out: ElementDecl[] = [];
    for (const child of children(node)) {
      if (child.name === 'element') out.push(compileElement(child, where));
      else if (child.name === 'sequence') out.push(...compileParticles(child, where));
      else if (child.name === 'choice') {
        // A choice is read as its alternatives, each as often as the choice may occur (readers are
        // lenient about which one comes); no response Paraph writes contains a choice.
        const max = attr(child, 'maxOccurs');
        const choiceMax = max === 'unbounded' ? Infinity : Number(max ?? 1);
        for (const alt of children(child, 'element')) {
          out.push({ ...compileElement(alt, where, choiceMax), minOccurs: 0 });
        }
      }
    }
    return out;
  };

  const compileAttributes = (node: SoapSchemaNode, where: string): AttributeDecl[] =>
    children(node, 'attribute').map((a) => {
      const name = attr(a, 'name') ?? '';
      const type = simpleTypeOf(attr(a, 'type'), `${where}/@${name}`);
      if (!type) throw new Error(`${where}/@${name}: attribute of unknown type`);
      return { name, type, required: attr(a, 'use') === 'required' };
    });

  const compileComplex = (name: string, node: SoapSchemaNode): ComplexType => {
    const complexContent = children(node, 'complexContent')[0];
    const simpleContent = children(node, 'simpleContent')[0];
    if (complexContent) {
      const extension = children(complexContent, 'extension')[0];
      if (!extension) throw new Error(`${name}: only complexContent extensions are supported`);
      const base = localName(attr(extension, 'base') ?? '');
      pendingBases.push([name, base]);
      return {
        name,
        base,
        elements: compileParticles(extension, name),
        attributes: compileAttributes(extension, name),
      };
    }
    if (simpleContent) {
      const extension = children(simpleContent, 'extension')[0];
      if (!extension) throw new Error(`${name}: only simpleContent extensions are supported`);
      const text = simpleTypeOf(attr(extension, 'base'), name);
      if (!text) throw new Error(`${name}: simple content of unknown type`);
      return { name, elements: [], attributes: compileAttributes(extension, name), text };
    }
    return { name, elements: compileParticles(node, name), attributes: compileAttributes(node, name) };
  };

  for (const [name, node] of Object.entries(schema.complexTypes)) {
    complexTypes.set(name, compileComplex(name, node));
  }

  const elements = new Map<string, ElementDecl>();
  for (const [name, node] of Object.entries(schema.elements)) {
    const anonymous = children(node, 'complexType')[0];
    if (anonymous) {
      // Global elements of these WSDLs carry anonymous types; they are filed under the element's name.
      const typeName = `#${name}`;
      complexTypes.set(typeName, compileComplex(typeName, anonymous));
      elements.set(name, { name, type: { complex: typeName }, minOccurs: 1, maxOccurs: 1, nillable: false });
    } else {
      elements.set(name, compileElement(node, name));
    }
  }

  // Put base members first, so that every type lists all its children in the order they are written.
  const resolved = new Map<string, ComplexType>();
  const resolve = (name: string): ComplexType => {
    const done = resolved.get(name);
    if (done) return done;
    const type = complexTypes.get(name);
    if (!type) throw new Error(`unknown complex type ${name}`);
    if (!type.base) {
      resolved.set(name, type);
      return type;
    }
    const base = resolve(type.base);
    const full: ComplexType = {
      ...type,
      elements: [...base.elements, ...type.elements],
      attributes: [...base.attributes, ...type.attributes],
    };
    resolved.set(name, full);
    return full;
  };
  for (const name of complexTypes.keys()) resolve(name);

  const derivedTypes = new Map<string, string[]>();
  for (const [derived, base] of pendingBases) {
    let b: string | undefined = base;
    while (b) {
      derivedTypes.set(b, [...(derivedTypes.get(b) ?? []), derived]);
      b = complexTypes.get(b)?.base;
    }
  }

  return { targetNamespace: schema.$targetNamespace, elements, complexTypes: resolved, derivedTypes };
}
