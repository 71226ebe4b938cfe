import { DOMParser } from '@xmldom/xmldom';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { extractSignatures } from '../../src/signing/pades';
import { sha256 } from '../../src/signing/der';
import { payloadOf } from '../contract/canonical-xml';
import { schemaFile } from '../contract/wsdl-schema';
import { createRequest, packagingTaskXml, sdsDocument } from '../documents/builders';
import { DocumentService } from '../documents/soap-client';
import { ControlApi, download, trustFiles, type TrustFiles } from '../emulator/control-client';
import { envelope, SAMPLE_PDF, SERVICES, soapPost, startParaph, uploadSds, type RunningParaph } from '../helpers/paraph';
import { report, run } from '../helpers/run-program';

const PACKAGING_NS = 'https://id.signicat.com/definitions/wsdl/Packaging-v4';
const KARI = { nationalId: '01017010170', firstName: 'Kari', lastName: 'Nordmann' };
const SVEN = { nationalId: '198507091232', firstName: 'Sven', lastName: 'Svensson' };

let running: RunningParaph;
let work: string;
let trust: TrustFiles;
let nssDir: string;
let contract: Buffer;

async function threePagePdf(title: string): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= 3; i++) doc.addPage().drawText(`${title}, side ${i}`, { x: 50, y: 750, size: 18, font });
  return Buffer.from(await doc.save());
}

beforeAll(async () => {
  running = await startParaph();
  work = mkdtempSync(join(tmpdir(), 'paraph-packaging-'));
  trust = await trustFiles(running.url, work);
  nssDir = join(work, 'nss');
  await run('mkdir', ['-p', nssDir], 5_000);
  await run('certutil', ['-N', '-d', `sql:${nssDir}`, '--empty-password'], 30_000);
  for (const [i, root] of trust.rootFiles.entries()) {
    await run('certutil', ['-A', '-d', `sql:${nssDir}`, '-n', `root-${i}`, '-t', 'CT,C,C', '-i', root], 30_000);
  }
  contract = await threePagePdf('Låneavtale');
}, 120_000);

afterAll(async () => {
  await running.stop();
  rmSync(work, { recursive: true, force: true });
});

/** An order signed by Kari (BankID) and Sven (Swedish BankID); returns its id. */
async function signedOrder(options: { archiveResults?: boolean; document?: Buffer } = {}): Promise<string> {
  const svc = new DocumentService(running.url);
  const sdsId = await uploadSds(running.url, options.document ?? contract);
  const act = options.archiveResults
    ? '<document-action type="sign" send-result-to-archive="true"><document-ref>doc_1</document-ref></document-action>'
    : '<document-action type="sign"><document-ref>doc_1</document-ref></document-action>';
  const requestId = await createRequest(svc, {
    documents: [sdsDocument('doc_1', sdsId, 'Låneavtale')],
    tasks: [
      { id: 'kari', actions: [act], methods: ['nbid-sign'] },
      { id: 'sven', actions: [act], methods: ['sbid-sign'] },
    ],
  });
  const api = new ControlApi(running.url);
  expect((await api.sign(requestId, 'kari', { method: 'nbid-sign', signer: KARI })).status).toBe(200);
  expect((await api.sign(requestId, 'sven', { method: 'sbid-sign', signer: SVEN })).status).toBe(200);
  return requestId;
}

async function createPackage(sdos: string[], options: { account?: { name: string; password: string }; method?: string; policy?: string; archive?: boolean; version?: boolean } = {}): Promise<{ status: number; body: string; id?: string; error?: { code: string; message: string } }> {
  const account = options.account ?? SERVICES.demo;
  const xml =
    `<create-package-request xmlns="${PACKAGING_NS}">` +
    (options.version === false ? '' : '<version>4</version>') +
    `<service>${account.name}</service><password>${account.password}</password>` +
    `<validation-policy>${options.policy ?? 'ltvsdo-validator'}</validation-policy>` +
    `<packaging-method>${options.method ?? 'pades'}</packaging-method>` +
    `<send-result-to-archive>${options.archive ? 'true' : 'false'}</send-result-to-archive>${sdos.join('')}</create-package-request>`;
  const res = await soapPost(running.url, envelope(xml), '/ws/packagingservice-v4');
  const doc = new DOMParser().parseFromString(res.body, 'text/xml');
  const id = doc.getElementsByTagNameNS(PACKAGING_NS, 'id').item(0)?.textContent ?? undefined;
  const code = doc.getElementsByTagNameNS(PACKAGING_NS, 'code').item(0)?.textContent;
  const message = doc.getElementsByTagNameNS(PACKAGING_NS, 'message').item(0)?.textContent ?? '';
  return { status: res.status, body: res.body, ...(id ? { id } : {}), ...(code ? { error: { code, message } } : {}) };
}

