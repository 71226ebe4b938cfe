import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { createRequest } from '../documents/builders';
import { DocumentService } from '../documents/soap-client';
import { payloadOf } from '../contract/canonical-xml';
import { schemaFile } from '../contract/wsdl-schema';
import { ControlApi, download } from '../emulator/control-client';
import { basicAuth, envelope, SERVICES, soapPost, startParaph, type RunningParaph } from '../helpers/paraph';
import { run, report } from '../helpers/run-program';

const ARCHIVE_NS = 'https://id.signicat.com/definitions/wsdl/Archive-v3';
const KARI = { nationalId: '01017010170', firstName: 'Kari', lastName: 'Nordmann' };

let running: RunningParaph;
let work: string;

beforeAll(async () => {
  running = await startParaph();
  work = mkdtempSync(join(tmpdir(), 'paraph-archive-'));
}, 60_000);

afterAll(async () => {
  await running.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Archives a text original and its signed result by signing an order; returns both archive ids. */
async function archiveTwo(text = 'Arkivert avtale\n'): Promise<{ original: string; result: string }> {
  const svc = new DocumentService(running.url);
  const requestId = await createRequest(svc, {
    documents: [
      `<document xsi:type="provided-document" id="doc_1" mime-type="text/plain" send-to-archive="true"><data>${Buffer.from(text).toString('base64')}</data><description>Avtale</description></document>`,
    ],
    tasks: [{ id: 'task_1', actions: ['<document-action type="sign" send-result-to-archive="true"><document-ref>doc_1</document-ref></document-action>'] }],
  });
  const signed = await new ControlApi(running.url).sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI });
  const result = (signed.body.documents as Array<{ archiveId: string }>)[0]!.archiveId;
  const original = running.paraph.db
    .prepare<[string], { id: string }>(`SELECT id FROM archive_documents WHERE service = 'demo' AND mime_type = 'text/plain' AND id <> ? ORDER BY created_at DESC, id DESC LIMIT 1`)
    .get(result)!.id;
  return { original, result };
}

function archiveCall(
  op: 'get-document' | 'remove-document',
  inner: string,
  account: { name: string; password: string } = SERVICES.demo,
  ns = ARCHIVE_NS,
): Promise<{ status: number; body: string }> {
  const xml = `<${op}-request xmlns="${ns}"><version>3.0</version><service>${account.name}</service><password>${account.password}</password>${inner}</${op}-request>`;
  return soapPost(running.url, envelope(xml), '/ws/archiveservice-v3');
}

const parse = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml');
const textOf = (xml: string, local: string): string[] =>
  Array.from(parse(xml).getElementsByTagNameNS(ARCHIVE_NS, local)).map((e) => e.textContent ?? '');

async function schemaValid(xml: string): Promise<void> {
  const payload = payloadOf(xml);
  if (!payload) throw new Error(`no payload in ${xml}`);
  const file = join(work, `payload-${Date.now()}.xml`);
  writeFileSync(file, payload);
  const out = await run('xmllint', ['--noout', '--schema', schemaFile('archiveservice-v3.wsdl'), file], 30_000);
  expect(out.status === 0 ? 'valid' : report('xmllint', out)).toBe('valid');
}

describe('ArchiveService v3', () => {
  it('serves its WSDL with the public address', async () => {
    const res = await fetch(`${running.url}/ws/archiveservice-v3?wsdl`);
    const wsdl = await res.text();
    expect(wsdl).toContain(`<soap:address location="${running.url}/ws/archiveservice-v3" />`);
    expect(wsdl).toContain('targetNamespace="https://id.signicat.com/definitions/wsdl/Archive-v3"');
  });

  it('getDocument returns the archived document with its type, as /doc/{service}/archive/{id} serves it', async () => {
    const ids = await archiveTwo();
    const reply = await archiveCall('get-document', `<archive-id>${ids.original}</archive-id>`);
    expect(reply.status).toBe(200);
    await schemaValid(reply.body);
    const data = parse(reply.body).getElementsByTagNameNS(ARCHIVE_NS, 'document-data')[0]!;
    expect(data.getAttribute('archive-id')).toBe(ids.original);
    expect(textOf(reply.body, 'mime-type')).toEqual(['text/plain']);
    expect(Buffer.from(textOf(reply.body, 'data')[0]!, 'base64').toString('utf8')).toBe('Arkivert avtale\n');

    const result = await archiveCall('get-document', `<archive-id>${ids.result}</archive-id>`);
    expect(textOf(result.body, 'mime-type')).toEqual(['application/x-ltv-sdo']);
    const http = await download(`${running.url}/doc/demo/archive/${ids.result}`);
    expect(Buffer.from(textOf(result.body, 'data')[0]!, 'base64').equals(http.body)).toBe(true);
  });

  it('is lenient about the namespace of the request (dispatch by local name)', async () => {
    const ids = await archiveTwo();
    const reply = await archiveCall('get-document', `<archive-id>${ids.original}</archive-id>`, SERVICES.demo, 'urn:some-other-namespace');
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('document-data');
  });

  it("never serves another service's archive", async () => {
    const ids = await archiveTwo();
    const reply = await archiveCall('get-document', `<archive-id>${ids.original}</archive-id>`, SERVICES.other);
    expect(reply.status).toBe(500);
    expect(reply.body).toContain('ARCHIVE_DOCUMENT_NOT_FOUND');
    const removed = await archiveCall('remove-document', `<archive-id>${ids.original}</archive-id>`, SERVICES.other);
    expect(textOf(removed.body, 'archive-id')).toEqual([]);
    const http = await fetch(`${running.url}/doc/other/archive/${ids.original}`, {
      headers: { Authorization: basicAuth(SERVICES.other.name, SERVICES.other.password) },
    });
    expect(http.status).toBe(404);
  });

  it('answers wrong credentials with an AUTH_FAILED fault', async () => {
    const reply = await archiveCall('get-document', '<archive-id>x</archive-id>', { name: 'demo', password: 'wrong' });
    expect(reply.status).toBe(500);
    expect(reply.body).toContain('AUTH_FAILED');
  });

  it('removeDocument lists what it removed, accepts unknown ids, and can be repeated', async () => {
    const ids = await archiveTwo();
    const first = await archiveCall('remove-document', `<archive-id>${ids.original}</archive-id><archive-id>23112026unknownxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</archive-id><archive-id>${ids.result}</archive-id>`);
    expect(first.status).toBe(200);
    await schemaValid(first.body);
    expect(textOf(first.body, 'archive-id')).toEqual([ids.original, ids.result]);
    const again = await archiveCall('remove-document', `<archive-id>${ids.original}</archive-id>`);
    expect(again.status).toBe(200);
    expect(textOf(again.body, 'archive-id')).toEqual([]);
    expect((await download(`${running.url}/doc/demo/archive/${ids.original}`)).status).toBe(404);
    const gone = await archiveCall('get-document', `<archive-id>${ids.result}</archive-id>`);
    expect(gone.body).toContain('ARCHIVE_DOCUMENT_NOT_FOUND');
  });
});
