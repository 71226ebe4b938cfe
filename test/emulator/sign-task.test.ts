import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  action,
  createRequest,
  history,
  inlineAction,
  providedDocument,
  sdsDocument,
  simpleRequest,
  statusOf,
  type RequestSpec,
} from '../documents/builders';
import { DocumentService, elements, text } from '../documents/soap-client';
import { removeDocuments } from '../../src/archive/remove-documents';
import { findEidMethod } from '../../src/eid/methods';
import { sha256 } from '../../src/signing/der';
import { readLtvSdo } from '../../src/signing/ltv-sdo';
import { basicAuth, SAMPLE_PDF, SERVICES, startParaph, uploadSds, type RunningParaph } from '../helpers/paraph';
import { ControlApi, download, trustFiles, xmlsecVerify, type JsonReply, type TrustFiles } from './control-client';

/** Valid test identities (check digits computed per each country's rules). */
const KARI = { nationalId: '01017010170', firstName: 'Kari', lastName: 'Nordmann' };
const OLA = { nationalId: '15028510281', firstName: 'Ola', lastName: 'Nordmann' };

/** What a sign call did to each document, as [documentId, action] pairs in the task's order. */
function actionsOf(reply: JsonReply): string[][] {
  return (reply.body.documents as Array<{ documentId: string; action: string }>).map((d) => [d.documentId, d.action]);
}

let running: RunningParaph;
let svc: DocumentService;
let api: ControlApi;
let work: string;
let trust: TrustFiles;

beforeAll(async () => {
  running = await startParaph();
  svc = new DocumentService(running.url);
  api = new ControlApi(running.url);
  work = mkdtempSync(join(tmpdir(), 'paraph-sign-'));
  trust = await trustFiles(running.url, work);
}, 120_000);

afterAll(async () => {
  await running.stop();
  rmSync(work, { recursive: true, force: true });
});

async function orderFor(spec: Partial<RequestSpec> = {}, nationalId = KARI.nationalId): Promise<string> {
  const sdsId = await uploadSds(running.url, SAMPLE_PDF);
  return createRequest(svc, simpleRequest(sdsId, { tasks: [{ id: 'task_1', subject: { nationalId }, actions: [action('doc_1')] }], ...spec }));
}

async function resultUris(requestId: string): Promise<Map<string, string>> {
  const payload = await svc.ok('getStatus', `<request-id>${requestId}</request-id>`);
  const out = new Map<string, string>();
  for (const info of elements('d:task-status-info', payload)) {
    for (const doc of elements('d:document-status', info)) {
      const uri = text('d:result-uri', doc);
      if (uri) out.set(`${text('d:task-id', info)}/${doc.getAttribute('id')}`, uri);
    }
  }
  return out;
}

