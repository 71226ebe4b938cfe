import { verify as verifySignature } from 'node:crypto';
import type { Element, Node } from '@xmldom/xmldom';
import { C14nCanonicalization, type NamespacePrefix } from 'xml-crypto';
import { NativeSignatureError, quoted } from './native-signature-error';
import {
  base64BytesOf,
  childrenNamed,
  elementChildren,
  isElement,
  malformedXml,
  onlyChild,
  textOf,
  type NativeXml,
} from './native-xml';
import { certificatePublicKey } from './verify-cms';

/**
 * Core validation of an enveloping XMLDSig as the eIDs make them (NemID, Swedish BankID): every
 * Reference points by `#Id` into the signature itself, inclusive C14N throughout, SHA-256 digests,
 * RSA-SHA256. The same canonicalisation as the signers (xml-crypto's C14nCanonicalization) is
 * used, with the namespaces the referenced element inherits.
 *
 * Against signature wrapping, what the caller then reads must come from the elements returned
 * here, which are the elements that were digested: an Id resolves to the one element in the
 * document that carries it (two are `malformed`, not a choice), and that element must lie inside
 * this ds:Signature.
 */

export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

/** Attribute names taken as an element's Id, as xmlsec1 and xml-crypto take them. */
const ID_ATTRIBUTES = ['Id', 'ID', 'id'] as const;

export interface VerifiedReference {
  /** The Id the reference's URI names (without `#`). */
  readonly id: string;
  /** The Reference's Type attribute, if it has one. */
  readonly type?: string;
  /** The element that was digested. */
  readonly target: Element;
}

/**
 * Throws NativeSignatureError unless `signature` (a ds:Signature in `xml`) was made with the key
 * of `signerCertificate`, which must be the first X509Certificate of its KeyInfo, and every
 * Reference's digest matches. `expectReferences` is the format's say on what must be signed: it
 * gets the resolved references and throws `malformed` for a set that is not the format's.
 * Returns the references, in order, with the elements they digest.
 *
 * Checked in this order: the structure, algorithms, Id resolution and `expectReferences`
 * (`malformed`); the certificate (`certificate-mismatch`); the SignatureValue over the canonical
 * SignedInfo, then each reference's digest (`signature-invalid`).
 */
export function verifyXmlSignature(
  xml: NativeXml,
  signature: Element,
  signerCertificate: Buffer,
  expectReferences: (references: readonly VerifiedReference[]) => void,
): VerifiedReference[] {
  if (!isElement(signature, XMLDSIG_NS, 'Signature')) throw malformedXml(xml, 'the signature is not a ds:Signature');
  // An eID artifact holds one signature; a second one is at best noise, at worst a decoy.
  if (xml.document.getElementsByTagNameNS(XMLDSIG_NS, 'Signature').length !== 1) {
    throw malformedXml(xml, 'it holds more than one ds:Signature');
  }
  const parts = elementChildren(signature);
  const signedInfo = parts[0];
  if (!signedInfo || !isElement(signedInfo, XMLDSIG_NS, 'SignedInfo')) {
    throw malformedXml(xml, 'the ds:Signature does not begin with SignedInfo');
  }
  const signatureValue = onlyChild(xml, signature, XMLDSIG_NS, 'SignatureValue');
  const keyInfo = onlyChild(xml, signature, XMLDSIG_NS, 'KeyInfo');
  const references = readSignedInfo(xml, signature, signedInfo);
  expectReferences(references);

  const certificates = childrenNamed(keyInfo, XMLDSIG_NS, 'X509Data').flatMap((data) =>
    childrenNamed(data, XMLDSIG_NS, 'X509Certificate'),
  );
  if (certificates.length === 0) throw malformedXml(xml, 'the KeyInfo holds no X509Certificate');
  const certificate = base64BytesOf(xml, certificates[0]!);
  if (!certificate.equals(signerCertificate)) {
    throw new NativeSignatureError('certificate-mismatch', `${xml.what} names another certificate as its signer than the one given`);
  }

  const key = certificatePublicKey(certificate, xml.what);
  if (key.asymmetricKeyType !== 'rsa') {
    throw new NativeSignatureError('signature-invalid', `${xml.what} claims an RSA signature, but the signer's key is not RSA`);
  }
  const canonicalSignedInfo = Buffer.from(canonical(xml, signedInfo), 'utf8');
  if (!verifySignature('sha256', canonicalSignedInfo, key, base64BytesOf(xml, signatureValue))) {
    throw new NativeSignatureError('signature-invalid', `the SignatureValue of ${xml.what} does not verify`);
  }

  for (const reference of references) {
    if (!xml.sha256(canonical(xml, reference.target)).equals(reference.digest)) {
      const signed = quoted(`#${reference.id}`);
      throw new NativeSignatureError('signature-invalid', `the content ${xml.what} signs as ${signed} has changed`);
    }
  }
  return references.map(({ id, type, target }) => ({ id, ...(type !== undefined ? { type } : {}), target }));
}

interface ReferenceToCheck extends VerifiedReference {
  readonly digest: Buffer;
}

