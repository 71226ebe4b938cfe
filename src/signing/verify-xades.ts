import { verify as verifySignature, type KeyObject, type X509Certificate } from 'node:crypto';
import { parseCertificate } from './certificate-cache';
import type { CharacterData, Document, Element, Node } from '@xmldom/xmldom';
import { sha256 } from './der';
import {
  canonicalBytes,
  canonicalDigest,
  CDATA,
  COMMENT,
  ELEMENT,
  expandRuns,
  readTemplate,
  setAsideRuns,
  TEXT,
  UnacceptableXmlError,
  XML_NS,
  type Runs,
} from './exc-c14n';
import {
  ENVELOPED_SIGNATURE,
  EXC_C14N,
  issuerSerialV2,
  RSA_SHA256,
  SHA256_URI,
  SIGNED_PROPERTIES_TYPE,
  XADES_NS,
  XMLDSIG_NS,
} from './xades';

export class SealError extends Error {
  constructor(
    readonly reason: 'malformed' | 'signature-invalid' | 'reference-invalid' | 'certificate-mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'SealError';
  }
}

/**
 * Verifies the enveloped XAdES seal of an XML document (an LTV-SDO): the signature value with the key
 * of the certificate in its KeyInfo, every reference (the whole document and the SignedProperties),
 * and that SigningCertificateV2 names that certificate. Returns the seal certificate (DER); whether to
 * trust it is the caller's decision (path validation). Throws SealError saying what failed.
 *
 * Only what Paraph's sealer makes is accepted: exactly one ds:Signature in the document, a child of
 * the root with Id `signatureId`; SignedInfo with exclusive C14N and RSA-SHA256; two references,
 * URI="" with the transforms enveloped-signature then exclusive C14N, and the seal's own
 * SignedProperties (by Id, with the XAdES Type) with exclusive C14N, both SHA-256. Anything else is
 * `reference-invalid` (what is referenced, and how) or `signature-invalid` (how SignedInfo is signed).
 *
 * Given bytes, the document must be UTF-8 (a leading BOM is allowed). Refused as `malformed`, besides
 * what is not well-formed: a DOCTYPE, processing instructions, XML 1.1, relative namespace URIs, and
 * the leniencies of the DOM parser that other XML processors reject (a bare `&`, `]]>` in text,
 * characters XML does not allow, attribute names that start with `xmlns`).
 *
 * Large base64 text is hashed without entering the DOM, as the sealer does (see exc-c14n.ts), so
 * a document with a 10 MB embedded PDF costs little more than hashing it.
 */
export function verifyXadesSeal(xml: string | Buffer, signatureId: string): Buffer {
  try {
    return verify(xml, signatureId);
  } catch (error) {
    if (error instanceof SealError) throw error;
    if (error instanceof UnacceptableXmlError) throw malformed(error.message);
    // Whatever else a hostile document makes fail, the caller gets a SealError, and no seal.
    throw new SealError('malformed', `the sealed document cannot be read: ${(error as Error).message}`);
  }
}

/** How error messages name the document. */
const WHAT = 'the sealed document';

function malformed(message: string): SealError {
  return new SealError('malformed', message);
}

function verify(xml: string | Buffer, signatureId: string): Buffer {
  // Large base64 text is set aside and hashed without entering the DOM, as the sealer does (see
  // exc-c14n.ts); the template is read as strictly as a conforming XML processor would.
  const runs = setAsideRuns(xml, WHAT);
  const doc = readTemplate(runs, WHAT);
  const seal = readSeal(doc, signatureId, runs);

  const signedInfo = canonicalBytes(seal.signedInfo, null, runs);
  let signatureValid: boolean;
  try {
    signatureValid = verifySignature('sha256', signedInfo, seal.publicKey, seal.signatureValue);
  } catch {
    signatureValid = false;
  }
  if (!signatureValid) throw new SealError('signature-invalid', 'the seal does not verify: the SignatureValue is not the signature of SignedInfo');

  if (!canonicalDigest(seal.signedProperties, null, runs).equals(seal.signedPropertiesDigest)) {
    throw new SealError('signature-invalid', 'the seal does not verify: the SignedProperties are not the ones signed');
  }
  if (!canonicalDigest(doc.documentElement!, seal.signature, runs).equals(seal.documentDigest)) {
    throw new SealError('signature-invalid', 'the seal does not verify: the document is not the one signed');
  }
  checkSigningCertificate(seal.signedProperties, seal.certificate, runs);
  return seal.certificate;
}

