/**
 * One SDS document can back many orders: each order names the same bytes, counted in the database,
 * and the file goes only when the SDS document and every order made from it are gone. No hard links
 * are made (ext4 allows 65,000 names a file).
 */
import { statSync } from 'node:fs';
import { ManualClock } from '../../src/clock';
import { createRequest as createRequestOp } from '../../src/documents/create-request';
import type { ParaphError } from '../../src/errors';
import type { Request } from '../../src/documents/wire-types';
import { basicAuth, filesHolding, SERVICES, startParaph, uploadSds, type RunningParaph } from '../helpers/paraph';
import { action, createRequest, requestXml, sdsDocument, simpleRequest } from './builders';
import { DocumentService } from './soap-client';

const RETENTION_MS = 2 * 3600 * 1000;

let clock: ManualClock;
let running: RunningParaph;
let demo: DocumentService;
let other: DocumentService;

beforeAll(async () => {
  clock = new ManualClock('2030-03-01T08:00:00.000Z');
  running = await startParaph({ clock, config: { sdsRetentionMs: RETENTION_MS } });
  demo = new DocumentService(running.url, SERVICES.demo);
  other = new DocumentService(running.url, SERVICES.other);
});

afterAll(async () => {
  await running?.stop();
});

let counter = 0;
/** A PDF no other test uploads, so its file can be found by its bytes. */
function uniquePdf(): Buffer {
  counter++;
  return Buffer.from(`%PDF-1.4\n% shared-documents ${counter} ${Date.now()} ${Math.random()}\n%%EOF\n`);
}

async function original(requestId: string): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(`${running.url}/doc/demo/order/${requestId}/task_1/doc_1/original`, {
    headers: { Authorization: basicAuth('demo', 'Bond007') },
  });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

async function deleteSds(id: string): Promise<number> {
  const res = await fetch(`${running.url}/doc/demo/sds/${id}`, {
    method: 'DELETE',
    headers: { Authorization: basicAuth('demo', 'Bond007') },
  });
  return res.status;
}

const deleteRequest = (requestId: string): Promise<Element> =>
  demo.ok('deleteRequest', `<request-id>${requestId}</request-id>`);

describe('an SDS document used by several orders', () => {
  it('is one file with one name, kept until the SDS document and every order are gone', async () => {
    const data = uniquePdf();
    const sdsId = await uploadSds(running.url, data);
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await createRequest(demo, simpleRequest(sdsId)));

    const files = filesHolding(running.dataDir, data);
    expect(files).toHaveLength(1);
    expect(statSync(files[0] as string).nlink).toBe(1);

    expect(await deleteSds(sdsId)).toBe(204);
    for (const requestId of orders) expect((await original(requestId)).body.equals(data)).toBe(true);

    await deleteRequest(orders[0] as string);
    await deleteRequest(orders[1] as string);
    expect(filesHolding(running.dataDir, data)).toEqual(files);
    expect((await original(orders[2] as string)).body.equals(data)).toBe(true);

    await deleteRequest(orders[2] as string);
    expect(filesHolding(running.dataDir, data)).toEqual([]);
  });

  it('goes with the SDS document when the orders were deleted first', async () => {
    const data = uniquePdf();
    const sdsId = await uploadSds(running.url, data);
    const first = await createRequest(demo, simpleRequest(sdsId));
    const second = await createRequest(demo, simpleRequest(sdsId));
    await deleteRequest(first);
    await deleteRequest(second);
    expect(filesHolding(running.dataDir, data)).toHaveLength(1);

    expect(await deleteSds(sdsId)).toBe(204);
    expect(filesHolding(running.dataDir, data)).toEqual([]);
  });

  it('outlives the SDS retention while an order names it, and goes with the order', async () => {
    const data = uniquePdf();
    const sdsId = await uploadSds(running.url, data);
    const requestId = await createRequest(demo, simpleRequest(sdsId));

    clock.advance(RETENTION_MS + 60_000);
    await running.paraph.sweep();
    const res = await fetch(`${running.url}/doc/demo/sds/${sdsId}`, { headers: { Authorization: basicAuth('demo', 'Bond007') } });
    expect(res.status).toBe(404);
    expect((await original(requestId)).body.equals(data)).toBe(true);

    await deleteRequest(requestId);
    expect(filesHolding(running.dataDir, data)).toEqual([]);
  });

  it('counts a document named twice in one request twice', async () => {
    const data = uniquePdf();
    const sdsId = await uploadSds(running.url, data);
    const requestId = await createRequest(demo, {
      documents: [sdsDocument('doc_1', sdsId), sdsDocument('doc_2', sdsId)],
      tasks: [{ id: 'task_1', actions: [action('doc_1'), action('doc_2')] }],
    });
    expect(await deleteSds(sdsId)).toBe(204);
    expect((await original(requestId)).body.equals(data)).toBe(true);
    await deleteRequest(requestId);
    expect(filesHolding(running.dataDir, data)).toEqual([]);
  });
});

