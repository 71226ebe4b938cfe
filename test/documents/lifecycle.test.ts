/**
 * What happens to a request after createRequest: reading it back (getRequest, getTask), changing it
 * (addTask, disableTask, setClientStatus, addNotification, disableNotification, deleteRequest), its
 * history, user sessions and packaging tasks. The server runs on a ManualClock so event times are known.
 */
import { ManualClock } from '../../src/clock';
import { SAMPLE_PDF, SERVICES, startParaph, uploadSds, type RunningParaph } from '../helpers/paraph';
import {
  action,
  createRequest,
  createRequests,
  findTasks,
  getStatus,
  history,
  notificationXml,
  packagingTaskXml,
  providedDocument,
  sdsDocument,
  simpleRequest,
  statusOf,
  taskXml,
  type RequestSpec,
} from './builders';
import { DOC_NS, DocumentService, element, elements, mustText, text, texts, xsiTypeOf } from './soap-client';

const START = new Date('2026-11-23T09:00:00.000Z');
const MINUTE = 60_000;

let clock: ManualClock;
let running: RunningParaph;
let demo: DocumentService;
let sdsId: string;

beforeAll(async () => {
  clock = new ManualClock(START);
  running = await startParaph({ clock });
  demo = new DocumentService(running.url, SERVICES.demo);
  sdsId = await uploadSds(running.url, SAMPLE_PDF);
});

afterAll(async () => {
  await running.stop();
});

const ids = (requestId: string, taskId?: string): string =>
  `<request-id>${requestId}</request-id>` + (taskId === undefined ? '' : `<task-id>${taskId}</task-id>`);

function twoTaskRequest(overrides: Partial<RequestSpec> = {}): RequestSpec {
  return {
    documents: [sdsDocument('doc_1', sdsId)],
    tasks: [
      { id: 'seller', subject: { lastName: 'Selger' }, actions: [action('doc_1')] },
      { id: 'buyer', subject: { lastName: 'Kjøper' }, actions: [action('doc_1')] },
    ],
    ...overrides,
  };
}

