import type { Credential } from '../signing/credential';
import { sha256 } from '../signing/der';
import type { NameAttribute } from '../signing/issue-certificate';

/** The certificate hierarchies of the test PKI: one per eID family, and Paraph's own trust services. */
export type PkiFamily = 'nbid' | 'nemid' | 'sbid' | 'nets' | 'paraph';

/** The signature methods Paraph offers, named as in a task's `signature/method`. */
export type EidMethodName = 'nbid-sign' | 'nemid-sign' | 'sbid-sign' | 'nets-sms' | 'email-otp';

/** The person who signs, as the emulator control API (and later the portal) identifies them. */
export interface Signer {
  /** National identity number: Norwegian fødselsnummer, Danish CPR, Swedish personnummer (12 digits). */
  readonly nationalId: string;
  readonly firstName: string;
  readonly lastName: string;
  /** For one-time-code methods: where the code was sent. */
  readonly mobile?: string;
  readonly email?: string;
}

/** One document to sign, as the task holds it. */
export interface DocumentToSign {
  readonly id: string;
  readonly mimeType: 'application/pdf' | 'text/plain';
  readonly description: string;
  readonly bytes: Buffer;
  /**
   * SHA-256 of `bytes`, when the caller has it already. Every method needs it (a CMS messageDigest,
   * BankID's HashedData, the result's DigestValue), and a megabyte costs most of a millisecond to hash
   * each time: the signing path hashes the document once and hands the digest along.
   */
  readonly digest?: Buffer;
}

/** SHA-256 of the document's bytes: the one the caller gave, or computed now. */
export function digestOf(document: DocumentToSign): Buffer {
  return document.digest ?? sha256(document.bytes);
}

/** Where and how the signature was made: goes into the signature where the eID does so, and into the LTV-SDO. */
export interface SigningContext {
  readonly service: string;
  readonly requestId: string;
  readonly taskId: string;
  /** The relying party's display name (BankID srvInfo, NemID RequestIssuer). */
  readonly serviceDisplayName: string;
  readonly clientIp?: string;
  readonly userAgent?: string;
}

export interface SignInput {
  readonly document: DocumentToSign;
  readonly signer: Signer;
  /** The signer's certificate and key, issued by this method's family. */
  readonly credential: Credential;
  readonly time: Date;
  readonly context: SigningContext;
}

/** The eID's own signature, exactly as that eID makes it. */
export interface NativeSignature {
  /** What kind of artifact `data` is; recorded in the LTV-SDO. */
  readonly format: 'seid-sdo' | 'openoces-xmldsig' | 'bankid-se-xmldsig' | 'cms';
  readonly mimeType: string;
  /** The artifact's bytes (XML text in UTF-8, or DER for CMS). */
  readonly data: Buffer;
  /** The certificate that made the signature (DER). */
  readonly signerCertificate: Buffer;
}

/**
 * An eID signature method. One module per method, all behind this interface, so that the portal and
 * the emulator control API drive every method the same way, and one test suite checks them all.
 */
export interface EidMethod {
  readonly name: EidMethodName;
  readonly family: PkiFamily;
  /**
   * ISO 3166 country of a signer's national id, as written in SignerNationality. A national eID knows
   * one country; a method that accepts several (e-mail code) tells it from the id.
   */
  nationalityOf(nationalId: string): 'NO' | 'DK' | 'SE';
  /**
   * `person`: one long-lived certificate per person, made when first needed (BankID, NemID).
   * `one-time`: a fresh short-lived certificate for every signature, issued after the one-time code
   * (Nets one-time code, e-mail code).
   */
  readonly certificates: 'person' | 'one-time';
  /** Throws ParaphError NATIONAL_ID_INVALID when `nationalId` cannot be an id of this method's country. */
  checkNationalId(nationalId: string): void;
  /** The subject of the signer's certificate, in this eID's conventions. */
  certificateSubject(signer: Signer): NameAttribute[];
  sign(input: SignInput): Promise<NativeSignature>;
  /**
   * Core validation: the native signature is cryptographically intact over exactly this document and
   * was made by the certificate it names. Throws NativeSignatureError (with a stable `reason`) otherwise.
   * Does not check the certificate path or revocation (the caller does).
   */
  verify(native: NativeSignature, document: DocumentToSign): void;
  /**
   * The document the native artifact carries in full, for eIDs whose signature embeds it (BankID's
   * SEID-SDO SignersDocument, NemID's signtext); undefined for the others. Lets a signed result keep
   * one copy of the document: its digest beside the native signature instead of a second copy.
   * Parses only; `verify` says whether to believe it.
   */
  documentOf?(native: NativeSignature): Buffer;
}
