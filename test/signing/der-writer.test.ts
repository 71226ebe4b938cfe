import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { toArrayBuffer } from '../../src/signing/der';
import {
  algorithm,
  bitString,
  boolean,
  derLength,
  enumerated,
  explicit,
  generalizedTime,
  implicit,
  integer,
  NULL,
  octetString,
  oid,
  readCertificate,
  readChildren,
  readElement,
  readWhole,
  sequence,
  setOf,
  time,
  tlv,
  unsignedInteger,
  utcTime,
  utf8String,
} from '../../src/signing/der-writer';
import { usePkijs } from '../../src/signing/pkijs-engine';
import { makeTestPki, openssl, type TestPki } from '../helpers/test-pki';

let dir: string;
let pki: TestPki;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paraph-der-writer-'));
  pki = await makeTestPki(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function asn1(value: asn1js.AsnType): Buffer {
  return Buffer.from(value.toBER(false));
}

/** `openssl asn1parse` of DER bytes, one line per element, offsets and all. */
async function asn1parse(der: Buffer, name: string): Promise<string> {
  const file = join(dir, `${name}.der`);
  await writeFile(file, der);
  const result = await openssl(['asn1parse', '-inform', 'DER', '-in', file, '-i']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

/** asn1parse lines reduced to depth, constructed/primitive and what follows the colon. */
function outline(text: string): string[] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.replace(/^\s*\d+:d=(\d+)\s+hl=\d+ l=\s*\d+ (cons|prim):\s*/, '$1 $2 ').replace(/\s+/g, ' ').trim());
}

describe('lengths and tlv', () => {
  it.each([0, 1, 127, 128, 255, 256, 65_535, 65_536, 1_000_000])('encodes a %i-byte OCTET STRING as asn1js does', (length) => {
    const contents = Buffer.alloc(length, 0x5a);
    const ours = octetString(contents);
    const theirs = asn1(new asn1js.OctetString({ valueHex: toArrayBuffer(contents) }));
    // Buffer.equals: jest's deep equality takes seconds on a megabyte.
    expect(ours.subarray(0, 8).toString('hex')).toBe(theirs.subarray(0, 8).toString('hex'));
    expect(ours.equals(theirs)).toBe(true);
  });

  it('writes the shortest length forms', () => {
    expect(derLength(127).toString('hex')).toBe('7f');
    expect(derLength(128).toString('hex')).toBe('8180');
    expect(derLength(256).toString('hex')).toBe('820100');
    expect(derLength(16_777_216).toString('hex')).toBe('8401000000');
  });

  it('refuses tags it cannot write in one octet and lengths that are not lengths', () => {
    expect(() => tlv(0x1f)).toThrow(RangeError);
    expect(() => tlv(0x100)).toThrow(RangeError);
    expect(() => derLength(-1)).toThrow(RangeError);
    expect(() => derLength(1.5)).toThrow(RangeError);
  });
});

describe('values, compared with asn1js', () => {
  it.each([
    '1.2.840.113549.1.7.2',
    '1.2.840.113549.1.9.16.2.47',
    '2.16.840.1.101.3.4.2.1',
    '1.3.14.3.2.26',
    '0.9.2342.19200300.100.1.25',
    '2.999.3',
    '2.5.4.3',
    '2.25.329800735698586629295641978511506172918',
  ])('OID %s', (value) => {
    expect(oid(value)).toEqual(asn1(new asn1js.ObjectIdentifier({ value })));
  });

  it('refuses strings that are not OIDs', () => {
    for (const bad of ['', '1', '3.1', '1.40', '1.2.', '1..2', '1.02', 'a.b']) expect(() => oid(bad)).toThrow(RangeError);
  });

  it.each(['00', '01', '7f', '80', 'ff', '0080', '000000ff', '1234567890abcdef1234', '00000000'])('unsigned INTEGER from %s', (hex) => {
    const value = BigInt(`0x${hex}`);
    expect(unsignedInteger(Buffer.from(hex, 'hex'))).toEqual(asn1(asn1js.Integer.fromBigInt(value)));
  });

  it.each([0, 1, 3, 127, 128, 255, 256, 65_535, 2 ** 40, Number.MAX_SAFE_INTEGER])('INTEGER and ENUMERATED %i', (value) => {
    expect(integer(value)).toEqual(asn1(new asn1js.Integer({ value })));
    expect(enumerated(value)).toEqual(asn1(new asn1js.Enumerated({ value })));
  });

  it('refuses INTEGERs it does not write', () => {
    expect(() => integer(-1)).toThrow(RangeError);
    expect(() => unsignedInteger(Buffer.alloc(0))).toThrow(RangeError);
  });

  it('NULL, BOOLEAN and UTF8String', () => {
    expect(NULL).toEqual(asn1(new asn1js.Null()));
    expect(boolean(true)).toEqual(asn1(new asn1js.Boolean({ value: true })));
    expect(boolean(false).toString('hex')).toBe('010100');
    expect(utf8String('Ærlig «Øst» å')).toEqual(asn1(new asn1js.Utf8String({ value: 'Ærlig «Øst» å' })));
  });

  it('BIT STRING with and without unused bits', () => {
    const signature = Buffer.from('a1b2c3', 'hex');
    expect(bitString(signature)).toEqual(asn1(new asn1js.BitString({ valueHex: toArrayBuffer(signature) })));
    const named = Buffer.from([0x02, 0x00, 0x00, 0x40]);
    expect(bitString(named, 6)).toEqual(asn1(new asn1js.BitString({ valueHex: toArrayBuffer(named), unusedBits: 6 })));
    expect(bitString(Buffer.alloc(0)).toString('hex')).toBe('030100');
    expect(() => bitString(Buffer.from([0x01]), 1)).toThrow(RangeError);
    expect(() => bitString(Buffer.alloc(0), 3)).toThrow(RangeError);
  });

  it.each([
    '2026-03-14T09:26:53.000Z',
    '1950-01-01T00:00:00.000Z',
    '2049-12-31T23:59:59.000Z',
    '2000-02-29T12:00:09.000Z',
  ])('UTCTime %s', (iso) => {
    expect(utcTime(new Date(iso))).toEqual(asn1(new asn1js.UTCTime({ valueDate: new Date(iso) })));
  });

  it.each(['2026-03-14T09:26:53.000Z', '2050-01-01T00:00:00.000Z', '1949-12-31T23:59:59.000Z', '9999-12-31T23:59:59.000Z'])(
    'GeneralizedTime %s',
    (iso) => {
      expect(generalizedTime(new Date(iso))).toEqual(asn1(new asn1js.GeneralizedTime({ valueDate: new Date(iso) })));
    },
  );

  it('writes whole seconds, dropping milliseconds', () => {
    expect(generalizedTime(new Date('2026-03-14T09:26:53.999Z')).subarray(2).toString('latin1')).toBe('20260314092653Z');
    expect(utcTime(new Date('2026-03-14T09:26:53.001Z')).subarray(2).toString('latin1')).toBe('260314092653Z');
  });

  it('chooses UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280, RFC 5652 signingTime)', () => {
    expect(time(new Date('2049-12-31T23:59:59.999Z'))[0]).toBe(0x17);
    expect(time(new Date('2050-01-01T00:00:00Z'))[0]).toBe(0x18);
    expect(time(new Date('1949-12-31T23:59:59Z'))[0]).toBe(0x18);
    expect(() => utcTime(new Date('2050-01-01T00:00:00Z'))).toThrow(RangeError);
    expect(() => generalizedTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('structures', () => {
  it('orders a SET OF by its elements’ encodings (X.690 §11.6)', () => {
    const a = octetString(Buffer.from([0x02]));
    const b = octetString(Buffer.from([0x01, 0xff]));
    const c = integer(5);
    const d = sequence();
    // By tag first, then by length octet: the shorter OCTET STRING sorts before the longer.
    expect(setOf(a, b, c, d)).toEqual(tlv(0x31, c, a, b, d));
    expect(setOf(d, c, b, a)).toEqual(setOf(a, b, c, d));
    expect(setOf().toString('hex')).toBe('3100');
  });

  it('tags explicitly and implicitly', () => {
    expect(explicit(0, integer(2)).toString('hex')).toBe('a003020102');
    expect(explicit(4, sequence()).toString('hex')).toBe('a4023000');
    // [0] IMPLICIT NULL stays primitive; [1] IMPLICIT SET OF stays constructed.
    expect(implicit(0, NULL).toString('hex')).toBe('8000');
    expect(implicit(1, setOf(integer(1))).toString('hex')).toBe('a103020101');
    expect(() => explicit(31)).toThrow(RangeError);
    expect(() => implicit(0, Buffer.alloc(0))).toThrow(RangeError);
    const original = setOf(integer(1));
    implicit(0, original);
    expect(original[0]).toBe(0x31);
  });

  it('writes a structure that openssl asn1parse reads element by element', async () => {
    const der = sequence(
      integer(1),
      algorithm('1.2.840.113549.1.1.11', NULL),
      setOf(sequence(oid('2.5.4.3'), utf8String('Kari')), sequence(oid('2.5.4.6'), tlv(0x13, Buffer.from('NO')))),
      explicit(0, generalizedTime(new Date('2051-06-01T10:00:00Z'))),
      utcTime(new Date('2026-03-14T09:26:53Z')),
      octetString(Buffer.alloc(300, 0xab)),
      bitString(Buffer.from([0xf0]), 4),
      unsignedInteger(Buffer.from('80', 'hex')),
      enumerated(6),
      boolean(true),
      implicit(2, NULL),
    );
    expect(outline(await asn1parse(der, 'structure'))).toEqual([
      '0 cons SEQUENCE',
      '1 prim INTEGER :01',
      '1 cons SEQUENCE',
      '2 prim OBJECT :sha256WithRSAEncryption',
      '2 prim NULL',
      // The SET OF in DER order: the shorter countryName element first.
      '1 cons SET',
      '2 cons SEQUENCE',
      '3 prim OBJECT :countryName',
      '3 prim PRINTABLESTRING :NO',
      '2 cons SEQUENCE',
      '3 prim OBJECT :commonName',
      '3 prim UTF8STRING :Kari',
      '1 cons cont [ 0 ]',
      '2 prim GENERALIZEDTIME :20510601100000Z',
      '1 prim UTCTIME :260314092653Z',
      expect.stringMatching(/^1 prim OCTET STRING \[HEX DUMP\]:(AB){300}$/) as unknown as string,
      '1 prim BIT STRING',
      '1 prim INTEGER :80',
      '1 prim ENUMERATED :06',
      '1 prim BOOLEAN :255',
      '1 prim cont [ 2 ]',
    ]);
  });
});

describe('reader', () => {
  it('reads elements and their children', () => {
    const der = sequence(integer(7), octetString(Buffer.alloc(200, 1)), sequence());
    const whole = readWhole(der);
    expect(whole.tag).toBe(0x30);
    expect(whole.bytes).toEqual(der);
    const children = readChildren(whole);
    expect(children.map((child) => child.tag)).toEqual([0x02, 0x04, 0x30]);
    expect(children[1]!.contents).toEqual(Buffer.alloc(200, 1));
    expect(readChildren(children[2]!)).toEqual([]);
    expect(der.subarray(0, 3).toString('hex')).toBe('3081d0');
    expect(readElement(der, 3).bytes).toEqual(integer(7));
  });

  it.each([
    ['an empty input', ''],
    ['a truncated length', '30'],
    ['an indefinite length', '30800000'],
    ['a long form for a short length', '04810100'],
    ['a long form with a leading zero', '0482008000'],
    ['contents past the end', '040301'],
    ['a multi-octet tag', '1f2100'],
  ])('refuses %s', (_name, hex) => {
    expect(() => readElement(Buffer.from(hex, 'hex'))).toThrow(RangeError);
  });

  it('refuses trailing bytes and children of primitive elements', () => {
    expect(() => readWhole(Buffer.from('050000', 'hex'))).toThrow(RangeError);
    expect(() => readChildren(readWhole(NULL))).toThrow(RangeError);
  });

  it('slices issuer, serial, subject and public key out of a certificate, exactly as encoded', () => {
    const pkijs = usePkijs();
    for (const der of [pki.signer.certificate, pki.issuing.certificate, pki.root.certificate]) {
      const fields = readCertificate(der);
      const parsed = pkijs.Certificate.fromBER(toArrayBuffer(der));
      expect(fields.issuer).toEqual(Buffer.from(parsed.issuer.valueBeforeDecode));
      expect(fields.subject).toEqual(Buffer.from(parsed.subject.valueBeforeDecode));
      expect(fields.serialNumber).toEqual(Buffer.from(parsed.serialNumber.valueBeforeDecodeView));
      expect(fields.subjectPublicKey).toEqual(Buffer.from(parsed.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView));
      const x509 = new X509Certificate(der);
      expect(fields.subjectPublicKeyInfo).toEqual(x509.publicKey.export({ type: 'spki', format: 'der' }));
      expect(BigInt(`0x${fields.serialNumber.subarray(2).toString('hex')}`)).toBe(BigInt(`0x${x509.serialNumber}`));
    }
    expect(readCertificate(pki.signer.certificate).issuer).toEqual(readCertificate(pki.issuing.certificate).subject);
  });

  it('finds the same fields where openssl asn1parse puts them', async () => {
    const der = pki.signer.certificate;
    const lines = (await asn1parse(der, 'signer')).trim().split('\n');
    // The TBSCertificate's children sit at depth 2; version [0] comes first, then serial, signature, issuer.
    const depth2 = lines
      .map((line) => /^\s*(\d+):d=2\s+hl=(\d+) l=\s*(\d+)/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => der.subarray(Number(match[1]), Number(match[1]) + Number(match[2]) + Number(match[3])));
    const fields = readCertificate(der);
    expect(depth2[1]).toEqual(fields.serialNumber);
    expect(depth2[3]).toEqual(fields.issuer);
    expect(depth2[5]).toEqual(fields.subject);
    expect(depth2[6]).toEqual(fields.subjectPublicKeyInfo);
  });

  it('refuses what is not a certificate', () => {
    expect(() => readCertificate(sequence(integer(1)))).toThrow(RangeError);
    expect(() => readCertificate(Buffer.concat([pki.root.certificate, Buffer.from([0])]))).toThrow(RangeError);
  });
});
