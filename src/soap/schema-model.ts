/**
 * A compact model of the XML Schema inside a WSDL: enough to read any element leniently and to write
 * it strictly (children in sequence order, attributes unqualified, `xsi:type` on derived types).
 * Built once from what the `soap` package parsed (see compile-schema.ts).
 */

export type SimpleKind = 'string' | 'boolean' | 'int' | 'integer' | 'dateTime' | 'base64Binary' | 'anyType';

export interface SimpleType {
  readonly kind: SimpleKind;
  /** Allowed values of a restriction by enumeration, in their canonical spelling. */
  readonly enumeration?: readonly string[];
}

export interface ElementDecl {
  readonly name: string;
  /** `simple` values are text; `complex` names a complex type of the model. */
  readonly type: { readonly simple: SimpleType } | { readonly complex: string };
  readonly minOccurs: number;
  /** `Infinity` for unbounded. */
  readonly maxOccurs: number;
  readonly nillable: boolean;
  readonly defaultValue?: string;
}

export interface AttributeDecl {
  readonly name: string;
  readonly type: SimpleType;
  readonly required: boolean;
}

export interface ComplexType {
  readonly name: string;
  /** The complex type this one extends, if any (its children and attributes come first). */
  readonly base?: string;
  /** Child elements in schema order, the base type's first. */
  readonly elements: readonly ElementDecl[];
  readonly attributes: readonly AttributeDecl[];
  /** Set for simple content (text plus attributes), such as `method`. */
  readonly text?: SimpleType;
}

export interface SchemaModel {
  readonly targetNamespace: string;
  /** Global elements by local name; each refers to a (possibly anonymous) complex type. */
  readonly elements: ReadonlyMap<string, ElementDecl>;
  readonly complexTypes: ReadonlyMap<string, ComplexType>;
  /** For each complex type, the types that extend it (directly or not): the candidates for `xsi:type`. */
  readonly derivedTypes: ReadonlyMap<string, readonly string[]>;
}

export function complexTypeOf(model: SchemaModel, name: string): ComplexType {
  const type = model.complexTypes.get(name);
  if (!type) throw new Error(`schema has no complex type ${name}`);
  return type;
}
