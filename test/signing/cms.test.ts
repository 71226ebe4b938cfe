import { generateKeyPairSync, randomBytes, verify, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import type * as Pkijs from 'pkijs';
import { signDetached, signDigestDetached, signingCertificateV2Attribute } from '../../src/signing/cms';
import { OID, sha256, toArrayBuffer } from '../../src/signing/der';
import { usePkijs } from '../../src/signing/pkijs-engine';
import { createTimestampToken } from '../../src/signing/timestamp';
import { makeTestPki, openssl, type TestPki, type ToolResult } from '../helpers/test-pki';

const TSA_POLICY = '1.3.6.1.4.1.99999.1.1';
const SIGNING_TIME = new Date('2026-03-14T09:26:53Z');

let dir: string;
let pki: TestPki;
let data: Buffer;
let dataFile: string;
let fileCounter = 0;

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, `${fileCounter++}-${name}`);
  await writeFile(path, bytes);
  return path;
}

function output(result: ToolResult): string {
  return `${result.stdout}\n${result.stderr}`;
}

/** openssl's check of a detached signature over `content`: the test root trusted, the issuing CA offered as untrusted. */
async function opensslVerify(signature: Buffer, content: Buffer | string, signerOut?: string): Promise<ToolResult> {
  const contentFile = typeof content === 'string' ? content : await file('content.bin', content);
  return openssl([
    'cms', '-verify', '-binary', '-inform', 'DER', '-in', await file('sig.der', signature), '-content', contentFile,
    // OpenSSL 3.0's cms has no -untrusted; -certfile adds the issuing CA as an untrusted chain certificate.
    '-CAfile', pki.files.root, '-certfile', pki.files.issuing, '-purpose', 'any', '-out', join(dir, 'verified.out'),
    ...(signerOut ? ['-signer', signerOut] : []),
  ]);
}

/** `openssl cms -cmsout -print`: the structure as openssl's own CMS parser reads it. */
async function opensslPrint(signature: Buffer): Promise<string> {
  const result = await openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', await file('print.der', signature)]);
  expect(result.code).toBe(0);
  return result.stdout;
}

/** The printed block of one signed or unsigned attribute, from its `object:` line to the next. */
function attributeBlock(printed: string, name: string): string | undefined {
  const start = printed.indexOf(`object: ${name} (`);
  if (start === -1) return undefined;
  const next = printed.indexOf('object: ', start + 1);
  return printed.slice(start, next === -1 ? undefined : next);
}

/** The bytes of openssl's hex dump lines ("0000 - 2c f2 4d ... 3b   ,.M.."), as lowercase hex. */
function hexDump(text: string): string {
  return [...text.matchAll(/^\s*[0-9a-f]{4} - ((?:[0-9a-f]{2}[ -]){0,15}[0-9a-f]{2})/gm)].map((match) => match[1]!.replace(/[ -]/g, '')).join('');
}

/** The signature parsed by pkijs: an independent reader of what the code under test wrote. */
function parse(signature: Buffer): { signedData: Pkijs.SignedData; signerInfo: Pkijs.SignerInfo } {
  const pkijs = usePkijs();
  const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(signature));
  expect(contentInfo.contentType).toBe(OID.signedData);
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  expect(signedData.signerInfos).toHaveLength(1);
  return { signedData, signerInfo: signedData.signerInfos[0]! };
}

function attributeValue(signerInfo: Pkijs.SignerInfo, type: string): asn1js.AsnType | undefined {
  const attribute = signerInfo.signedAttrs?.attributes.find((candidate) => candidate.type === type);
  expect(attribute?.values ?? [undefined]).toHaveLength(1);
  return attribute?.values[0] as asn1js.AsnType | undefined;
}

function der(value: { toBER(sizeOnly?: boolean): ArrayBuffer }): Buffer {
  return Buffer.from(value.toBER(false));
}

