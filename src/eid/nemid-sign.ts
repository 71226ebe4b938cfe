import { createHash, randomBytes, sign as rsaSign } from 'node:crypto';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { C14nCanonicalization } from 'xml-crypto';
import { wholeSeconds } from '../signing/der';
import type { NameAttribute } from '../signing/issue-certificate';
import type { DocumentToSign, EidMethod, NativeSignature, SignInput, Signer } from './eid-method';
import { NativeSignatureError, quoted } from './native-signature-error';
import {
  base64BytesOf,
  carriesBase64Of,
  childrenNamed,
  isElement,
  malformedXml,
  onlyChild,
  parseNativeXml,
  textOf,
  type NativeXml,
} from './native-xml';
import { checkDanishNationalId, pidDigits } from './national-id';
import { verifyXmlSignature, type VerifiedReference } from './verify-xmldsig';

/**
 * NemID signing (OpenSign): an XMLDSig wrapped in `openoces:signature`. The signed object is a
 * ds:Object "ToBeSigned" of SignatureProperties: the sign text (the document itself, base64), who
 * asked for the signature, when, and the relying party's challenge.
 *
 * Its one Reference has no Transforms element: the digest is taken over the inclusive C14N of the
 * Object as it stands. xml-crypto insists on at least one transform per reference, so the
 * signature is assembled here and only the canonicalisation comes from xml-crypto.
 */

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const OPENOCES_NS = 'http://www.openoces.org/2006/07/signature#';
const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

/**
 * Both namespaces are declared on SignedInfo and on the Object, as NemID does: then their inclusive
 * C14N is the same standalone as inside the document, and the digest can be computed before the
 * document exists.
 */
const NAMESPACES = `xmlns:ds="${DSIG_NS}" xmlns:openoces="${OPENOCES_NS}"`;

/**
 * A personal OCES (POCES) certificate's subject: C=DK, the organisation "no organisational
 * affiliation", the name, and "PID:9208-2002-2-" with a twelve-digit person id, never the CPR
 * number (NemID kept the PID-CPR mapping in its own service). Paraph derives the twelve digits
 * from the CPR number (see pidDigits).
 */