const uri = (u: string) => `<sdo><uri-document-id>${u}</uri-document-id></sdo>`;
const orderSdo = (requestId: string, taskId: string) => `${running.url}/doc/demo/order/${requestId}/${taskId}/doc_1/sdo`;

async function schemaValid(xml: string): Promise<void> {
  const file = join(work, `payload-${Date.now()}.xml`);
  writeFileSync(file, payloadOf(xml) ?? '');
  const out = await run('xmllint', ['--noout', '--schema', schemaFile('packagingservice-v4.wsdl'), file], 30_000);
  expect(out.status === 0 ? 'valid' : report('xmllint', out)).toBe('valid');
}

/** pdfsig's report, openssl cms over the seal's ByteRange, openssl ts over both timestamps, qpdf --check. */
async function checkPades(file: string): Promise<void> {
  const pdfsig = await run('pdfsig', ['-nssdir', `sql:${nssDir}`, file], 60_000);
  expect(pdfsig.stdout).toMatch(/Signature Type: ETSI\.CAdES\.detached[\s\S]*Signature Validation: Signature is Valid\./);
  expect(pdfsig.stdout).toContain('Certificate Validation: Certificate is Trusted.');
  const qpdf = await run('qpdf', ['--check', file], 60_000);
  expect(qpdf.status).toBe(0);

  const pdf = readFileSync(file);
  const [seal, docTimestamp] = extractSignatures(pdf);
  expect(seal?.subFilter).toBe('ETSI.CAdES.detached');
  expect(docTimestamp?.subFilter).toBe('ETSI.RFC3161');
  expect(docTimestamp?.coversWholeFile).toBe(true);
  const signed = (s: NonNullable<typeof seal>) =>
    Buffer.concat([pdf.subarray(s.byteRange[0], s.byteRange[0] + s.byteRange[1]), pdf.subarray(s.byteRange[2], s.byteRange[2] + s.byteRange[3])]);
  writeFileSync(join(work, 'seal.p7s'), seal!.contents);
  writeFileSync(join(work, 'seal-signed.bin'), signed(seal!));
  const cms = await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'seal.p7s', '-content', 'seal-signed.bin', '-CAfile', trust.roots, '-certfile', trust.issuing, '-purpose', 'any', '-out', '/dev/null'], 30_000, work);
  expect(cms.stderr).toContain('Verification successful');
  writeFileSync(join(work, 'doc-ts.der'), docTimestamp!.contents);
  const ts = await run('openssl', ['ts', '-verify', '-token_in', '-in', 'doc-ts.der', '-digest', sha256(signed(docTimestamp!)).toString('hex'), '-CAfile', trust.roots, '-untrusted', trust.issuing], 30_000, work);
  expect(ts.stdout + ts.stderr).toContain('Verification: OK');
}