function timestamp(imprint: Buffer): Promise<Buffer> {
  return createTimestampToken(imprint, { credential: pki.tsa, policyOid: TSA_POLICY }, { time: new Date(), serial: randomBytes(8) });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paraph-cms-'));
  pki = await makeTestPki(dir);
  data = randomBytes(5000);
  dataFile = await file('data.bin', data);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('signDetached, checked by openssl', () => {
  it('verifies over the content up to the test root, and names the signer certificate', async () => {
    const signature = await signDetached(data, pki.signer, { signingTime: SIGNING_TIME });
    const signerFile = join(dir, 'signer-out.pem');
    const verified = await opensslVerify(signature, dataFile, signerFile);
    expect(verified.stderr).toContain('Verification successful');
    expect(verified.code).toBe(0);
    expect(await readFile(signerFile, 'utf8')).toBe(await readFile(pki.files.signer, 'utf8'));
  });

  it('fails once one content byte changes', async () => {
    const signature = await signDetached(data, pki.signer);
    const changed = Buffer.from(data);
    changed[1234] ^= 0x01;
    const verified = await opensslVerify(signature, changed);
    expect(verified.code).not.toBe(0);
    expect(output(verified)).not.toContain('Verification successful');
  });

  it('fails when the chain does not lead to the trusted root', async () => {
    const signature = await signDetached(data, pki.signer);
    const result = await openssl([
      'cms', '-verify', '-binary', '-inform', 'DER', '-in', await file('sig.der', signature), '-content', dataFile,
      '-CAfile', pki.files.tsa, '-purpose', 'any', '-out', join(dir, 'verified.out'),
    ]);
    expect(result.code).not.toBe(0);
  });

  it('verifies small and empty content, and large content', async () => {
    for (const content of [Buffer.alloc(0), Buffer.from('x'), randomBytes(1 << 20)]) {
      const verified = await opensslVerify(await signDetached(content, pki.signer), content);
      expect(output(verified)).toContain('Verification successful');
    }
  });

  it('prints the CAdES signed attributes, without signingTime unless asked', async () => {
    const printed = await opensslPrint(await signDetached(data, pki.signer));
    expect(printed).toContain('contentType: pkcs7-signedData (1.2.840.113549.1.7.2)');
    expect(printed).toContain('eContentType: pkcs7-data (1.2.840.113549.1.7.1)');
    expect(printed).toContain('eContent: <ABSENT>');
    expect(attributeBlock(printed, 'contentType')).toContain('OBJECT:pkcs7-data (1.2.840.113549.1.7.1)');
    expect(hexDump(attributeBlock(printed, 'messageDigest') ?? '')).toBe(sha256(data).toString('hex'));
    expect(attributeBlock(printed, 'id-smime-aa-signingCertificateV2')).toContain('cont [ 4 ]');
    expect(attributeBlock(printed, 'signingTime')).toBeUndefined();
    expect(printed).toContain('unsignedAttrs:\n          <ABSENT>');
  });

  it('prints signingTime as UTCTime through 2049 and as GeneralizedTime from 2050', async () => {
    const now = await opensslPrint(await signDetached(data, pki.signer, { signingTime: SIGNING_TIME }));
    expect(attributeBlock(now, 'signingTime')).toContain('UTCTIME:Mar 14 09:26:53 2026 GMT');
    const later = await signDetached(data, pki.signer, { signingTime: new Date('2051-02-03T04:05:06.789Z') });
    expect(attributeBlock(await opensslPrint(later), 'signingTime')).toContain('GENERALIZEDTIME:Feb  3 04:05:06 2051 GMT');
    expect(output(await opensslVerify(later, dataFile))).toContain('Verification successful');
  });

  it('uses SignerInfo v1 with IssuerAndSerialNumber, sha256 and rsaEncryption', async () => {
    const printed = await opensslPrint(await signDetached(data, pki.signer));
    const signerInfos = printed.slice(printed.indexOf('signerInfos:'));
    expect(signerInfos).toMatch(/version: 1\s+d\.issuerAndSerialNumber:\s+issuer: C=NO, O=Paraph Test PKI, CN=Paraph Test Issuing CA/);
    expect(signerInfos).toMatch(/digestAlgorithm:\s+algorithm: sha256 \(2\.16\.840\.1\.101\.3\.4\.2\.1\)\s+parameter: <ABSENT>/);
    expect(signerInfos).toMatch(/signatureAlgorithm:\s+algorithm: rsaEncryption \(1\.2\.840\.113549\.1\.1\.1\)\s+parameter: NULL/);
  });
});

describe('signDetached, read back with pkijs', () => {
  it('carries the signer certificate then its chain, and names the signer by issuer and serial', async () => {
    const { signedData, signerInfo } = parse(await signDetached(data, pki.signer));
    expect(signedData.version).toBe(1);
    expect(signedData.digestAlgorithms.map((algorithm) => algorithm.algorithmId)).toEqual([OID.sha256]);
    expect(signedData.encapContentInfo.eContentType).toBe(OID.data);
    expect(signedData.encapContentInfo.eContent).toBeUndefined();
    const certificates = (signedData.certificates ?? []).map((certificate) => der(certificate.toSchema()));
    expect(certificates).toEqual([pki.signer.certificate, pki.issuing.certificate, pki.root.certificate]);
    const pkijs = usePkijs();
    const signer = pkijs.Certificate.fromBER(toArrayBuffer(pki.signer.certificate));
    expect(signerInfo.version).toBe(1);
    expect(signerInfo.sid).toBeInstanceOf(pkijs.IssuerAndSerialNumber);
    const sid = signerInfo.sid as Pkijs.IssuerAndSerialNumber;
    expect(sid.issuer.isEqual(signer.issuer)).toBe(true);
    expect(sid.serialNumber.isEqual(signer.serialNumber)).toBe(true);
  });

  it('binds the signer certificate with signing-certificate-v2: SHA-256 by default, the exact issuer DER and serial', async () => {
    const { signerInfo } = parse(await signDetached(data, pki.signer));
    const value = attributeValue(signerInfo, OID.signingCertificateV2) as asn1js.Sequence;
    const [certs] = value.valueBlock.value as [asn1js.Sequence];
    expect(certs.valueBlock.value).toHaveLength(1);
    const [certId] = certs.valueBlock.value as [asn1js.Sequence];
    // hashAlgorithm is absent (SHA-256 is its DEFAULT): the first field is the hash itself.
    const [certHash, issuerSerial] = certId.valueBlock.value as [asn1js.OctetString, asn1js.Sequence];
    expect(certHash).toBeInstanceOf(asn1js.OctetString);
    expect(Buffer.from(certHash.valueBlock.valueHexView)).toEqual(sha256(pki.signer.certificate));
    const [generalNames, serial] = issuerSerial.valueBlock.value as [asn1js.Sequence, asn1js.Integer];
    const [directoryName] = generalNames.valueBlock.value as [asn1js.Constructed];
    expect(directoryName.idBlock.tagClass).toBe(3);
    expect(directoryName.idBlock.tagNumber).toBe(4);
    const signer = usePkijs().Certificate.fromBER(toArrayBuffer(pki.signer.certificate));
    expect(der(directoryName.valueBlock.value[0]!)).toEqual(Buffer.from(signer.issuer.valueBeforeDecode));
    expect(serial.isEqual(signer.serialNumber)).toBe(true);
    // The same DER as the exported attribute (which RFC 3161 tokens carry too).
    const attribute = signerInfo.signedAttrs!.attributes.find((candidate) => candidate.type === OID.signingCertificateV2)!;
    expect(der(attribute.toSchema())).toEqual(signingCertificateV2Attribute(pki.signer.certificate));
  });

  it('signs the DER SET OF its signed attributes, in DER order', async () => {
    const signature = await signDetached(data, pki.signer, { signingTime: SIGNING_TIME });
    const { signerInfo } = parse(signature);
    // The [0] as sent, found with asn1js: ContentInfo → [0] → SignedData → signerInfos → SignerInfo.
    const contentInfo = asn1js.fromBER(toArrayBuffer(signature)).result as asn1js.Sequence;
    const signedData = (contentInfo.valueBlock.value[1] as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence;
    const signerInfos = signedData.valueBlock.value[signedData.valueBlock.value.length - 1] as asn1js.Set;
    const signerInfoSchema = signerInfos.valueBlock.value[0] as asn1js.Sequence;
    const sent = Buffer.from(signerInfoSchema.valueBlock.value[3]!.valueBeforeDecodeView);
    expect(sent[0]).toBe(0xa0);
    const signedBytes = Buffer.concat([Buffer.from([0x31]), sent.subarray(1)]);
    const signatureValue = Buffer.from(signerInfo.signature.valueBlock.valueHexView);
    expect(verify('sha256', signedBytes, new X509Certificate(pki.signer.certificate).publicKey, signatureValue)).toBe(true);
    const elements = signerInfo.signedAttrs!.attributes.map((attribute) => der(attribute.toSchema()));
    expect(elements).toHaveLength(4);
    expect([...elements].sort(Buffer.compare)).toEqual(elements);
    expect(Buffer.concat(elements)).toEqual(sent.subarray(sent.length - Buffer.concat(elements).length));
  });

  it('is deterministic for the same input (RSA PKCS#1 v1.5)', async () => {
    const first = await signDetached(data, pki.signer, { signingTime: SIGNING_TIME });
    const second = await signDetached(data, pki.signer, { signingTime: SIGNING_TIME });
    expect(second).toEqual(first);
  });
});

describe('signDigestDetached', () => {
  it('signs a given SHA-256 digest as signDetached signs the content', async () => {
    const byDigest = await signDigestDetached(sha256(data), pki.signer, { signingTime: SIGNING_TIME });
    expect(byDigest).toEqual(await signDetached(data, pki.signer, { signingTime: SIGNING_TIME }));
    expect(output(await opensslVerify(byDigest, dataFile))).toContain('Verification successful');
  });

  it('refuses a digest that is not SHA-256 sized, and a key that is not RSA', async () => {
    await expect(signDigestDetached(Buffer.alloc(20), pki.signer)).rejects.toThrow('32 bytes');
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await expect(signDetached(data, { ...pki.signer, privateKey: ecKey })).rejects.toThrow('must be RSA');
  });
});

describe('the signature-time-stamp-token', () => {
  it('is asked over the SHA-256 of the signature value, and openssl ts verifies it against that digest', async () => {
    const imprints: Buffer[] = [];
    const signature = await signDetached(data, pki.signer, {
      signingTime: SIGNING_TIME,
      timestamp: (imprint) => {
        imprints.push(imprint);
        return timestamp(imprint);
      },
    });
    const { signerInfo } = parse(signature);
    const signatureValue = Buffer.from(signerInfo.signature.valueBlock.valueHexView);
    expect(imprints).toEqual([sha256(signatureValue)]);

    const printed = await opensslPrint(signature);
    const unsigned = printed.slice(printed.indexOf('unsignedAttrs:'));
    expect(unsigned).toContain('object: id-smime-aa-timeStampToken (1.2.840.113549.1.9.16.2.14)');
    expect(output(await opensslVerify(signature, dataFile))).toContain('Verification successful');

    const attributes = signerInfo.unsignedAttrs?.attributes ?? [];
    expect(attributes.map((attribute) => attribute.type)).toEqual([OID.signatureTimeStampToken]);
    const tokenFile = await file('tok.der', der(attributes[0]!.values[0] as asn1js.AsnType));
    const tsVerify = (digest: Buffer): Promise<ToolResult> =>
      openssl([
        'ts', '-verify', '-token_in', '-in', tokenFile, '-digest', digest.toString('hex'),
        '-CAfile', pki.files.root, '-untrusted', pki.files.chain,
      ]);
    expect(output(await tsVerify(sha256(signatureValue)))).toContain('Verification: OK');
    expect(output(await tsVerify(sha256(data)))).not.toContain('Verification: OK');
  });

  it('leaves the signed part as it is without a token', async () => {
    const plain = parse(await signDetached(data, pki.signer, { signingTime: SIGNING_TIME }));
    const stamped = parse(await signDetached(data, pki.signer, { signingTime: SIGNING_TIME, timestamp }));
    expect(plain.signerInfo.unsignedAttrs).toBeUndefined();
    expect(Buffer.from(stamped.signerInfo.signature.valueBlock.valueHexView)).toEqual(
      Buffer.from(plain.signerInfo.signature.valueBlock.valueHexView),
    );
  });

  it('refuses a token that is not DER', async () => {
    await expect(signDetached(data, pki.signer, { timestamp: () => Promise.resolve(Buffer.from('3080', 'hex')) })).rejects.toThrow(
      'not DER',
    );
    await expect(signDetached(data, pki.signer, { timestamp: () => Promise.resolve(Buffer.from('0400', 'hex')) })).rejects.toThrow(
      'not a ContentInfo',
    );
  });
});
