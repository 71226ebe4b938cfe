import { randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import type { NameAttribute } from '../signing/issue-certificate';
import { digestOf, type DocumentToSign, type EidMethod, type NativeSignature, type SignInput, type Signer } from './eid-method';
import { NativeSignatureError, quoted } from './native-signature-error';
import { carriesBase64Of, isElement, malformedXml, onlyChild, parseNativeXml } from './native-xml';
import { checkSwedishNationalId } from './national-id';
import { XMLDSIG_NS, verifyXmlSignature, type VerifiedReference } from './verify-xmldsig';

/**
 * Swedish BankID signing, as the RP API v6 returns it in `completionData.signature` (base64 there;
 * the XML itself here). BankID does not sign the document: it signs what the user was shown
 * (usrVisibleData) and what the relying party passed along unseen (usrNonVisibleData). Paraph
 * passes the raw SHA-256 of the document bytes as the unseen data (base64, as the API carries it),
 * which binds the signature to the document.
 */

const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const BANKID_TYPES_NS = 'http://www.bankid.com/signature/v1.0.0/types';

/** The certificate policy of a BankID on a mobile device, which clientInfo states was required. */
const MOBILE_BANKID_POLICY = '1.2.752.78.1.5';

/**
 * BankID's subject: C=SE, surname, given name, the 12-digit personnummer in serialNumber (BankID
 * does put the personnummer itself there, unlike the Danish and Norwegian eIDs) and the full name.
 */
function certificateSubject(signer: Signer): NameAttribute[] {
  return [
    { type: 'C', value: 'SE' },
    { type: 'SN', value: signer.lastName },
    { type: 'GN', value: signer.firstName },
    { type: 'serialNumber', value: signer.nationalId },
    { type: 'CN', value: `${signer.firstName} ${signer.lastName}` },
  ];
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The text the user confirms in the BankID app. */
function visibleText(input: SignInput): string {
  return `Jag skriver under ${input.document.description}`;
}

/**
 * The signed data: what the user saw, the document's digest, the relying party (srvInfo) and the
 * client that signed (clientInfo). Every value from the caller is base64, so none needs escaping.
 */
function bankIdSignedData(input: SignInput): string {
  const { context } = input;
  const relyingParty = `name=${context.serviceDisplayName},cn=${context.service}`;
  return (
    `<bankIdSignedData xmlns="${BANKID_TYPES_NS}" Id="bidSignedData">` +
    `<usrVisibleData charset="UTF-8" visible="wysiwys">${base64(visibleText(input))}</usrVisibleData>` +
    `<usrNonVisibleData>${digestOf(input.document).toString('base64')}</usrNonVisibleData>` +
    '<srvInfo>' +
    `<name>${base64(relyingParty)}</name>` +
    `<nonce>${randomBytes(20).toString('base64')}</nonce>` +
    `<displayName>${base64(context.serviceDisplayName)}</displayName>` +
    '</srvInfo>' +
    '<clientInfo>' +
    '<funcId>Signing</funcId>' +
    `<version>${base64('Paraph=1&BankID=emulated')}</version>` +
    '<env><ai>' +
    `<type>${base64('UNKNOWN')}</type>` +
    `<deviceInfo>${base64(context.userAgent ?? '')}</deviceInfo>` +
    '<fsib>0</fsib><utb>cs1</utb>' +
    `<requirement><condition><type>CertificatePolicies</type><value>${MOBILE_BANKID_POLICY}</value></condition></requirement>` +
    '<uauth>pw</uauth>' +
    '</ai></env>' +
    '</clientInfo>' +
    '</bankIdSignedData>'
  );
}

async function sign(input: SignInput): Promise<NativeSignature> {
  const { credential } = input;
  // One X509Data, signer first, then the bank's CA and the BankID root, as BankID sends them.
  const certificates = [credential.certificate, ...credential.chain]
    .map((der) => `<X509Certificate>${der.toString('base64')}</X509Certificate>`)
    .join('');
  const signature = new SignedXml({
    privateKey: credential.privateKey,
    canonicalizationAlgorithm: C14N,
    signatureAlgorithm: RSA_SHA256,
    keyInfoAttributes: { Id: 'bidKeyInfo' },
    getKeyInfoContent: () => `<X509Data>${certificates}</X509Data>`,
    objects: [{ content: bankIdSignedData(input) }],
  });
  // References to content generated inside the signature must select it by Id (xml-crypto ≥ 6.2).
  signature.addReference({
    xpath: "//*[@Id='bidSignedData']",
    type: BANKID_TYPES_NS,
    transforms: [C14N],
    digestAlgorithm: SHA256,
  });
  signature.addReference({ xpath: "//*[@Id='bidKeyInfo']", transforms: [C14N], digestAlgorithm: SHA256 });
  // Enveloping: sign inside a throwaway root that declares no namespace, keep only the Signature.
  // Inclusive C14N then sees the same ancestors inside the wrapper as in the extracted Signature.
  signature.computeSignature('<Wrapper/>');
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n${signature.getSignatureXml()}`;
  return {
    format: 'bankid-se-xmldsig',
    mimeType: 'application/xml',
    data: Buffer.from(xml, 'utf8'),
    signerCertificate: credential.certificate,
  };
}

/**
 * Core validation of a BankID signature: the XMLDSig verifies with the given certificate (the
 * first in KeyInfo); its references are BankID's two, the bankIdSignedData in its Object (with
 * BankID's Type) and the KeyInfo; and the signed usrNonVisibleData is the SHA-256 of this document.
 */
function verify(native: NativeSignature, document: DocumentToSign): void {
  if (native.format !== 'bankid-se-xmldsig') {
    throw new NativeSignatureError('malformed', `a ${quoted(String(native.format))} artifact where a BankID signature was expected`);
  }
  const xml = parseNativeXml(native.data, 'the BankID signature');
  const signature = xml.document.documentElement!;
  const signedDataOf = (references: readonly VerifiedReference[]) =>
    references.find((reference) => isElement(reference.target, BANKID_TYPES_NS, 'bankIdSignedData'));
  const expectBankIdReferences = (references: readonly VerifiedReference[]): void => {
    const signedData = signedDataOf(references);
    const object = signedData?.target.parentNode;
    const keyInfo = references.find((reference) => isElement(reference.target, XMLDSIG_NS, 'KeyInfo'));
    if (
      references.length !== 2 ||
      signedData?.type !== BANKID_TYPES_NS ||
      !isElement(object, XMLDSIG_NS, 'Object') ||
      object.parentNode !== signature ||
      keyInfo?.target.parentNode !== signature
    ) {
      throw malformedXml(xml, "its references are not BankID's: the bankIdSignedData in a ds:Object, and the KeyInfo");
    }
  };
  const signedData = signedDataOf(verifyXmlSignature(xml, signature, native.signerCertificate, expectBankIdReferences))!;

  // Read from the element that was digested, never by searching the document again.
  const nonVisible = onlyChild(xml, signedData.target, BANKID_TYPES_NS, 'usrNonVisibleData');
  if (!carriesBase64Of(xml, nonVisible, digestOf(document))) {
    throw new NativeSignatureError('document-mismatch', 'the BankID signature is over the digest of another document');
  }
}

export const sbidSign: EidMethod = {
  name: 'sbid-sign',
  family: 'sbid',
  nationalityOf: () => 'SE',
  certificates: 'person',
  checkNationalId: checkSwedishNationalId,
  certificateSubject,
  sign,
  verify,
};
