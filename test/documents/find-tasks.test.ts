/**
 * findTasks and getTaskCount: every filter field the server holds a value for, every operator, case
 * sensitivity (Nordic letters included), criteria values as WCF and JAXB type them, the from-date /
 * to-date range, paging and sorting. One fixed set of tasks, created at known times on a ManualClock:
 *
 *   task  request  created  subject                         days  document (type, description)   other
 *   a1    A        T0       Åse Ærlig (inline)              9     kontrakt (pdf, Kjøpekontrakt)    auth nbid, language nb (from request)
 *   a2    A        T0       Bjørn ærlig (subject-ref)       10    vilkar (text/plain, Vilkår)      language en (task)
 *   b1    B        T0+1h    Ola Østby                       30    avtale (pdf, Avtale)             auth sbid, language sv
 *   c1    C        T0+2h    Per Berg                        3     kontrakt (pdf, Kontrakt C)       client-status set at T0+5h
 *   d1    D        T0+3h    Dag Dahl                        20    kontrakt (pdf, Kontrakt D)       disabled at T0+4h
 *
 * Request A has account acct-1, sender unique-id sender-1; client references are ref-A … ref-D.
 */
import { ManualClock } from '../../src/clock';
import { SAMPLE_PDF, SERVICES, startParaph, uploadSds, type RunningParaph } from '../helpers/paraph';
import {
  action,
  createRequest,
  criteriaXml,
  filterXml,
  findTasks,
  providedDocument,
  sdsDocument,
  taskCount,
  type Criterion,
  type FilterSpec,
  type FindSpec,
} from './builders';
import { DOC_NS, DocumentService, elements, mustText } from './soap-client';

const T0 = new Date('2026-11-23T14:00:00.000Z');
const HOUR = 3600_000;
const at = (hours: number): Date => new Date(T0.getTime() + hours * HOUR);

/** A dateTime as .NET's XmlSerializer writes it: local time, seven fractional digits, an offset. */
function dotnet(date: Date, fraction = '0000000', offsetHours = 1): string {
  const local = new Date(date.getTime() + offsetHours * HOUR).toISOString().slice(0, 19);
  const sign = offsetHours < 0 ? '-' : '+';
  return `${local}.${fraction}${sign}${String(Math.abs(offsetHours)).padStart(2, '0')}:00`;
}

/** A dateTime as JAXB writes it: milliseconds and an offset. */
function jaxb(date: Date, offsetHours = 1): string {
  const local = new Date(date.getTime() + offsetHours * HOUR).toISOString().slice(0, 23);
  return `${local}+${String(offsetHours).padStart(2, '0')}:00`;
}

let clock: ManualClock;
let running: RunningParaph;
let demo: DocumentService;
const requestIds: Record<'A' | 'B' | 'C' | 'D', string> = { A: '', B: '', C: '', D: '' };

