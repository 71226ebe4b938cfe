import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findEidMethod } from '../../src/eid/methods';
import { derToPem } from '../../src/signing/der';
import { startParaph, type RunningParaph } from '../helpers/paraph';
import { run } from '../helpers/run-program';
import { trustFiles, type TrustFiles } from '../emulator/control-client';

let running: RunningParaph;
let work: string;
let trust: TrustFiles;

beforeAll(async () => {
  running = await startParaph();
  work = mkdtempSync(join(tmpdir(), 'paraph-trust-'));
  trust = await trustFiles(running.url, work);
}, 120_000);

afterAll(async () => {
  await running.stop();
  rmSync(work, { recursive: true, force: true });
});

const openssl = (args: string[]) => run('openssl', args, 30_000, work);

async function personFiles(nationalId: string, firstName: string): Promise<{ cert: string; issuer: string }> {
  const credential = await running.paraph.pki.signerCredential(findEidMethod('nbid-sign'), {
    nationalId,
    firstName,
    lastName: 'Test',
  });
  const cert = join(work, `${nationalId}.pem`);
  const issuer = join(work, `${nationalId}-issuer.pem`);
  writeFileSync(cert, derToPem(credential.certificate));
  writeFileSync(issuer, derToPem(credential.chain[0]!));
  return { cert, issuer };
}

describe('the test PKI over HTTP', () => {
  it('serves every root as PEM, and each family CA as PEM and DER', async () => {
    const pem = readFileSync(trust.roots, 'utf8');
    expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(5);
    const der = await fetch(`${running.url}/pki/nemid/root.cer`);
    expect(der.headers.get('content-type')).toBe('application/pkix-cert');
    const file = join(work, 'nemid-root.cer');
    writeFileSync(file, Buffer.from(await der.arrayBuffer()));
    const out = await openssl(['x509', '-inform', 'DER', '-in', file, '-noout', '-subject']);
    expect(out.stdout).toContain('TEST OCES Root CA');
    expect((await fetch(`${running.url}/pki/unknown/root.pem`)).status).toBe(404);
  });
});

describe('the TSA at POST /tsa', () => {
  it('answers a query made by openssl with a reply that openssl ts -verify accepts', async () => {
    writeFileSync(join(work, 'data.txt'), 'Avtale om lån\n');
    const query = await openssl(['ts', '-query', '-data', 'data.txt', '-sha256', '-cert', '-out', 'q.tsq']);
    expect(query.status).toBe(0);
    const res = await fetch(`${running.url}/tsa`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/timestamp-query' },
      body: readFileSync(join(work, 'q.tsq')),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/timestamp-reply');
    writeFileSync(join(work, 'r.tsr'), Buffer.from(await res.arrayBuffer()));
    const verify = await openssl(['ts', '-verify', '-in', 'r.tsr', '-queryfile', 'q.tsq', '-CAfile', trust.roots, '-untrusted', trust.issuing]);
    expect(verify.stdout + verify.stderr).toContain('Verification: OK');
    writeFileSync(join(work, 'data.txt'), 'Avtale om lån!\n');
    const tampered = await openssl(['ts', '-verify', '-in', 'r.tsr', '-data', 'data.txt', '-CAfile', trust.roots, '-untrusted', trust.issuing]);
    expect(tampered.status).not.toBe(0);
  });

  it('answers garbage with a rejection, not an HTTP error', async () => {
    const res = await fetch(`${running.url}/tsa`, { method: 'POST', body: 'not a query' });
    expect(res.status).toBe(200);
    writeFileSync(join(work, 'bad.tsr'), Buffer.from(await res.arrayBuffer()));
    const out = await openssl(['ts', '-reply', '-in', 'bad.tsr', '-text']);
    expect(out.stdout).toMatch(/Status: Rejected/);
  });
});

describe('the OCSP responder at /ocsp', () => {
  it('says good for a person, revoked once revoked (POST, as openssl asks)', async () => {
    const person = await personFiles('15028510281', 'Ola');
    const ask = () =>
      openssl(['ocsp', '-issuer', person.issuer, '-cert', person.cert, '-url', `${running.url}/ocsp`, '-CAfile', trust.roots, '-verify_other', trust.issuing]);
    const good = await ask();
    expect(good.stdout + good.stderr).toContain('Response verify OK');
    expect(good.stdout).toMatch(/: good/);
    running.paraph.pki.setPersonStatus(findEidMethod('nbid-sign'), '15028510281', 'revoked');
    const revoked = await ask();
    expect(revoked.stdout + revoked.stderr).toContain('Response verify OK');
    expect(revoked.stdout).toMatch(/: revoked/);
    expect(revoked.stdout).toMatch(/Reason: keyCompromise/);
  });

  it('answers GET /ocsp/{base64 request} as RFC 6960 appendix A asks', async () => {
    const person = await personFiles('24129910182', 'Per');
    const made = await openssl(['ocsp', '-issuer', person.issuer, '-cert', person.cert, '-no_nonce', '-reqout', 'req.der']);
    expect(made.status).toBe(0);
    const encoded = encodeURIComponent(readFileSync(join(work, 'req.der')).toString('base64'));
    const res = await fetch(`${running.url}/ocsp/${encoded}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/ocsp-response');
    writeFileSync(join(work, 'resp.der'), Buffer.from(await res.arrayBuffer()));
    const out = await openssl(['ocsp', '-respin', 'resp.der', '-reqin', 'req.der', '-CAfile', trust.roots, '-verify_other', trust.issuing, '-resp_text']);
    expect(out.stdout + out.stderr).toContain('Response verify OK');
    expect(out.stdout).toContain('Cert Status: good');
  });

  it('answers a malformed request with malformedRequest', async () => {
    const res = await fetch(`${running.url}/ocsp`, { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body: 'xyz' });
    expect(res.status).toBe(200);
    writeFileSync(join(work, 'bad.der'), Buffer.from(await res.arrayBuffer()));
    const out = await openssl(['ocsp', '-respin', 'bad.der', '-resp_text', '-noverify']);
    expect(`${out.stdout}${out.stderr}`).toMatch(/malformedrequest/i);
  });
});
