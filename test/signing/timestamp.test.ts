import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { derToPem, OID, sha256, toArrayBuffer, wholeSeconds } from '../../src/signing/der';
import {
  buildTimestampRequest,
  createTimestampToken,
  readTimestampToken,
  respondToTimestampRequest,
  type TimestampAuthority,
} from '../../src/signing/timestamp';
import { makeTestPki, openssl, type TestPki, type ToolResult } from '../helpers/test-pki';

const POLICY = '1.3.6.1.4.1.99999.1.1';
const TIME = new Date('2026-03-14T09:26:53.589Z');

let dir: string;
let pki: TestPki;
let tsa: TimestampAuthority;
let dataFile: string;
let data: Buffer;
let serialCounter = 1;

/** A fresh serial number for every token, as a TSA must give. */
function nextSerial(): Buffer {
  return Buffer.from((serialCounter++).toString(16).padStart(8, '0'), 'hex');
}

function path(name: string): string {
  return join(dir, name);
}

/** stdout and stderr together: openssl ts prints its verdict on one or the other depending on the outcome. */
function output(result: ToolResult): string {
  return `${result.stdout}\n${result.stderr}`;
}

/** `openssl ts -verify` of a reply against its query, trusting only the test root. */
function verifyReply(reply: string, query: string): Promise<ToolResult> {
  return openssl(['ts', '-verify', '-in', reply, '-queryfile', query, '-CAfile', pki.files.root, '-untrusted', pki.files.chain]);
}

