import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { ServiceAccount, ServiceRegistry } from '../auth/service-registry';
import type { DocumentDeps } from '../documents/deps';
import { expireTask } from '../documents/expire-task';
import { rejectTask } from '../documents/reject-task';
import { signTask, type SignTaskInput } from '../documents/sign-task';
import { findEidMethod } from '../eid/methods';
import { asParaphError, ParaphError } from '../errors';
import type { Logger } from '../log';
import { authenticateBasic } from '../auth/basic-auth';
import { sendJsonError } from './json-errors';
import { openApiDocument } from './openapi';
import { JsonFields } from './read-json';

export interface ControlApiOptions {
  readonly registry: ServiceRegistry;
  readonly documents: DocumentDeps;
  readonly log: Logger;
}

type Handler = (req: Request, account: ServiceAccount) => Promise<unknown>;

function readSignInput(req: Request): SignTaskInput {
  const body = JsonFields.of(req.body);
  const signer = body.object('signer');
  const client = body.optionalObject('client');
  const mobile = signer.optionalString('mobile');
  const email = signer.optionalString('email');
  const optionalDocuments = body.optionalStrings('optionalDocuments');
  const uploads = body.optionalObjects('uploads')?.map((u) => ({ documentId: u.string('documentId'), sdsId: u.string('sdsId') }));
  const named = new Set<string>();
  for (const upload of uploads ?? []) {
    if (named.has(upload.documentId)) throw new ParaphError('JSON_INVALID', `uploads names document ${upload.documentId} twice`);
    named.add(upload.documentId);
  }
  const ip = client?.optionalString('ip') ?? req.socket.remoteAddress;
  const userAgent = client?.optionalString('userAgent') ?? req.headers['user-agent'];
  return {
    method: body.string('method'),
    signer: {
      nationalId: signer.string('nationalId'),
      firstName: signer.string('firstName'),
      lastName: signer.string('lastName'),
      ...(mobile !== undefined ? { mobile } : {}),
      ...(email !== undefined ? { email } : {}),
    },
    ...(optionalDocuments ? { optionalDocuments } : {}),
    ...(uploads ? { uploads } : {}),
    client: { ...(ip !== undefined ? { ip } : {}), ...(userAgent !== undefined ? { userAgent } : {}) },
  };
}

/**
 * The emulator control API (docs/emulator-api.md): what a test harness does in place of a person in
 * the portal. It calls the same domain operations the portal calls; it holds no rule of its own.
 */
export function controlApi(options: ControlApiOptions): Router {
  const router = express.Router();
  const { documents, log } = options;
  const json = express.json({ limit: '64kb', type: () => true });

  router.get('/emulator/v1/openapi.json', (_req, res) => {
    const body = Buffer.from(JSON.stringify(openApiDocument(documents.publicBaseUrl), null, 2), 'utf8');
    res.status(200).setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', body.length);
    res.end(body);
  });

  const guarded =
    (handler: Handler) =>
    (req: Request, res: Response, _next: NextFunction): void => {
      void (async () => {
        try {
          const account = authenticateBasic(options.registry, req, String(req.params.service));
          await new Promise<void>((resolve, reject) => json(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
          const result = await handler(req, account);
          const body = Buffer.from(JSON.stringify(result), 'utf8');
          res.status(200).setHeader('Content-Type', 'application/json; charset=utf-8');
          res.setHeader('Content-Length', body.length);
          res.end(body);
        } catch (err) {
          const error = jsonBodyError(err) ?? asParaphError(err);
          if (error.code === 'INTERNAL_ERROR') log.error('control api failed', { path: req.path, error: String(err) });
          if (!req.readableEnded) req.resume();
          sendJsonError(res, error);
        }
      })();
    };

  const task = '/emulator/v1/:service/requests/:requestId/tasks/:taskId';
  const ids = (req: Request): [string, string] => [String(req.params.requestId), String(req.params.taskId)];

  router.post(
    `${task}/sign`,
    guarded(async (req, account) => {
      const input = readSignInput(req);
      const result = await signTask(documents, account, ...ids(req), input);
      log.info('task signed', { service: account.name, requestId: result.requestId, taskId: result.taskId, method: input.method });
      return result;
    }),
  );
  router.post(`${task}/reject`, guarded((req, account) => rejectTask(documents, account, ...ids(req))));
  router.post(`${task}/expire`, guarded((req, account) => expireTask(documents, account, ...ids(req))));

  router.post(
    '/emulator/v1/:service/pki/revoke',
    guarded(async (req) => {
      const body = JsonFields.of(req.body);
      const method = findEidMethod(body.string('method'));
      const reason = body.optionalString('reason') ?? 'revoked';
      if (reason !== 'revoked' && reason !== 'locked') {
        throw new ParaphError('JSON_INVALID', 'reason must be "revoked" or "locked"');
      }
      documents.pki.setPersonStatus(method, body.string('nationalId'), reason);
      return { method: method.name, status: reason };
    }),
  );
  router.post(
    '/emulator/v1/:service/pki/unlock',
    guarded(async (req) => {
      const body = JsonFields.of(req.body);
      const method = findEidMethod(body.string('method'));
      documents.pki.setPersonStatus(method, body.string('nationalId'), 'active');
      return { method: method.name, status: 'active' };
    }),
  );

  router.all(
    '/emulator/*',
    (_req: Request, res: Response): void => sendJsonError(res, new ParaphError('NOT_FOUND', 'Nothing is served at this address')),
  );
  return router;
}

/** body-parser's errors, in the catalogue's terms. */
function jsonBodyError(err: unknown): ParaphError | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  const type = (err as { type: unknown }).type;
  if (type === 'entity.too.large') return new ParaphError('BODY_TOO_LARGE', 'The body is larger than 64 KiB');
  if (type === 'entity.parse.failed') return new ParaphError('JSON_INVALID', 'The body is not valid JSON');
  if (typeof type === 'string' && type.startsWith('charset') || type === 'encoding.unsupported') {
    return new ParaphError('JSON_INVALID', 'The body must be UTF-8 JSON');
  }
  return undefined;
}