function certificateSubject(signer: Signer): NameAttribute[] {
  return [
    { type: 'C', value: 'DK' },
    { type: 'O', value: 'Ingen organisatorisk tilknytning' },
    { type: 'CN', value: `${signer.firstName} ${signer.lastName}` },
    { type: 'serialNumber', value: `PID:9208-2002-2-${pidDigits(signer.nationalId, 'nemid', 12)}` },
  ];
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/**
 * One SignatureProperty. Values are base64 or fixed tokens, so nothing from the caller reaches the
 * XML unencoded and no escaping is needed.
 */
function property(name: string, value: string, encoding: 'base64' | 'xml', visibleToSigner: boolean): string {
  return (
    '<ds:SignatureProperty Target="signature">' +
    `<openoces:Name>${name}</openoces:Name>` +
    `<openoces:Value Encoding="${encoding}" VisibleToSigner="${visibleToSigner ? 'yes' : 'no'}">${value}</openoces:Value>` +
    '</ds:SignatureProperty>'
  );
}

/** NemID's TimeStamp text: "2019-02-14 14:33:18+0000". */
function nemidTime(time: Date): string {
  return `${wholeSeconds(time).toISOString().slice(0, 19).replace('T', ' ')}+0000`;
}

/** Inclusive C14N of a standalone XML fragment. */
function canonical(xml: string): string {
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement;
  if (!root) throw new Error('the XML to canonicalise has no root element');
  return new C14nCanonicalization().process(root as unknown as Node, {});
}

function x509Data(der: Buffer): string {
  return `<ds:X509Data><ds:X509Certificate>${der.toString('base64')}</ds:X509Certificate></ds:X509Data>`;
}

/**
 * Stands in for the sign text while the Object is canonicalised. The sign text is base64, which
 * C14N leaves as it is, so the digest can be taken over the canonical Object with the document's
 * base64 streamed in at this place, instead of parsing megabytes of it as XML. `#` cannot occur in
 * base64, so the slot cannot collide with a value.
 */
const SIGNTEXT_SLOT = '#signtext#';

/** SHA-256 over the inclusive C14N of the Object, with `signtext` in the slot. */
function objectDigest(objectWithSlot: string, signtext: string): string {
  const parts = canonical(objectWithSlot).split(SIGNTEXT_SLOT);
  if (parts.length !== 2) throw new Error('the sign-text slot must occur exactly once');
  return createHash('sha256').update(parts[0]!).update(signtext).update(parts[1]!).digest('base64');
}

/** OpenSign's sign-text format for a document: "PDF" for a PDF shown in the applet, "text" for plain text. */
function signTextFormat(document: DocumentToSign): string {
  return document.mimeType === 'application/pdf' ? 'PDF' : 'text';
}

async function sign(input: SignInput): Promise<NativeSignature> {
  const { document, credential, context } = input;
  // The challenge is the relying party's nonce; Paraph plays the relying party, so it draws one.
  const challenge = randomBytes(8).readBigUInt64BE(0).toString();
  const objectWithSlot =
    `<ds:Object ${NAMESPACES} Id="ToBeSigned"><ds:SignatureProperties>` +
    property('signtext', SIGNTEXT_SLOT, 'base64', true) +
    property('signTextFormat', signTextFormat(document), 'xml', false) +
    property('RequestIssuer', base64(context.serviceDisplayName), 'base64', true) +
    property('TimeStamp', base64(nemidTime(input.time)), 'base64', false) +
    property('action', 'sign', 'xml', false) +
    property('challenge', challenge, 'xml', false) +
    '</ds:SignatureProperties></ds:Object>';
  const signtext = document.bytes.toString('base64');
  const digest = objectDigest(objectWithSlot, signtext);
  const signedInfo =
    `<ds:SignedInfo ${NAMESPACES}>` +
    `<ds:CanonicalizationMethod Algorithm="${C14N}"></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${RSA_SHA256}"></ds:SignatureMethod>` +
    '<ds:Reference URI="#ToBeSigned">' +
    `<ds:DigestMethod Algorithm="${SHA256}"></ds:DigestMethod><ds:DigestValue>${digest}</ds:DigestValue>` +
    '</ds:Reference>' +
    '</ds:SignedInfo>';
  const signatureValue = rsaSign('sha256', Buffer.from(canonical(signedInfo), 'utf8'), credential.privateKey);
  // Signer first: verifiers such as xmlsec1 take the key from the first certificate.
  const keyInfo = [credential.certificate, ...credential.chain].map(x509Data).join('');
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<openoces:signature xmlns:openoces="${OPENOCES_NS}" version="0.1">` +
    `<ds:Signature xmlns:ds="${DSIG_NS}" Id="signature">` +
    signedInfo +
    `<ds:SignatureValue>${signatureValue.toString('base64')}</ds:SignatureValue>` +
    `<ds:KeyInfo>${keyInfo}</ds:KeyInfo>` +
    objectWithSlot.replace(SIGNTEXT_SLOT, () => signtext) +
    '</ds:Signature>' +
    '</openoces:signature>';
  return {
    format: 'openoces-xmldsig',
    mimeType: 'application/xml',
    data: Buffer.from(xml, 'utf8'),
    signerCertificate: credential.certificate,
  };
}

/** The Value of the one SignatureProperty named `name` (none, or two, is `malformed`). */
function propertyValue(xml: NativeXml, properties: Element, name: string): Element | undefined {
  const matching = childrenNamed(properties, DSIG_NS, 'SignatureProperty').filter(
    (property) => textOf(xml, onlyChild(xml, property, OPENOCES_NS, 'Name')) === name,
  );
  if (matching.length > 1) throw malformedXml(xml, `the signed properties name ${name} ${matching.length} times`);
  return matching[0] && onlyChild(xml, matching[0], OPENOCES_NS, 'Value');
}

/**
 * Core validation of an OpenSign signature: the XMLDSig verifies with the given certificate (the
 * first in KeyInfo), its one Reference digests the ToBeSigned Object inside it, and that Object's
 * signtext is exactly this document (its sign-text format, if stated, this document's).
 */
function verify(native: NativeSignature, document: DocumentToSign): void {
  if (native.format !== 'openoces-xmldsig') {
    throw new NativeSignatureError('malformed', `a ${quoted(String(native.format))} artifact where a NemID signature was expected`);
  }
  const xml = parseNativeXml(native.data, 'the NemID signature');
  const root = xml.document.documentElement!;
  if (!isElement(root, OPENOCES_NS, 'signature')) throw malformedXml(xml, `its root is not {${OPENOCES_NS}}signature`);
  const signature = onlyChild(xml, root, DSIG_NS, 'Signature');
  const expectObject = (references: readonly VerifiedReference[]): void => {
    const target = references[0]?.target;
    if (references.length !== 1 || !target || !isElement(target, DSIG_NS, 'Object') || target.parentNode !== signature) {
      throw malformedXml(xml, 'its SignedInfo does not have exactly one Reference, to a ds:Object of the signature');
    }
  };
  const [reference] = verifyXmlSignature(xml, signature, native.signerCertificate, expectObject);

  // Read from the element that was digested, never by searching the document again.
  const properties = onlyChild(xml, reference!.target, DSIG_NS, 'SignatureProperties');
  const signtext = propertyValue(xml, properties, 'signtext');
  if (!signtext || signtext.getAttribute('Encoding') !== 'base64') {
    throw malformedXml(xml, 'the signed properties have no base64 signtext');
  }
  if (!carriesBase64Of(xml, signtext, document.bytes)) {
    throw new NativeSignatureError('document-mismatch', 'the NemID signature signs another sign text than this document');
  }
  const format = propertyValue(xml, properties, 'signTextFormat');
  if (format && textOf(xml, format) !== signTextFormat(document)) {
    throw new NativeSignatureError('document-mismatch', 'the NemID signature showed the sign text in another format');
  }
}

/** The signtext NemID showed and signed: the document (see EidMethod.documentOf). */
function documentOf(native: NativeSignature): Buffer {
  const xml = parseNativeXml(native.data, 'the NemID signature');
  const signature = onlyChild(xml, xml.document.documentElement!, DSIG_NS, 'Signature');
  const object = onlyChild(xml, signature, DSIG_NS, 'Object');
  const signtext = propertyValue(xml, onlyChild(xml, object, DSIG_NS, 'SignatureProperties'), 'signtext');
  if (!signtext) throw malformedXml(xml, 'the signed properties have no signtext');
  return base64BytesOf(xml, signtext);
}

export const nemidSign: EidMethod = {
  name: 'nemid-sign',
  family: 'nemid',
  nationalityOf: () => 'DK',
  certificates: 'person',
  checkNationalId: checkDanishNationalId,
  certificateSubject,
  sign,
  verify,
  documentOf,
};
