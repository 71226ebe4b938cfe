import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOcspResponse, ocspErrorResponse } from '../../src/signing/ocsp';
import { OcspVerificationError, verifyOcspResponse } from '../../src/signing/verify-ocsp';
import { makeTestPki, type TestPki } from '../helpers/test-pki';

let dir: string;
let pki: TestPki;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paraph-verify-ocsp-'));
  pki = await makeTestPki(dir);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const time = new Date(Math.floor(Date.now() / 1000) * 1000);

describe('checking an OCSP response kept as revocation data', () => {
  it('accepts a response from the delegated responder and reads its status', async () => {
    const der = await createOcspResponse(pki.signer.certificate, pki.issuing.certificate, { status: 'good' }, { credential: pki.ocsp }, { time });
    const result = verifyOcspResponse(der, pki.signer.certificate, pki.issuing.certificate);
    expect(result.status).toEqual({ status: 'good' });
    expect(result.producedAt).toEqual(time);
    expect(result.nextUpdate!.getTime()).toBeGreaterThan(time.getTime());
  });

  it('reads a revocation with its time and reason', async () => {
    const revokedAt = new Date(time.getTime() - 3_600_000);
    const der = await createOcspResponse(
      pki.signer.certificate,
      pki.issuing.certificate,
      { status: 'revoked', revokedAt, reason: 'certificateHold' },
      { credential: pki.ocsp },
      { time },
    );
    expect(verifyOcspResponse(der, pki.signer.certificate, pki.issuing.certificate).status).toEqual({
      status: 'revoked',
      revokedAt,
      reason: 'certificateHold',
    });
  });

  it('refuses a changed byte, another certificate, another issuer, and a refusal', async () => {
    const der = await createOcspResponse(pki.signer.certificate, pki.issuing.certificate, { status: 'good' }, { credential: pki.ocsp }, { time });
    // The producedAt time sits inside the signed data: change one of its digits.
    const text = der.toString('latin1');
    const at = text.indexOf(`${time.getUTCFullYear()}`);
    const tampered = Buffer.from(der);
    tampered[at + 3] = tampered[at + 3] === 0x30 ? 0x31 : 0x30;
    expect(() => verifyOcspResponse(tampered, pki.signer.certificate, pki.issuing.certificate)).toThrow(OcspVerificationError);
    expect(() => verifyOcspResponse(der, pki.tsa.certificate, pki.issuing.certificate)).toThrow(/another certificate/);
    expect(() => verifyOcspResponse(der, pki.signer.certificate, pki.root.certificate)).toThrow(/not issued by/);
    expect(() => verifyOcspResponse(ocspErrorResponse('unauthorized'), pki.signer.certificate, pki.issuing.certificate)).toThrow(
      /unauthorized/,
    );
  });

  it('refuses a response signed by a certificate without OCSPSigning', async () => {
    const der = await createOcspResponse(pki.signer.certificate, pki.issuing.certificate, { status: 'good' }, { credential: pki.tsa }, { time });
    expect(() => verifyOcspResponse(der, pki.signer.certificate, pki.issuing.certificate)).toThrow(/OCSPSigning/);
  });
});
