/**
 * Rules that depend on time, on a ManualClock: tasks expire after `days-to-live`, and single-sign-on
 * artifacts are single use and live 30 seconds.
 */
import { ManualClock } from '../../src/clock';
import { consumeArtifact } from '../../src/documents/consume-artifact';
import { SAMPLE_PDF, SERVICES, startParaph, uploadSds, type RunningParaph } from '../helpers/paraph';
import {
  action,
  createRequest,
  createRequests,
  findTasks,
  history,
  sdsDocument,
  simpleRequest,
  statusOf,
  taskCount,
  type RequestSpec,
} from './builders';
import { DocumentService, mustText } from './soap-client';

const START = new Date('2026-11-23T09:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

let clock: ManualClock;
let running: RunningParaph;
let demo: DocumentService;
let sdsId: string;

beforeAll(async () => {
  clock = new ManualClock(START);
  running = await startParaph({ clock });
  demo = new DocumentService(running.url, SERVICES.demo);
});

// SDS keeps documents for 7 days and these tests move the clock by days: upload a fresh one each time.
beforeEach(async () => {
  sdsId = await uploadSds(running.url, SAMPLE_PDF);
});

afterAll(async () => {
  await running.stop();
});

const ids = (requestId: string, taskId: string): string =>
  `<request-id>${requestId}</request-id><task-id>${taskId}</task-id>`;

describe('a task with days-to-live', () => {
  it('stays "created" until its days have passed, then getStatus, findTasks and the history show it expired', async () => {
    const created = clock.now().getTime();
    const requestId = await createRequest(demo, {
      documents: [sdsDocument('doc_1', sdsId)],
      tasks: [
        { id: 'short', daysToLive: 2, actions: [action('doc_1')] },
        { id: 'long', daysToLive: 3, actions: [action('doc_1')] },
      ],
    });
    const find = async (): Promise<Array<[string | null, string | null]>> =>
      (await findTasks(demo, { criteria: [{ field: 'request-id', value: requestId }], sortField: 'task-id' })).map(
        (t) => [t.getAttribute('task-id'), t.getAttribute('task-status')],
      );
    const eventsBefore = await history(demo, requestId, 'short');

    clock.advance(2 * DAY - MINUTE);
    expect(await statusOf(demo, requestId, 'short')).toBe('created');
    expect(await find()).toEqual([
      ['long', 'created'],
      ['short', 'created'],
    ]);

    clock.advance(2 * MINUTE);
    expect(await find()).toEqual([
      ['long', 'created'],
      ['short', 'expired'],
    ]);
    expect(await statusOf(demo, requestId, 'short')).toBe('expired');
    expect(await statusOf(demo, requestId, 'long')).toBe('created');

    const events = await history(demo, requestId, 'short');
    expect(events).toHaveLength(eventsBefore.length + 1);
    const expiry = Date.parse(events[events.length - 1]?.time ?? '');
    expect(expiry).toBeGreaterThanOrEqual(created + 2 * DAY);
    expect(expiry).toBeLessThanOrEqual(clock.now().getTime());
    expect(await history(demo, requestId, 'long')).toHaveLength(eventsBefore.length);
  });

  it('is recorded as expired at the moment its days ran out, even when nobody asked until later', async () => {
    const created = clock.now().getTime();
    const requestId = await createRequest(demo, {
      ...simpleRequest(sdsId),
      tasks: [{ id: 'task_1', daysToLive: 2, actions: [action('doc_1')] }],
    });
    // No call reaches the server between the deadline and this look, three days on.
    clock.advance(3 * DAY);
    const events = await history(demo, requestId, 'task_1');
    expect(events).toHaveLength(2);
    expect(Date.parse(events[1]?.time ?? '')).toBe(created + 2 * DAY);
    const [task] = await findTasks(demo, { criteria: [{ field: 'request-id', value: requestId }] });
    expect(task?.getAttribute('task-status')).toBe('expired');
    expect(Date.parse(task?.getAttribute('last-updated') ?? '')).toBe(created + 2 * DAY);
  });

  it('is found by task-state "expired" in findTasks and getTaskCount', async () => {
    const requestId = await createRequest(demo, {
      ...simpleRequest(sdsId),
      tasks: [{ id: 'task_1', daysToLive: 1, actions: [action('doc_1')] }],
      clientReference: 'expiry-count',
    });
    const filter = {
      criteria: [
        { field: 'request-id', value: requestId },
        { field: 'task-state', value: 'expired' },
      ],
    };
    expect(await taskCount(demo, filter)).toBe(0);
    clock.advance(DAY + SECOND);
    expect(await taskCount(demo, filter)).toBe(1);
    expect((await findTasks(demo, filter)).map((t) => t.getAttribute('task-status'))).toEqual(['expired']);
  });

  it('can no longer be given an artifact once expired', async () => {
    const requestId = await createRequest(demo, {
      ...simpleRequest(sdsId),
      tasks: [{ id: 'task_1', daysToLive: 1, actions: [action('doc_1')] }],
    });
    clock.advance(DAY + SECOND);
    expect(await demo.fault('createArtifact', ids(requestId, 'task_1'))).toBe('TASK_NOT_ACTIVE');
    expect(await statusOf(demo, requestId, 'task_1')).toBe('expired');
  });
});

describe('single-sign-on artifacts', () => {
  /** One task that asks for an artifact (`authentication/@artifact="true"`). */
  const request = (): RequestSpec => ({
    documents: [sdsDocument('doc_1', sdsId)],
    tasks: [{ id: 'task_1', actions: [action('doc_1')], authentication: { methods: ['nbid'], artifact: true } }],
  });
  const consume = (artifact: string, service = 'demo'): ReturnType<typeof consumeArtifact> =>
    consumeArtifact(running.paraph.documents, service, artifact);

  it('createArtifact returns a new artifact each time, different from the one createRequest gave', async () => {
    const created = await createRequests(demo, [request()]);
    const requestId = mustText('d:request-id', created);
    const fromCreate = mustText('d:artifact', created);
    const first = mustText('d:artifact', await demo.ok('createArtifact', ids(requestId, 'task_1')));
    const second = mustText('d:artifact', await demo.ok('createArtifact', ids(requestId, 'task_1')));
    expect(first).not.toBe(fromCreate);
    expect(second).not.toBe(first);
    expect(second).not.toBe(fromCreate);
  });

  it('createArtifact works for a task that did not ask for an artifact in createRequest', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    const artifact = mustText('d:artifact', await demo.ok('createArtifact', ids(requestId, 'task_1')));
    expect(await consume(artifact)).toEqual({ requestId, taskId: 'task_1' });
  });

  it('can be used once: the first use opens the task, the second fails', async () => {
    const created = await createRequests(demo, [request()]);
    const requestId = mustText('d:request-id', created);
    const artifact = mustText('d:artifact', created);
    expect(await consume(artifact)).toEqual({ requestId, taskId: 'task_1' });
    expect(await consume(artifact)).toBeUndefined();

    const fresh = mustText('d:artifact', await demo.ok('createArtifact', ids(requestId, 'task_1')));
    expect(await consume(fresh)).toEqual({ requestId, taskId: 'task_1' });
    expect(await consume(fresh)).toBeUndefined();
  });

  it('still works just before 30 seconds', async () => {
    const requestId = await createRequest(demo, request());
    const artifact = mustText('d:artifact', await demo.ok('createArtifact', ids(requestId, 'task_1')));
    clock.advance(29 * SECOND);
    expect(await consume(artifact)).toEqual({ requestId, taskId: 'task_1' });
  });

  it('fails after 30 seconds', async () => {
    const created = await createRequests(demo, [request()]);
    const requestId = mustText('d:request-id', created);
    const fromCreate = mustText('d:artifact', created);
    const fromCreateArtifact = mustText('d:artifact', await demo.ok('createArtifact', ids(requestId, 'task_1')));
    clock.advance(30 * SECOND + 1);
    expect(await consume(fromCreate)).toBeUndefined();
    expect(await consume(fromCreateArtifact)).toBeUndefined();
  });

  it('fails for another service', async () => {
    const requestId = await createRequest(demo, simpleRequest(sdsId));
    const artifact = mustText('d:artifact', await demo.ok('createArtifact', ids(requestId, 'task_1')));
    expect(await consume(artifact, 'other')).toBeUndefined();
  });

  it('fails once its task has been disabled', async () => {
    const created = await createRequests(demo, [request()]);
    const requestId = mustText('d:request-id', created);
    const artifact = mustText('d:artifact', created);
    await demo.done('disableTask', ids(requestId, 'task_1'));
    expect(await consume(artifact)).toBeUndefined();
  });

  it('fails once its request has been deleted', async () => {
    const created = await createRequests(demo, [request()]);
    const requestId = mustText('d:request-id', created);
    const artifact = mustText('d:artifact', created);
    await demo.ok('deleteRequest', `<request-id>${requestId}</request-id>`);
    expect(await consume(artifact)).toBeUndefined();
  });

  it('fails for an artifact that was never issued', async () => {
    expect(await consume('not-an-artifact')).toBeUndefined();
  });

  it('from createUserSession opens the user session once', async () => {
    const requestId = await createRequest(demo, request());
    const payload = await demo.ok(
      'createUserSession',
      `<user-session><session-task request-id="${requestId}" task-id="task_1" order="1"/></user-session>`,
    );
    const userSessionId = mustText('d:user-session-id', payload);
    const artifact = mustText('d:artifact', payload);
    expect(await consume(artifact)).toEqual({ userSessionId });
    expect(await consume(artifact)).toBeUndefined();
  });
});