function readSignedInfo(xml: NativeXml, signature: Element, signedInfo: Element): ReferenceToCheck[] {
  const [canonicalization, signatureMethod, ...references] = elementChildren(signedInfo);
  if (!canonicalization || !isElement(canonicalization, XMLDSIG_NS, 'CanonicalizationMethod')) {
    throw malformedXml(xml, 'SignedInfo does not begin with CanonicalizationMethod');
  }
  expectAlgorithm(xml, canonicalization, C14N);
  if (!signatureMethod || !isElement(signatureMethod, XMLDSIG_NS, 'SignatureMethod')) {
    throw malformedXml(xml, 'SignedInfo has no SignatureMethod after its CanonicalizationMethod');
  }
  expectAlgorithm(xml, signatureMethod, RSA_SHA256);
  if (references.length === 0) throw malformedXml(xml, 'SignedInfo has no Reference');

  const idIndex = indexIds(xml);
  return references.map((reference) => {
    if (!isElement(reference, XMLDSIG_NS, 'Reference')) throw malformedXml(xml, 'SignedInfo holds something else than References');
    const uri = reference.getAttribute('URI') ?? '';
    const match = /^#([A-Za-z_][A-Za-z0-9_.-]*)$/.exec(uri);
    if (!match) throw malformedXml(xml, `the Reference URI ${quoted(uri)} is not a same-document #Id`);
    const id = match[1]!;
    const targets = idIndex.get(id) ?? [];
    if (targets.length !== 1) throw malformedXml(xml, `${targets.length} elements carry the Id ${quoted(id)}; exactly one must`);
    const target = targets[0]!;
    if (!isInside(target, signature)) throw malformedXml(xml, `the Id ${quoted(id)} lies outside the signature`);

    const parts = elementChildren(reference);
    let next = 0;
    if (parts[next] && isElement(parts[next]!, XMLDSIG_NS, 'Transforms')) {
      // Inclusive C14N is what the node set would be converted with anyway, so it may be named or not.
      for (const transform of elementChildren(parts[next++]!)) {
        if (!isElement(transform, XMLDSIG_NS, 'Transform')) throw malformedXml(xml, 'Transforms holds something else than Transform');
        expectAlgorithm(xml, transform, C14N);
      }
    }
    const digestMethod = parts[next++];
    const digestValue = parts[next++];
    if (!digestMethod || !isElement(digestMethod, XMLDSIG_NS, 'DigestMethod')) {
      throw malformedXml(xml, 'a Reference has no DigestMethod');
    }
    expectAlgorithm(xml, digestMethod, SHA256);
    if (!digestValue || !isElement(digestValue, XMLDSIG_NS, 'DigestValue') || next !== parts.length) {
      throw malformedXml(xml, 'a Reference does not end with its DigestValue');
    }
    const digest = base64BytesOf(xml, digestValue);
    const type = reference.getAttribute('Type');
    return { id, ...(type !== null ? { type } : {}), target, digest };
  });
}

function expectAlgorithm(xml: NativeXml, element: Element, algorithm: string): void {
  const found = element.getAttribute('Algorithm');
  if (found !== algorithm) throw malformedXml(xml, `the ${element.localName} algorithm ${quoted(found ?? '')} is not supported`);
  if (elementChildren(element).length > 0 || textOf(xml, element).trim() !== '') {
    throw malformedXml(xml, `${element.localName} has content, which is not supported`);
  }
}

/** Every element that carries an Id attribute, by value (several when the value is reused). */
function indexIds(xml: NativeXml): Map<string, Element[]> {
  const index = new Map<string, Element[]>();
  const pending: Element[] = [xml.document.documentElement!];
  for (let element = pending.pop(); element; element = pending.pop()) {
    for (const name of ID_ATTRIBUTES) {
      const value = element.getAttributeNode(name)?.value;
      if (value === undefined) continue;
      const list = index.get(value);
      if (list) {
        if (!list.includes(element)) list.push(element);
      } else index.set(value, [element]);
    }
    pending.push(...elementChildren(element));
  }
  return index;
}

function isInside(element: Element, ancestor: Element): boolean {
  for (let node: Node | null = element; node; node = node.parentNode) {
    if (node === ancestor) return true;
  }
  return false;
}

/**
 * Inclusive C14N of `element` as it stands in the document: with the namespaces it inherits
 * (rendered on it as C14N asks, as xml-crypto's signer does). Inherited xml:* attributes would
 * have to be rendered too, which the canonicaliser does not do: they are refused.
 */
function canonical(xml: NativeXml, element: Element): string {
  const ancestorNamespaces: NamespacePrefix[] = [];
  const seen = new Set<string>();
  for (let node = element.parentNode; node && node.nodeType === node.ELEMENT_NODE; node = node.parentNode) {
    const ancestor = node as Element;
    for (let i = 0; i < ancestor.attributes.length; i++) {
      const attribute = ancestor.attributes.item(i)!;
      if (attribute.prefix === 'xml') throw malformedXml(xml, `an ancestor of ${element.localName} carries ${quoted(attribute.name)}`);
      const prefix = attribute.name === 'xmlns' ? '' : attribute.prefix === 'xmlns' ? attribute.localName : undefined;
      if (prefix === undefined || prefix === null || seen.has(prefix)) continue;
      // The nearest declaration of a prefix wins; an undeclaration only hides the outer ones.
      seen.add(prefix);
      if (attribute.value !== '') ancestorNamespaces.push({ prefix, namespaceURI: attribute.value });
    }
  }
  // The element's own declarations, and its own prefix (which C14N renders anyway), take precedence.
  const own = new Set<string>([element.prefix ?? '']);
  for (let i = 0; i < element.attributes.length; i++) {
    const attribute = element.attributes.item(i)!;
    if (attribute.name === 'xmlns') own.add('');
    else if (attribute.prefix === 'xmlns') own.add(attribute.localName ?? '');
  }
  try {
    return new C14nCanonicalization().process(element as unknown as globalThis.Node, {
      ancestorNamespaces: ancestorNamespaces.filter((ns) => !own.has(ns.prefix)),
    });
  } catch (error) {
    throw malformedXml(xml, `${element.localName} cannot be canonicalised: ${(error as Error).message}`);
  }
}