describe('getRequest returns what was stored', () => {
  const TEXT = Buffer.from('Vilkår for bruk – Æ Ø Å æ ø å\n', 'utf8');
  let requestId: string;
  let payload: Element;

  beforeAll(async () => {
    requestId = await createRequest(demo, {
      profile: 'demo',
      language: 'nb',
      subjects: [{ id: 'subj_1', firstName: 'Kari', lastName: 'Nordmann', nationalId: '01017012345' }],
      documents: [
        sdsDocument('contract', sdsId, 'Kjøpekontrakt'),
        providedDocument('terms', 'text/plain', TEXT, 'Vilkår'),
        providedDocument('annex', 'application/pdf', SAMPLE_PDF, 'Vedlegg'),
      ],
      tasks: [
        {
          id: 'task_1',
          subjectRef: 'subj_1',
          daysToLive: 14,
          actions: [action('contract'), action('terms', 'view'), action('annex')],
          notifications: [notificationXml('cb_1')],
        },
      ],
      clientReference: 'cliref1',
    });
    payload = await demo.ok('getRequest', ids(requestId));
  });

  it('returns the request fields sent: profile, language, subjects, client-reference', () => {
    const request = element('d:request', payload);
    expect(request).toBeDefined();
    if (!request) return;
    expect(text('d:profile', request)).toBe('demo');
    expect(text('d:language', request)).toBe('nb');
    expect(text('d:client-reference', request)).toBe('cliref1');
    expect(text('d:subject[@id="subj_1"]/d:last-name', request)).toBe('Nordmann');
  });

  it('returns every document with xsi:type naming its own subtype in the service namespace', () => {
    const docs = elements('d:request/d:document', payload);
    expect(docs.map((d) => d.getAttribute('id'))).toEqual(['contract', 'terms', 'annex']);
    expect(docs.map((d) => xsiTypeOf(d))).toEqual([
      { namespace: DOC_NS, local: 'sds-document' },
      { namespace: DOC_NS, local: 'provided-document' },
      { namespace: DOC_NS, local: 'provided-document' },
    ]);
    expect(docs[0]?.getAttribute('ref-sds-id')).toBe(sdsId);
    expect(text('d:description', docs[0] as Element)).toBe('Kjøpekontrakt');
    expect(docs[1]?.getAttribute('mime-type')).toBe('text/plain');
  });

  it('returns provided documents with their data as base64, byte for byte', () => {
    const terms = mustText('d:request/d:document[@id="terms"]/d:data', payload);
    const annex = mustText('d:request/d:document[@id="annex"]/d:data', payload);
    expect(Buffer.from(terms, 'base64').equals(TEXT)).toBe(true);
    expect(Buffer.from(annex, 'base64').equals(SAMPLE_PDF)).toBe(true);
  });

  it('returns the tasks with their subject-ref, days-to-live, actions and notifications', () => {
    const task = element('d:request/d:task[@id="task_1"]', payload);
    expect(task).toBeDefined();
    if (!task) return;
    expect(text('d:subject-ref', task)).toBe('subj_1');
    expect(text('d:days-to-live', task)).toBe('14');
    expect(texts('d:document-action/d:document-ref', task)).toEqual(['contract', 'terms', 'annex']);
    expect(texts('d:document-action/@type', task)).toEqual(['sign', 'view', 'sign']);
    expect(texts('d:notification/@notification-id', task)).toEqual(['cb_1']);
    expect(text('d:notification/d:recipient', task)).toBe('https://example.no/cb');
  });

  it('writes the children of request, task and documents in schema order, so XmlSerializer keeps them', async () => {
    const rich = await createRequest(demo, {
      profile: 'default',
      language: 'nb',
      subjects: [{ id: 's1', lastName: 'Nordmann' }],
      documents: [sdsDocument('d1', sdsId), providedDocument('d2', 'text/plain', TEXT)],
      tasks: [
        {
          id: 't1',
          subjectRef: 's1',
          daysToLive: 5,
          actions: [action('d1'), action('d2', 'view')],
          notifications: [notificationXml('n1')],
          authentication: { methods: ['nbid'], artifact: false },
          language: 'en',
        },
        { id: 't2', dependsOn: ['t1'], actions: [action('d1')] },
      ],
      clientReference: 'order-check',
      senderUniqueId: 'sender-1',
      notifications: [notificationXml('rn1')],
      account: 'acct-1',
      packagingTasks: [packagingTaskXml('p1', [{ taskId: 't1', documentId: 'd1' }])],
    });
    const reply = await demo.ok('getRequest', ids(rich));
    const names = (el: Element | undefined): string[] => (el ? elements('*', el).map((c) => c.localName) : []);
    const inOrder = (actual: string[], order: string[]): void => {
      const positions = actual.map((n) => order.indexOf(n));
      expect(positions).not.toContain(-1);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    };
    const request = element('d:request', reply);
    inOrder(names(request), [
      'profile', 'language', 'subject', 'document', 'task', 'client-reference', 'sender', 'notification',
      'days-until-deletion', 'sdo-format', 'account', 'packaging-task',
    ]);
    expect(names(request)).toEqual(expect.arrayContaining(['sender', 'account', 'packaging-task', 'notification']));
    inOrder(names(element('d:request/d:task[@id="t1"]', reply)), [
      'subject-ref', 'subject', 'days-to-live', 'dialog', 'document-action', 'notification', 'authentication',
      'on-task-postpone', 'on-task-complete', 'on-task-cancel', 'depends-on-task', 'profile', 'language',
      'configuration', 'signature', 'authentication-based-signature',
    ]);
    inOrder(names(element('d:request/d:document[@id="d2"]', reply)), [
      'external-reference', 'form', 'sign-text-entry', 'data', 'description',
    ]);
    expect(text('d:request/d:packaging-task/@packaging-task-id', reply)).toBe('p1');
    expect(text('d:request/d:sender/d:unique-id', reply)).toBe('sender-1');
  });

  it('answers REQUEST_NOT_FOUND for an id that was never issued', async () => {
    expect(await demo.fault('getRequest', ids('01012026' + '0'.repeat(50)))).toBe('REQUEST_NOT_FOUND');
  });
});

