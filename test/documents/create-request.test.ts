/**
 * createRequest: what one call stores, which document kinds and references it accepts, and which
 * mistakes it refuses (with which fault code) without storing anything.
 */
import { SAMPLE_PDF, SERVICES, startParaph, uploadSds, type RunningParaph } from '../helpers/paraph';
import {
  action,
  archiveDocument,
  createRequest,
  createRequests,
  findTasks,
  getStatus,
  inlineAction,
  notificationXml,
  packagingResultDocument,
  packagingTaskXml,
  providedDocument,
  requestXml,
  resultDocument,
  sdsDocument,
  simpleRequest,
  taskCount,
  uploadDocument,
  type RequestSpec,
} from './builders';
import { DocumentService, elements, esc, mustText, text, texts } from './soap-client';

let running: RunningParaph;
let demo: DocumentService;
let sdsId: string;

beforeAll(async () => {
  running = await startParaph();
  demo = new DocumentService(running.url, SERVICES.demo);
  sdsId = await uploadSds(running.url, SAMPLE_PDF);
});

afterAll(async () => {
  await running.stop();
});

const ID_SHAPE = /^\d{8}[0-9a-z]{49,50}$/;

describe('createRequest answers one request id per request', () => {
  it('returns three ids, in the order of the three requests sent', async () => {
    const payload = await createRequests(demo, [
      simpleRequest(sdsId, { clientReference: 'first' }),
      simpleRequest(sdsId, { clientReference: 'second' }),
      simpleRequest(sdsId, { clientReference: 'third' }),
    ]);
    const ids = texts('d:request-id', payload);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(ID_SHAPE);
    const references = [];
    for (const id of ids) references.push((await getStatus(demo, id))[0]?.clientReference);
    expect(references).toEqual(['first', 'second', 'third']);
  });

  it('stores every task of a request, each waiting as "created"', async () => {
    const requestId = await createRequest(demo, {
      documents: [sdsDocument('doc_1', sdsId)],
      tasks: [
        { id: 'seller', actions: [action('doc_1')] },
        { id: 'buyer', actions: [action('doc_1')] },
      ],
    });
    const statuses = await getStatus(demo, requestId);
    expect(statuses.map((s) => [s.taskId, s.status])).toEqual([
      ['seller', 'created'],
      ['buyer', 'created'],
    ]);
  });
});

describe('subjects', () => {
  it('accepts a subject inline in the task and one referenced by subject-ref', async () => {
    const requestId = await createRequest(demo, {
      subjects: [{ id: 'subj_ref', firstName: 'Kari', lastName: 'Nordmann', nationalId: '01017012345' }],
      documents: [sdsDocument('doc_1', sdsId)],
      tasks: [
        { id: 'by_ref', subjectRef: 'subj_ref', actions: [action('doc_1')] },
        { id: 'inline', subject: { firstName: 'Ola', lastName: 'Hansen', mobile: '+4799999999' }, actions: [action('doc_1')] },
      ],
    });
    const tasks = await findTasks(demo, {
      criteria: [{ field: 'request-id', value: requestId }],
      sortField: 'task-id',
      ascending: true,
    });
    const byId = new Map(tasks.map((t) => [t.getAttribute('task-id'), t]));
    expect(byId.get('by_ref')?.getAttribute('subject-last-name')).toBe('Nordmann');
    expect(byId.get('by_ref')?.getAttribute('subject-national-id')).toBe('01017012345');
    expect(byId.get('inline')?.getAttribute('subject-last-name')).toBe('Hansen');
    expect(byId.get('inline')?.getAttribute('subject-mobile')).toBe('+4799999999');

    const byRef = await demo.ok('getTask', `<request-id>${requestId}</request-id><task-id>by_ref</task-id>`);
    expect(text('d:task/d:subject-ref', byRef)).toBe('subj_ref');
    const inline = await demo.ok('getTask', `<request-id>${requestId}</request-id><task-id>inline</task-id>`);
    expect(text('d:task/d:subject/d:first-name', inline)).toBe('Ola');
  });
});

