/**
 * Builders for DocumentService v3 request XML (children in schema order, as WCF writes them) and
 * shortcuts for the calls most tests repeat.
 */
import { DocumentService, elements, esc, mustText } from './soap-client';

export interface SubjectSpec {
  id?: string;
  nationalId?: string;
  firstName?: string;
  lastName?: string;
  mobile?: string;
  email?: string;
}

export function subjectXml(s: SubjectSpec): string {
  const fields: Array<[string, string | undefined]> = [
    ['national-id', s.nationalId],
    ['first-name', s.firstName],
    ['last-name', s.lastName],
    ['mobile', s.mobile],
    ['email', s.email],
  ];
  const inner = fields.map(([name, v]) => (v === undefined ? '' : `<${name}>${esc(v)}</${name}>`)).join('');
  return `<subject${s.id === undefined ? '' : ` id="${esc(s.id)}"`}>${inner}</subject>`;
}

export function sdsDocument(id: string, sdsId: string, description = 'Kontrakt'): string {
  return `<document xsi:type="sds-document" id="${esc(id)}" ref-sds-id="${esc(sdsId)}"><description>${esc(description)}</description></document>`;
}

export function providedDocument(id: string, mimeType: string, data: Buffer, description = 'Vilkår'): string {
  return (
    `<document xsi:type="provided-document" id="${esc(id)}" mime-type="${esc(mimeType)}">` +
    `<data>${data.toString('base64')}</data><description>${esc(description)}</description></document>`
  );
}

export function archiveDocument(id: string, archiveId: string): string {
  return `<document xsi:type="archive-document" id="${esc(id)}" ref-archive-id="${esc(archiveId)}"/>`;
}

export function resultDocument(id: string, taskId: string, documentId: string): string {
  return `<document xsi:type="result-document" id="${esc(id)}" ref-task-id="${esc(taskId)}" ref-document-id="${esc(documentId)}"/>`;
}

export function packagingResultDocument(id: string, packagingTaskId: string): string {
  return `<document xsi:type="packaging-result-document" id="${esc(id)}" ref-packaging-task-id="${esc(packagingTaskId)}"/>`;
}

export function uploadDocument(id: string, description = 'Lønnsslipp'): string {
  return `<document xsi:type="upload-document" id="${esc(id)}"><description>${esc(description)}</description></document>`;
}

/** A document-action naming a request document. */
export function action(documentRef: string, type: 'sign' | 'view' | 'upload' = 'sign'): string {
  return `<document-action type="${type}"><document-ref>${esc(documentRef)}</document-ref></document-action>`;
}

/** A document-action with its document inline. */
export function inlineAction(documentXml: string, type: 'sign' | 'view' | 'upload' = 'sign'): string {
  return `<document-action type="${type}">${documentXml}</document-action>`;
}

export function notificationXml(id: string, type: 'SMS' | 'EMAIL' | 'URL' = 'URL', recipient = 'https://example.no/cb'): string {
  return (
    `<notification type="${type}" notification-id="${esc(id)}"><recipient>${esc(recipient)}</recipient>` +
    `<message>callbackurl</message><schedule><state-is>completed</state-is></schedule></notification>`
  );
}

export interface TaskSpec {
  id: string;
  subjectRef?: string;
  subject?: SubjectSpec;
  daysToLive?: number;
  actions: string[];
  notifications?: string[];
  /** Authentication methods; `artifact` sets `@artifact`. */
  authentication?: { methods: string[]; artifact?: boolean };
  dependsOn?: string[];
  language?: string;
  /** Signature methods offered (default nbid-sign). */
  methods?: string[];
}