// ---------------------------------------------------------------------------------------------
// The seal's structure.

interface Seal {
  readonly signature: Element;
  readonly signedInfo: Element;
  readonly signatureValue: Buffer;
  readonly certificate: Buffer;
  readonly publicKey: KeyObject;
  readonly signedProperties: Element;
  readonly documentDigest: Buffer;
  readonly signedPropertiesDigest: Buffer;
}

function readSeal(doc: Document, signatureId: string, runs: Runs): Seal {
  const root = doc.documentElement!;
  const signatures = descendants(root, XMLDSIG_NS, 'Signature');
  const signature = signatures[0];
  if (signatures.length !== 1 || signature?.parentNode !== root || signature.getAttribute('Id') !== signatureId) {
    throw malformed(`the document must carry exactly one seal ${signatureId} as a child of its root`);
  }
  const [signedInfo, signatureValue, keyInfo, ...objects] = children(signature);
  if (
    !isElement(signedInfo, XMLDSIG_NS, 'SignedInfo') ||
    !isElement(signatureValue, XMLDSIG_NS, 'SignatureValue') ||
    !isElement(keyInfo, XMLDSIG_NS, 'KeyInfo') ||
    !objects.every((object) => isElement(object, XMLDSIG_NS, 'Object'))
  ) {
    throw malformed('the seal must hold SignedInfo, SignatureValue, KeyInfo and Objects, in this order');
  }

  // The certificate: the first of KeyInfo's first X509Data.
  const x509Data = children(keyInfo).find((element) => isElement(element, XMLDSIG_NS, 'X509Data'));
  const certificateElement = x509Data && children(x509Data).find((element) => isElement(element, XMLDSIG_NS, 'X509Certificate'));
  if (!certificateElement) throw malformed('the seal names no certificate');
  const certificate = base64(leafText(certificateElement, runs), 'the seal certificate');
  let x509: X509Certificate;
  try {
    x509 = parseCertificate(certificate);
    issuerSerialV2(certificate);
  } catch {
    throw malformed("the seal's certificate cannot be read");
  }
  if (!x509.raw.equals(certificate)) throw malformed("the seal's certificate cannot be read: it is followed by other bytes");
  if (x509.publicKey.asymmetricKeyType !== 'rsa') throw new SealError('signature-invalid', "the seal's certificate has no RSA key");

  // SignedInfo: exclusive C14N, RSA-SHA256, the whole document and the seal's SignedProperties.
  const [canonicalization, method, ...references] = children(signedInfo);
  if (!isAlgorithm(canonicalization, 'CanonicalizationMethod', EXC_C14N)) {
    throw new SealError('signature-invalid', 'the seal must use exclusive C14N (without comments or InclusiveNamespaces) for SignedInfo');
  }
  if (!isAlgorithm(method, 'SignatureMethod', RSA_SHA256)) throw new SealError('signature-invalid', 'the seal must be signed with RSA-SHA256');

  const signedProperties = signedPropertiesOf(root, signature, signatureId);
  const signedPropertiesUri = `#${signedProperties.getAttribute('Id')}`;
  const documentReference = references.find((reference) => isElement(reference, XMLDSIG_NS, 'Reference') && reference.getAttribute('URI') === '');
  const propertiesReference = references.find(
    (reference) => isElement(reference, XMLDSIG_NS, 'Reference') && reference.getAttribute('URI') === signedPropertiesUri,
  );
  if (
    references.length !== 2 ||
    !documentReference ||
    !propertiesReference ||
    propertiesReference.getAttribute('Type') !== SIGNED_PROPERTIES_TYPE
  ) {
    throw new SealError('reference-invalid', 'the seal must sign the whole document and its own SignedProperties');
  }

  return {
    signature,
    signedInfo,
    signatureValue: base64(leafText(signatureValue, runs), 'the SignatureValue'),
    certificate,
    publicKey: x509.publicKey,
    signedProperties,
    documentDigest: referenceDigest(documentReference, [ENVELOPED_SIGNATURE, EXC_C14N], runs),
    signedPropertiesDigest: referenceDigest(propertiesReference, [EXC_C14N], runs),
  };
}