describe('signing a task through the control API', () => {
  it('completes the task, gives a result-uri in getStatus, and serves an LTV-SDO that xmlsec1 verifies', async () => {
    const requestId = await orderFor();
    const reply = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ requestId, taskId: 'task_1', status: 'completed' });
    const sdoUri = `${running.url}/doc/demo/order/${requestId}/task_1/doc_1/sdo`;
    expect(reply.body.documents).toEqual([{ documentId: 'doc_1', action: 'sign', resultUri: sdoUri }]);

    expect(await statusOf(svc, requestId, 'task_1')).toBe('completed');
    expect((await resultUris(requestId)).get('task_1/doc_1')).toBe(sdoUri);

    const sdo = await download(sdoUri);
    expect(sdo.status).toBe(200);
    expect(sdo.type).toBe('application/x-ltv-sdo');
    const xml = sdo.body.toString('utf8');
    expect(xml).toContain('https://id.signicat.com/definitions/xsd/LtvSdo-1.1');
    expect(xml).toContain(`<SignerNationalId>${KARI.nationalId}</SignerNationalId>`);
    expect(xml).toContain('<SignerNationality>NO</SignerNationality>');
    const file = join(work, 'result.xml');
    writeFileSync(file, sdo.body);
    const verdict = await xmlsecVerify(file, trust);
    expect(verdict.output).toContain("OK");
    expect(verdict.ok).toBe(true);

    // BankID's SEID-SDO carries the document: the result keeps its digest, and the native signature holds it.
    const summary = readLtvSdo(sdo.body);
    expect(summary.document.inclusion).toBe('digest');
    expect(summary.document.digest.equals(sha256(SAMPLE_PDF))).toBe(true);
    expect(findEidMethod('nbid-sign').documentOf!({ ...summary.native, format: 'seid-sdo' }).equals(SAMPLE_PDF)).toBe(true);

    // One changed byte of the native signature and the seal no longer verifies.
    const nativeStart = xml.indexOf('<NativeSdo');
    const at = xml.indexOf('>', nativeStart) + 41;
    const tampered = `${xml.slice(0, at)}${xml[at] === 'A' ? 'B' : 'A'}${xml.slice(at + 1)}`;
    expect(tampered).not.toBe(xml);
    writeFileSync(file, tampered);
    expect((await xmlsecVerify(file, trust)).ok).toBe(false);

    const events = (await history(svc, requestId, 'task_1')).map((e) => [e.event, e.data]);
    expect(events).toEqual(
      expect.arrayContaining([
        ['task-started', undefined],
        ['user-authenticated', 'nbid-sign'],
        ['document-signed', 'doc_1'],
        ['task-completed', 'nbid-sign'],
      ]),
    );
  });

  it('refuses a signer other than the subject, and leaves the task waiting', async () => {
    const requestId = await orderFor();
    const reply = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: OLA });
    expect(reply.status).toBe(403);
    expect(reply.body.code).toBe('SIGNER_NOT_ALLOWED');
    expect(await statusOf(svc, requestId, 'task_1')).toBe('created');
  });

  it('lets anybody sign a task without a subject national-id', async () => {
    const sdsId = await uploadSds(running.url, SAMPLE_PDF);
    const requestId = await createRequest(svc, simpleRequest(sdsId, { tasks: [{ id: 'task_1', actions: [action('doc_1')] }] }));
    expect((await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: OLA })).status).toBe(200);
  });

  it('enforces depends-on-task: the second signer waits for the first', async () => {
    const sdsId = await uploadSds(running.url, SAMPLE_PDF);
    const requestId = await createRequest(svc, {
      documents: [sdsDocument('doc_1', sdsId)],
      tasks: [
        { id: 'first', subject: { nationalId: KARI.nationalId }, actions: [action('doc_1')] },
        { id: 'second', subject: { nationalId: OLA.nationalId }, actions: [action('doc_1')], dependsOn: ['first'] },
      ],
    });
    const early = await api.sign(requestId, 'second', { method: 'nbid-sign', signer: OLA });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('TASK_DEPENDENCIES_PENDING');
    expect((await api.sign(requestId, 'first', { method: 'nbid-sign', signer: KARI })).status).toBe(200);
    expect((await api.sign(requestId, 'second', { method: 'nbid-sign', signer: OLA })).status).toBe(200);
    const uris = await resultUris(requestId);
    expect([...uris.keys()].sort()).toEqual(['first/doc_1', 'second/doc_1']);
  });

  it('skips optional documents unless chosen, and needs no signature for view actions', async () => {
    const sdsId = await uploadSds(running.url, SAMPLE_PDF);
    const terms = Buffer.from('Vilkår for lån\n', 'utf8');
    const requestId = await createRequest(svc, {
      documents: [
        sdsDocument('contract', sdsId),
        providedDocument('terms', 'text/plain', terms),
        providedDocument('extra', 'text/plain', Buffer.from('Tilleggsavtale\n')),
        providedDocument('info', 'text/plain', Buffer.from('Informasjon\n')),
      ],
      tasks: [
        {
          id: 'task_1',
          subject: { nationalId: KARI.nationalId },
          actions: [
            action('contract'),
            '<document-action type="sign" optional="true"><document-ref>terms</document-ref></document-action>',
            '<document-action type="sign" optional="true"><document-ref>extra</document-ref></document-action>',
            action('info', 'view'),
          ],
        },
      ],
    });
    const unknown = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI, optionalDocuments: ['info'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('OPTIONAL_DOCUMENT_UNKNOWN');

    const reply = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI, optionalDocuments: ['terms'] });
    expect(reply.status).toBe(200);
    const actions = actionsOf(reply);
    expect(actions).toEqual([
      ['contract', 'sign'],
      ['terms', 'sign'],
      ['extra', 'skipped'],
      ['info', 'view'],
    ]);
    expect([...(await resultUris(requestId)).keys()].sort()).toEqual(['task_1/contract', 'task_1/terms']);
    const skipped = await download(`${running.url}/doc/demo/order/${requestId}/task_1/extra/sdo`);
    expect(skipped.status).toBe(404);
    const termsSdo = await download(`${running.url}/doc/demo/order/${requestId}/task_1/terms/sdo`);
    expect(readLtvSdo(termsSdo.body).document.digest.equals(sha256(terms))).toBe(true);
    const events = (await history(svc, requestId, 'task_1')).map((e) => [e.event, e.data]);
    expect(events).toEqual(expect.arrayContaining([['document-viewed', 'info'], ['document-sign-cancelled', 'extra']]));
  });

  it('archives originals (send-to-archive) and results (send-result-to-archive), served at /archive/{id}', async () => {
    const requestId = await createRequest(svc, {
      documents: [`<document xsi:type="provided-document" id="doc_1" mime-type="text/plain" send-to-archive="true"><data>${Buffer.from('Arkiver meg\n').toString('base64')}</data><description>Avtale</description></document>`],
      tasks: [
        {
          id: 'task_1',
          subject: { nationalId: KARI.nationalId },
          actions: ['<document-action type="sign" send-result-to-archive="true"><document-ref>doc_1</document-ref></document-action>'],
        },
      ],
    });
    const reply = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI });
    expect(reply.status).toBe(200);
    const [doc] = reply.body.documents as Array<{ resultUri: string; archiveId: string }>;
    expect(doc!.resultUri).toBe(`${running.url}/doc/demo/archive/${doc!.archiveId}`);
    expect((await resultUris(requestId)).get('task_1/doc_1')).toBe(doc!.resultUri);
    const archived = await download(doc!.resultUri);
    expect(archived.status).toBe(200);
    expect(archived.type).toBe('application/x-ltv-sdo');
    // Another service cannot read it.
    const foreign = await fetch(doc!.resultUri.replace('/demo/', '/other/'), {
      headers: { Authorization: basicAuth(SERVICES.other.name, SERVICES.other.password) },
    });
    expect(foreign.status).toBe(404);
    // The original went to the archive too: a later request can sign it as an archive-document.
    const originals = running.paraph.db
      .prepare<[string], { id: string; mime_type: string }>(`SELECT id, mime_type FROM archive_documents WHERE service = ? AND mime_type = 'text/plain'`)
      .all('demo');
    expect(originals.length).toBeGreaterThan(0);
    const original = await download(`${running.url}/doc/demo/archive/${originals[0]!.id}`);
    expect(original.body.toString('utf8')).toBe('Arkiver meg\n');

    // The archived copies and the order name the same bytes: removing one leaves the other whole.
    const db = running.paraph.db;
    const { blob } = db
      .prepare<[string], { blob: string }>(`SELECT blob FROM documents WHERE request_id = ? AND document_id = 'doc_1'`)
      .get(requestId) as { blob: string };
    const copy = db.prepare<[string], { id: string }>(`SELECT id FROM archive_documents WHERE blob = ?`).get(blob) as { id: string };
    expect(running.paraph.documents.store.blobNames(blob)).toBe(2);
    expect(await removeDocuments(running.paraph.documents, { name: 'demo' }, [copy.id])).toEqual({ archiveId: [copy.id] });
    expect(running.paraph.documents.store.blobNames(blob)).toBe(1);
    const orderOriginal = await download(`${running.url}/doc/demo/order/${requestId}/task_1/doc_1/original`);
    expect(orderOriginal.body.toString('utf8')).toBe('Arkiver meg\n');
    await svc.ok('deleteRequest', `<request-id>${requestId}</request-id>`);
    expect(existsSync(running.paraph.documents.blobs.path(blob))).toBe(false);
    // The archived result outlives the deleted order.
    expect((await download(doc!.resultUri)).status).toBe(200);
  });

  describe('upload actions', () => {
    const upload = (id: string): string => `<document xsi:type="upload-document" id="${id}"><description>Vedlegg</description></document>`;

    async function uploadOrder(options: { optional?: boolean; archive?: boolean } = {}): Promise<string> {
      const sdsId = await uploadSds(running.url, SAMPLE_PDF);
      return createRequest(svc, {
        documents: [
          sdsDocument('contract', sdsId),
          `<document xsi:type="upload-document" id="payslip"${options.archive ? ' send-to-archive="true"' : ''}><description>Lønnsslipp</description></document>`,
          upload('extra'),
        ],
        tasks: [
          {
            id: 'task_1',
            subject: { nationalId: KARI.nationalId },
            actions: [
              action('contract'),
              `<document-action type="upload"${options.optional ? ' optional="true"' : ''}><document-ref>payslip</document-ref></document-action>`,
              '<document-action type="upload" optional="true"><document-ref>extra</document-ref></document-action>',
            ],
          },
        ],
      });
    }

    it('stores what the signer uploads: getStatus gives it an original-uri, and the history says document-uploaded', async () => {
      const requestId = await uploadOrder();
      const payslip = Buffer.from('Lønn for november: 42 000 kr\n', 'utf8');
      const sdsId = await uploadSds(running.url, payslip, 'text/plain; charset=utf-8');
      const reply = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI, uploads: [{ documentId: 'payslip', sdsId }] });
      expect(reply.status).toBe(200);
      const actions = actionsOf(reply);
      expect(actions).toEqual([
        ['contract', 'sign'],
        ['payslip', 'upload'],
        ['extra', 'skipped'],
      ]);

      const payload = await svc.ok('getStatus', `<request-id>${requestId}</request-id>`);
      const statuses = elements('d:task-status-info', payload).flatMap((info) => elements('d:document-status', info));
      const uploaded = statuses.find((d) => d.getAttribute('id') === 'payslip');
      const originalUri = text('d:original-uri', uploaded!);
      expect(originalUri).toBe(`${running.url}/doc/demo/order/${requestId}/task_1/payslip/original`);
      expect(text('d:original-uri', statuses.find((d) => d.getAttribute('id') === 'extra')!)).toBeUndefined();
      const original = await download(originalUri!);
      expect(original.status).toBe(200);
      expect(original.type).toBe('text/plain; charset=utf-8');
      expect(original.body.equals(payslip)).toBe(true);

      const events = (await history(svc, requestId, 'task_1')).map((e) => [e.event, e.data]);
      expect(events).toEqual(expect.arrayContaining([['document-uploaded', 'payslip']]));
      // An optional upload left out is not a cancelled signature.
      expect(events).not.toEqual(expect.arrayContaining([['document-sign-cancelled', 'extra']]));
    });

    it('the order keeps the upload when the SDS document is deleted', async () => {
      const requestId = await uploadOrder();
      const sdsId = await uploadSds(running.url, SAMPLE_PDF);
      expect((await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI, uploads: [{ documentId: 'payslip', sdsId }] })).status).toBe(200);
      const deleted = await fetch(`${running.url}/doc/demo/sds/${sdsId}`, { method: 'DELETE', headers: { Authorization: basicAuth('demo', 'Bond007') } });
      expect(deleted.status).toBeLessThan(300);
      const original = await download(`${running.url}/doc/demo/order/${requestId}/task_1/payslip/original`);
      expect(original.status).toBe(200);
      expect(original.body.equals(SAMPLE_PDF)).toBe(true);
    });

    it('archives the upload when the document says send-to-archive', async () => {
      const requestId = await uploadOrder({ archive: true });
      const before = running.paraph.db.prepare(`SELECT count(*) AS n FROM archive_documents WHERE service = 'demo'`).get() as { n: number };
      const sdsId = await uploadSds(running.url, SAMPLE_PDF);
      expect((await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI, uploads: [{ documentId: 'payslip', sdsId }] })).status).toBe(200);
      const after = running.paraph.db.prepare(`SELECT count(*) AS n FROM archive_documents WHERE service = 'demo'`).get() as { n: number };
      expect(after.n).toBe(before.n + 1);
    });

    it('refuses to complete a task whose mandatory upload is missing, and signs nothing', async () => {
      const requestId = await uploadOrder();
      const reply = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI });
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('UPLOAD_REQUIRED');
      expect(await statusOf(svc, requestId, 'task_1')).toBe('created');
      expect((await resultUris(requestId)).size).toBe(0);
    });

    it('an optional upload may be left out', async () => {
      const requestId = await uploadOrder({ optional: true });
      const reply = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI });
      expect(reply.status).toBe(200);
      expect(await statusOf(svc, requestId, 'task_1')).toBe('completed');
    });

    it('refuses uploads for documents that are no upload action, SDS ids of another service, and other types', async () => {
      const requestId = await uploadOrder();
      const own = await uploadSds(running.url, SAMPLE_PDF);
      const wrongDocument = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI, uploads: [{ documentId: 'contract', sdsId: own }] });
      expect([wrongDocument.status, wrongDocument.body.code]).toEqual([400, 'UPLOAD_DOCUMENT_UNKNOWN']);

      const foreign = await uploadSds(running.url, SAMPLE_PDF, 'application/pdf', SERVICES.other);
      const foreignReply = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI, uploads: [{ documentId: 'payslip', sdsId: foreign }] });
      expect([foreignReply.status, foreignReply.body.code]).toEqual([404, 'SDS_DOCUMENT_NOT_FOUND']);

      const image = await uploadSds(running.url, Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'image/png');
      const imageReply = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI, uploads: [{ documentId: 'payslip', sdsId: image }] });
      expect([imageReply.status, imageReply.body.code]).toEqual([400, 'DOCUMENT_TYPE_UNSUPPORTED']);

      const twice = await api.sign(requestId, 'task_1', {
        method: 'nbid-sign',
        signer: KARI,
        uploads: [
          { documentId: 'payslip', sdsId: own },
          { documentId: 'payslip', sdsId: own },
        ],
      });
      expect([twice.status, twice.body.code]).toEqual([400, 'JSON_INVALID']);
      const malformed = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI, uploads: [{ documentId: 'payslip' }] });
      expect([malformed.status, malformed.body.code]).toEqual([400, 'JSON_INVALID']);

      expect(await statusOf(svc, requestId, 'task_1')).toBe('created');
      // The refused calls gave the order nothing.
      const stored = running.paraph.db
        .prepare<[string], { blob: string | null }>(`SELECT blob FROM documents WHERE request_id = ? AND document_id = 'payslip'`)
        .get(requestId);
      expect(stored?.blob).toBeNull();
    });
  });

  it('signs an inline text document', async () => {
    const requestId = await createRequest(svc, {
      tasks: [{ id: 'task_1', actions: [inlineAction(providedDocument('inline', 'text/plain', Buffer.from('Jeg samtykker\n')))] }],
    });
    const reply = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI });
    expect(reply.status).toBe(200);
  });
});