describe('getTask', () => {
  it('returns the one task asked for, with an inline document and its data', async () => {
    const data = Buffer.from('Samtykke til behandling av personopplysninger.', 'utf8');
    const requestId = await createRequest(demo, {
      documents: [sdsDocument('doc_1', sdsId)],
      tasks: [
        { id: 'first', actions: [action('doc_1')] },
        {
          id: 'second',
          actions: [`<document-action type="sign">${providedDocument('consent', 'text/plain', data, 'Samtykke')}</document-action>`],
        },
      ],
    });
    const payload = await demo.ok('getTask', ids(requestId, 'second'));
    const task = element('d:task', payload);
    expect(task?.getAttribute('id')).toBe('second');
    const doc = element('d:task/d:document-action/d:document', payload);
    expect(doc && xsiTypeOf(doc)).toEqual({ namespace: DOC_NS, local: 'provided-document' });
    expect(doc?.getAttribute('id')).toBe('consent');
    expect(Buffer.from(mustText('d:data', doc as Element), 'base64').equals(data)).toBe(true);
  });

  it('answers TASK_NOT_FOUND for a task id the request does not have', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    expect(await demo.fault('getTask', ids(requestId, 'no_such_task'))).toBe('TASK_NOT_FOUND');
  });
});

describe('addTask', () => {
  it('adds a task that then appears in getRequest, getStatus and findTasks', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    const payload = await demo.ok(
      'addTask',
      ids(requestId) + taskXml({ id: 'task_2', subject: { lastName: 'Etternølende' }, actions: [action('doc_1')] }),
    );
    expect(elements('d:artifact', payload)).toHaveLength(0);

    const request = await demo.ok('getRequest', ids(requestId));
    expect(texts('d:request/d:task/@id', request)).toEqual(['task_1', 'task_2']);
    const statuses = await getStatus(demo, requestId);
    expect(statuses.map((s) => [s.taskId, s.status])).toEqual([
      ['task_1', 'created'],
      ['task_2', 'created'],
    ]);
    const found = await findTasks(demo, { criteria: [{ field: 'request-id', value: requestId }], sortField: 'task-id' });
    expect(found.map((t) => t.getAttribute('task-id'))).toEqual(['task_1', 'task_2']);
    expect(found[1]?.getAttribute('subject-last-name')).toBe('Etternølende');
  });

  it('may depend on tasks the request already has', async () => {
    const requestId = await createRequest(demo, twoTaskRequest());
    await demo.ok(
      'addTask',
      ids(requestId) + taskXml({ id: 'witness', dependsOn: ['seller', 'buyer'], actions: [action('doc_1', 'view')] }),
    );
    const task = await demo.ok('getTask', ids(requestId, 'witness'));
    expect(texts('d:task/d:depends-on-task', task)).toEqual(['seller', 'buyer']);
  });

  it('returns an artifact when the new task asks for one', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    const payload = await demo.ok(
      'addTask',
      ids(requestId) +
        taskXml({ id: 'task_2', actions: [action('doc_1')], authentication: { methods: ['nbid'], artifact: true } }),
    );
    expect(mustText('d:artifact', payload)).not.toBe('');
  });

  it('refuses a task id the request already has, a dependency it does not have, and an unknown document', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    expect(await demo.fault('addTask', ids(requestId) + taskXml({ id: 'task_1', actions: [action('doc_1')] }))).toBe(
      'TASK_ID_DUPLICATE',
    );
    expect(
      await demo.fault('addTask', ids(requestId) + taskXml({ id: 'task_2', dependsOn: ['ghost'], actions: [action('doc_1')] })),
    ).toBe('DEPENDENCY_UNKNOWN');
    expect(await demo.fault('addTask', ids(requestId) + taskXml({ id: 'task_3', actions: [action('doc_9')] }))).toBe(
      'DOCUMENT_REF_UNKNOWN',
    );
    expect((await getStatus(demo, requestId)).map((s) => s.taskId)).toEqual(['task_1']);
  });
});

