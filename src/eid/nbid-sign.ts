import { signDetached } from '../signing/cms';
import { sha256, wholeSeconds } from '../signing/der';
import type { NameAttribute } from '../signing/issue-certificate';
import type { EidMethod, NativeSignature, SignInput, Signer } from './eid-method';
import { checkNorwegianNationalId, pidDigits } from './national-id';

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
  const cms = await signDetached(document.bytes, credential, { signingTime: wholeSeconds(input.time) });
  const xml =
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
    `<ds:DigestValue>${sha256(document.bytes).toString('base64')}</ds:DigestValue></HashedData>` +
    `<CMSSignature>${cms.toString('base64')}</CMSSignature>` +
    '</CMSSignatureElement></SignatureElement></SDODataPart>' +
    `<SignedObject><SignersDocument>${document.bytes.toString('base64')}</SignersDocument></SignedObject>` +
    '</SDO>' +
    '</SDOList>';
  return {
    format: 'seid-sdo',
    mimeType: SEID_SDO_MIME_TYPE,
    data: Buffer.from(xml, 'utf8'),
    signerCertificate: credential.certificate,
  };
}

export const nbidSign: EidMethod = {
  name: 'nbid-sign',
  family: 'nbid',
  nationalityOf: () => 'NO',
  certificates: 'person',
  checkNationalId: checkNorwegianNationalId,
  certificateSubject,
  sign,
};
