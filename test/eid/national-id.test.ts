import {
  checkAnyNordicNationalId,
  checkDanishNationalId,
  checkNationalIdOf,
  checkNorwegianNationalId,
  checkSwedishNationalId,
  pidDigits,
} from '../../src/eid/national-id';
import { ParaphError } from '../../src/errors';

/**
 * Synthetic ids whose check digits were computed by hand from the published algorithms (mod 11
 * with weights 3 7 6 1 8 9 4 5 2 / 5 4 3 2 7 6 5 4 3 2 for Norway, Luhn over the last ten digits
 * for Sweden), not with the code under test.
 */

/** The error `check` throws for `id`; fails the test when it throws none or another kind. */
function rejection(check: (id: string) => void, id: string): ParaphError {
  try {
    check(id);
  } catch (err) {
    if (err instanceof ParaphError) return err;
    throw err;
  }
  throw new Error('expected NATIONAL_ID_INVALID, but the id was accepted');
}

function expectRejected(check: (id: string) => void, id: string, reason: RegExp): void {
  const error = rejection(check, id);
  expect(error.code).toBe('NATIONAL_ID_INVALID');
  expect(error.message).toMatch(reason);
  // Personal data: the id must not travel in the message, nor any run of its digits.
  if (id.length > 0) expect(error.message).not.toContain(id);
  expect(error.message).not.toMatch(/\d{4}/);
}

describe('Norwegian fødselsnummer', () => {
  it.each([
    ['15038512363', 'born 15 March 1985'],
    ['01010750160', 'born 2007 (individual number 501)'],
    ['31129949980', 'born 31 December 1999 (individual number 499)'],
    ['29020051386', 'born 29 February 2000'],
    ['55038512357', 'D-number (day + 40)'],
    ['15838512329', 'synthetic test person (month + 80)'],
    ['55838512312', 'synthetic D-number'],
  ])('accepts %s: %s', (id) => {
    expect(() => checkNorwegianNationalId(id)).not.toThrow();
  });

  it.each([
    ['15038512364', /check digits/, 'second check digit wrong'],
    ['15038512373', /check digits/, 'first check digit wrong'],
    ['15838512400', /check digits/, 'no first check digit exists for these nine digits'],
    ['29020012380', /date/, '29 February 1900 (individual number below 500): no leap year'],
    ['31040556810', /date/, '31 April'],
    ['15138512301', /date/, 'month 13'],
    ['72038512391', /date/, 'D-number for day 32'],
    ['1503851236', /11 digits/, 'ten digits'],
    ['150385123634', /11 digits/, 'twelve digits'],
    ['150385 12363', /11 digits/, 'a space'],
    ['1503851236a', /11 digits/, 'a letter'],
    ['', /11 digits/, 'empty'],
  ])('rejects %s (%s): %s', (id, reason) => {
    expectRejected(checkNorwegianNationalId, id, reason);
  });
});

describe('Danish CPR number', () => {
  it.each([
    ['1503851234', 'fails modulus 11, valid since 2007'],
    ['1503851233', 'passes modulus 11'],
    ['2902004234', '29 February 2000 (seventh digit 4, year 00)'],
    ['0101001230', '1 January 1900'],
    ['3112995678', 'seventh digit 5 with year 99: 1899'],
  ])('accepts %s: %s', (id) => {
    expect(() => checkDanishNationalId(id)).not.toThrow();
  });

  it.each([
    ['2902001234', /date/, '29 February 1900 (seventh digit 1)'],
    ['3102851234', /date/, '31 February'],
    ['1513851234', /date/, 'month 15'],
    ['0003851234', /date/, 'day 0'],
    ['150385-1234', /10 digits/, 'with the hyphen'],
    ['150385123', /10 digits/, 'nine digits'],
    ['15038512345', /10 digits/, 'eleven digits'],
  ])('rejects %s (%s): %s', (id, reason) => {
    expectRejected(checkDanishNationalId, id, reason);
  });
});

describe('Swedish personnummer', () => {
  it.each([
    ['198503152384', 'born 15 March 1985'],
    ['199001012385', 'born 1 January 1990'],
    ['201212121212', 'the well-known example number'],
    ['200002291235', 'born 29 February 2000'],
    ['198503752381', 'samordningsnummer (day + 60)'],
  ])('accepts %s: %s', (id) => {
    expect(() => checkSwedishNationalId(id)).not.toThrow();
  });

  it.each([
    ['198503152385', /check digit/, 'Luhn digit wrong'],
    ['190002291235', /date/, '29 February 1900'],
    ['198513152382', /date/, 'month 13'],
    ['198503002381', /date/, 'day 0'],
    ['198503922380', /date/, 'samordningsnummer for day 32'],
    ['8503152384', /12 digits/, 'the ten-digit form'],
    ['19850315-2384', /12 digits/, 'with the hyphen'],
  ])('rejects %s (%s): %s', (id, reason) => {
    expectRejected(checkSwedishNationalId, id, reason);
  });
});

describe('by country', () => {
  it('checks the id against the named country only', () => {
    expect(() => checkNationalIdOf('NO', '15038512363')).not.toThrow();
    expect(() => checkNationalIdOf('DK', '1503851234')).not.toThrow();
    expect(() => checkNationalIdOf('SE', '198503152384')).not.toThrow();
    expectRejected((id) => checkNationalIdOf('SE', id), '15038512363', /Swedish/);
    expectRejected((id) => checkNationalIdOf('NO', id), '1503851234', /Norwegian/);
  });

  it('accepts a valid id of any of the three countries, and tells by length which it must be', () => {
    for (const id of ['15038512363', '1503851234', '198503152384']) expect(() => checkAnyNordicNationalId(id)).not.toThrow();
    expectRejected(checkAnyNordicNationalId, '15038512364', /Norwegian.*check digits/);
    expectRejected(checkAnyNordicNationalId, '3102851234', /Danish.*date/);
    expectRejected(checkAnyNordicNationalId, '198503152385', /Swedish.*check digit/);
    expectRejected(checkAnyNordicNationalId, '123456789', /11, 10 or 12 digits/);
  });
});

describe('derived person identifiers', () => {
  it('are the asked number of digits, stable per person and scheme', () => {
    const pid = pidDigits('15038512363', 'nbid', 7);
    expect(pid).toMatch(/^\d{7}$/);
    expect(pidDigits('15038512363', 'nbid', 7)).toBe(pid);
    expect(pidDigits('1503851234', 'nemid', 12)).toMatch(/^\d{12}$/);
  });

  it('differ between persons and between schemes', () => {
    const a = pidDigits('15038512363', 'nets', 12);
    expect(pidDigits('15038512444', 'nets', 12)).not.toBe(a);
    expect(pidDigits('15038512363', 'paraph-email', 12)).not.toBe(a);
    expect(a).not.toContain('15038512363');
  });
});
