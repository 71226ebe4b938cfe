import { ParaphError } from '../errors';
import type { NameAttribute } from '../signing/issue-certificate';
import type { EidMethod, Signer } from './eid-method';
import { checkAnyNordicNationalId, pidDigits } from './national-id';
import { signOneTimeCms, verifyOneTimeCms } from './nets-sms';

/**
 * Signing with a one-time code sent by e-mail, Paraph's own method: after the code, Paraph's CA
 * issues a certificate that lives for minutes and signs a detached CMS with it, as for the Nets SMS
 * code.
 *
 * An e-mail address belongs to no country, so any valid Norwegian, Danish or Swedish national id is
 * accepted, and the signer's country follows from the length of their id (11 digits NO, 10 DK, 12 SE).
 */

/**
 * Printable ASCII with one "@": the emailAddress attribute is an IA5String (RFC 5280), and an
 * address that cannot be written there cannot be in the certificate.
 */
const EMAIL = /^[\x21-\x3f\x41-\x7e]+@[\x21-\x3f\x41-\x7e]+$/;

/**
 * Subject: the e-mail address the code went to, the name, and a "PID:" pseudonym in serialNumber so
 * that the national id stays out of the certificate (see pidDigits).
 */
function certificateSubject(signer: Signer): NameAttribute[] {
  if (signer.email === undefined) {
    throw new ParaphError('FIELD_REQUIRED', 'Signing with an e-mail code needs the signer’s e-mail address.');
  }
  if (!EMAIL.test(signer.email)) {
    throw new ParaphError('FIELD_INVALID', 'The signer’s e-mail address is not a printable ASCII address.');
  }
  return [
    { type: 'E', value: signer.email },
    { type: 'CN', value: `${signer.firstName} ${signer.lastName}` },
    { type: 'serialNumber', value: `PID:${pidDigits(signer.nationalId, 'paraph-email', 12)}` },
  ];
}

export const emailOtp: EidMethod = {
  name: 'email-otp',
  family: 'paraph',
  // Norwegian ids have 11 digits, Danish 10, Swedish 12 (checkAnyNordicNationalId has checked the rest).
  nationalityOf: (nationalId) => (nationalId.length === 10 ? 'DK' : nationalId.length === 12 ? 'SE' : 'NO'),
  certificates: 'one-time',
  checkNationalId: checkAnyNordicNationalId,
  certificateSubject,
  sign: signOneTimeCms,
  verify: verifyOneTimeCms,
};
