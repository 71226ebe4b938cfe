import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wholeSeconds } from '../../src/signing/der';
import {
  buildOcspRequest,
  certIdOf,
  createOcspResponse,
  readOcspResponse,
  respondToOcspRequest,
  type CertificateStatus,
  type OcspCertId,
  type OcspLookup,
  type OcspResponder,
} from '../../src/signing/ocsp';
import { makeTestPki, openssl, type TestPki, type ToolResult } from '../helpers/test-pki';

const TIME = new Date('2026-03-14T09:26:53.589Z');
const REVOKED_AT = new Date('2026-03-01T12:00:00.250Z');

let dir: string;
let pki: TestPki;
let responder: OcspResponder;
/** What the test CA knows: serial (lowercase hex, no leading zeros) → status. */
let statuses: Map<string, CertificateStatus>;
/** Every CertID the lookup was asked about, for tests that check what the responder passes on. */
let asked: OcspCertId[];

/** The lookup a Paraph CA gives: its own issuer hashes only, in whichever algorithm the client chose. */
const lookup: OcspLookup = (id) => {
  asked.push(id);
  const ours = certIdOf(pki.signer.certificate, pki.issuing.certificate, id.hashAlgorithm);
  if (!id.issuerNameHash.equals(ours.issuerNameHash) || !id.issuerKeyHash.equals(ours.issuerKeyHash)) return undefined;
  return { responder, status: statuses.get(id.serialHex) ?? { status: 'unknown' } };
};

function path(name: string): string {
  return join(dir, name);
}

function output(result: ToolResult): string {
  return `${result.stdout}\n${result.stderr}`;
}

function serialOf(certificate: Buffer): string {
  return certIdOf(certificate, pki.issuing.certificate).serialHex;
}

/** An OCSP request made by openssl about `certificates` (PEM paths) issued by the issuing CA. */
async function opensslRequest(name: string, certificates: string[], extra: string[] = []): Promise<string> {
  const file = path(`${name}.req`);
  const made = await openssl([
    // Options such as -sha256 apply to the -cert options after them.
    'ocsp', ...extra, '-issuer', pki.files.issuing, ...certificates.flatMap((c) => ['-cert', c]), '-reqout', file,
  ]);
  expect(made.code).toBe(0);
  return file;
}

/** Answers a request file, writes the response next to it and returns its path. */
async function answer(requestFile: string): Promise<string> {
  const response = await respondToOcspRequest(await readFile(requestFile), lookup, { time: new Date() });
  const file = requestFile.replace(/\.req$/, '.resp');
  await writeFile(file, response);
  return file;
}

/**
 * openssl checks the response against the request (nonce included) and the responder's chain up to
 * the test root. `-cert` must not be given with `-reqin`: openssl would make a new request with a
 * new nonce.
 */
function verify(responseFile: string, requestFile: string): Promise<ToolResult> {
  return openssl([
    'ocsp', '-respin', responseFile, '-reqin', requestFile, '-CAfile', pki.files.root, '-issuer', pki.files.issuing, '-resp_text',
  ]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paraph-ocsp-'));
  pki = await makeTestPki(dir);
  responder = { credential: pki.ocsp };
});

