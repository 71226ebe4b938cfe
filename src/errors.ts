/**
 * The error catalogue: every error Paraph reports, with a stable code, who is at fault and the HTTP
 * status used by the REST edges. SOAP edges always answer HTTP 500 with a SOAP 1.1 fault whose
 * faultcode is `soap:Client` or `soap:Server` (from `party`) and whose detail carries the code.
 * Each code is documented in docs/errors.md; a test keeps the two in step.
 */

export type Party = 'client' | 'server';

interface CatalogueEntry {
  readonly party: Party;
  readonly httpStatus: number;
  readonly summary: string;
}

export const errorCatalogue = {
  AUTH_FAILED: { party: 'client', httpStatus: 401, summary: 'Unknown service or wrong password.' },
  SERVICE_MISMATCH: {
    party: 'client',
    httpStatus: 403,
    summary: 'The credentials are valid, but for another service than the one in the URL.',
  },
  XML_MALFORMED: { party: 'client', httpStatus: 400, summary: 'The body is not well-formed XML.' },
  XML_DOCTYPE_FORBIDDEN: {
    party: 'client',
    httpStatus: 400,
    summary: 'The XML carries a DOCTYPE; DTDs and entities are never processed.',
  },
  BODY_TOO_LARGE: { party: 'client', httpStatus: 413, summary: 'The body is larger than the configured limit.' },
  BODY_EMPTY: { party: 'client', httpStatus: 400, summary: 'The body is empty.' },
  SOAP_ENVELOPE_INVALID: {
    party: 'client',
    httpStatus: 400,
    summary: 'The XML is not a SOAP 1.1 envelope with a payload in its Body.',
  },
  OPERATION_UNKNOWN: {
    party: 'client',
    httpStatus: 400,
    summary: "The Body's payload element names no operation of this service.",
  },
  FIELD_REQUIRED: { party: 'client', httpStatus: 400, summary: 'A required element or attribute is missing.' },
  FIELD_INVALID: {
    party: 'client',
    httpStatus: 400,
    summary: 'A value does not have the form its schema type asks for (boolean, integer, date, enumeration, base64).',
  },
  REQUEST_NOT_FOUND: {
    party: 'client',
    httpStatus: 404,
    summary: 'No request with this id exists for the calling service.',
  },
  REQUEST_DELETED: { party: 'client', httpStatus: 410, summary: 'The request was deleted.' },
  TASK_NOT_FOUND: { party: 'client', httpStatus: 404, summary: 'The request has no task with this id.' },
  TASK_ID_DUPLICATE: { party: 'client', httpStatus: 400, summary: 'Two tasks of one request share an id.' },
  TASK_NOT_ACTIVE: {
    party: 'client',
    httpStatus: 409,
    summary: 'The task is completed, rejected, expired or deleted, and the operation needs a waiting task.',
  },
  DOCUMENT_ID_DUPLICATE: { party: 'client', httpStatus: 400, summary: 'Two documents of one request share an id.' },
  DOCUMENT_NOT_FOUND: { party: 'client', httpStatus: 404, summary: 'The task has no document with this id.' },
  DOCUMENT_REF_UNKNOWN: {
    party: 'client',
    httpStatus: 400,
    summary: 'A document-action names a document-ref that is not a document of the request.',
  },
  DOCUMENT_ACTION_INVALID: {
    party: 'client',
    httpStatus: 400,
    summary: 'A document-action has neither or both of document-ref and an inline document.',
  },
  DOCUMENT_TYPE_UNSUPPORTED: {
    party: 'client',
    httpStatus: 400,
    summary: 'A provided-document has a mime-type other than application/pdf or text/plain.',
  },
  DOCUMENT_DATA_INVALID: {
    party: 'client',
    httpStatus: 400,
    summary: 'A provided-document has no data, data that is not base64, or data that does not match its mime-type.',
  },
  SUBJECT_ID_DUPLICATE: { party: 'client', httpStatus: 400, summary: 'Two subjects of one request share an id.' },
  SUBJECT_REF_UNKNOWN: {
    party: 'client',
    httpStatus: 400,
    summary: 'A task names a subject-ref that is not a subject of the request.',
  },
  SDS_DOCUMENT_NOT_FOUND: {
    party: 'client',
    httpStatus: 404,
    summary: 'No SDS document with this id exists for the calling service (or it has expired).',
  },
  ARCHIVE_DOCUMENT_NOT_FOUND: {
    party: 'client',
    httpStatus: 404,
    summary: 'No archived document with this id exists for the calling service.',
  },
  RESULT_DOCUMENT_REF_UNKNOWN: {
    party: 'client',
    httpStatus: 400,
    summary: 'A result-document names a task and document that are not in the request.',
  },
  PACKAGING_TASK_REF_UNKNOWN: {
    party: 'client',
    httpStatus: 400,
    summary: 'A reference names a packaging task, task or document that the request does not have.',
  },
  PACKAGING_TASK_NOT_FOUND: { party: 'client', httpStatus: 404, summary: 'The request has no packaging task.' },
  DEPENDENCY_UNKNOWN: {
    party: 'client',
    httpStatus: 400,
    summary: 'depends-on-task names a task that is not in the same request (or the task itself).',
  },
  DEPENDENCY_CYCLE: { party: 'client', httpStatus: 400, summary: 'depends-on-task forms a cycle.' },
  NOTIFICATION_ID_DUPLICATE: {
    party: 'client',
    httpStatus: 400,
    summary: 'A notification-id is used twice for the same request or task.',
  },
  NOTIFICATION_NOT_FOUND: { party: 'client', httpStatus: 404, summary: 'No notification has this notification-id.' },
  USER_SESSION_TASK_UNKNOWN: {
    party: 'client',
    httpStatus: 400,
    summary: 'A session-task names a request or task the calling service does not have.',
  },
  NATIONAL_ID_INVALID: {
    party: 'client',
    httpStatus: 400,
    summary: "The national id cannot be one of the signature method's country (length, digits, date or check digits).",
  },
  SIGNER_NOT_ALLOWED: {
    party: 'client',
    httpStatus: 403,
    summary: "The signer's national id is not the one the task's subject requires.",
  },
  SIGNATURE_METHOD_UNKNOWN: { party: 'client', httpStatus: 400, summary: 'No signature method has this name.' },
  SIGNATURE_METHOD_NOT_ALLOWED: {
    party: 'client',
    httpStatus: 400,
    summary: "The task's signature alternatives do not include this method.",
  },
  EID_CERTIFICATE_REVOKED: {
    party: 'client',
    httpStatus: 409,
    summary: "The signer's eID certificate is revoked or locked: the eID refuses to sign, and the task stays waiting.",
  },
  TASK_DEPENDENCIES_PENDING: {
    party: 'client',
    httpStatus: 409,
    summary: 'The task depends on tasks that are not completed yet.',
  },
  OPTIONAL_DOCUMENT_UNKNOWN: {
    party: 'client',
    httpStatus: 400,
    summary: 'A document chosen for signing is not an optional sign action of the task.',
  },
  UPLOAD_REQUIRED: {
    party: 'client',
    httpStatus: 400,
    summary: 'The task asks the signer to upload a document (a mandatory upload action) and the call uploads none for it.',
  },
  UPLOAD_DOCUMENT_UNKNOWN: {
    party: 'client',
    httpStatus: 400,
    summary: 'An upload names a document that is not an upload action of the task, or one that has its content already.',
  },
  SIGNED_RESULT_NOT_FOUND: {
    party: 'client',
    httpStatus: 404,
    summary: 'The document has no signed result (yet): the task is not completed, or the document was skipped or only viewed.',
  },
  JSON_INVALID: { party: 'client', httpStatus: 400, summary: 'The body is not the JSON this endpoint expects.' },
  PKI_PERSON_UNKNOWN: {
    party: 'client',
    httpStatus: 404,
    summary: 'The test PKI has no certificate for this person and method.',
  },
  PACKAGING_METHOD_UNSUPPORTED: {
    party: 'client',
    httpStatus: 400,
    summary: 'packaging-method names a method Paraph does not offer (it offers pades).',
  },
  VALIDATION_POLICY_UNSUPPORTED: {
    party: 'client',
    httpStatus: 400,
    summary: 'validation-policy names a policy Paraph does not offer (it offers ltvsdo-validator).',
  },
  SDO_NOT_FOUND: {
    party: 'client',
    httpStatus: 404,
    summary: 'A document-id names no signed result, SDS document or archived document of the calling service.',
  },
  SDO_INVALID: {
    party: 'client',
    httpStatus: 400,
    summary: 'An SDO failed validation: not an LTV-SDO, or its seal, native signature, certificate path or revocation data do not hold.',
  },
  SDO_DOCUMENTS_DIFFER: {
    party: 'client',
    httpStatus: 400,
    summary: 'The SDOs of one package sign different documents.',
  },
  ORIGINAL_DOCUMENT_UNREADABLE: {
    party: 'client',
    httpStatus: 400,
    summary: 'The original PDF cannot be packaged: encrypted, not a PDF, without pages, or damaged beyond repair.',
  },
  ORIGINAL_DOCUMENT_MISSING: {
    party: 'client',
    httpStatus: 400,
    summary: 'The SDOs hold only the digest of their document and no supplementary original matches it.',
  },
  NOT_FOUND: { party: 'client', httpStatus: 404, summary: 'Nothing is served at this address.' },
  INTERNAL_ERROR: { party: 'server', httpStatus: 500, summary: 'An unexpected error; the server log has the details.' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof errorCatalogue;

/** The one error class of Paraph: a code from the catalogue plus a message for the caller. */
export class ParaphError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ParaphError';
    this.code = code;
  }

  get party(): Party {
    return errorCatalogue[this.code].party;
  }

  get httpStatus(): number {
    return errorCatalogue[this.code].httpStatus;
  }
}

/** Anything thrown that is not a ParaphError becomes INTERNAL_ERROR; its message stays in the log. */
export function asParaphError(err: unknown): ParaphError {
  if (err instanceof ParaphError) return err;
  return new ParaphError('INTERNAL_ERROR', 'Internal error');
}