describe('disableTask', () => {
  it('makes the task "deleted", leaves the other tasks waiting, and records an event', async () => {
    const requestId = await createRequest(demo, twoTaskRequest());
    const before = await history(demo, requestId, 'buyer');
    clock.advance(MINUTE);
    await demo.done('disableTask', ids(requestId, 'buyer'));
    const statuses = await getStatus(demo, requestId);
    expect(statuses.map((s) => [s.taskId, s.status])).toEqual([
      ['seller', 'created'],
      ['buyer', 'deleted'],
    ]);
    const after = await history(demo, requestId, 'buyer');
    expect(after).toHaveLength(before.length + 1);
    expect(Date.parse(after[after.length - 1]?.time ?? '')).toBe(clock.now().getTime());
  });

  it('is harmless when repeated: the second call also succeeds and changes nothing', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    await demo.done('disableTask', ids(requestId, 'task_1'));
    const events = await history(demo, requestId, 'task_1');
    await demo.done('disableTask', ids(requestId, 'task_1'));
    expect(await statusOf(demo, requestId, 'task_1')).toBe('deleted');
    expect(await history(demo, requestId, 'task_1')).toEqual(events);
  });
});

describe('setClientStatus', () => {
  it('is echoed by getStatus and findTasks, the latest value winning', async () => {
    const requestId = await createRequest(demo, twoTaskRequest());
    await demo.done('setClientStatus', ids(requestId, 'buyer') + '<client-status>sent-to-crm</client-status>');
    await demo.done('setClientStatus', ids(requestId, 'buyer') + '<client-status>Ærlig behandlet</client-status>');
    const statuses = await getStatus(demo, requestId);
    expect(statuses.find((s) => s.taskId === 'buyer')?.clientStatus).toBe('Ærlig behandlet');
    expect(statuses.find((s) => s.taskId === 'seller')?.clientStatus).toBeUndefined();
    const found = await findTasks(demo, { criteria: [{ field: 'request-id', value: requestId }], sortField: 'task-id' });
    expect(found.map((t) => [t.getAttribute('task-id'), t.getAttribute('client-status')])).toEqual([
      ['buyer', 'Ærlig behandlet'],
      ['seller', null],
    ]);
  });

  it('shows in the next getStatus of a client that polls (no answer is kept past a change)', async () => {
    const requestId = await createRequest(demo, twoTaskRequest());
    const clientStatusOf = async (): Promise<string | undefined> =>
      (await getStatus(demo, requestId)).find((s) => s.taskId === 'buyer')?.clientStatus;
    expect(await clientStatusOf()).toBeUndefined();
    expect(await clientStatusOf()).toBeUndefined();
    await demo.done('setClientStatus', ids(requestId, 'buyer') + '<client-status>first</client-status>');
    expect(await clientStatusOf()).toBe('first');
    await demo.done('setClientStatus', ids(requestId, 'buyer') + '<client-status>second</client-status>');
    expect(await clientStatusOf()).toBe('second');
    await demo.done('disableTask', ids(requestId, 'buyer'));
    expect((await getStatus(demo, requestId)).find((s) => s.taskId === 'buyer')?.status).toBe('deleted');
  });

  it('answers TASK_NOT_FOUND for a task the request does not have', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    expect(await demo.fault('setClientStatus', ids(requestId, 'ghost') + '<client-status>x</client-status>')).toBe(
      'TASK_NOT_FOUND',
    );
  });
});

