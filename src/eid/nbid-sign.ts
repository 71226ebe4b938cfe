import { base64Length, writeBase64 } from '../signing/base64';
import { signDigestDetached } from '../signing/cms';
import { wholeSeconds } from '../signing/der';
import type { NameAttribute } from '../signing/issue-certificate';
import { digestOf, type DocumentToSign, type EidMethod, type NativeSignature, type SignInput, type Signer } from './eid-method';
import { NativeSignatureError, quoted } from './native-signature-error';
import { base64BytesOf, carriesBase64Of, isElement, malformedXml, onlyChild, parseNativeXml, textOf } from './native-xml';
import { checkNorwegianNationalId, pidDigits } from './national-id';
import { verifyDetachedCms } from './verify-cms';

/**
 * Norwegian BankID signing. BankID signs the document with a detached CMS and hands it over as a
 * SEID-SDO (the Norwegian e-ID forum's Signed Data Object): the CMS, the document and its digest in
 * one XML file. Relying parties check it as the Kartverket sample shows: decode CMSSignature, verify
 * it over the bytes of SignersDocument.
 */

const SDO_NS = 'http://www.npt.no/seid/xmlskjema/SDO_v1.0';
const XADES_NS = 'http://uri.etsi.org/01903/v1.2.2#';
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

/** The BankID signature policy (an OID in Norway's arc) that every BankID SDO names. */
const BANKID_SIGNATURE_POLICY = 'urn:oid:2.16.578.1.16.4.1';

/**
 * No IANA type exists for SEID-SDO. `x-` marks it private, as Signicat does with
 * `application/x-ltv-sdo`, and the `+xml` suffix (RFC 6839) tells generic tools it is XML.
 */
const SEID_SDO_MIME_TYPE = 'application/x-seid-sdo+xml';

/**
 * BankID's subject: C=NO, the name as "Last, First", and in serialNumber the person's BankID PID
 * ("UN:NO-9578-5999-4-" and seven digits), never the fødselsnummer, which only the bank's lookup
 * service maps to. Paraph derives the seven digits from the fødselsnummer (see pidDigits); seven
 * digits can collide once there are thousands of test persons, which an emulator does not reach.
 */
function certificateSubject(signer: Signer): NameAttribute[] {
  return [
    { type: 'C', value: 'NO' },
    { type: 'CN', value: `${signer.lastName}, ${signer.firstName}` },
    { type: 'serialNumber', value: `UN:NO-9578-5999-4-${pidDigits(signer.nationalId, 'nbid', 7)}` },
  ];
}

/**
 * The end user's part of a SEID-SDO. The merchant seal (SDOSeal) and the OCSP response
 * (UserCertificateAndRevocationData) are left out: Paraph's LTV-SDO seals the package and carries
 * the validation data it collects itself, so the native artifact holds only what the user made.
 */