beforeAll(async () => {
  clock = new ManualClock(T0);
  running = await startParaph({ clock });
  demo = new DocumentService(running.url, SERVICES.demo);
  const sdsId = await uploadSds(running.url, SAMPLE_PDF);

  requestIds.A = await createRequest(demo, {
    language: 'nb',
    subjects: [
      {
        id: 'bjorn',
        firstName: 'Bjørn',
        lastName: 'ærlig',
        email: 'BJORN@Example.no',
        nationalId: '02028054321',
        mobile: '+4792222222',
      },
    ],
    documents: [
      sdsDocument('kontrakt', sdsId, 'Kjøpekontrakt'),
      providedDocument('vilkar', 'text/plain', Buffer.from('Vilkår\n', 'utf8'), 'Vilkår'),
    ],
    tasks: [
      {
        id: 'a1',
        subject: {
          firstName: 'Åse',
          lastName: 'Ærlig',
          email: 'aase@example.no',
          nationalId: '01017012345',
          mobile: '+4791111111',
        },
        daysToLive: 9,
        actions: [action('kontrakt')],
        authentication: { methods: ['nbid'] },
      },
      { id: 'a2', subjectRef: 'bjorn', daysToLive: 10, actions: [action('vilkar')], language: 'en' },
    ],
    clientReference: 'ref-A',
    senderUniqueId: 'sender-1',
    account: 'acct-1',
  });

  clock.set(at(1));
  requestIds.B = await createRequest(demo, {
    language: 'sv',
    documents: [providedDocument('avtale', 'application/pdf', SAMPLE_PDF, 'Avtale')],
    tasks: [
      {
        id: 'b1',
        subject: { firstName: 'Ola', lastName: 'Østby', email: 'ola@example.se' },
        daysToLive: 30,
        actions: [action('avtale')],
        authentication: { methods: ['sbid'] },
      },
    ],
    clientReference: 'ref-B',
  });

  clock.set(at(2));
  requestIds.C = await createRequest(demo, {
    documents: [sdsDocument('kontrakt', sdsId, 'Kontrakt C')],
    tasks: [{ id: 'c1', subject: { firstName: 'Per', lastName: 'Berg' }, daysToLive: 3, actions: [action('kontrakt')] }],
    clientReference: 'ref-C',
  });

  clock.set(at(3));
  requestIds.D = await createRequest(demo, {
    documents: [sdsDocument('kontrakt', sdsId, 'Kontrakt D')],
    tasks: [{ id: 'd1', subject: { firstName: 'Dag', lastName: 'Dahl' }, daysToLive: 20, actions: [action('kontrakt')] }],
    clientReference: 'ref-D',
  });

  clock.set(at(4));
  await demo.done('disableTask', `<request-id>${requestIds.D}</request-id><task-id>d1</task-id>`);

  clock.set(at(5));
  await demo.done(
    'setClientStatus',
    `<request-id>${requestIds.C}</request-id><task-id>c1</task-id><client-status>Ærlig arkivert</client-status>`,
  );
});

afterAll(async () => {
  await running.stop();
});

const ALL = ['a1', 'a2', 'b1', 'c1', 'd1'];

/** The task-ids findTasks returns, in its order. */
async function found(spec: FindSpec): Promise<string[]> {
  return (await findTasks(demo, spec)).map((t) => t.getAttribute('task-id') ?? '?');
}

/** findTasks and getTaskCount agree that exactly these tasks match the filter. */
async function expectMatches(filter: FilterSpec, expected: string[]): Promise<void> {
  expect((await found(filter)).sort()).toEqual([...expected].sort());
  expect(await taskCount(demo, filter)).toBe(expected.length);
}