/** `openssl ts -reply -text`: the status and the token's fields as openssl reads them. */
async function replyText(reply: Buffer): Promise<string> {
  const file = path(`reply-${randomBytes(4).toString('hex')}.tsr`);
  await writeFile(file, reply);
  const result = await openssl(['ts', '-reply', '-in', file, '-text']);
  expect(result.code).toBe(0);
  return result.stdout;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paraph-timestamp-'));
  pki = await makeTestPki(dir);
  tsa = { credential: pki.tsa, policyOid: POLICY };
  data = randomBytes(1000);
  dataFile = path('data.bin');
  await writeFile(dataFile, data);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('respondToTimestampRequest', () => {
  it('answers a query made by openssl, and openssl verifies the reply against the query and the data', async () => {
    const query = path('openssl.tsq');
    expect((await openssl(['ts', '-query', '-data', dataFile, '-sha256', '-cert', '-out', query])).code).toBe(0);
    const reply = await respondToTimestampRequest(await readFile(query), tsa, { time: TIME, serial: nextSerial() });
    await writeFile(path('openssl.tsr'), reply);

    const verified = await verifyReply(path('openssl.tsr'), query);
    expect(output(verified)).toContain('Verification: OK');
    const byData = await openssl(['ts', '-verify', '-in', path('openssl.tsr'), '-data', dataFile, '-CAfile', pki.files.root]);
    expect(output(byData)).toContain('Verification: OK');

    const text = await replyText(reply);
    expect(text).toContain('Status: Granted.');
    expect(text).toContain(`Policy OID: ${POLICY}`);
    expect(text).toContain('Time stamp: Mar 14 09:26:53 2026 GMT');
    expect(text).toContain('Accuracy: 0x01 seconds, unspecified millis, unspecified micros');
    expect(text).toContain('TSA: DirName:/C=NO/O=Paraph Test PKI/CN=Paraph Test TSA');
  });

  it('echoes the nonce of the query', async () => {
    const query = path('nonce.tsq');
    await openssl(['ts', '-query', '-data', dataFile, '-sha256', '-cert', '-out', query]);
    const queryText = (await openssl(['ts', '-query', '-in', query, '-text'])).stdout;
    const nonce = /Nonce: (0x[0-9A-F]+)/.exec(queryText)?.[1];
    expect(nonce).toBeDefined();

    const reply = await respondToTimestampRequest(await readFile(query), tsa, { time: TIME, serial: nextSerial() });
    expect(await replyText(reply)).toContain(`Nonce: ${nonce!}`);
  });

  it('answers its own requests, with a nonce whose top bit is set', async () => {
    const nonce = Buffer.from('80a1b2c3d4e5f60718', 'hex');
    const request = buildTimestampRequest(sha256(data), { nonce });
    await writeFile(path('own.tsq'), request);
    const queryText = (await openssl(['ts', '-query', '-in', path('own.tsq'), '-text'])).stdout;
    expect(queryText).toContain('Nonce: 0x80A1B2C3D4E5F60718');
    expect(queryText).toContain('Certificate required: yes');

    await writeFile(path('own.tsr'), await respondToTimestampRequest(request, tsa, { time: TIME, serial: nextSerial() }));
    expect(output(await verifyReply(path('own.tsr'), path('own.tsq')))).toContain('Verification: OK');
  });

  it.each([
    ['-sha1', OID.sha1],
    ['-sha384', '2.16.840.1.101.3.4.2.2'],
    ['-sha512', '2.16.840.1.101.3.4.2.3'],
  ])('accepts %s imprints', async (flag, oid) => {
    const query = path(`imprint${flag}.tsq`);
    await openssl(['ts', '-query', '-data', dataFile, flag, '-cert', '-out', query]);
    const reply = await respondToTimestampRequest(await readFile(query), tsa, { time: TIME, serial: nextSerial() });
    await writeFile(path(`imprint${flag}.tsr`), reply);
    expect(output(await verifyReply(path(`imprint${flag}.tsr`), query))).toContain('Verification: OK');
    expect(readTimestampToken(tokenOf(reply)).hashAlgorithm).toBe(oid);
  });

  it('leaves the certificates out when the query does not ask for them', async () => {
    const request = buildTimestampRequest(sha256(data), { certReq: false });
    const reply = await respondToTimestampRequest(request, tsa, { time: TIME, serial: nextSerial() });
    const token = tokenOf(reply);
    expect(readTimestampToken(token).tsaCertificate).toBeUndefined();

    await writeFile(path('nocert.tsq'), request);
    await writeFile(path('nocert.tsr'), reply);
    // Without the TSA certificate at hand, openssl cannot find the signer.
    expect((await verifyReply(path('nocert.tsr'), path('nocert.tsq'))).code).not.toBe(0);
    await writeFile(path('tsa-and-chain.pem'), derToPem(pki.tsa.certificate) + derToPem(pki.issuing.certificate));
    const verified = await openssl([
      'ts', '-verify', '-in', path('nocert.tsr'), '-queryfile', path('nocert.tsq'),
      '-CAfile', pki.files.root, '-untrusted', path('tsa-and-chain.pem'),
    ]);
    expect(output(verified)).toContain('Verification: OK');
  });

  describe('rejects', () => {
    it('bytes that are not DER with badDataFormat', async () => {
      const text = await replyText(await respondToTimestampRequest(randomBytes(40), tsa, { time: TIME, serial: nextSerial() }));
      expect(text).toContain('Status: Rejected.');
      expect(text).toContain('Failure info: the data submitted has the wrong format');
      expect(text).toContain('TST info:\nNot included.');
    });

    it('DER that is not a TimeStampReq with badDataFormat', async () => {
      const reply = await respondToTimestampRequest(pki.tsa.certificate, tsa, { time: TIME, serial: nextSerial() });
      const text = await replyText(reply);
      expect(text).toContain('Failure info: the data submitted has the wrong format');
      expect(text).toContain('the request is not a TimeStampReq');
    });

    it('a request followed by trailing bytes with badDataFormat', async () => {
      const request = Buffer.concat([buildTimestampRequest(sha256(data)), Buffer.from([0])]);
      const text = await replyText(await respondToTimestampRequest(request, tsa, { time: TIME, serial: nextSerial() }));
      expect(text).toContain('Failure info: the data submitted has the wrong format');
    });

    it('an unknown hash algorithm with badAlg', async () => {
      const md5 = '1.2.840.113549.2.5';
      const request = timestampRequest(md5, createHash('md5').update(data).digest());
      const text = await replyText(await respondToTimestampRequest(request, tsa, { time: TIME, serial: nextSerial() }));
      expect(text).toContain('Status: Rejected.');
      expect(text).toContain('Failure info: unrecognized or unsupported algorithm identifier');
      expect(text).toContain(`unsupported hash algorithm ${md5}`);
    });

    it('an imprint whose length does not fit its algorithm with badRequest', async () => {
      const request = timestampRequest(OID.sha256, randomBytes(20));
      const text = await replyText(await respondToTimestampRequest(request, tsa, { time: TIME, serial: nextSerial() }));
      expect(text).toContain('Failure info: transaction not permitted or supported');
    });

    it('another policy with unacceptedPolicy', async () => {
      const query = path('policy.tsq');
      await openssl(['ts', '-query', '-data', dataFile, '-sha256', '-tspolicy', '1.2.3.4', '-out', query]);
      const reply = await respondToTimestampRequest(await readFile(query), tsa, { time: TIME, serial: nextSerial() });
      const text = await replyText(reply);
      expect(text).toContain('Failure info: the requested TSA policy is not supported by the TSA');
    });
  });
});

describe('createTimestampToken', () => {
  let tokenFile: string;
  let token: Buffer;
  const serial = Buffer.from('00ff0102', 'hex');

  beforeAll(async () => {
    token = await createTimestampToken(sha256(data), tsa, { time: TIME, serial });
    tokenFile = path('token.der');
    await writeFile(tokenFile, token);
  });

  it('makes a token openssl verifies by digest and by data', async () => {
    const byDigest = await openssl([
      'ts', '-verify', '-token_in', '-in', tokenFile, '-digest', sha256(data).toString('hex'), '-CAfile', pki.files.root,
    ]);
    expect(output(byDigest)).toContain('Verification: OK');
    const byData = await openssl(['ts', '-verify', '-token_in', '-in', tokenFile, '-data', dataFile, '-CAfile', pki.files.root]);
    expect(output(byData)).toContain('Verification: OK');
  });

  it('makes a token that no longer verifies when one byte of the data changes', async () => {
    const tampered = Buffer.from(data);
    tampered[500]! ^= 0x01;
    await writeFile(path('tampered.bin'), tampered);
    const result = await openssl([
      'ts', '-verify', '-token_in', '-in', tokenFile, '-data', path('tampered.bin'), '-CAfile', pki.files.root,
    ]);
    expect(result.code).not.toBe(0);
    expect(output(result)).toContain('Verification: FAILED');
    expect(output(result)).toContain('message imprint mismatch');
  });

  it('makes a token whose signature breaks when one byte of the token changes', async () => {
    const tampered = Buffer.from(token);
    const genTime = tampered.indexOf('20260314092653Z', 0, 'latin1');
    expect(genTime).toBeGreaterThan(0);
    tampered[genTime + 13] = '4'.charCodeAt(0); // 09:26:53 becomes 09:26:54
    await writeFile(path('tampered.der'), tampered);
    const result = await openssl([
      'ts', '-verify', '-token_in', '-in', path('tampered.der'), '-data', dataFile, '-CAfile', pki.files.root,
    ]);
    expect(result.code).not.toBe(0);
    expect(output(result)).toContain('Verification: FAILED');
  });

  it('carries the ESS signing-certificate-v2 attribute and the whole chain', async () => {
    const printed = await openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', tokenFile]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('id-smime-ct-TSTInfo');
    expect(printed.stdout).toContain('id-smime-aa-signingCertificateV2');
    expect(printed.stdout.match(/d\.certificate:/g) ?? []).toHaveLength(3);
  });

  it('is read back by readTimestampToken', () => {
    const info = readTimestampToken(token);
    expect(info.genTime).toEqual(wholeSeconds(TIME));
    expect(info.imprint).toEqual(sha256(data));
    expect(info.hashAlgorithm).toBe(OID.sha256);
    expect(info.serial.toString('hex')).toBe('ff0102');
    expect(info.policyOid).toBe(POLICY);
    expect(info.tsaCertificate).toEqual(pki.tsa.certificate);
  });

  it('refuses an imprint that is not a SHA-256 hash', async () => {
    await expect(createTimestampToken(randomBytes(20), tsa, { time: TIME, serial })).rejects.toThrow(/32 bytes/);
  });

  it('refuses bytes that are not a token when reading', () => {
    expect(() => readTimestampToken(pki.tsa.certificate)).toThrow();
  });
});

/** The TimeStampToken of a granted TimeStampResp. */
function tokenOf(reply: Buffer): Buffer {
  const parsed = asn1js.fromBER(toArrayBuffer(reply));
  const token = (parsed.result as asn1js.Sequence).valueBlock.value[1];
  if (!token) throw new Error('the reply holds no token');
  return Buffer.from(token.toBER(false));
}

/** A TimeStampReq with any algorithm and imprint, which buildTimestampRequest would refuse to make. */
function timestampRequest(algorithm: string, imprint: Buffer): Buffer {
  const request = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 1 }),
      new asn1js.Sequence({
        value: [
          new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: algorithm }), new asn1js.Null()] }),
          new asn1js.OctetString({ valueHex: toArrayBuffer(imprint) }),
        ],
      }),
    ],
  });
  return Buffer.from(request.toBER(false));
}