/**
 * The seal's SignedProperties: the only one in the document, at Signature/Object/QualifyingProperties
 * (which must target the seal), with an Id that no other element carries as Id, ID, id or xml:id.
 */
function signedPropertiesOf(root: Element, signature: Element, signatureId: string): Element {
  const all = descendants(root, XADES_NS, 'SignedProperties');
  const signedProperties = all[0];
  const qualifying = signedProperties?.parentNode as Element | null | undefined;
  const object = qualifying?.parentNode as Element | null | undefined;
  if (
    all.length !== 1 ||
    !isElement(qualifying, XADES_NS, 'QualifyingProperties') ||
    qualifying.getAttribute('Target') !== `#${signatureId}` ||
    !isElement(object, XMLDSIG_NS, 'Object') ||
    object.parentNode !== signature
  ) {
    throw new SealError('reference-invalid', 'the seal must have one SignedProperties, in its own QualifyingProperties');
  }
  const id = signedProperties!.getAttribute('Id');
  let carriers = 0;
  for (const element of elements(root)) {
    for (let i = 0; i < element.attributes.length; i++) {
      const attribute = element.attributes[i]!;
      const idLike = attribute.namespaceURI === XML_NS ? attribute.localName === 'id' : !attribute.namespaceURI && /^(?:Id|ID|id)$/.test(attribute.name);
      if (idLike && attribute.value === id) carriers++;
    }
  }
  if (!id || carriers !== 1) throw new SealError('reference-invalid', 'the Id of the seal\'s SignedProperties must name it alone');
  return signedProperties!;
}

/** A reference's DigestValue, once its transforms and digest method are the expected ones. */
function referenceDigest(reference: Element, transforms: readonly string[], runs: Runs): Buffer {
  const [transformsElement, digestMethod, digestValue, ...rest] = children(reference);
  const uri = reference.getAttribute('URI');
  if (
    rest.length > 0 ||
    !isElement(transformsElement, XMLDSIG_NS, 'Transforms') ||
    children(transformsElement).length !== transforms.length ||
    !children(transformsElement).every((transform, i) => isAlgorithm(transform, 'Transform', transforms[i]!))
  ) {
    throw new SealError('reference-invalid', `the reference "${uri}" must have the transforms ${transforms.join(', ')}`);
  }
  if (!isAlgorithm(digestMethod, 'DigestMethod', SHA256_URI) || !isElement(digestValue, XMLDSIG_NS, 'DigestValue')) {
    throw new SealError('reference-invalid', `the reference "${uri}" must be a SHA-256 digest`);
  }
  const digest = base64(leafText(digestValue, runs), 'a DigestValue');
  if (digest.length !== 32) throw new SealError('reference-invalid', `the reference "${uri}" must be a SHA-256 digest`);
  return digest;
}

/**
 * SigningCertificateV2 (in the SignedProperties, which have been verified) must name the
 * certificate that sealed: its first Cert has the certificate's SHA-256 and, if there is an
 * IssuerSerialV2, the certificate's issuer and serial number.
 */