describe('the findTasks answer', () => {
  it('lists every task of the service as a <task> element with its data in attributes', async () => {
    const payload = await demo.ok('findTasks', `${filterXml()}<from-index>0</from-index><to-index>100</to-index>`);
    const items = elements('*', payload);
    expect(items.map((t) => [t.namespaceURI, t.localName])).toEqual(ALL.map(() => [DOC_NS, 'task']));
    for (const t of items) expect(elements('*', t)).toHaveLength(0);

    const a1 = items.find((t) => t.getAttribute('task-id') === 'a1');
    expect(a1).toBeDefined();
    if (!a1) return;
    expect(a1.getAttribute('id')).not.toBe('');
    expect({
      'request-id': a1.getAttribute('request-id'),
      'task-status': a1.getAttribute('task-status'),
      'document-id': a1.getAttribute('document-id'),
      'document-description': a1.getAttribute('document-description'),
      'mime-type': a1.getAttribute('mime-type'),
      'subject-first-name': a1.getAttribute('subject-first-name'),
      'subject-last-name': a1.getAttribute('subject-last-name'),
      'subject-email': a1.getAttribute('subject-email'),
      'subject-national-id': a1.getAttribute('subject-national-id'),
      'subject-mobile': a1.getAttribute('subject-mobile'),
      language: a1.getAttribute('language'),
      account: a1.getAttribute('account'),
      'sender-unique-id': a1.getAttribute('sender-unique-id'),
      'client-reference': a1.getAttribute('client-reference'),
      'days-to-live': a1.getAttribute('days-to-live'),
    }).toEqual({
      'request-id': requestIds.A,
      'task-status': 'created',
      'document-id': 'kontrakt',
      'document-description': 'Kjøpekontrakt',
      'mime-type': 'application/pdf',
      'subject-first-name': 'Åse',
      'subject-last-name': 'Ærlig',
      'subject-email': 'aase@example.no',
      'subject-national-id': '01017012345',
      'subject-mobile': '+4791111111',
      language: 'nb',
      account: 'acct-1',
      'sender-unique-id': 'sender-1',
      'client-reference': 'ref-A',
      'days-to-live': '9',
    });
    expect(Date.parse(a1.getAttribute('created') ?? '')).toBe(T0.getTime());
    expect(Date.parse(a1.getAttribute('last-updated') ?? '')).toBe(T0.getTime());
  });

  it('shows the task state, client status and last update as they are now', async () => {
    const items = await findTasks(demo, { sortField: 'task-id' });
    const byId = new Map(items.map((t) => [t.getAttribute('task-id'), t]));
    expect(byId.get('d1')?.getAttribute('task-status')).toBe('deleted');
    expect(Date.parse(byId.get('d1')?.getAttribute('last-updated') ?? '')).toBe(at(4).getTime());
    expect(byId.get('c1')?.getAttribute('client-status')).toBe('Ærlig arkivert');
  });

  it('gives each task a distinct id that the id filter finds again', async () => {
    const items = await findTasks(demo);
    const taskIds = items.map((t) => t.getAttribute('id') ?? '');
    expect(new Set(taskIds).size).toBe(ALL.length);
    const b1 = items.find((t) => t.getAttribute('task-id') === 'b1')?.getAttribute('id') ?? '';
    await expectMatches({ criteria: [{ field: 'id', value: b1 }] }, ['b1']);
  });

  it('lists everything with an empty filter, and getTaskCount counts it', async () => {
    await expectMatches({}, ALL);
  });
});

describe('each filter field, with operator equals', () => {
  const cases: Array<[string, () => string, string[]]> = [
    ['request-id', () => requestIds.A, ['a1', 'a2']],
    ['task-id', () => 'b1', ['b1']],
    ['document-id', () => 'kontrakt', ['a1', 'c1', 'd1']],
    ['account', () => 'acct-1', ['a1', 'a2']],
    ['language', () => 'nb', ['a1']],
    ['language', () => 'en', ['a2']],
    ['task-state', () => 'deleted', ['d1']],
    ['task-state', () => 'created', ['a1', 'a2', 'b1', 'c1']],
    ['document-description', () => 'Vilkår', ['a2']],
    ['mime-type', () => 'text/plain', ['a2']],
    ['mime-type', () => 'application/pdf', ['a1', 'b1', 'c1', 'd1']],
    ['subject-first-name', () => 'Åse', ['a1']],
    ['subject-last-name', () => 'Østby', ['b1']],
    ['subject-email', () => 'ola@example.se', ['b1']],
    ['subject-national-id', () => '02028054321', ['a2']],
    ['subject-mobile', () => '+4791111111', ['a1']],
    ['authentication-type', () => 'sbid', ['b1']],
    ['created', () => dotnet(at(1)), ['b1']],
    ['created', () => dotnet(T0), ['a1', 'a2']],
    ['last-updated', () => dotnet(at(4)), ['d1']],
    ['sender-unique-id', () => 'sender-1', ['a1', 'a2']],
    ['client-reference', () => 'ref-C', ['c1']],
    ['client-status', () => 'Ærlig arkivert', ['c1']],
    ['days-to-live', () => '30', ['b1']],
    ['signer', () => 'Åse Ærlig', []],
    ['archive-id', () => '200320193lrce4j85hpgdns4ivbuts5dy7pgarm1e0iozjq4qh2tey77jv', []],
  ];

  it.each(cases)('%s', async (field, value, expected) => {
    await expectMatches({ criteria: [{ field, value: value() }] }, expected);
  });
});