describe('an SDS document deleted while a createRequest is being checked', () => {
  it('refuses the request with SDS_DOCUMENT_NOT_FOUND, stores nothing, and removes the file', async () => {
    const data = uniquePdf();
    const sdsId = await uploadSds(running.url, data);
    const request: Request = {
      document: [{ xsiType: 'sds-document', id: 'doc_1', refSdsId: sdsId }],
      task: [{ id: 'task_1', documentAction: [{ type: 'sign', documentRef: 'doc_1' }] }],
    };
    // The request is checked now; its rows go in on a later turn of the event loop. The SDS document's
    // row goes before that.
    const created = createRequestOp(running.paraph.documents, { name: 'demo' }, [request]);
    const deleted = running.paraph.sds.remove('demo', sdsId);
    await expect(created).rejects.toMatchObject({ code: 'SDS_DOCUMENT_NOT_FOUND' } satisfies Partial<ParaphError>);
    await deleted;

    expect(filesHolding(running.dataDir, data)).toEqual([]);
    const rows = running.paraph.db
      .prepare<[string], { n: number }>(`SELECT count(*) AS n FROM documents WHERE json_extract(definition, '$.refSdsId') = ?`)
      .get(sdsId);
    expect(rows?.n).toBe(0);
  });
});

describe('orders committed together, one of them from an SDS document deleted meanwhile', () => {
  it('refuses that one alone: the others are stored once, their shared bytes counted once each', async () => {
    const kept = uniquePdf();
    const keptId = await uploadSds(running.url, kept);
    const goneId = await uploadSds(running.url, uniquePdf());
    const blob = running.paraph.db
      .prepare<[string], { blob: string }>('SELECT blob FROM sds_documents WHERE id = ?')
      .get(keptId)?.blob as string;
    const from = (sdsId: string): Request => ({
      document: [{ xsiType: 'sds-document', id: 'doc_1', refSdsId: sdsId }],
      task: [{ id: 'task_1', documentAction: [{ type: 'sign', documentRef: 'doc_1' }] }],
    });
    // All three are checked now and committed as one batch on a later turn; the failing one sits
    // between the other two, so the batch runs again with the first of them run twice.
    const settled = Promise.allSettled(
      [keptId, goneId, keptId].map((sdsId) => createRequestOp(running.paraph.documents, { name: 'demo' }, [from(sdsId)])),
    );
    await running.paraph.sds.remove('demo', goneId);

    const [first, refused, last] = await settled;
    expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'SDS_DOCUMENT_NOT_FOUND' } });
    const stored = [first, last].map((outcome) => {
      if (outcome?.status !== 'fulfilled') throw new Error(`an order from the kept document failed: ${String(outcome?.status)}`);
      return outcome.value.requestId[0] as string;
    });
    for (const requestId of stored) expect((await original(requestId)).body.equals(kept)).toBe(true);
    // The SDS document and the two orders.
    expect(running.paraph.documents.store.blobNames(blob)).toBe(3);
    await Promise.all(stored.map((requestId) => deleteRequest(requestId)));
    expect(running.paraph.documents.store.blobNames(blob)).toBe(1);
    expect(filesHolding(running.dataDir, kept)).toHaveLength(1);
  });
});

// Orders made one after another from one SDS document find it without asking the database each time
// (DocumentStore.sdsDocumentForOrder); what becomes of the document in between must still count.
describe('an SDS document that earlier orders were made from', () => {
  const storedOrdersFrom = (sdsId: string): number | undefined =>
    running.paraph.db
      .prepare<[string], { n: number }>(`SELECT count(*) AS n FROM documents WHERE json_extract(definition, '$.refSdsId') = ?`)
      .get(sdsId)?.n;

  it('refuses the next order once the SDS document is deleted, and stores nothing of it', async () => {
    const sdsId = await uploadSds(running.url, uniquePdf());
    const first = await createRequest(demo, simpleRequest(sdsId));
    expect(await deleteSds(sdsId)).toBe(204);

    expect(await demo.fault('createRequest', requestXml(simpleRequest(sdsId)))).toBe('SDS_DOCUMENT_NOT_FOUND');
    expect(storedOrdersFrom(sdsId)).toBe(1);
    expect((await original(first)).status).toBe(200);
  });

  it('refuses the next order once the SDS document has expired, before any sweep', async () => {
    const sdsId = await uploadSds(running.url, uniquePdf());
    await createRequest(demo, simpleRequest(sdsId));
    clock.advance(RETENTION_MS + 1);

    expect(await demo.fault('createRequest', requestXml(simpleRequest(sdsId)))).toBe('SDS_DOCUMENT_NOT_FOUND');
    expect(storedOrdersFrom(sdsId)).toBe(1);
  });

  it("is still another service's document: its id is refused there, and the owner's orders go on", async () => {
    const sdsId = await uploadSds(running.url, uniquePdf());
    await createRequest(demo, simpleRequest(sdsId));

    expect(await other.fault('createRequest', requestXml(simpleRequest(sdsId)))).toBe('SDS_DOCUMENT_NOT_FOUND');
    await createRequest(demo, simpleRequest(sdsId));
    expect(storedOrdersFrom(sdsId)).toBe(2);
  });
});