async function sign(input: SignInput): Promise<NativeSignature> {
  const { document, credential } = input;
  const digest = digestOf(document);
  const cms = await signDigestDetached(digest, credential, { signingTime: wholeSeconds(input.time) });
  const head =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<SDOList xmlns="${SDO_NS}" xmlns:XAdES="${XADES_NS}" xmlns:ds="${DSIG_NS}">` +
    '<SDO>' +
    '<SEIDSDOVersion>1.0</SEIDSDOVersion>' +
    '<SDODataPart><SignatureElement><CMSSignatureElement>' +
    '<SDOProfile>SEID-SDO-Basic-V</SDOProfile>' +
    '<SignaturePolicyIdentifier><SignaturePolicyId><SigPolicyId>' +
    `<XAdES:Identifier>${BANKID_SIGNATURE_POLICY}</XAdES:Identifier>` +
    '</SigPolicyId></SignaturePolicyId></SignaturePolicyIdentifier>' +
    `<SignersDocumentFormat><MimeType>${document.mimeType}</MimeType></SignersDocumentFormat>` +
    // "SHA-256", not a URI: what BankID writes here.
    '<HashedData><ds:DigestMethod Algorithm="SHA-256"/>' +
    `<ds:DigestValue>${digest.toString('base64')}</ds:DigestValue></HashedData>` +
    `<CMSSignature>${cms.toString('base64')}</CMSSignature>` +
    '</CMSSignatureElement></SignatureElement></SDODataPart>' +
    '<SignedObject><SignersDocument>';
  const tail = '</SignersDocument></SignedObject></SDO></SDOList>';
  // The document's base64 is written straight into the artifact's buffer (see base64.ts), never
  // joined into a string and encoded again. Every character here is ASCII, so Latin-1 writes its UTF-8.
  const data = Buffer.allocUnsafe(head.length + base64Length(document.bytes.length) + tail.length);
  const at = writeBase64(document.bytes, data, data.write(head, 0, 'latin1'));
  data.write(tail, at, 'latin1');
  return {
    format: 'seid-sdo',
    mimeType: SEID_SDO_MIME_TYPE,
    data,
    signerCertificate: credential.certificate,
  };
}

/**
 * Core validation of a SEID-SDO as `sign` makes it: one SDO with one SignatureElement. The SDO must
 * carry exactly this document (SignersDocument, its HashedData digest and its MimeType), and the
 * CMSSignature must be a valid detached signature over it by the given certificate, which is the
 * check relying parties make (see verifyDetachedCms).
 *
 * Paths go child by child and each step must find exactly one element, so that a second
 * SignersDocument or SignatureElement elsewhere is `malformed` rather than a choice of what to read.
 * An SDO from BankID itself, with the merchant's SignatureElement and seal next to the user's, is
 * not accepted: Paraph's artifact holds the user's signature only.
 */
function verify(native: NativeSignature, document: DocumentToSign): void {
  if (native.format !== 'seid-sdo') {
    throw new NativeSignatureError('malformed', `a ${quoted(String(native.format))} artifact where a SEID-SDO was expected`);
  }
  const xml = parseNativeXml(native.data, 'the SEID-SDO');
  const root = xml.document.documentElement!;
  if (!isElement(root, SDO_NS, 'SDOList')) throw malformedXml(xml, `its root is not {${SDO_NS}}SDOList`);
  const sdo = onlyChild(xml, root, SDO_NS, 'SDO');
  const element = ['SDODataPart', 'SignatureElement', 'CMSSignatureElement'].reduce(
    (parent, name) => onlyChild(xml, parent, SDO_NS, name),
    sdo,
  );
  const mimeType = textOf(xml, onlyChild(xml, onlyChild(xml, element, SDO_NS, 'SignersDocumentFormat'), SDO_NS, 'MimeType'));
  const hashedData = onlyChild(xml, element, SDO_NS, 'HashedData');
  const digestAlgorithm = onlyChild(xml, hashedData, DSIG_NS, 'DigestMethod').getAttribute('Algorithm');
  if (digestAlgorithm !== 'SHA-256') {
    throw malformedXml(xml, `the HashedData algorithm ${quoted(digestAlgorithm ?? '')} is not supported`);
  }
  const hashedDigest = base64BytesOf(xml, onlyChild(xml, hashedData, DSIG_NS, 'DigestValue'));
  const cms = base64BytesOf(xml, onlyChild(xml, element, SDO_NS, 'CMSSignature'));
  const signersDocument = onlyChild(xml, onlyChild(xml, sdo, SDO_NS, 'SignedObject'), SDO_NS, 'SignersDocument');

  if (!carriesBase64Of(xml, signersDocument, document.bytes)) {
    throw new NativeSignatureError('document-mismatch', 'the SEID-SDO carries another document (SignersDocument differs)');
  }
  const digest = digestOf(document);
  if (!hashedDigest.equals(digest)) {
    throw new NativeSignatureError('document-mismatch', 'the HashedData of the SEID-SDO is the digest of another document');
  }
  if (mimeType !== document.mimeType) {
    throw new NativeSignatureError('document-mismatch', `the SEID-SDO gives the document's type as ${quoted(mimeType)}`);
  }
  verifyDetachedCms({
    cms,
    contentDigest: digest,
    signerCertificate: native.signerCertificate,
    what: 'the CMSSignature of the SEID-SDO',
  });
}

/** SignersDocument of the SEID-SDO (see EidMethod.documentOf). */
function documentOf(native: NativeSignature): Buffer {
  const xml = parseNativeXml(native.data, 'the SEID-SDO');
  const sdo = onlyChild(xml, xml.document.documentElement!, SDO_NS, 'SDO');
  return base64BytesOf(xml, onlyChild(xml, onlyChild(xml, sdo, SDO_NS, 'SignedObject'), SDO_NS, 'SignersDocument'));
}

export const nbidSign: EidMethod = {
  name: 'nbid-sign',
  family: 'nbid',
  nationalityOf: () => 'NO',
  certificates: 'person',
  checkNationalId: checkNorwegianNationalId,
  certificateSubject,
  sign,
  verify,
  documentOf,
};