describe('each operator', () => {
  const cases: Array<[string, Criterion, string[]]> = [
    ['equals on text', { field: 'subject-last-name', value: 'Ærlig', operator: 'equals' }, ['a1']],
    ['not-equals on text', { field: 'subject-last-name', value: 'Ærlig', operator: 'not-equals' }, ['a2', 'b1', 'c1', 'd1']],
    ['contains on text', { field: 'subject-last-name', value: 'rli', operator: 'contains' }, ['a1', 'a2']],
    ['contains on a document field', { field: 'document-description', value: 'ontrakt', operator: 'contains' }, ['a1', 'c1', 'd1']],
    ['less-than on text', { field: 'task-id', value: 'b', operator: 'less-than' }, ['a1', 'a2']],
    ['greater-than on text', { field: 'task-id', value: 'c1', operator: 'greater-than' }, ['d1']],
    ['equals on a number', { field: 'days-to-live', value: '9', operator: 'equals' }, ['a1']],
    ['not-equals on a number', { field: 'days-to-live', value: '10', operator: 'not-equals' }, ['a1', 'b1', 'c1', 'd1']],
    ['less-than on a number (10 is not less than 9)', { field: 'days-to-live', value: '10', operator: 'less-than' }, ['a1', 'c1']],
    ['greater-than on a number (9 is not greater than 10)', { field: 'days-to-live', value: '10', operator: 'greater-than' }, ['b1', 'd1']],
    ['less-than on a date', { field: 'created', value: dotnet(at(0.5), '1234567'), operator: 'less-than' }, ['a1', 'a2']],
    ['greater-than on a date', { field: 'created', value: dotnet(at(1.5), '1234567'), operator: 'greater-than' }, ['c1', 'd1']],
    ['not-equals on a date', { field: 'created', value: dotnet(T0), operator: 'not-equals' }, ['b1', 'c1', 'd1']],
    ['greater-than on last-updated', { field: 'last-updated', value: dotnet(at(3.5)), operator: 'greater-than' }, ['c1', 'd1']],
    ['not-equals on a document field', { field: 'mime-type', value: 'application/pdf', operator: 'not-equals' }, ['a2']],
  ];

  it.each(cases)('%s', async (_name, criterion, expected) => {
    await expectMatches({ criteria: [criterion] }, expected);
  });

  it('joins several criteria with AND', async () => {
    await expectMatches(
      {
        criteria: [
          { field: 'mime-type', value: 'application/pdf' },
          { field: 'days-to-live', value: '10', operator: 'less-than' },
          { field: 'task-state', value: 'created' },
        ],
      },
      ['a1', 'c1'],
    );
  });
});