describe('PackagingService v4 create-package', () => {
  it('serves its WSDL, wire-identical to the reference but for the address', async () => {
    const served = await (await fetch(`${running.url}/ws/packagingservice-v4?wsdl`)).text();
    const reference = readFileSync(join(__dirname, '..', '..', 'fixtures', 'reference', 'packagingservice-v4.reference.wsdl'), 'utf8');
    expect(served).toBe(reference.replace('https://preprod.signicat.com/ws/packagingservice-v4', `${running.url}/ws/packagingservice-v4`));
  });

  it("packages two signers' LTV-SDOs (by result-uri) into one PAdES that pdfsig, openssl and qpdf accept", async () => {
    const requestId = await signedOrder();
    const reply = await createPackage([uri(orderSdo(requestId, 'kari')), uri(orderSdo(requestId, 'sven'))]);
    expect(reply.error).toBeUndefined();
    expect(reply.status).toBe(200);
    await schemaValid(reply.body);
    const pdf = await download(`${running.url}/doc/demo/sds/${reply.id}`);
    expect(pdf.type).toBe('application/x-pades');
    const file = join(work, 'package.pdf');
    writeFileSync(file, pdf.body);
    await checkPades(file);
    const attachments = await run('qpdf', ['--list-attachments', file], 30_000);
    expect(attachments.stdout.match(/ltv-sdo\.xml/g)).toHaveLength(2);
    const doc = await PDFDocument.load(pdf.body);
    expect(doc.getPageCount()).toBeGreaterThanOrEqual(4); // three pages of the contract and the signature page

    // One changed byte inside the sealed range: pdfsig and openssl both say no.
    const tampered = Buffer.from(pdf.body);
    const at = extractSignatures(tampered)[0]!.byteRange[1] - 200;
    tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41;
    writeFileSync(join(work, 'tampered.pdf'), tampered);
    const pdfsig = await run('pdfsig', ['-nssdir', `sql:${nssDir}`, join(work, 'tampered.pdf')], 60_000);
    expect(pdfsig.stdout).not.toMatch(/Signature Type: ETSI\.CAdES\.detached\n[\s\S]*?Signature is Valid\.\n[\s\S]*Signature #2/);
    expect(pdfsig.stdout).toMatch(/Digest Mismatch|Signature is Invalid/);
  });

  it('accepts every document-id form, sdo-extended, and no version', async () => {
    const requestId = await signedOrder({ archiveResults: true });
    const results = (await new DocumentService(running.url).ok('getStatus', `<request-id>${requestId}</request-id>`)).getElementsByTagNameNS('https://id.signicat.com/definitions/wsdl/Document-v3', 'result-uri');
    const archiveUris = Array.from(results).map((e) => e.textContent ?? '');
    expect(archiveUris[0]).toContain('/archive/');
    const archiveId = archiveUris[1]!.split('/').pop()!;
    const kariSdo = await download(archiveUris[0]!);
    const sdsId = await uploadSds(running.url, kariSdo.body, 'application/x-ltv-sdo');
    const forms = [
      `<sdo><sds-document-id><id>${sdsId}</id></sds-document-id></sdo>`,
      `<sdo><archive-document-id><id>${archiveId}</id></archive-document-id></sdo>`,
    ];
    const reply = await createPackage(forms, { version: false });
    expect(reply.error).toBeUndefined();
    const byOrder = await createPackage([
      `<sdo><order-document-id><request-id>${requestId}</request-id><task-id>kari</task-id><document-id>doc_1</document-id><type>result</type></order-document-id></sdo>`,
      `<sdo-extended><sdo><order-document-id><request-id>${requestId}</request-id><task-id>sven</task-id><document-id>doc_1</document-id></order-document-id></sdo><supplementary-data><original-document><order-document-id><request-id>${requestId}</request-id><document-id>doc_1</document-id><type>source</type></order-document-id></original-document></supplementary-data></sdo-extended>`,
    ]);
    expect(byOrder.error).toBeUndefined();
    // Without task-id, an order result names every signer of the document.
    const all = await createPackage([`<sdo><order-document-id><request-id>${requestId}</request-id><document-id>doc_1</document-id></order-document-id></sdo>`]);
    expect(all.error).toBeUndefined();
    const pdf = await download(`${running.url}/doc/demo/sds/${all.id}`);
    const file = join(work, 'all.pdf');
    writeFileSync(file, pdf.body);
    expect((await run('qpdf', ['--list-attachments', file], 30_000)).stdout.match(/ltv-sdo\.xml/g)).toHaveLength(2);
  });

  it('packages a PDF without a cross-reference table (repaired, as readers do)', async () => {
    const requestId = await signedOrder({ document: SAMPLE_PDF });
    const reply = await createPackage([uri(orderSdo(requestId, 'kari')), uri(orderSdo(requestId, 'sven'))]);
    expect(reply.error).toBeUndefined();
    const file = join(work, 'repaired.pdf');
    writeFileSync(file, (await download(`${running.url}/doc/demo/sds/${reply.id}`)).body);
    await checkPades(file);
  });

  it('refuses an original that is not a PDF at all in-band', async () => {
    const requestId = await signedOrder({ document: Buffer.from('%PDF-1.4\nthis is not a PDF\n%%EOF\n') });
    const reply = await createPackage([uri(orderSdo(requestId, 'kari'))]);
    expect(reply.error?.code).toBe('ORIGINAL_DOCUMENT_UNREADABLE');
  });

  it('puts the package in the archive with send-result-to-archive', async () => {
    const requestId = await signedOrder();
    const reply = await createPackage([uri(orderSdo(requestId, 'kari'))], { archive: true });
    expect(reply.error).toBeUndefined();
    const archived = await download(`${running.url}/doc/demo/archive/${reply.id}`);
    expect(archived.status).toBe(200);
    expect(archived.type).toBe('application/x-pades');
    expect((await download(`${running.url}/doc/demo/sds/${reply.id}`)).status).toBe(404);
  });

  it('refuses a tampered SDO in-band with SDO_INVALID', async () => {
    const requestId = await signedOrder();
    const sdo = (await download(orderSdo(requestId, 'kari'))).body.toString('utf8');
    const tampered = sdo.replace(`<SignerNationalId>${KARI.nationalId}</SignerNationalId>`, '<SignerNationalId>01017010171</SignerNationalId>');
    expect(tampered).not.toBe(sdo);
    const sdsId = await uploadSds(running.url, Buffer.from(tampered), 'application/x-ltv-sdo');
    const reply = await createPackage([`<sdo><sds-document-id><id>${sdsId}</id></sds-document-id></sdo>`]);
    expect(reply.status).toBe(200);
    expect(reply.id).toBeUndefined();
    expect(reply.error?.code).toBe('SDO_INVALID');
    await schemaValid(reply.body);
  });

  it.each([
    ['wrong credentials', { account: { name: 'demo', password: 'wrong' } }, 'AUTH_FAILED'],
    ['an unknown packaging method', { method: 'cades' }, 'PACKAGING_METHOD_UNSUPPORTED'],
    ['an unknown validation policy', { policy: 'none' }, 'VALIDATION_POLICY_UNSUPPORTED'],
  ])('answers %s in-band', async (_label, options, code) => {
    const requestId = await signedOrder();
    const reply = await createPackage([uri(orderSdo(requestId, 'kari'))], options);
    expect(reply.status).toBe(200);
    expect(reply.error?.code).toBe(code);
  });

  it("never packages another service's results, and refuses SDOs of different documents", async () => {
    const requestId = await signedOrder();
    const foreign = await createPackage([uri(orderSdo(requestId, 'kari').replace('/demo/', '/other/'))], { account: SERVICES.other });
    expect(foreign.error?.code).toBe('SDO_NOT_FOUND');
    const otherOrder = await signedOrder({ document: await threePagePdf('Kausjon') });
    const mixed = await createPackage([uri(orderSdo(requestId, 'kari')), uri(orderSdo(otherOrder, 'kari'))]);
    expect(mixed.error?.code).toBe('SDO_DOCUMENTS_DIFFER');
  });
});

describe('PackagingService bad input', () => {
  it.each([
    ['malformed XML', '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><create-package-request>', 'XML_MALFORMED'],
    ['a DOCTYPE with an external entity', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x>&e;</x></soap:Body></soap:Envelope>', 'XML_DOCTYPE_FORBIDDEN'],
    ['an operation it does not have', envelope('<create-request-request xmlns="https://id.signicat.com/definitions/wsdl/Document-v3"/>'), 'OPERATION_UNKNOWN'],
  ])('answers %s with a SOAP fault and keeps serving', async (_label, body, code) => {
    const res = await soapPost(running.url, body, '/ws/packagingservice-v4');
    expect(res.status).toBe(500);
    expect(res.body).toContain(code);
    expect(res.body).not.toContain('root:');
    const wsdl = await fetch(`${running.url}/ws/packagingservice-v4?wsdl`);
    expect(wsdl.status).toBe(200);
  });

  it('answers an sdo that names nothing in-band with SDO_NOT_FOUND', async () => {
    const reply = await createPackage([uri(`${running.url}/doc/demo/sds/23112026nosuchdocumentxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`), uri('not a uri')]);
    expect(reply.error?.code).toBe('SDO_NOT_FOUND');
    const none = await createPackage([]);
    expect(none.error?.code).toBe('FIELD_REQUIRED');
  });
});

describe('packaging tasks declared in createRequest', () => {
  it('run by themselves once their tasks are signed; getPackagingTaskStatus gives the result-uri', async () => {
    const svc = new DocumentService(running.url);
    const sdsId = await uploadSds(running.url, contract);
    const act = '<document-action type="sign"><document-ref>doc_1</document-ref></document-action>';
    const requestId = await createRequest(svc, {
      documents: [sdsDocument('doc_1', sdsId, 'Låneavtale')],
      tasks: [
        { id: 'kari', actions: [act] },
        { id: 'sven', actions: [act], methods: ['sbid-sign'] },
      ],
      packagingTasks: [packagingTaskXml('pack_1', [{ taskId: 'kari', documentId: 'doc_1' }, { taskId: 'sven', documentId: 'doc_1' }])],
    });
    const status = async () => {
      const payload = await svc.ok('getPackagingTaskStatus', `<request-id>${requestId}</request-id>`);
      const ns = 'https://id.signicat.com/definitions/wsdl/Document-v3';
      return {
        status: payload.getElementsByTagNameNS(ns, 'packaging-task-status').item(0)?.textContent,
        resultUri: payload.getElementsByTagNameNS(ns, 'result-uri').item(0)?.textContent ?? undefined,
      };
    };
    const api = new ControlApi(running.url);
    expect((await api.sign(requestId, 'kari', { method: 'nbid-sign', signer: KARI })).status).toBe(200);
    expect(await status()).toEqual({ status: 'created', resultUri: undefined });
    expect((await api.sign(requestId, 'sven', { method: 'sbid-sign', signer: SVEN })).status).toBe(200);
    const done = await status();
    expect(done.status).toBe('completed');
    expect(done.resultUri).toMatch(new RegExp(`^${running.url}/doc/demo/sds/`));
    const pdf = await download(done.resultUri!);
    expect(pdf.type).toBe('application/x-pades');
    const file = join(work, 'task-package.pdf');
    writeFileSync(file, pdf.body);
    await checkPades(file);
    expect((await run('qpdf', ['--list-attachments', file], 30_000)).stdout.match(/ltv-sdo\.xml/g)).toHaveLength(2);
  });

  it('fail when one of their tasks is rejected', async () => {
    const svc = new DocumentService(running.url);
    const sdsId = await uploadSds(running.url, contract);
    const act = '<document-action type="sign"><document-ref>doc_1</document-ref></document-action>';
    const requestId = await createRequest(svc, {
      documents: [sdsDocument('doc_1', sdsId)],
      tasks: [{ id: 'kari', actions: [act] }, { id: 'ola', actions: [act] }],
      packagingTasks: [packagingTaskXml('pack_1', [{ taskId: 'kari', documentId: 'doc_1' }, { taskId: 'ola', documentId: 'doc_1' }])],
    });
    const api = new ControlApi(running.url);
    expect((await api.sign(requestId, 'kari', { method: 'nbid-sign', signer: KARI })).status).toBe(200);
    expect((await api.post(`/requests/${requestId}/tasks/ola/reject`)).status).toBe(200);
    const payload = await svc.ok('getPackagingTaskStatus', `<request-id>${requestId}</request-id>`);
    expect(payload.getElementsByTagNameNS('https://id.signicat.com/definitions/wsdl/Document-v3', 'packaging-task-status').item(0)?.textContent).toBe('failed');
  });
});
