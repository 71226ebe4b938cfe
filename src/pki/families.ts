import type { PkiFamily } from '../eid/eid-method';
import type { NameAttribute } from '../signing/issue-certificate';

export interface FamilyNames {
  readonly country: string;
  readonly root: string;
  readonly issuing: string;
  readonly ocsp: string;
}

const ORGANISATION = 'Paraph Test PKI';

/**
 * The test PKI's hierarchies: one per eID family, each a root, an issuing CA and a delegated OCSP
 * responder, plus Paraph's own trust services (seals, TSA, one-time e-mail certificates). Every name
 * says TEST: these certificates must never be mistaken for real ones.
 */
export const FAMILY_NAMES: Readonly<Record<PkiFamily, FamilyNames>> = {
  nbid: { country: 'NO', root: 'TEST BankID Root CA', issuing: 'TEST BankID Bank CA', ocsp: 'TEST BankID OCSP Responder' },
  nemid: { country: 'DK', root: 'TEST OCES Root CA', issuing: 'TEST OCES Issuing CA', ocsp: 'TEST OCES OCSP Responder' },
  sbid: { country: 'SE', root: 'TEST BankID SE Root CA', issuing: 'TEST BankID SE Customer CA', ocsp: 'TEST BankID SE OCSP Responder' },
  nets: { country: 'NO', root: 'TEST Nets One-Time Code Root CA', issuing: 'TEST Nets One-Time Code Signing CA', ocsp: 'TEST Nets OCSP Responder' },
  paraph: { country: 'NO', root: 'TEST Paraph Trust Services Root CA', issuing: 'TEST Paraph Trust Services CA', ocsp: 'TEST Paraph OCSP Responder' },
};

export const PKI_FAMILIES = Object.keys(FAMILY_NAMES) as PkiFamily[];

export function caSubject(family: PkiFamily, which: 'root' | 'issuing' | 'ocsp'): NameAttribute[] {
  const names = FAMILY_NAMES[family];
  return [
    { type: 'C', value: names.country },
    { type: 'O', value: ORGANISATION },
    { type: 'CN', value: names[which] },
  ];
}

export function tsaSubject(): NameAttribute[] {
  return [
    { type: 'C', value: 'NO' },
    { type: 'O', value: ORGANISATION },
    { type: 'CN', value: 'TEST Paraph Time-Stamping Authority' },
  ];
}

export function sealSubject(service: string): NameAttribute[] {
  return [
    { type: 'C', value: 'NO' },
    { type: 'O', value: ORGANISATION },
    { type: 'OU', value: `service ${service}` },
    { type: 'CN', value: `TEST Paraph seal (${service})` },
  ];
}

/** Whether a family is an eID family (its persons sign) or Paraph's own trust services. */
export function isFamily(value: string): value is PkiFamily {
  return Object.prototype.hasOwnProperty.call(FAMILY_NAMES, value);
}