describe('addNotification and disableNotification', () => {
  it('adds notifications to the request and to a task; getRequest and getTask show them', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    await demo.done('addNotification', ids(requestId) + notificationXml('request_cb'));
    await demo.done('addNotification', ids(requestId, 'task_1') + notificationXml('sms_1', 'SMS', '+4799999999'));
    const request = await demo.ok('getRequest', ids(requestId));
    expect(texts('d:request/d:notification/@notification-id', request)).toEqual(['request_cb']);
    expect(texts('d:request/d:task/d:notification/@notification-id', request)).toEqual(['sms_1']);
    const task = await demo.ok('getTask', ids(requestId, 'task_1'));
    expect(text('d:task/d:notification[@notification-id="sms_1"]/@type', task)).toBe('SMS');
    expect(text('d:task/d:notification[@notification-id="sms_1"]/d:recipient', task)).toBe('+4799999999');
  });

  it('hides disabled notifications from getRequest and keeps the others', async () => {
    const requestId = await createRequest(demo, {
      ...simpleRequest(sdsId),
      tasks: [{ id: 'task_1', actions: [action('doc_1')], notifications: [notificationXml('keep'), notificationXml('drop')] }],
      notifications: [notificationXml('req_keep'), notificationXml('req_drop')],
    });
    await demo.done('disableNotification', ids(requestId, 'task_1') + '<notification-id>drop</notification-id>');
    await demo.done('disableNotification', ids(requestId) + '<notification-id>req_drop</notification-id>');
    const request = await demo.ok('getRequest', ids(requestId));
    expect(texts('d:request/d:task/d:notification/@notification-id', request)).toEqual(['keep']);
    expect(texts('d:request/d:notification/@notification-id', request)).toEqual(['req_keep']);
  });

  it('disables several notifications in one call', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    for (const id of ['a', 'b', 'c']) await demo.done('addNotification', ids(requestId) + notificationXml(id));
    await demo.done('disableNotification', ids(requestId) + '<notification-id>a</notification-id><notification-id>c</notification-id>');
    const request = await demo.ok('getRequest', ids(requestId));
    expect(texts('d:request/d:notification/@notification-id', request)).toEqual(['b']);
  });

  it('answers NOTIFICATION_NOT_FOUND for a notification-id that was never added', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    await demo.done('addNotification', ids(requestId) + notificationXml('real'));
    expect(await demo.fault('disableNotification', ids(requestId) + '<notification-id>typo</notification-id>')).toBe(
      'NOTIFICATION_NOT_FOUND',
    );
    const request = await demo.ok('getRequest', ids(requestId));
    expect(texts('d:request/d:notification/@notification-id', request)).toEqual(['real']);
  });

  it('answers NOTIFICATION_ID_DUPLICATE when a notification-id is added twice', async () => {
    const requestId = await createRequest(demo, {
      ...simpleRequest(sdsId),
      tasks: [{ id: 'task_1', actions: [action('doc_1')], notifications: [notificationXml('from_create')] }],
    });
    await demo.done('addNotification', ids(requestId) + notificationXml('once'));
    expect(await demo.fault('addNotification', ids(requestId) + notificationXml('once', 'EMAIL', 'a@b.no'))).toBe(
      'NOTIFICATION_ID_DUPLICATE',
    );
    expect(await demo.fault('addNotification', ids(requestId, 'task_1') + notificationXml('from_create'))).toBe(
      'NOTIFICATION_ID_DUPLICATE',
    );
  });
});

