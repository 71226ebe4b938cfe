/**
 * One service never sees or changes another's data: every DocumentService operation called by
 * `other` with `demo`'s request id fails exactly as for an id that was never issued, and leaves demo's
 * request as it was. And calls with wrong credentials fail with AUTH_FAILED.
 */
import { SAMPLE_PDF, SERVICES, startParaph, uploadSds, type RunningParaph } from '../helpers/paraph';
import {
  action,
  createRequest,
  findTasks,
  getStatus,
  history,
  notificationXml,
  packagingTaskXml,
  requestXml,
  sdsDocument,
  simpleRequest,
  taskCount,
  taskXml,
} from './builders';
import { DocumentService, SOAP_ENV_NS, texts, type Operation } from './soap-client';

let running: RunningParaph;
let demo: DocumentService;
let other: DocumentService;
let demoRequest: string;
let otherRequest: string;
const NEVER_ISSUED = '01012026' + 'q'.repeat(50);

beforeAll(async () => {
  running = await startParaph();
  demo = new DocumentService(running.url, SERVICES.demo);
  other = new DocumentService(running.url, SERVICES.other);
  const demoSds = await uploadSds(running.url, SAMPLE_PDF);
  demoRequest = await createRequest(demo, {
    documents: [sdsDocument('doc_1', demoSds)],
    tasks: [
      {
        id: 'task_1',
        subject: { firstName: 'Kari', lastName: 'Nordmann' },
        actions: [action('doc_1')],
        notifications: [notificationXml('cb_1')],
        authentication: { methods: ['nbid'], artifact: true },
      },
    ],
    clientReference: 'shared-ref',
    notifications: [notificationXml('req_cb')],
    packagingTasks: [packagingTaskXml('pack_1', [{ taskId: 'task_1', documentId: 'doc_1' }])],
  });
  const otherSds = await uploadSds(running.url, SAMPLE_PDF, 'application/pdf', SERVICES.other);
  otherRequest = await createRequest(other, {
    ...simpleRequest(otherSds),
    tasks: [{ id: 'task_1', subject: { firstName: 'Kari', lastName: 'Nordmann' }, actions: [action('doc_1')] }],
    clientReference: 'shared-ref',
  });
});

afterAll(async () => {
  await running.stop();
});

/** Every operation that names a request, as `other` would call it with the given request id. */
function callsNaming(requestId: string): Array<[string, Operation, string]> {
  const r = `<request-id>${requestId}</request-id>`;
  const rt = `${r}<task-id>task_1</task-id>`;
  return [
    ['getRequest', 'getRequest', r],
    ['getStatus', 'getStatus', r],
    ['getTask', 'getTask', rt],
    ['getRequestHistory', 'getRequestHistory', rt],
    ['getPackagingTaskStatus', 'getPackagingTaskStatus', r],
    ['createArtifact', 'createArtifact', rt],
    ['addTask', 'addTask', r + taskXml({ id: 'intruder', actions: [action('doc_1')] })],
    ['disableTask', 'disableTask', rt],
    ['setClientStatus', 'setClientStatus', `${rt}<client-status>hijacked</client-status>`],
    ['addNotification on the request', 'addNotification', r + notificationXml('intruder_cb')],
    ['addNotification on a task', 'addNotification', rt + notificationXml('intruder_cb')],
    ['disableNotification on the request', 'disableNotification', `${r}<notification-id>req_cb</notification-id>`],
    ['disableNotification on a task', 'disableNotification', `${rt}<notification-id>cb_1</notification-id>`],
  ];
}

describe("another service's request id", () => {
  it.each(callsNaming('').map(([label], i) => [label, i] as const))(
    '%s by other answers REQUEST_NOT_FOUND, exactly as for an id never issued',
    async (_label, i) => {
      const [, op, foreign] = callsNaming(demoRequest)[i] as [string, Operation, string];
      const [, , unknown] = callsNaming(NEVER_ISSUED)[i] as [string, Operation, string];
      const reply = await other.call(op, foreign);
      expect(reply.kind).toBe('fault');
      if (reply.kind !== 'fault') return;
      expect(reply.status).toBe(500);
      expect(reply.code).toBe('REQUEST_NOT_FOUND');
      expect(reply.body).not.toContain('Nordmann');
      expect(await other.fault(op, unknown)).toBe(reply.code);
    },
  );

  it('getStatus with one own and one foreign id fails instead of answering part of it', async () => {
    const reply = await other.call(
      'getStatus',
      `<request-id>${otherRequest}</request-id><request-id>${demoRequest}</request-id>`,
    );
    expect(reply.kind).toBe('fault');
    if (reply.kind === 'fault') expect(reply.code).toBe('REQUEST_NOT_FOUND');
    expect(reply.body).not.toContain('task-status-info');
    expect(reply.body).not.toContain(otherRequest);
  });

  it('deleteRequest by other deletes nothing and answers exactly as for an id never issued', async () => {
    const foreign = await other.call('deleteRequest', `<request-id>${demoRequest}</request-id>`);
    const unknown = await other.call('deleteRequest', `<request-id>${NEVER_ISSUED}</request-id>`);
    expect(foreign.kind).toBe(unknown.kind);
    if (foreign.kind === 'ok' && unknown.kind === 'ok') {
      expect(texts('d:deleted', foreign.payload as Element)).toEqual(['0']);
      expect(texts('d:deleted', unknown.payload as Element)).toEqual(['0']);
    }
    if (foreign.kind === 'fault' && unknown.kind === 'fault') expect(foreign.code).toBe(unknown.code);
    expect((await getStatus(demo, demoRequest)).map((s) => s.status)).toEqual(['created']);
  });

  it('createUserSession by other with a task of demo fails as for a request never issued', async () => {
    const session = (requestId: string): string =>
      `<user-session><session-task request-id="${requestId}" task-id="task_1" order="1"/></user-session>`;
    const foreign = await other.fault('createUserSession', session(demoRequest));
    expect(foreign).toBe(await other.fault('createUserSession', session(NEVER_ISSUED)));
    expect(['REQUEST_NOT_FOUND', 'USER_SESSION_TASK_UNKNOWN']).toContain(foreign);
  });

  it("leaves demo's request exactly as it was after all of the above", async () => {
    for (const [, op, inner] of callsNaming(demoRequest)) await other.call(op, inner);
    const statuses = await getStatus(demo, demoRequest);
    expect(statuses).toEqual([
      { requestId: demoRequest, taskId: 'task_1', status: 'created', clientReference: 'shared-ref' },
    ]);
    const request = await demo.ok('getRequest', `<request-id>${demoRequest}</request-id>`);
    expect(texts('d:request/d:task/@id', request)).toEqual(['task_1']);
    expect(texts('d:request/d:notification/@notification-id', request)).toEqual(['req_cb']);
    expect(texts('d:request/d:task/d:notification/@notification-id', request)).toEqual(['cb_1']);
    expect((await history(demo, demoRequest, 'task_1')).map((e) => e.event)).toEqual(['request-created']);
  });

  it("refuses another service's SDS document in createRequest", async () => {
    const otherSds = await uploadSds(running.url, SAMPLE_PDF, 'application/pdf', SERVICES.other);
    expect(await demo.fault('createRequest', requestXml(simpleRequest(otherSds)))).toBe('SDS_DOCUMENT_NOT_FOUND');
  });
});

