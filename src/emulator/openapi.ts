import { errorCatalogue } from '../errors';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ERROR = { $ref: '#/components/schemas/Error' };

function errorResponse(description: string): Json {
  return { description, content: { 'application/json': { schema: ERROR } } };
}

const COMMON_ERRORS: Record<string, Json> = {
  '400': errorResponse('JSON_INVALID, NATIONAL_ID_INVALID, SIGNATURE_METHOD_UNKNOWN and other client mistakes'),
  '401': errorResponse('AUTH_FAILED: missing or wrong credentials (with a WWW-Authenticate challenge)'),
  '403': errorResponse('SERVICE_MISMATCH: credentials of another service; SIGNER_NOT_ALLOWED'),
  '404': errorResponse('REQUEST_NOT_FOUND, TASK_NOT_FOUND, PKI_PERSON_UNKNOWN'),
  '409': errorResponse('TASK_NOT_ACTIVE, TASK_DEPENDENCIES_PENDING, EID_CERTIFICATE_REVOKED'),
  '410': errorResponse('REQUEST_DELETED'),
};

const TASK_PARAMETERS: Json = [
  { name: 'service', in: 'path', required: true, schema: { type: 'string' }, example: 'demo' },
  { name: 'requestId', in: 'path', required: true, schema: { type: 'string' } },
  { name: 'taskId', in: 'path', required: true, schema: { type: 'string' }, example: 'task_1' },
];

const SERVICE_PARAMETER: Json = [{ name: 'service', in: 'path', required: true, schema: { type: 'string' }, example: 'demo' }];

function taskStateChange(summary: string, status: string): Json {
  return {
    summary,
    parameters: TASK_PARAMETERS,
    responses: {
      '200': {
        description: `The task is now ${status}`,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['requestId', 'taskId', 'status'],
              properties: { requestId: { type: 'string' }, taskId: { type: 'string' }, status: { type: 'string', enum: [status] } },
            },
          },
        },
      },
      ...COMMON_ERRORS,
    },
  };
}

/** The OpenAPI 3.0 description of the emulator control API, served at /emulator/v1/openapi.json. */
export function openApiDocument(publicBaseUrl: string): Json {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Paraph emulator control API',
      version: '1.0.0',
      description:
        'Drives signers without a browser: sign, reject or expire a task, revoke or lock a test person. ' +
        'Signing here runs exactly the code the signing portal runs. Credentials: HTTP Basic with the ' +
        'service name and its web-service password.',
    },
    servers: [{ url: publicBaseUrl }],
    security: [{ basic: [] }],
    paths: {
      '/emulator/v1/{service}/requests/{requestId}/tasks/{taskId}/sign': {
        post: {
          summary: "Sign a waiting task as a test person: its mandatory sign actions and the optional ones listed",
          parameters: TASK_PARAMETERS,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/SignRequest' } } },
          },
          responses: {
            '200': {
              description: 'The task is completed; each signed document has its result URI',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/SignResult' } } },
            },
            ...COMMON_ERRORS,
          },
        },
      },
      '/emulator/v1/{service}/requests/{requestId}/tasks/{taskId}/reject': {
        post: taskStateChange('The signer refuses the task', 'rejected'),
      },
      '/emulator/v1/{service}/requests/{requestId}/tasks/{taskId}/expire': {
        post: taskStateChange('Expire the task now, as if its days-to-live had passed', 'expired'),
      },
      '/emulator/v1/{service}/pki/revoke': {
        post: {
          summary: "Revoke or lock a test person's eID certificates of a method's family",
          parameters: SERVICE_PARAMETER,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/RevokeRequest' } } },
          },
          responses: {
            '200': {
              description: 'OCSP now answers revoked (reason keyCompromise) or, when locked, certificateHold',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/PersonStatus' } } },
            },
            ...COMMON_ERRORS,
          },
        },
      },
      '/emulator/v1/{service}/pki/unlock': {
        post: {
          summary: 'Lift a lock (revoked certificates stay revoked; the next signature gets a new certificate)',
          parameters: SERVICE_PARAMETER,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/PersonRequest' } } },
          },
          responses: {
            '200': {
              description: 'The person can sign again',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/PersonStatus' } } },
            },
            ...COMMON_ERRORS,
          },
        },
      },
    },
    components: {
      securitySchemes: { basic: { type: 'http', scheme: 'basic' } },
      schemas: {
        Method: { type: 'string', enum: ['nbid-sign', 'nemid-sign', 'sbid-sign', 'nets-sms', 'email-otp'] },
        Signer: {
          type: 'object',
          required: ['nationalId', 'firstName', 'lastName'],
          properties: {
            nationalId: {
              type: 'string',
              description: 'Norwegian fødselsnummer (11 digits), Danish CPR (10) or Swedish personnummer (12)',
            },
            firstName: { type: 'string' },
            lastName: { type: 'string' },
            mobile: { type: 'string', description: 'nets-sms: where the one-time code went' },
            email: { type: 'string', description: 'email-otp: where the one-time code went' },
          },
        },
        SignRequest: {
          type: 'object',
          required: ['method', 'signer'],
          properties: {
            method: { $ref: '#/components/schemas/Method' },
            signer: { $ref: '#/components/schemas/Signer' },
            optionalDocuments: { type: 'array', items: { type: 'string' }, description: 'ids of optional sign actions to sign too' },
            uploads: {
              type: 'array',
              description:
                "what the signer uploads for the task's upload actions: an SDS document of the service (application/pdf or text/plain) per document; mandatory upload actions need one, optional ones without one are skipped",
              items: {
                type: 'object',
                required: ['documentId', 'sdsId'],
                properties: { documentId: { type: 'string' }, sdsId: { type: 'string', description: 'from POST /doc/{service}/sds' } },
              },
            },
            client: {
              type: 'object',
              description: "The signer's browser, for the result's client context (defaults: this call's)",
              properties: { ip: { type: 'string' }, userAgent: { type: 'string' } },
            },
          },
        },
        SignResult: {
          type: 'object',
          required: ['requestId', 'taskId', 'status', 'documents'],
          properties: {
            requestId: { type: 'string' },
            taskId: { type: 'string' },
            status: { type: 'string', enum: ['completed'] },
            documents: {
              type: 'array',
              items: {
                type: 'object',
                required: ['documentId', 'action'],
                properties: {
                  documentId: { type: 'string' },
                  action: { type: 'string', enum: ['sign', 'view', 'upload', 'skipped'] },
                  resultUri: { type: 'string', description: 'the LTV-SDO: …/order/{r}/{t}/{d}/sdo, or …/archive/{id}' },
                  archiveId: { type: 'string' },
                },
              },
            },
          },
        },
        PersonRequest: {
          type: 'object',
          required: ['method', 'nationalId'],
          properties: { method: { $ref: '#/components/schemas/Method' }, nationalId: { type: 'string' } },
        },
        RevokeRequest: {
          allOf: [
            { $ref: '#/components/schemas/PersonRequest' },
            { type: 'object', properties: { reason: { type: 'string', enum: ['revoked', 'locked'], default: 'revoked' } } },
          ],
        },
        PersonStatus: {
          type: 'object',
          properties: { method: { $ref: '#/components/schemas/Method' }, status: { type: 'string', enum: ['revoked', 'locked', 'active'] } },
        },
        Error: {
          type: 'object',
          required: ['code', 'message'],
          properties: { code: { type: 'string', enum: Object.keys(errorCatalogue) }, message: { type: 'string' } },
        },
      },
    },
  };
}