export function taskXml(t: TaskSpec): string {
  let inner = '';
  if (t.subjectRef !== undefined) inner += `<subject-ref>${esc(t.subjectRef)}</subject-ref>`;
  if (t.subject !== undefined) inner += subjectXml(t.subject);
  if (t.daysToLive !== undefined) inner += `<days-to-live>${t.daysToLive}</days-to-live>`;
  inner += t.actions.join('');
  inner += (t.notifications ?? []).join('');
  if (t.authentication) {
    const a = t.authentication;
    const attr = a.artifact === undefined ? '' : ` artifact="${a.artifact}"`;
    inner += `<authentication${attr}>${a.methods.map((m) => `<method>${esc(m)}</method>`).join('')}</authentication>`;
  }
  inner += (t.dependsOn ?? []).map((d) => `<depends-on-task>${esc(d)}</depends-on-task>`).join('');
  if (t.language !== undefined) inner += `<language>${esc(t.language)}</language>`;
  inner += `<signature>${(t.methods ?? ['nbid-sign']).map((m) => `<method>${esc(m)}</method>`).join('')}</signature>`;
  return `<task id="${esc(t.id)}">${inner}</task>`;
}

export interface RequestSpec {
  profile?: string;
  language?: string;
  subjects?: SubjectSpec[];
  documents?: string[];
  tasks: TaskSpec[];
  clientReference?: string;
  senderUniqueId?: string;
  notifications?: string[];
  account?: string;
  /** Raw `<packaging-task>` elements. */
  packagingTasks?: string[];
}

export function requestXml(r: RequestSpec): string {
  let inner = '';
  if (r.profile !== undefined) inner += `<profile>${esc(r.profile)}</profile>`;
  if (r.language !== undefined) inner += `<language>${esc(r.language)}</language>`;
  inner += (r.subjects ?? []).map(subjectXml).join('');
  inner += (r.documents ?? []).join('');
  inner += r.tasks.map(taskXml).join('');
  if (r.clientReference !== undefined) inner += `<client-reference>${esc(r.clientReference)}</client-reference>`;
  if (r.senderUniqueId !== undefined) inner += `<sender><unique-id>${esc(r.senderUniqueId)}</unique-id></sender>`;
  inner += (r.notifications ?? []).join('');
  if (r.account !== undefined) inner += `<account>${esc(r.account)}</account>`;
  inner += (r.packagingTasks ?? []).join('');
  return `<request>${inner}</request>`;
}

export function packagingTaskXml(id: string, documents: Array<{ taskId: string; documentId: string }>): string {
  const docs = documents
    .map((d) => `<packaging-task-document task-id="${esc(d.taskId)}" document-id="${esc(d.documentId)}"/>`)
    .join('');
  return `<packaging-task packaging-task-id="${esc(id)}" method="pades">${docs}</packaging-task>`;
}

/** The smallest useful request: one task signing one SDS document. */
export function simpleRequest(sdsId: string, overrides: Partial<RequestSpec> = {}): RequestSpec {
  return {
    documents: [sdsDocument('doc_1', sdsId)],
    tasks: [{ id: 'task_1', subject: { nationalId: '01017012345' }, actions: [action('doc_1')] }],
    ...overrides,
  };
}

/** createRequest with the given requests; returns the payload. */
export async function createRequests(svc: DocumentService, requests: RequestSpec[]): Promise<Element> {
  return svc.ok('createRequest', requests.map(requestXml).join(''));
}

/** createRequest with one request; returns its id. */
export async function createRequest(svc: DocumentService, request: RequestSpec): Promise<string> {
  return mustText('d:request-id', await createRequests(svc, [request]));
}

export interface TaskStatus {
  requestId: string;
  taskId: string;
  status: string;
  clientReference?: string;
  clientStatus?: string;
}

export async function getStatus(svc: DocumentService, ...requestIds: string[]): Promise<TaskStatus[]> {
  const payload = await svc.ok('getStatus', requestIds.map((id) => `<request-id>${esc(id)}</request-id>`).join(''));
  return elements('d:task-status-info', payload).map((info) => {
    const out: TaskStatus = {
      requestId: mustText('d:request-id', info),
      taskId: mustText('d:task-id', info),
      status: mustText('d:task-status', info),
    };
    const ref = elements('d:client-reference', info)[0];
    if (ref) out.clientReference = ref.textContent ?? '';
    const cs = elements('d:client-status', info)[0];
    if (cs) out.clientStatus = cs.textContent ?? '';
    return out;
  });
}

