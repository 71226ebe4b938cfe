import * as asn1js from 'asn1js';
import type * as Pkijs from 'pkijs';
import type { Credential } from './credential';
import { OID, sha256, toArrayBuffer } from './der';
import { usePkijs, webCryptoKey } from './pkijs-engine';

/** Parses DER certificate bytes into pkijs's model. */
export function pkijsCertificate(der: Uint8Array): Pkijs.Certificate {
  return usePkijs().Certificate.fromBER(toArrayBuffer(der));
}

/**
 * ESS signing-certificate-v2 (RFC 5035): binds the signature to the signer's certificate, which
 * CAdES, PAdES and RFC 5816 timestamps require. hashAlgorithm is left out because SHA-256 is its
 * DEFAULT and DER omits defaults.
 */
export function signingCertificateV2Attribute(certificateDer: Uint8Array): Pkijs.Attribute {
  const pkijs = usePkijs();
  const certificate = pkijsCertificate(certificateDer);
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [certificate.issuer.toSchema()] })],
      }),
      certificate.serialNumber,
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: toArrayBuffer(sha256(certificateDer)) }), issuerSerial],
  });
  return new pkijs.Attribute({
    type: OID.signingCertificateV2,
    values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] })],
  });
}

export interface DetachedSignatureOptions {
  /**
   * Adds the signingTime attribute. CMS-based eID signatures carry it; PAdES must not (EN 319 142-1
   * puts the time in the signature dictionary's /M instead).
   */
  readonly signingTime?: Date;
  /**
   * Asked for an RFC 3161 TimeStampToken (DER ContentInfo) over the SHA-256 of the signature value;
   * the token becomes the unsigned signature-time-stamp attribute (CAdES-T / PAdES B-T).
   */
  readonly timestamp?: (imprint: Buffer) => Promise<Buffer>;
}

/**
 * A detached CMS SignedData (CAdES B-B, or B-T with a timestamp) over content whose SHA-256 is
 * `messageDigest`: the content itself is not in the result. Certificates: the signer and its chain.
 */
export async function signDigestDetached(
  messageDigest: Buffer,
  signer: Credential,
  options: DetachedSignatureOptions = {},
): Promise<Buffer> {
  const pkijs = usePkijs();
  const certificate = pkijsCertificate(signer.certificate);
  const attributes = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
    new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: toArrayBuffer(messageDigest) })] }),
    signingCertificateV2Attribute(signer.certificate),
  ];
  if (options.signingTime) {
    attributes.push(
      new pkijs.Attribute({ type: OID.signingTime, values: [new asn1js.UTCTime({ valueDate: options.signingTime })] }),
    );
  }
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
      }),
    ],
    certificates: [certificate, ...signer.chain.map(pkijsCertificate)],
  });
  await signedData.sign(await webCryptoKey(signer.privateKey), 0, 'SHA-256');
  const signerInfo = signedData.signerInfos[0]!;
  if (options.timestamp) {
    const signatureValue = Buffer.from(signerInfo.signature.valueBlock.valueHexView);
    const token = await options.timestamp(sha256(signatureValue));
    const tokenSchema = asn1js.fromBER(toArrayBuffer(token));
    if (tokenSchema.offset === -1) throw new Error('the timestamp token is not DER');
    signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
      type: 1,
      attributes: [new pkijs.Attribute({ type: OID.signatureTimeStampToken, values: [tokenSchema.result] })],
    });
  }
  const contentInfo = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return Buffer.from(contentInfo.toSchema().toBER(false));
}

/** A detached CMS signature over `data` (see signDigestDetached). */
export function signDetached(data: Uint8Array, signer: Credential, options: DetachedSignatureOptions = {}): Promise<Buffer> {
  return signDigestDetached(sha256(data), signer, options);
}
