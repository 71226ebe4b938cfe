import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPkcs12 } from '../../src/pki/load-pkcs12';
import { readLtvSdo } from '../../src/signing/ltv-sdo';
import { createRequest, simpleRequest } from '../documents/builders';
import { DocumentService } from '../documents/soap-client';
import { ControlApi, download } from '../emulator/control-client';
import { SAMPLE_PDF, startParaph, uploadSds, type RunningParaph } from '../helpers/paraph';
import { run, report } from '../helpers/run-program';
import { makeTestPki, openssl, type TestPki } from '../helpers/test-pki';

/**
 * A real seal instead of the test seals: a PKCS#12 file (made here by openssl, as a trust service
 * provider would deliver one) configured with PARAPH_SEAL_P12. Results are sealed by its certificate.
 */
let dir: string;
let pki: TestPki;
let running: RunningParaph;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paraph-p12-'));
  pki = await makeTestPki(dir);
  const made = await openssl(
    ['pkcs12', '-export', '-inkey', pki.keyFiles.signer, '-in', pki.files.signer, '-certfile', pki.files.chain, '-passout', 'pass:Seal-2026', '-out', 'seal.p12'],
    dir,
  );
  expect(made.code).toBe(0);
  running = await startParaph({ config: { sealP12: { file: join(dir, 'seal.p12'), password: 'Seal-2026' } } });
}, 120_000);

afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a configured PKCS#12 seal', () => {
  it('seals signed results, and xmlsec1 verifies them against its own CA', async () => {
    const svc = new DocumentService(running.url);
    const requestId = await createRequest(svc, simpleRequest(await uploadSds(running.url, SAMPLE_PDF), {
      tasks: [{ id: 'task_1', actions: ['<document-action type="sign"><document-ref>doc_1</document-ref></document-action>'] }],
    }));
    const signed = await new ControlApi(running.url).sign(requestId, 'task_1', {
      method: 'nbid-sign',
      signer: { nationalId: '01017010170', firstName: 'Kari', lastName: 'Nordmann' },
    });
    expect(signed.status).toBe(200);
    const sdo = await download(`${running.url}/doc/demo/order/${requestId}/task_1/doc_1/sdo`);
    expect(readLtvSdo(sdo.body).sealCertificate.equals(pki.signer.certificate)).toBe(true);
    writeFileSync(join(dir, 'result.xml'), sdo.body);
    const verdict = await run('xmlsec1', ['--verify', '--trusted-pem', pki.files.root, '--untrusted-pem', pki.files.issuing, join(dir, 'result.xml')], 30_000);
    expect(verdict.status === 0 ? 'OK' : report('xmlsec1', verdict)).toBe('OK');
  });

  it('refuses to start with a wrong password, saying why', async () => {
    await expect(startParaph({ config: { sealP12: { file: join(dir, 'seal.p12'), password: 'wrong' } } })).rejects.toThrow(/PKCS#12/);
  });

  it('reads the key holder as the seal and orders the chain above it', () => {
    const seal = loadPkcs12(join(dir, 'seal.p12'), 'Seal-2026');
    expect(seal.certificate.equals(pki.signer.certificate)).toBe(true);
    expect(seal.chain.map((c) => c.toString('base64'))).toEqual([pki.issuing.certificate, pki.root.certificate].map((c) => c.toString('base64')));
  });
});