describe('all six document types', () => {
  it('accepts an sds-document uploaded through SDS by the same service', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    const status = await demo.ok('getStatus', `<request-id>${requestId}</request-id>`);
    expect(mustText('d:task-status-info/d:document-status/@id', status)).toBe('doc_1');
    expect(mustText('d:task-status-info/d:document-status/d:original-uri', status)).toContain(
      `/doc/demo/order/${requestId}/task_1/doc_1/original`,
    );
  });

  it('accepts a provided-document with text/plain data', async () => {
    const requestId = await createRequest(demo, {
      documents: [providedDocument('terms', 'text/plain', Buffer.from('Vilkår for signering: Æ Ø Å\n', 'utf8'))],
      tasks: [{ id: 'task_1', actions: [action('terms')] }],
    });
    const [task] = await findTasks(demo, { criteria: [{ field: 'request-id', value: requestId }] });
    expect(task?.getAttribute('mime-type')).toBe('text/plain');
    expect(task?.getAttribute('document-description')).toBe('Vilkår');
  });

  it('accepts a provided-document with application/pdf data', async () => {
    const requestId = await createRequest(demo, {
      documents: [providedDocument('contract', 'application/pdf', SAMPLE_PDF, 'Avtale')],
      tasks: [{ id: 'task_1', actions: [action('contract')] }],
    });
    const [task] = await findTasks(demo, { criteria: [{ field: 'request-id', value: requestId }] });
    expect(task?.getAttribute('mime-type')).toBe('application/pdf');
  });

  it('refuses an archive-document with ARCHIVE_DOCUMENT_NOT_FOUND while the archive is empty', async () => {
    const code = await demo.fault(
      'createRequest',
      requestXml({
        documents: [archiveDocument('archived', '200320193lrce4j85hpgdns4ivbuts5dy7pgarm1e0iozjq4qh2tey77jv')],
        tasks: [{ id: 'task_1', actions: [action('archived')] }],
      }),
    );
    expect(code).toBe('ARCHIVE_DOCUMENT_NOT_FOUND');
  });

  it("accepts a result-document that views another task's signed document", async () => {
    const requestId = await createRequest(demo, {
      documents: [sdsDocument('doc_1', sdsId), resultDocument('signed_by_seller', 'seller', 'doc_1')],
      tasks: [
        { id: 'seller', actions: [action('doc_1')] },
        { id: 'buyer', dependsOn: ['seller'], actions: [action('signed_by_seller', 'view')] },
      ],
    });
    const request = await demo.ok('getRequest', `<request-id>${requestId}</request-id>`);
    const result = elements('d:request/d:document[@id="signed_by_seller"]', request)[0];
    expect(result?.getAttribute('ref-task-id')).toBe('seller');
    expect(result?.getAttribute('ref-document-id')).toBe('doc_1');
  });

  it('refuses a result-document naming a document the task does not have', async () => {
    const code = await demo.fault(
      'createRequest',
      requestXml({
        documents: [sdsDocument('doc_1', sdsId), resultDocument('bad', 'seller', 'no_such_doc')],
        tasks: [
          { id: 'seller', actions: [action('doc_1')] },
          { id: 'buyer', actions: [action('bad', 'view')] },
        ],
      }),
    );
    expect(code).toBe('RESULT_DOCUMENT_REF_UNKNOWN');
  });

  it('accepts a packaging-result-document referring to a packaging task of the request', async () => {
    const requestId = await createRequest(demo, {
      documents: [sdsDocument('doc_1', sdsId), packagingResultDocument('pades', 'pack_1')],
      tasks: [
        { id: 'signer', actions: [action('doc_1')] },
        { id: 'viewer', dependsOn: ['signer'], actions: [action('pades', 'view')] },
      ],
      packagingTasks: [packagingTaskXml('pack_1', [{ taskId: 'signer', documentId: 'doc_1' }])],
    });
    const status = await demo.ok('getPackagingTaskStatus', `<request-id>${requestId}</request-id>`);
    expect(mustText('d:packaging-task-status-info/d:packaging-task-id', status)).toBe('pack_1');
  });

  it('refuses a packaging-result-document whose packaging task is not in the request', async () => {
    const code = await demo.fault(
      'createRequest',
      requestXml({
        documents: [sdsDocument('doc_1', sdsId), packagingResultDocument('pades', 'no_such_pack')],
        tasks: [{ id: 'viewer', actions: [action('doc_1'), action('pades', 'view')] }],
      }),
    );
    expect(code).toBe('PACKAGING_TASK_REF_UNKNOWN');
  });

  it('accepts an upload-document with an upload action', async () => {
    const requestId = await createRequest(demo, {
      documents: [uploadDocument('payslip')],
      tasks: [{ id: 'applicant', actions: [action('payslip', 'upload')] }],
    });
    const request = await demo.ok('getRequest', `<request-id>${requestId}</request-id>`);
    expect(text('d:request/d:document[@id="payslip"]/d:description', request)).toBe('Lønnsslipp');
    expect(text('d:request/d:task/d:document-action/@type', request)).toBe('upload');
  });

  it('accepts a document given inline in the document-action', async () => {
    const requestId = await createRequest(demo, {
      tasks: [
        {
          id: 'task_1',
          actions: [inlineAction(providedDocument('inline_doc', 'text/plain', Buffer.from('Jeg godtar.'), 'Samtykke'))],
        },
      ],
    });
    const [task] = await findTasks(demo, { criteria: [{ field: 'request-id', value: requestId }] });
    expect(task?.getAttribute('document-id')).toBe('inline_doc');
    expect(task?.getAttribute('document-description')).toBe('Samtykke');
  });
});

