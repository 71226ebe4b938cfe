import { ParaphError } from '../errors';
import type { SqlParam } from '../store/document-store';
import { parseDateTime } from '../soap/decode';
import type { LogicalOperator, TaskFilter, TaskFilterField } from './wire-types';

/**
 * Turns a `task-filter` into a WHERE clause over `tasks t`, always scoped to the calling service.
 * Criteria are joined by AND. Text compares as text (`case-sensitive` false folds Unicode case),
 * `days-to-live` as a number, `created` and `last-updated` as instants. A field that a task holds
 * several values of (its documents) matches when any of them does; `not-equals` when none is equal.
 */

type Kind = 'text' | 'number' | 'date';

interface Column {
  readonly kind: Kind;
  /** A scalar SQL expression over `t`, or the value column of a per-document subquery. */
  readonly expr: string;
  readonly perDocument?: boolean;
}

const DOCUMENTS = `FROM task_documents td JOIN documents d ON d.request_id = td.request_id
  AND d.document_id = td.document_id WHERE td.request_id = t.request_id AND td.task_id = t.task_id`;
const REQUEST = (column: string): string => `(SELECT r.${column} FROM requests r WHERE r.id = t.request_id)`;

const COLUMNS: Readonly<Record<TaskFilterField, Column>> = {
  id: { kind: 'text', expr: 'CAST(t.pk AS TEXT)' },
  'request-id': { kind: 'text', expr: 't.request_id' },
  'task-id': { kind: 'text', expr: 't.task_id' },
  'document-id': { kind: 'text', expr: 'd.document_id', perDocument: true },
  'archive-id': { kind: 'text', expr: 'd.archive_id', perDocument: true },
  'document-description': { kind: 'text', expr: 'd.description', perDocument: true },
  'mime-type': { kind: 'text', expr: 'd.mime_type', perDocument: true },
  account: { kind: 'text', expr: REQUEST('account') },
  language: { kind: 'text', expr: 't.language' },
  'task-state': { kind: 'text', expr: 't.status' },
  'subject-first-name': { kind: 'text', expr: 't.subject_first_name' },
  'subject-last-name': { kind: 'text', expr: 't.subject_last_name' },
  'subject-email': { kind: 'text', expr: 't.subject_email' },
  'subject-national-id': { kind: 'text', expr: 't.subject_national_id' },
  'subject-mobile': { kind: 'text', expr: 't.subject_mobile' },
  'authentication-type': { kind: 'text', expr: 't.authentication_type' },
  created: { kind: 'date', expr: 't.created_at' },
  'last-updated': { kind: 'date', expr: 't.last_updated' },
  signer: { kind: 'text', expr: 't.signer' },
  'sender-unique-id': { kind: 'text', expr: REQUEST('sender_unique_id') },
  'client-reference': { kind: 'text', expr: REQUEST('client_reference') },
  'client-status': { kind: 'text', expr: 't.client_status' },
  'days-to-live': { kind: 'number', expr: 't.days_to_live' },
};

function typedValue(kind: Kind, raw: string, field: string): SqlParam {
  if (kind === 'number') {
    if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw new ParaphError('FIELD_INVALID', `criteria ${field}: "${raw}" is not a number`);
    return Number(raw);
  }
  if (kind === 'date') {
    const date = parseDateTime(raw.trim());
    if (!date) throw new ParaphError('FIELD_INVALID', `criteria ${field}: "${raw}" is not an xs:dateTime`);
    return date.toISOString();
  }
  return raw;
}

function comparison(expr: string, operator: LogicalOperator, caseSensitive: boolean, kind: Kind): string {
  const fold = kind === 'text' && !caseSensitive;
  const e = fold ? `ulower(${expr})` : expr;
  const v = fold ? 'ulower(?)' : '?';
  switch (operator) {
    case 'equals':
      return `${e} = ${v}`;
    case 'not-equals':
      return `(${expr} IS NULL OR ${e} <> ${v})`;
    case 'contains':
      return `instr(CAST(${e} AS TEXT), CAST(${v} AS TEXT)) > 0`;
    case 'less-than':
      return `${e} < ${v}`;
    case 'greater-than':
      return `${e} > ${v}`;
  }
}

export interface TaskQuery {
  where: string;
  params: SqlParam[];
}

export function buildTaskQuery(service: string, filter: TaskFilter | undefined): TaskQuery {
  const clauses = ['t.service = ?'];
  const params: SqlParam[] = [service];
  for (const [i, c] of (filter?.criteria ?? []).entries()) {
    if (!c.field) throw new ParaphError('FIELD_REQUIRED', `filter/criteria[${i + 1}]/field is required`);
    const column = COLUMNS[c.field];
    const operator = c.operator ?? 'equals';
    const value = typedValue(column.kind, c.value ?? '', c.field);
    const caseSensitive = c.caseSensitive ?? true;
    if (column.perDocument) {
      const negate = operator === 'not-equals';
      const test = comparison(column.expr, negate ? 'equals' : operator, caseSensitive, column.kind);
      clauses.push(`${negate ? 'NOT ' : ''}EXISTS (SELECT 1 ${DOCUMENTS} AND ${test})`);
    } else {
      clauses.push(comparison(column.expr, operator, caseSensitive, column.kind));
    }
    params.push(value);
  }
  if (filter?.fromDate) {
    clauses.push('t.created_at >= ?');
    params.push(filter.fromDate.toISOString());
  }
  if (filter?.toDate) {
    clauses.push('t.created_at <= ?');
    params.push(filter.toDate.toISOString());
  }
  return { where: `WHERE ${clauses.join(' AND ')}`, params };
}

/** ORDER BY for `sort-field` (per-document fields sort by the task's first document); ties by creation. */
export function orderBy(field: TaskFilterField | undefined, ascending: boolean | undefined): string {
  const direction = ascending === false ? 'DESC' : 'ASC';
  if (!field) return `ORDER BY t.created_at ${direction}, t.pk ${direction}`;
  const column = COLUMNS[field];
  const expr = column.perDocument ? `(SELECT ${column.expr} ${DOCUMENTS} ORDER BY td.seq LIMIT 1)` : column.expr;
  const sortable = field === 'id' ? 't.pk' : expr;
  return `ORDER BY ${sortable} ${direction}, t.pk ${direction}`;
}