describe('task state changes through the control API', () => {
  it('rejects a task', async () => {
    const requestId = await orderFor();
    const reply = await api.post(`/requests/${requestId}/tasks/task_1/reject`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ requestId, taskId: 'task_1', status: 'rejected' });
    expect(await statusOf(svc, requestId, 'task_1')).toBe('rejected');
    expect((await history(svc, requestId, 'task_1')).map((e) => e.event)).toContain('task-rejected');
    const again = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('TASK_NOT_ACTIVE');
  });

  it('expires a task', async () => {
    const requestId = await orderFor();
    const reply = await api.post(`/requests/${requestId}/tasks/task_1/expire`);
    expect(reply.body).toEqual({ requestId, taskId: 'task_1', status: 'expired' });
    expect(await statusOf(svc, requestId, 'task_1')).toBe('expired');
    expect((await history(svc, requestId, 'task_1')).map((e) => [e.event, e.data])).toContainEqual(['error', 'task-expired']);
  });

  it('refuses to sign a completed task twice', async () => {
    const requestId = await orderFor();
    expect((await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI })).status).toBe(200);
    const second = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('TASK_NOT_ACTIVE');
  });
});

describe('revoked and locked eIDs', () => {
  const PER = { nationalId: '24129910182', firstName: 'Per', lastName: 'Hansen' };

  it('a revoked person cannot sign, and OCSP says revoked', async () => {
    // A first signature makes the person's certificate.
    expect((await api.sign(await orderFor({}, PER.nationalId), 'task_1', { method: 'nbid-sign', signer: PER })).status).toBe(200);
    const revoke = await api.post('/pki/revoke', { method: 'nbid-sign', nationalId: PER.nationalId });
    expect(revoke.body).toEqual({ method: 'nbid-sign', status: 'revoked' });
    const requestId = await orderFor({}, PER.nationalId);
    const refused = await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: PER });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('EID_CERTIFICATE_REVOKED');
    expect(await statusOf(svc, requestId, 'task_1')).toBe('created');
  });

  it('a locked person signs again once unlocked', async () => {
    const ANNE = { nationalId: '31106410006', firstName: 'Anne', lastName: 'Berg' };
    expect((await api.sign(await orderFor({}, ANNE.nationalId), 'task_1', { method: 'nbid-sign', signer: ANNE })).status).toBe(200);
    expect((await api.post('/pki/revoke', { method: 'nbid-sign', nationalId: ANNE.nationalId, reason: 'locked' })).body.status).toBe('locked');
    const requestId = await orderFor({}, ANNE.nationalId);
    expect((await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: ANNE })).body.code).toBe('EID_CERTIFICATE_REVOKED');
    expect((await api.post('/pki/unlock', { method: 'nbid-sign', nationalId: ANNE.nationalId })).status).toBe(200);
    expect((await api.sign(requestId, 'task_1', { method: 'nbid-sign', signer: ANNE })).status).toBe(200);
  });

  it('revoking a person nobody has signed as is a 404', async () => {
    const reply = await api.post('/pki/revoke', { method: 'nemid-sign', nationalId: '0101701234' });
    expect(reply.status).toBe(404);
    expect(reply.body.code).toBe('PKI_PERSON_UNKNOWN');
  });
});