describe('createRequest refuses broken references, each with its own fault code', () => {
  const cases: Array<[string, () => Promise<RequestSpec>, string]> = [
    [
      'an SDS id that was never uploaded',
      async () => simpleRequest('01012026' + 'x'.repeat(50)),
      'SDS_DOCUMENT_NOT_FOUND',
    ],
    [
      "another service's SDS id",
      async () => simpleRequest(await uploadSds(running.url, SAMPLE_PDF, 'application/pdf', SERVICES.other)),
      'SDS_DOCUMENT_NOT_FOUND',
    ],
    [
      'a document-ref that is not a document of the request',
      async () => ({ documents: [sdsDocument('doc_1', sdsId)], tasks: [{ id: 't', actions: [action('doc_2')] }] }),
      'DOCUMENT_REF_UNKNOWN',
    ],
    [
      'a subject-ref that is not a subject of the request',
      async () => ({
        subjects: [{ id: 'subj_1', nationalId: '01017012345' }],
        documents: [sdsDocument('doc_1', sdsId)],
        tasks: [{ id: 't', subjectRef: 'subj_2', actions: [action('doc_1')] }],
      }),
      'SUBJECT_REF_UNKNOWN',
    ],
    [
      'depends-on-task naming a task that is not in the request',
      async () => ({
        documents: [sdsDocument('doc_1', sdsId)],
        tasks: [{ id: 't1', dependsOn: ['t0'], actions: [action('doc_1')] }],
      }),
      'DEPENDENCY_UNKNOWN',
    ],
    [
      'tasks that depend on each other in a cycle',
      async () => ({
        documents: [sdsDocument('doc_1', sdsId)],
        tasks: [
          { id: 't1', dependsOn: ['t3'], actions: [action('doc_1')] },
          { id: 't2', dependsOn: ['t1'], actions: [action('doc_1')] },
          { id: 't3', dependsOn: ['t2'], actions: [action('doc_1')] },
        ],
      }),
      'DEPENDENCY_CYCLE',
    ],
    [
      'two tasks with the same id',
      async () => ({
        documents: [sdsDocument('doc_1', sdsId)],
        tasks: [
          { id: 'task_1', actions: [action('doc_1')] },
          { id: 'task_1', actions: [action('doc_1')] },
        ],
      }),
      'TASK_ID_DUPLICATE',
    ],
    [
      'a provided-document of type image/png',
      async () => ({
        documents: [providedDocument('img', 'image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
        tasks: [{ id: 't', actions: [action('img')] }],
      }),
      'DOCUMENT_TYPE_UNSUPPORTED',
    ],
    [
      'a provided-document that says application/pdf but is not a PDF',
      async () => ({
        documents: [providedDocument('fake', 'application/pdf', Buffer.from('This is plain text, not a PDF.'))],
        tasks: [{ id: 't', actions: [action('fake')] }],
      }),
      'DOCUMENT_DATA_INVALID',
    ],
    [
      'two notifications of a task with the same notification-id',
      async () => ({
        documents: [sdsDocument('doc_1', sdsId)],
        tasks: [{ id: 't', actions: [action('doc_1')], notifications: [notificationXml('n1'), notificationXml('n1', 'SMS', '+4799999999')] }],
      }),
      'NOTIFICATION_ID_DUPLICATE',
    ],
  ];

  it.each(cases)('refuses %s', async (_name, build, expected) => {
    const code = await demo.fault('createRequest', requestXml(await build()));
    expect(code).toBe(expected);
  });

  it('stores nothing when one request of the call is refused, even the valid ones before it', async () => {
    const before = await taskCount(demo);
    const code = await demo.fault(
      'createRequest',
      requestXml(simpleRequest(sdsId, { clientReference: 'valid-but-rolled-back' })) +
        requestXml(simpleRequest(sdsId)) +
        requestXml({ documents: [sdsDocument('doc_1', sdsId)], tasks: [{ id: 't', actions: [action('missing')] }] }),
    );
    expect(code).toBe('DOCUMENT_REF_UNKNOWN');
    expect(await taskCount(demo)).toBe(before);
    expect(await taskCount(demo, { criteria: [{ field: 'client-reference', value: 'valid-but-rolled-back' }] })).toBe(0);
  });

  it('stores nothing for any of the refused calls above', async () => {
    const before = await taskCount(demo);
    for (const [, build] of cases) await demo.fault('createRequest', requestXml(await build()));
    expect(await taskCount(demo)).toBe(before);
  });
});

describe('the single-sign-on artifact', () => {
  it('is not returned when no task asks for one', async () => {
    const payload = await createRequests(demo, [simpleRequest(sdsId)]);
    expect(elements('d:artifact', payload)).toHaveLength(0);
  });

  it('is not returned when a task authenticates with artifact="false"', async () => {
    const payload = await createRequests(demo, [
      {
        documents: [sdsDocument('doc_1', sdsId)],
        tasks: [{ id: 't', actions: [action('doc_1')], authentication: { methods: ['nbid'], artifact: false } }],
      },
    ]);
    expect(elements('d:artifact', payload)).toHaveLength(0);
  });

  it('is returned when a task has authentication artifact="true"', async () => {
    const payload = await createRequests(demo, [
      {
        documents: [sdsDocument('doc_1', sdsId)],
        tasks: [{ id: 't', actions: [action('doc_1')], authentication: { methods: ['nbid'], artifact: true } }],
      },
    ]);
    expect(mustText('d:artifact', payload)).not.toBe('');
  });

  it('is returned for <authentication artifact="true"/> without a method, as the Java sample sends it', async () => {
    const xml =
      `<request>${sdsDocument('doc_1', sdsId)}<task id="t">${action('doc_1')}` +
      `<authentication artifact="true"/><signature><method>nbid-sign</method></signature></task></request>`;
    const payload = await demo.ok('createRequest', xml);
    expect(texts('d:request-id', payload)).toHaveLength(1);
    expect(mustText('d:artifact', payload)).not.toBe('');
  });
});

describe('createRequest as clients really send it', () => {
  it('accepts the JAX-WS form: prefixed elements and xsi:type="ns2:sds-document"', async () => {
    const ns = 'https://id.signicat.com/definitions/wsdl/Document-v3';
    const xml =
      `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>` +
      `<ns2:create-request-request xmlns:ns2="${ns}"><ns2:service>demo</ns2:service><ns2:password>Bond007</ns2:password>` +
      `<ns2:request><ns2:document xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ns2:sds-document" id="doc_1" ref-sds-id="${esc(sdsId)}">` +
      `<ns2:description>Terms</ns2:description></ns2:document><ns2:task id="task_1"><ns2:document-action type="sign">` +
      `<ns2:document-ref>doc_1</ns2:document-ref></ns2:document-action></ns2:task>` +
      `<ns2:client-reference>jaxws</ns2:client-reference></ns2:request></ns2:create-request-request></S:Body></S:Envelope>`;
    const res = await fetch(`${running.url}/ws/documentservice-v3`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=UTF-8', SOAPAction: '""' },
      body: xml,
    });
    expect(res.status).toBe(200);
    const count = await taskCount(demo, { criteria: [{ field: 'client-reference', value: 'jaxws' }] });
    expect(count).toBe(1);
  });
});