beforeEach(() => {
  asked = [];
  statuses = new Map<string, CertificateStatus>([
    [serialOf(pki.signer.certificate), { status: 'good' }],
    [serialOf(pki.tsa.certificate), { status: 'revoked', revokedAt: REVOKED_AT, reason: 'keyCompromise' }],
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('respondToOcspRequest', () => {
  it('answers an openssl request without nonce: good, verified by openssl', async () => {
    const request = await opensslRequest('good', [pki.files.signer], ['-no_nonce']);
    const result = await verify(await answer(request), request);
    expect(result.code).toBe(0);
    expect(output(result)).toContain('Response verify OK');
    expect(result.stdout).toContain('Cert Status: good');
    expect(result.stdout).toContain('Responder Id: C = NO, O = Paraph Test PKI, CN = Paraph Test OCSP Responder');
    expect(result.stdout).not.toContain('OCSP Nonce');
    expect(asked).toEqual([certIdOf(pki.signer.certificate, pki.issuing.certificate, 'sha1')]);
  });

  it('echoes the nonce of an openssl request', async () => {
    const request = await opensslRequest('nonce', [pki.files.signer]);
    const result = await verify(await answer(request), request);
    expect(output(result)).toContain('Response verify OK');
    expect(output(result)).not.toMatch(/Nonce Verify error|no nonce in response/);
    expect(result.stdout).toContain('OCSP Nonce:');
  });

  it('accepts SHA-256 CertIDs and echoes them as sent', async () => {
    const request = await opensslRequest('sha256', [pki.files.signer], ['-sha256']);
    const result = await verify(await answer(request), request);
    expect(output(result)).toContain('Response verify OK');
    expect(result.stdout).toContain('Hash Algorithm: sha256');
    expect(result.stdout).toContain('Cert Status: good');
    expect(asked[0]?.hashAlgorithm).toBe('sha256');
    expect(asked[0]).toEqual(certIdOf(pki.signer.certificate, pki.issuing.certificate, 'sha256'));
  });

  it('states a revocation with its time and reason', async () => {
    const request = await opensslRequest('revoked', [pki.files.tsa]);
    const result = await verify(await answer(request), request);
    expect(output(result)).toContain('Response verify OK');
    expect(result.stdout).toContain('Cert Status: revoked');
    expect(result.stdout).toContain('Revocation Time: Mar  1 12:00:00 2026 GMT');
    expect(result.stdout).toContain('Revocation Reason: keyCompromise (0x1)');
  });

  it('says unknown for a serial its CA never issued', async () => {
    statuses.delete(serialOf(pki.signer.certificate));
    const request = await opensslRequest('unknown', [pki.files.signer]);
    const result = await verify(await answer(request), request);
    expect(output(result)).toContain('Response verify OK');
    expect(result.stdout).toContain('Cert Status: unknown');
  });

  it('answers every certificate of a request, in order', async () => {
    const request = await opensslRequest('several', [pki.files.signer, pki.files.tsa, pki.files.ocsp]);
    const result = await verify(await answer(request), request);
    expect(output(result)).toContain('Response verify OK');
    const statusLines = result.stdout.match(/Cert Status: \w+/g);
    expect(statusLines).toEqual(['Cert Status: good', 'Cert Status: revoked', 'Cert Status: unknown']);
  });

  it('accepts its own requests', async () => {
    const file = path('own.req');
    const request = buildOcspRequest(pki.signer.certificate, pki.issuing.certificate, {
      nonce: randomBytes(16),
      hashAlgorithm: 'sha256',
    });
    await writeFile(file, request);
    const requestText = await openssl(['ocsp', '-reqin', file, '-req_text']);
    expect(requestText.stdout).toContain('Hash Algorithm: sha256');
    expect(requestText.stdout).toContain('OCSP Nonce:');
    const result = await verify(await answer(file), file);
    expect(output(result)).toContain('Response verify OK');
    expect(result.stdout).toContain('Cert Status: good');
  });

  it('writes times in whole seconds, with nextUpdate an hour after thisUpdate by default', async () => {
    const request = buildOcspRequest(pki.signer.certificate, pki.issuing.certificate);
    const result = readOcspResponse(await respondToOcspRequest(request, lookup, { time: TIME }));
    expect(result.producedAt).toEqual(wholeSeconds(TIME));
    expect(result.thisUpdate).toEqual(wholeSeconds(TIME));
    expect(result.nextUpdate).toEqual(new Date(wholeSeconds(TIME).getTime() + 3_600_000));
  });

  it('makes a response whose signature breaks when one byte changes', async () => {
    const request = await opensslRequest('tampered', [pki.files.signer]);
    const response = await respondToOcspRequest(await readFile(request), lookup, { time: TIME });
    const producedAt = response.indexOf('20260314092653Z', 0, 'latin1');
    expect(producedAt).toBeGreaterThan(0);
    response[producedAt + 13] = '4'.charCodeAt(0);
    await writeFile(path('tampered.resp'), response);
    const result = await verify(path('tampered.resp'), request);
    expect(result.code).not.toBe(0);
    expect(output(result)).toContain('Response Verify Failure');
  });

  it('accepts an asynchronous lookup', async () => {
    const request = buildOcspRequest(pki.signer.certificate, pki.issuing.certificate);
    const response = await respondToOcspRequest(request, async (id) => lookup(id), { time: TIME });
    expect(readOcspResponse(response).status).toEqual({ status: 'good' });
  });

  describe('refuses', () => {
    async function responseStatus(response: Buffer): Promise<string> {
      await writeFile(path('refused.resp'), response);
      const printed = await openssl(['ocsp', '-respin', path('refused.resp'), '-resp_text', '-noverify']);
      return /Responder Error: (.*)/.exec(printed.stdout)?.[1] ?? printed.stdout + printed.stderr;
    }

    it('bytes that are not DER as malformedRequest', async () => {
      const response = await respondToOcspRequest(randomBytes(50), lookup, { time: TIME });
      expect(await responseStatus(response)).toBe('malformedrequest (1)');
      expect(() => readOcspResponse(response)).toThrow('the OCSP response status is malformedRequest');
    });

    it('DER that is not an OCSPRequest as malformedRequest', async () => {
      const response = await respondToOcspRequest(pki.signer.certificate, lookup, { time: TIME });
      expect(await responseStatus(response)).toBe('malformedrequest (1)');
    });

    it('a certificate of another issuer as unauthorized, for the whole request', async () => {
      const file = path('foreign.req');
      const made = await openssl([
        'ocsp', '-issuer', pki.files.issuing, '-cert', pki.files.signer, '-issuer', pki.files.root, '-cert', pki.files.issuing,
        '-reqout', file,
      ]);
      expect(made.code).toBe(0);
      const response = await respondToOcspRequest(await readFile(file), lookup, { time: TIME });
      expect(await responseStatus(response)).toBe('unauthorized (6)');
      expect(() => readOcspResponse(response)).toThrow('unauthorized');
    });

    it('a CertID hashed with an algorithm other than SHA-1 or SHA-256 as unauthorized', async () => {
      const request = await opensslRequest('sha384', [pki.files.signer], ['-sha384']);
      const response = await respondToOcspRequest(await readFile(request), lookup, { time: TIME });
      expect(await responseStatus(response)).toBe('unauthorized (6)');
      expect(asked).toEqual([]);
    });

    it('certificates of different responders in one request as unauthorized', async () => {
      const other: OcspResponder = { credential: pki.issuing };
      const request = await opensslRequest('mixed', [pki.files.signer, pki.files.tsa]);
      const mixed: OcspLookup = (id) => {
        const found = lookup(id);
        return found && id.serialHex === serialOf(pki.tsa.certificate) ? { ...found, responder: other } : found;
      };
      const response = await respondToOcspRequest(await readFile(request), mixed, { time: TIME });
      expect(await responseStatus(response)).toBe('unauthorized (6)');
    });
  });
});

describe('createOcspResponse', () => {
  it('makes a response openssl verifies and readOcspResponse reads', async () => {
    const response = await createOcspResponse(pki.signer.certificate, pki.issuing.certificate, { status: 'good' }, responder, {
      time: TIME,
      validityMs: 24 * 3_600_000,
    });
    await writeFile(path('created.resp'), response);
    const checked = await openssl([
      'ocsp', '-respin', path('created.resp'), '-CAfile', pki.files.root, '-issuer', pki.files.issuing, '-cert', pki.files.signer,
      '-no_nonce', '-validity_period', String(10 * 365 * 86_400),
    ]);
    expect(output(checked)).toContain('Response verify OK');
    expect(checked.stdout).toContain(`${pki.files.signer}: good`);

    expect(readOcspResponse(response)).toEqual({
      producedAt: wholeSeconds(TIME),
      thisUpdate: wholeSeconds(TIME),
      nextUpdate: new Date(wholeSeconds(TIME).getTime() + 24 * 3_600_000),
      status: { status: 'good' },
      serialHex: serialOf(pki.signer.certificate),
      responderCertificate: pki.ocsp.certificate,
    });
  });

  it.each<CertificateStatus>([
    { status: 'revoked', revokedAt: wholeSeconds(REVOKED_AT), reason: 'keyCompromise' },
    { status: 'revoked', revokedAt: wholeSeconds(REVOKED_AT), reason: 'certificateHold' },
    { status: 'revoked', revokedAt: wholeSeconds(REVOKED_AT), reason: 'unspecified' },
    { status: 'unknown' },
  ])('round-trips %j', async (status) => {
    const response = await createOcspResponse(pki.signer.certificate, pki.issuing.certificate, status, responder, { time: TIME });
    expect(readOcspResponse(response).status).toEqual(status);
  });

  it('refuses an issuer that did not issue the certificate', async () => {
    await expect(
      createOcspResponse(pki.signer.certificate, pki.root.certificate, { status: 'good' }, responder, { time: TIME }),
    ).rejects.toThrow('did not issue');
  });
});

describe('certIdOf', () => {
  it('gives the hashes openssl puts in its requests', async () => {
    const request = await opensslRequest('certid', [pki.files.signer], ['-no_nonce', '-sha256']);
    const text = (await openssl(['ocsp', '-reqin', request, '-req_text'])).stdout;
    const id = certIdOf(pki.signer.certificate, pki.issuing.certificate, 'sha256');
    expect(text).toContain(`Issuer Name Hash: ${id.issuerNameHash.toString('hex').toUpperCase()}`);
    expect(text).toContain(`Issuer Key Hash: ${id.issuerKeyHash.toString('hex').toUpperCase()}`);
    const serial = /Serial Number: ([0-9A-F]+)/.exec(text)?.[1];
    expect(serial?.replace(/^0+/, '').toLowerCase()).toBe(id.serialHex);
  });
});