describe('control API input', () => {
  it('answers wrong credentials with 401 and a challenge', async () => {
    const reply = await new ControlApi(running.url, { name: 'demo', password: 'wrong' }).post('/pki/revoke', {});
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(reply.body.code).toBe('AUTH_FAILED');
  });

  it("reports another service's request as not found", async () => {
    const requestId = await orderFor();
    const reply = await new ControlApi(running.url, SERVICES.other).sign(requestId, 'task_1', { method: 'nbid-sign', signer: KARI });
    expect(reply.status).toBe(404);
    expect(reply.body.code).toBe('REQUEST_NOT_FOUND');
  });

  it.each([
    ['malformed JSON', '{"method": ', 'JSON_INVALID'],
    ['no signer', '{"method":"nbid-sign"}', 'JSON_INVALID'],
    ['an unknown method', JSON.stringify({ method: 'carrier-pigeon', signer: KARI }), 'SIGNATURE_METHOD_UNKNOWN'],
    ['a malformed national id', JSON.stringify({ method: 'nbid-sign', signer: { ...KARI, nationalId: '12345' } }), 'NATIONAL_ID_INVALID'],
    ['a method the task does not offer', JSON.stringify({ method: 'nemid-sign', signer: { ...KARI, nationalId: '0101701234' } }), 'SIGNATURE_METHOD_NOT_ALLOWED'],
  ])('answers %s with 400 and a code', async (_label, raw, code) => {
    const requestId = await orderFor();
    const reply = await api.post(`/requests/${requestId}/tasks/task_1/sign`, undefined, raw);
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe(code);
    expect(await statusOf(svc, requestId, 'task_1')).toBe('created');
  });

  it('refuses a body over 64 KiB', async () => {
    const reply = await api.post('/pki/revoke', undefined, JSON.stringify({ pad: 'x'.repeat(70_000) }));
    expect(reply.status).toBe(413);
  });

  it('serves its OpenAPI document', async () => {
    const res = await fetch(`${running.url}/emulator/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/emulator/v1/{service}/requests/{requestId}/tasks/{taskId}/sign',
        '/emulator/v1/{service}/requests/{requestId}/tasks/{taskId}/reject',
        '/emulator/v1/{service}/requests/{requestId}/tasks/{taskId}/expire',
        '/emulator/v1/{service}/pki/revoke',
      ]),
    );
  });
});