/** The status of one task, from getStatus. */
export async function statusOf(svc: DocumentService, requestId: string, taskId: string): Promise<string | undefined> {
  return (await getStatus(svc, requestId)).find((s) => s.taskId === taskId)?.status;
}

export interface HistoryEntry {
  event: string;
  time: string;
  data?: string;
}

export async function history(svc: DocumentService, requestId: string, taskId: string): Promise<HistoryEntry[]> {
  const payload = await svc.ok(
    'getRequestHistory',
    `<request-id>${esc(requestId)}</request-id><task-id>${esc(taskId)}</task-id>`,
  );
  return elements('d:event', payload).map((e) => {
    const entry: HistoryEntry = { event: mustText('d:event', e), time: mustText('d:event-time', e) };
    const data = elements('d:data', e)[0];
    if (data) entry.data = data.textContent ?? '';
    return entry;
  });
}

export interface Criterion {
  field: string;
  value: string;
  operator?: 'equals' | 'not-equals' | 'contains' | 'less-than' | 'greater-than';
  caseSensitive?: boolean;
  /** How `<value>` is typed: WCF `xsd:string` (default), JAXB `xs:string`, another xsd type, or untyped. */
  valueType?: 'wcf' | 'jaxb' | 'none' | 'xsd:dateTime' | 'xsd:int';
}

export function criteriaXml(c: Criterion): string {
  let value: string;
  switch (c.valueType ?? 'wcf') {
    case 'wcf':
      value = `<value xsi:type="xsd:string">${esc(c.value)}</value>`;
      break;
    case 'jaxb':
      value = `<value xmlns:xs="http://www.w3.org/2001/XMLSchema" xsi:type="xs:string">${esc(c.value)}</value>`;
      break;
    case 'none':
      value = `<value>${esc(c.value)}</value>`;
      break;
    default:
      value = `<value xsi:type="${c.valueType}">${esc(c.value)}</value>`;
  }
  const operator = c.operator === undefined ? '' : `<operator>${c.operator}</operator>`;
  const cs = c.caseSensitive === undefined ? '' : `<case-sensitive>${c.caseSensitive}</case-sensitive>`;
  return `<criteria><field>${c.field}</field>${value}${operator}${cs}</criteria>`;
}

export interface FilterSpec {
  criteria?: Criterion[];
  fromDate?: string;
  toDate?: string;
}

export function filterXml(f: FilterSpec = {}): string {
  let inner = (f.criteria ?? []).map(criteriaXml).join('');
  if (f.fromDate !== undefined) inner += `<from-date>${f.fromDate}</from-date>`;
  if (f.toDate !== undefined) inner += `<to-date>${f.toDate}</to-date>`;
  return `<filter>${inner}</filter>`;
}

export interface FindSpec extends FilterSpec {
  fromIndex?: number;
  toIndex?: number;
  sortField?: string;
  ascending?: boolean;
}

/** findTasks; returns the `task` elements. */
export async function findTasks(svc: DocumentService, spec: FindSpec = {}): Promise<Element[]> {
  let inner = filterXml(spec);
  if (spec.fromIndex !== undefined) inner += `<from-index>${spec.fromIndex}</from-index>`;
  if (spec.toIndex !== undefined) inner += `<to-index>${spec.toIndex}</to-index>`;
  if (spec.sortField !== undefined) inner += `<sort-field>${spec.sortField}</sort-field>`;
  if (spec.ascending !== undefined) inner += `<ascending>${spec.ascending}</ascending>`;
  const payload = await svc.ok('findTasks', inner);
  return elements('*', payload);
}

export async function taskCount(svc: DocumentService, filter: FilterSpec = {}): Promise<number> {
  const payload = await svc.ok('getTaskCount', filterXml(filter));
  return Number(mustText('d:count', payload));
}