describe('findTasks and getTaskCount', () => {
  it("never list the other service's tasks, even when every field matches", async () => {
    const mine = await findTasks(other);
    expect(mine.map((t) => t.getAttribute('request-id'))).toEqual([otherRequest]);
    const theirs = await findTasks(demo);
    expect(theirs.map((t) => t.getAttribute('request-id'))).not.toContain(otherRequest);

    const sameName = { criteria: [{ field: 'subject-last-name', value: 'Nordmann' }] };
    expect((await findTasks(other, sameName)).map((t) => t.getAttribute('request-id'))).toEqual([otherRequest]);
    expect(await taskCount(other, sameName)).toBe(1);
    expect(await taskCount(other, { criteria: [{ field: 'client-reference', value: 'shared-ref' }] })).toBe(1);
  });

  it("find nothing when other filters on demo's request id or task id", async () => {
    const filter = { criteria: [{ field: 'request-id', value: demoRequest }] };
    expect(await findTasks(other, filter)).toEqual([]);
    expect(await taskCount(other, filter)).toBe(0);
    expect(await taskCount(demo, filter)).toBe(1);

    const [demoTask] = await findTasks(demo, filter);
    const byId = { criteria: [{ field: 'id', value: demoTask?.getAttribute('id') ?? '' }] };
    expect(await findTasks(other, byId)).toEqual([]);
    expect(await taskCount(other, byId)).toBe(0);
  });
});

describe('credentials', () => {
  const wrong: Array<[string, { name: string; password: string }]> = [
    ['a wrong password', { name: 'demo', password: 'Bond008' }],
    ['the password of another service', { name: 'demo', password: SERVICES.other.password }],
    ['an unknown service', { name: 'nobody', password: 'Bond007' }],
    ['an empty password', { name: 'demo', password: '' }],
  ];

  it.each(wrong)('%s: fault AUTH_FAILED, faultcode soap:Client, HTTP 500', async (_name, account) => {
    const reply = await demo.as(account).call('getStatus', `<request-id>${demoRequest}</request-id>`);
    expect(reply.kind).toBe('fault');
    if (reply.kind !== 'fault') return;
    expect(reply.status).toBe(500);
    expect(reply.code).toBe('AUTH_FAILED');
    expect(reply.faultcode.split(':')[1]).toBe('Client');
    expect(reply.faultcodeNamespace).toBe(SOAP_ENV_NS);
    expect(reply.body).not.toContain('Nordmann');
  });

  it('a createRequest with a wrong password stores nothing', async () => {
    const before = await taskCount(demo);
    const sdsId = await uploadSds(running.url, SAMPLE_PDF);
    const code = await demo.as({ name: 'demo', password: 'wrong' }).fault('createRequest', requestXml(simpleRequest(sdsId)));
    expect(code).toBe('AUTH_FAILED');
    expect(await taskCount(demo)).toBe(before);
  });

  it('every operation checks the password', async () => {
    const intruder = demo.as({ name: 'demo', password: 'wrong' });
    const ops: Operation[] = [
      'createRequest', 'getRequest', 'deleteRequest', 'createArtifact', 'addNotification', 'disableNotification',
      'getTask', 'findTasks', 'getTaskCount', 'addTask', 'disableTask', 'getStatus', 'setClientStatus',
      'getRequestHistory', 'createUserSession', 'getPackagingTaskStatus',
    ];
    const r = `<request-id>${demoRequest}</request-id>`;
    const inner: Partial<Record<Operation, string>> = {
      findTasks: '<filter/>',
      getTaskCount: '<filter/>',
      createUserSession: `<user-session><session-task request-id="${demoRequest}" task-id="task_1" order="1"/></user-session>`,
    };
    for (const op of ops) {
      expect([op, await intruder.fault(op, inner[op] ?? `${r}<task-id>task_1</task-id>`)]).toEqual([op, 'AUTH_FAILED']);
    }
    expect((await getStatus(demo, demoRequest)).map((s) => s.status)).toEqual(['created']);
  });
});
