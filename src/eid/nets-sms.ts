import { timingSafeEqual } from 'node:crypto';
import { signDigestDetached } from '../signing/cms';
import { wholeSeconds } from '../signing/der';
import type { NameAttribute } from '../signing/issue-certificate';
import { digestOf, type DocumentToSign, type EidMethod, type NativeSignature, type SignInput, type Signer } from './eid-method';
import { NativeSignatureError, quoted } from './native-signature-error';
import { checkNorwegianNationalId, pidDigits } from './national-id';
import { verifyDetachedCms } from './verify-cms';

/**
 * Nets one-time code by SMS: the signer proves the code sent to their phone, then Nets issues a
 * certificate that lives for minutes and signs the document with it. The certificate is the caller's
 * to issue (after checking the code, see oneTimeCodeMatches); this module makes the detached CMS.
 */

/**
 * Subject: the name, and in serialNumber "PID:" with twelve digits derived from the fødselsnummer.
 * Nets identifies one-time-code signers by a PID (the ID token's `pid`), not by the national id,
 * and a certificate that lives for minutes is no reason to expose the number. Derived digits keep
 * the PID stable for one person across signatures (see pidDigits).
 */
function certificateSubject(signer: Signer): NameAttribute[] {
  return [
    { type: 'CN', value: `${signer.firstName} ${signer.lastName}` },
    { type: 'serialNumber', value: `PID:${pidDigits(signer.nationalId, 'nets', 12)}` },
  ];
}

/** A CAdES B-B detached signature over the document, with the signing time as an attribute. */
export async function signOneTimeCms(input: SignInput): Promise<NativeSignature> {
  const { document, credential } = input;
  const cms = await signDigestDetached(digestOf(document), credential, { signingTime: wholeSeconds(input.time) });
  return {
    format: 'cms',
    mimeType: 'application/pkcs7-signature',
    data: cms,
    signerCertificate: credential.certificate,
  };
}

/** Core validation of signOneTimeCms's artifact: the detached CMS over exactly this document (see verifyDetachedCms). */
export function verifyOneTimeCms(native: NativeSignature, document: DocumentToSign): void {
  if (native.format !== 'cms') {
    throw new NativeSignatureError('malformed', `a ${quoted(String(native.format))} artifact where a CMS signature was expected`);
  }
  verifyDetachedCms({
    cms: native.data,
    contentDigest: digestOf(document),
    signerCertificate: native.signerCertificate,
    what: 'the CMS signature',
  });
}

const ONE_TIME_CODE = /^\d{6}$/;

/**
 * Whether the code the user typed is the six-digit code that was sent. Spaces are ignored (phones
 * show "123 456"). The comparison takes the same time wherever the codes differ, so response times
 * do not reveal how many leading digits were right.
 */
export function oneTimeCodeMatches(entered: string, expected: string): boolean {
  if (!ONE_TIME_CODE.test(expected)) throw new Error('the expected one-time code is not six digits');
  const given = entered.replace(/\s+/g, '');
  if (!ONE_TIME_CODE.test(given)) return false;
  return timingSafeEqual(Buffer.from(given, 'ascii'), Buffer.from(expected, 'ascii'));
}

export const netsSms: EidMethod = {
  name: 'nets-sms',
  family: 'nets',
  nationalityOf: () => 'NO',
  certificates: 'one-time',
  checkNationalId: checkNorwegianNationalId,
  certificateSubject,
  sign: signOneTimeCms,
  verify: verifyOneTimeCms,
};