describe('case-sensitive', () => {
  const cases: Array<[string, Criterion, string[]]> = [
    ['"Ærlig" equals only "Ærlig" when case-sensitive', { field: 'subject-last-name', value: 'Ærlig', caseSensitive: true }, ['a1']],
    ['"ærlig" equals only "ærlig" when case-sensitive', { field: 'subject-last-name', value: 'ærlig', caseSensitive: true }, ['a2']],
    ['"ærlig" equals "Ærlig" and "ærlig" when not case-sensitive', { field: 'subject-last-name', value: 'ærlig', caseSensitive: false }, ['a1', 'a2']],
    ['"ÆRLIG" equals both when not case-sensitive', { field: 'subject-last-name', value: 'ÆRLIG', caseSensitive: false }, ['a1', 'a2']],
    ['"ÆRLIG" equals neither when case-sensitive', { field: 'subject-last-name', value: 'ÆRLIG', caseSensitive: true }, []],
    ['is true when omitted (WCF omits the default)', { field: 'subject-last-name', value: 'ærlig' }, ['a2']],
    ['"åse" finds "Åse" only when not case-sensitive', { field: 'subject-first-name', value: 'åse', caseSensitive: false }, ['a1']],
    ['"åse" does not find "Åse" when case-sensitive', { field: 'subject-first-name', value: 'åse', caseSensitive: true }, []],
    ['contains "ØST" finds "Østby" when not case-sensitive', { field: 'subject-last-name', value: 'ØST', operator: 'contains', caseSensitive: false }, ['b1']],
    ['contains "ØST" finds nothing when case-sensitive', { field: 'subject-last-name', value: 'ØST', operator: 'contains', caseSensitive: true }, []],
    ['not-equals "ærlig" excludes both spellings when not case-sensitive', { field: 'subject-last-name', value: 'ærlig', operator: 'not-equals', caseSensitive: false }, ['b1', 'c1', 'd1']],
    ['contains "example.no" in e-mail ignores case when asked', { field: 'subject-email', value: 'EXAMPLE.NO', operator: 'contains', caseSensitive: false }, ['a1', 'a2']],
    ['contains "example.no" in e-mail respects case by default', { field: 'subject-email', value: 'example.no', operator: 'contains' }, ['a1']],
    ['applies to document fields: "VILKÅR" finds "Vilkår"', { field: 'document-description', value: 'VILKÅR', caseSensitive: false }, ['a2']],
    ['applies to client-status: contains "ærlig" finds "Ærlig arkivert"', { field: 'client-status', value: 'ærlig', operator: 'contains', caseSensitive: false }, ['c1']],
  ];

  it.each(cases)('%s', async (_name, criterion, expected) => {
    await expectMatches({ criteria: [criterion] }, expected);
  });
});

describe('the criteria value as clients type it', () => {
  it.each([
    ['WCF: xsi:type="xsd:string"', 'wcf'],
    ['JAXB: xsi:type="xs:string"', 'jaxb'],
    ['no xsi:type', 'none'],
  ] as const)('%s', async (_name, valueType) => {
    await expectMatches({ criteria: [{ field: 'subject-last-name', value: 'Ærlig', valueType }] }, ['a1']);
  });

  it('skips a criteria item sent as xsi:nil="true" (a null in a C# array)', async () => {
    const inner =
      `<filter><criteria xsi:nil="true"/>${criteriaXml({ field: 'task-id', value: 'c1' })}</filter>` +
      '<from-index>0</from-index><to-index>100</to-index>';
    const payload = await demo.ok('findTasks', inner);
    expect(elements('d:task', payload).map((t) => t.getAttribute('task-id'))).toEqual(['c1']);
  });

  it('WCF xsi:type="xsd:int" for a number', async () => {
    await expectMatches({ criteria: [{ field: 'days-to-live', value: '3', valueType: 'xsd:int' }] }, ['c1']);
  });

  it('WCF xsi:type="xsd:dateTime" for a date, with seven fractional digits and an offset', async () => {
    await expectMatches(
      { criteria: [{ field: 'created', value: dotnet(at(2.5), '1234567'), operator: 'greater-than', valueType: 'xsd:dateTime' }] },
      ['d1'],
    );
  });
});

describe('from-date and to-date', () => {
  it('keep the tasks created between them (.NET dates: seven fractional digits, +01:00)', async () => {
    await expectMatches({ fromDate: dotnet(at(0.5), '1234567'), toDate: dotnet(at(1.5), '1234567') }, ['b1']);
  });

  it('from-date alone keeps the later tasks', async () => {
    await expectMatches({ fromDate: dotnet(at(1.5), '1234567') }, ['c1', 'd1']);
  });

  it('to-date alone keeps the earlier tasks', async () => {
    await expectMatches({ toDate: dotnet(at(0.5), '9999999') }, ['a1', 'a2']);
  });

  it('reads the same instants written by JAXB, in UTC and with another offset', async () => {
    await expectMatches({ fromDate: jaxb(at(0.5)), toDate: at(2.5).toISOString() }, ['b1', 'c1']);
    await expectMatches({ fromDate: dotnet(at(0.5), '0000000', -5), toDate: dotnet(at(2.5), '0000000', 9) }, ['b1', 'c1']);
  });

  it('combines with criteria', async () => {
    await expectMatches(
      {
        fromDate: dotnet(at(-1)),
        toDate: dotnet(at(2.5)),
        criteria: [{ field: 'subject-last-name', value: 'RLI', operator: 'contains', caseSensitive: false }],
      },
      ['a1', 'a2'],
    );
  });

  it('an empty range finds nothing', async () => {
    await expectMatches({ fromDate: dotnet(at(10)), toDate: dotnet(at(11)) }, []);
  });
});