describe('deleteRequest', () => {
  it('counts the request it deletes, and 0 the second time', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    const first = await demo.ok('deleteRequest', ids(requestId));
    expect(mustText('d:deleted', first)).toBe('1');
    const second = await demo.ok('deleteRequest', ids(requestId));
    expect(mustText('d:deleted', second)).toBe('0');
  });

  it('deletes several requests in one call and counts them', async () => {
    const payload = await createRequests(demo, [simpleRequest(sdsId), simpleRequest(sdsId)]);
    const requestIds = texts('d:request-id', payload);
    const deleted = await demo.ok('deleteRequest', requestIds.map((id) => `<request-id>${id}</request-id>`).join(''));
    expect(mustText('d:deleted', deleted)).toBe('2');
  });

  it('leaves every task "deleted" in getStatus, and getRequest answers REQUEST_DELETED', async () => {
    const requestId = await createRequest(demo, twoTaskRequest());
    await demo.ok('deleteRequest', ids(requestId));
    const statuses = await getStatus(demo, requestId);
    expect(statuses.map((s) => [s.taskId, s.status])).toEqual([
      ['seller', 'deleted'],
      ['buyer', 'deleted'],
    ]);
    expect(await demo.fault('getRequest', ids(requestId))).toBe('REQUEST_DELETED');
  });

  it('refuses changes to a deleted request', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    await demo.ok('deleteRequest', ids(requestId));
    expect(await demo.fault('addTask', ids(requestId) + taskXml({ id: 'late', actions: [action('doc_1')] }))).toBe(
      'REQUEST_DELETED',
    );
    expect(await demo.fault('createArtifact', ids(requestId, 'task_1'))).toBe('REQUEST_DELETED');
  });
});

describe('getRequestHistory', () => {
  it('has an event, at the time it happened, for every change of a task: created, disabled, deleted', async () => {
    const created = clock.now().getTime();
    const requestId = await createRequest(demo, twoTaskRequest());

    const initial = await history(demo, requestId, 'seller');
    expect(initial).toHaveLength(1);
    expect(initial[0]?.event).toBe('request-created');
    expect(Date.parse(initial[0]?.time ?? '')).toBe(created);

    clock.advance(5 * MINUTE);
    await demo.done('disableTask', ids(requestId, 'seller'));
    const afterDisable = await history(demo, requestId, 'seller');
    expect(afterDisable).toHaveLength(2);
    expect(Date.parse(afterDisable[1]?.time ?? '')).toBe(created + 5 * MINUTE);

    clock.advance(5 * MINUTE);
    await demo.ok('deleteRequest', ids(requestId));
    const buyer = await history(demo, requestId, 'buyer');
    expect(buyer.map((e) => e.event)[0]).toBe('request-created');
    expect(buyer).toHaveLength(2);
    expect(Date.parse(buyer[1]?.time ?? '')).toBe(created + 10 * MINUTE);
    // The seller was already deleted: deleting the request does not change it again.
    expect(await history(demo, requestId, 'seller')).toHaveLength(2);
  });

  it('shows a task stored with its creation event as an event row (as Paraph stored them before) with it once', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    const store = running.paraph.documents.store;
    const storedAt = new Date(clock.now().getTime() - MINUTE).toISOString();
    await store.commit(() =>
      store.insertEvent({ service: 'demo', requestId, taskId: 'task_1', type: 'request-created', time: storedAt, data: null }),
    );
    const events = await history(demo, requestId, 'task_1');
    expect(events.map((e) => [e.event, Date.parse(e.time)])).toEqual([['request-created', Date.parse(storedAt)]]);
  });

  it('records a task added later with its own creation event', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    clock.advance(MINUTE);
    await demo.ok('addTask', ids(requestId) + taskXml({ id: 'task_2', actions: [action('doc_1')] }));
    const events = await history(demo, requestId, 'task_2');
    expect(events).toHaveLength(1);
    expect(Date.parse(events[0]?.time ?? '')).toBe(clock.now().getTime());
  });

  it('uses only event types of the schema', async () => {
    const requestId = await createRequest(demo, twoTaskRequest());
    await demo.done('disableTask', ids(requestId, 'seller'));
    await demo.ok('deleteRequest', ids(requestId));
    const allowed = [
      'request-created', 'notification-sent', 'task-started', 'task-rejected', 'task-completed', 'error',
      'document-uploaded', 'document-signed', 'document-viewed', 'document-sign-cancelled', 'document-deleted',
      'user-authenticated', 'user-authentication-cancelled',
    ];
    for (const taskId of ['seller', 'buyer']) {
      for (const e of await history(demo, requestId, taskId)) expect(allowed).toContain(e.event);
    }
  });

  it('answers TASK_NOT_FOUND for a task the request does not have', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    expect(await demo.fault('getRequestHistory', ids(requestId, 'ghost'))).toBe('TASK_NOT_FOUND');
  });
});

