import { createHash } from 'node:crypto';
import { ParaphError } from '../errors';

/**
 * Validators for the Nordic national identity numbers the eID methods accept. They check form,
 * date and check digits, never that a person exists. Every failure is a ParaphError
 * NATIONAL_ID_INVALID whose message says what is wrong but never repeats the number: a national id
 * is personal data and must not reach logs, SOAP faults or HTTP bodies.
 */

export type NationalIdCountry = 'NO' | 'DK' | 'SE';

function invalid(what: string, reason: string): never {
  throw new ParaphError('NATIONAL_ID_INVALID', `The national id is not a valid ${what}: ${reason}.`);
}

function digitsOf(id: string): number[] {
  return [...id].map(Number);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return day <= days[month - 1]!;
}

/** A mod-11 check digit with the weights of the Norwegian fødselsnummer; 10 means no digit fits. */
function mod11CheckDigit(digits: readonly number[], weights: readonly number[]): number {
  const sum = weights.reduce((total, weight, i) => total + weight * digits[i]!, 0);
  const rest = 11 - (sum % 11);
  return rest === 11 ? 0 : rest;
}

const FNR_K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2] as const;
const FNR_K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;

/**
 * The century of a fødselsnummer, from its individual number (digits 7-9), as Skatteetaten
 * assigns them. Combinations outside the table have not been issued; they are still accepted, as
 * 19xx, because test data generators do produce them and the date check only needs the year to
 * know whether 29 February exists.
 */
function norwegianBirthYear(yy: number, individual: number): number {
  if (individual < 500) return 1900 + yy;
  if (individual < 750 && yy >= 54) return 1800 + yy;
  if (yy <= 39) return 2000 + yy;
  return 1900 + yy;
}

/**
 * Norwegian fødselsnummer: DDMMYY, a three-digit individual number and two mod-11 check digits.
 * D-numbers (foreign residents: day + 40) and Skatteetaten's synthetic test persons (month + 80, as
 * Tenor hands them out) are valid too; both can be combined.
 */
export function checkNorwegianNationalId(id: string): void {
  const what = 'Norwegian fødselsnummer';
  if (!/^\d{11}$/.test(id)) invalid(what, 'it must be exactly 11 digits');
  const d = digitsOf(id);
  let day = d[0]! * 10 + d[1]!;
  let month = d[2]! * 10 + d[3]!;
  if (day > 40) day -= 40; // D-number
  if (month > 80) month -= 80; // synthetic test person
  const year = norwegianBirthYear(d[4]! * 10 + d[5]!, d[6]! * 100 + d[7]! * 10 + d[8]!);
  if (!isCalendarDate(year, month, day)) invalid(what, 'its first six digits are not a date');
  const k1 = mod11CheckDigit(d, FNR_K1_WEIGHTS);
  const k2 = mod11CheckDigit(d, FNR_K2_WEIGHTS);
  if (k1 === 10 || k2 === 10 || k1 !== d[9] || k2 !== d[10]) invalid(what, 'the check digits do not match');
}

/** The century of a CPR number, from its seventh digit (CPR-kontoret's table). */
function danishBirthYear(yy: number, seventh: number): number {
  if (seventh <= 3) return 1900 + yy;
  if (seventh === 4 || seventh === 9) return yy <= 36 ? 2000 + yy : 1900 + yy;
  return yy <= 57 ? 2000 + yy : 1800 + yy;
}

/**
 * Danish CPR number: DDMMYY and four digits. No modulus-11 check: numbers issued since October
 * 2007 need not satisfy it, so a check would reject real people.
 */
export function checkDanishNationalId(id: string): void {
  const what = 'Danish CPR number';
  if (!/^\d{10}$/.test(id)) invalid(what, 'it must be exactly 10 digits');
  const d = digitsOf(id);
  const year = danishBirthYear(d[4]! * 10 + d[5]!, d[6]!);
  if (!isCalendarDate(year, d[2]! * 10 + d[3]!, d[0]! * 10 + d[1]!)) invalid(what, 'its first six digits are not a date');
}

/** Luhn (mod 10) over digits whose last one is the check digit. */
function passesLuhn(digits: readonly number[]): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const fromRight = digits.length - 1 - i;
    let value = digits[i]!;
    if (fromRight % 2 === 1) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
  }
  return sum % 10 === 0;
}

/**
 * Swedish personnummer in the 12-digit form BankID uses: YYYYMMDD, a three-digit birth number and a
 * Luhn check digit computed over the last ten digits. Samordningsnummer (day + 60) are valid too.
 */
export function checkSwedishNationalId(id: string): void {
  const what = 'Swedish personnummer';
  if (!/^\d{12}$/.test(id)) invalid(what, 'it must be exactly 12 digits (YYYYMMDDNNNC)');
  const d = digitsOf(id);
  const year = Number(id.slice(0, 4));
  const month = d[4]! * 10 + d[5]!;
  let day = d[6]! * 10 + d[7]!;
  if (day > 60) day -= 60; // samordningsnummer
  if (year < 1800 || !isCalendarDate(year, month, day)) invalid(what, 'its first eight digits are not a date');
  if (!passesLuhn(d.slice(2))) invalid(what, 'the check digit does not match');
}

const CHECKS: Readonly<Record<NationalIdCountry, (id: string) => void>> = {
  NO: checkNorwegianNationalId,
  DK: checkDanishNationalId,
  SE: checkSwedishNationalId,
};

/** Throws NATIONAL_ID_INVALID unless `id` is a valid national id of `country`. */
export function checkNationalIdOf(country: NationalIdCountry, id: string): void {
  CHECKS[country](id);
}

/**
 * Throws NATIONAL_ID_INVALID unless `id` is a valid national id of one of the three countries. The
 * three forms have different lengths (11, 10 and 12 digits), so the length picks the country.
 */
export function checkAnyNordicNationalId(id: string): void {
  if (id.length === 11) return checkNorwegianNationalId(id);
  if (id.length === 10) return checkDanishNationalId(id);
  if (id.length === 12) return checkSwedishNationalId(id);
  invalid('Norwegian, Danish or Swedish national id', 'it must be 11, 10 or 12 digits');
}

/**
 * `count` decimal digits derived from the national id, for the person identifiers (PID) that eIDs
 * write into certificates instead of the national id. The real PIDs are serial numbers kept by the
 * eID operator; Paraph derives them so that the same person always gets the same PID without a
 * lookup table. `scheme` separates the PIDs of different eIDs, so one person's identifiers cannot be
 * linked across them by equality. A PID is a pseudonym, not an anonymisation: national ids are few
 * enough to hash them all, so treat a PID as personal data too.
 */
export function pidDigits(nationalId: string, scheme: string, count: number): string {
  // 64 bits of the hash give up to 18 digits with a negligible bias.
  if (!Number.isInteger(count) || count < 1 || count > 18) throw new RangeError('a PID has 1 to 18 derived digits');
  const hash = createHash('sha256').update(`${scheme}\u0000${nationalId}`).digest();
  const digits = hash.readBigUInt64BE(0).toString().padStart(20, '0');
  return digits.slice(digits.length - count);
}