describe('sorting', () => {
  it('by task-id, ascending and descending', async () => {
    expect(await found({ sortField: 'task-id', ascending: true })).toEqual(ALL);
    expect(await found({ sortField: 'task-id', ascending: false })).toEqual([...ALL].reverse());
  });

  it('ascending when <ascending> is omitted', async () => {
    expect(await found({ sortField: 'task-id' })).toEqual(ALL);
  });

  it('by days-to-live as numbers (3, 9, 10, 20, 30), ascending and descending', async () => {
    const ascending = ['c1', 'a1', 'a2', 'd1', 'b1'];
    expect(await found({ sortField: 'days-to-live', ascending: true })).toEqual(ascending);
    expect(await found({ sortField: 'days-to-live', ascending: false })).toEqual([...ascending].reverse());
  });

  it('by created, newest first when ascending is false', async () => {
    const items = await findTasks(demo, { sortField: 'created', ascending: false });
    const times = items.map((t) => Date.parse(t.getAttribute('created') ?? ''));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(items.map((t) => t.getAttribute('task-id')).slice(0, 3)).toEqual(['d1', 'c1', 'b1']);
  });

  it('by client-reference descending', async () => {
    const order = await found({ sortField: 'client-reference', ascending: false });
    expect(order.slice(0, 3)).toEqual(['d1', 'c1', 'b1']);
    expect(order.slice(3).sort()).toEqual(['a1', 'a2']);
  });

  it('applies to filtered results', async () => {
    expect(
      await found({ criteria: [{ field: 'mime-type', value: 'application/pdf' }], sortField: 'days-to-live', ascending: false }),
    ).toEqual(['b1', 'd1', 'a1', 'c1']);
  });
});

describe('paging with from-index and to-index', () => {
  it('returns the records from from-index up to to-index, in sort order', async () => {
    expect(await found({ sortField: 'task-id', ascending: true, fromIndex: 1, toIndex: 3 })).toEqual(['a2', 'b1']);
  });

  it('pages that follow each other cover every task once', async () => {
    const pages: string[] = [];
    for (let from = 0; from < 6; from += 2) {
      pages.push(...(await found({ sortField: 'task-id', ascending: true, fromIndex: from, toIndex: from + 2 })));
    }
    expect(pages).toEqual(ALL);
  });

  it('a page past the end is empty', async () => {
    expect(await found({ sortField: 'task-id', fromIndex: 5, toIndex: 10 })).toEqual([]);
  });

  it('defaults to the first 100 when the indexes are omitted', async () => {
    expect(await found({ sortField: 'task-id' })).toEqual(ALL);
  });

  it('pages filtered results and does not change getTaskCount', async () => {
    const filter: FilterSpec = { criteria: [{ field: 'task-state', value: 'created' }] };
    expect(await found({ ...filter, sortField: 'days-to-live', ascending: true, fromIndex: 1, toIndex: 3 })).toEqual([
      'a1',
      'a2',
    ]);
    expect(await taskCount(demo, filter)).toBe(4);
  });
});

describe('getTaskCount', () => {
  it('answers <count> as an integer', async () => {
    const payload = await demo.ok('getTaskCount', filterXml({ criteria: [{ field: 'request-id', value: requestIds.A }] }));
    expect(mustText('d:count', payload)).toBe('2');
  });
});