describe('createUserSession', () => {
  it('combines tasks of two requests into one session and returns its id, without an artifact', async () => {
    const first = await createRequest(demo, simpleRequest(sdsId));
    const second = await createRequest(demo, simpleRequest(sdsId));
    const payload = await demo.ok(
      'createUserSession',
      `<user-session><language>nb</language><on-session-complete>https://example.no/done</on-session-complete>` +
        `<session-task request-id="${first}" task-id="task_1" order="1" description="Kontrakt"/>` +
        `<session-task request-id="${second}" task-id="task_1" order="2"/></user-session>`,
    );
    expect(mustText('d:user-session-id', payload)).toMatch(/^\d{8}[0-9a-z]{49,50}$/);
    expect(elements('d:artifact', payload)).toHaveLength(0);
  });

  it('returns an artifact when one of the tasks asks for one', async () => {
    const requestId = await createRequest(demo, {
      documents: [sdsDocument('doc_1', sdsId)],
      tasks: [{ id: 't', actions: [action('doc_1')], authentication: { methods: ['nbid'], artifact: true } }],
    });
    const payload = await demo.ok(
      'createUserSession',
      `<user-session><session-task request-id="${requestId}" task-id="t" order="1"/></user-session>`,
    );
    expect(mustText('d:artifact', payload)).not.toBe('');
  });

  it('answers USER_SESSION_TASK_UNKNOWN for a task the request does not have', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    const code = await demo.fault(
      'createUserSession',
      `<user-session><session-task request-id="${requestId}" task-id="ghost" order="1"/></user-session>`,
    );
    expect(code).toBe('USER_SESSION_TASK_UNKNOWN');
  });
});

describe('getPackagingTaskStatus', () => {
  it('reports every packaging task declared in createRequest as "created", with one entry per packaged document', async () => {
    const requestId = await createRequest(demo, {
      documents: [sdsDocument('doc_1', sdsId), sdsDocument('doc_2', sdsId)],
      tasks: [
        { id: 'seller', actions: [action('doc_1'), action('doc_2')] },
        { id: 'buyer', actions: [action('doc_1')] },
      ],
      packagingTasks: [
        packagingTaskXml('pack_contract', [
          { taskId: 'seller', documentId: 'doc_1' },
          { taskId: 'buyer', documentId: 'doc_1' },
        ]),
        packagingTaskXml('pack_annex', [{ taskId: 'seller', documentId: 'doc_2' }]),
      ],
    });
    const payload = await demo.ok('getPackagingTaskStatus', ids(requestId));
    const infos = elements('d:packaging-task-status-info', payload);
    expect(
      infos.map((i) => [
        text('d:request-id', i),
        text('d:packaging-task-id', i),
        text('d:packaging-task-status', i),
        texts('d:packaging-document-status/@id', i),
      ]),
    ).toEqual([
      // Both tasks sign doc_1: their results go into one package, so doc_1 has one status.
      [requestId, 'pack_contract', 'created', ['doc_1']],
      [requestId, 'pack_annex', 'created', ['doc_2']],
    ]);
  });

  it('answers PACKAGING_TASK_NOT_FOUND for a request without packaging tasks', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    expect(await demo.fault('getPackagingTaskStatus', ids(requestId))).toBe('PACKAGING_TASK_NOT_FOUND');
  });

  it('refuses a packaging task that names a document its task does not sign', async () => {
    const code = await demo.fault(
      'createRequest',
      `<request>${sdsDocument('doc_1', sdsId)}${taskXml({ id: 't', actions: [action('doc_1')] })}` +
        `${packagingTaskXml('p', [{ taskId: 't', documentId: 'doc_9' }])}</request>`,
    );
    expect(code).toBe('PACKAGING_TASK_REF_UNKNOWN');
  });
});