function checkSigningCertificate(signedProperties: Element, certificate: Buffer, runs: Runs): void {
  const mismatch = (message: string): SealError => new SealError('certificate-mismatch', message);
  const signatureProperties = children(signedProperties).filter((e) => isElement(e, XADES_NS, 'SignedSignatureProperties'));
  const signingCertificates = signatureProperties.flatMap((properties) =>
    children(properties).filter((e) => isElement(e, XADES_NS, 'SigningCertificateV2')),
  );
  if (signatureProperties.length !== 1 || signingCertificates.length !== 1) {
    throw mismatch('the seal must name its certificate in one SigningCertificateV2');
  }
  const [cert] = children(signingCertificates[0]!);
  const [certDigest, issuerSerial, ...rest] = cert && isElement(cert, XADES_NS, 'Cert') ? children(cert) : [];
  const [digestMethod, digestValue] = certDigest && isElement(certDigest, XADES_NS, 'CertDigest') ? children(certDigest) : [];
  if (!isAlgorithm(digestMethod, 'DigestMethod', SHA256_URI) || !isElement(digestValue, XMLDSIG_NS, 'DigestValue') || rest.length > 0) {
    throw mismatch('SigningCertificateV2 must give the SHA-256 of the seal certificate');
  }
  if (!base64(leafText(digestValue, runs), 'the CertDigest').equals(sha256(certificate))) {
    throw mismatch('SigningCertificateV2 does not name the certificate that sealed');
  }
  if (issuerSerial === undefined) return;
  if (!isElement(issuerSerial, XADES_NS, 'IssuerSerialV2')) throw mismatch('SigningCertificateV2 has an unexpected element');
  if (!base64(leafText(issuerSerial, runs), 'IssuerSerialV2').equals(issuerSerialV2(certificate))) {
    throw mismatch('the IssuerSerialV2 of SigningCertificateV2 is not the issuer and serial number of the certificate that sealed');
  }
}

// ---------------------------------------------------------------------------------------------
// DOM helpers.

function isElement(node: Node | null | undefined, namespace: string, localName: string): node is Element {
  return !!node && node.nodeType === ELEMENT && (node as Element).namespaceURI === namespace && (node as Element).localName === localName;
}

/** A ds: algorithm element with this Algorithm and no content but whitespace or comments. */
function isAlgorithm(node: Node | undefined, localName: string, algorithm: string): boolean {
  if (!isElement(node, XMLDSIG_NS, localName) || node.getAttribute('Algorithm') !== algorithm) return false;
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === COMMENT) continue;
    if (child.nodeType !== TEXT || (child as CharacterData).data.trim() !== '') return false;
  }
  return true;
}

function children(parent: Element): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === ELEMENT) found.push(node as Element);
  }
  return found;
}

/** Every element of the subtree at `root`, in document order, without recursion. */
function* elements(root: Element): Generator<Element> {
  const pending: Element[] = [root];
  for (let element = pending.pop(); element; element = pending.pop()) {
    yield element;
    const list = children(element);
    for (let i = list.length - 1; i >= 0; i--) pending.push(list[i]!);
  }
}

function descendants(root: Element, namespace: string, localName: string): Element[] {
  return Array.from(elements(root)).filter((element) => isElement(element, namespace, localName));
}

/** The text of an element that holds only text (CDATA and comments allowed), runs put back. */
function leafText(element: Element, runs: Runs): string {
  let text = '';
  for (let node = element.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === TEXT || node.nodeType === CDATA) text += (node as CharacterData).data;
    else if (node.nodeType !== COMMENT) throw malformed(`${element.localName} must hold only text`);
  }
  return expandRuns(text, runs);
}

/** Base64 with XML whitespace anywhere, and nothing else. */
function base64(text: string, what: string): Buffer {
  const compact = text.replace(/[\t\n\r ]+/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) throw malformed(`${what} is not base64`);
  return Buffer.from(compact, 'base64');
}
