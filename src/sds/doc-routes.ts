import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { pipeline } from 'node:stream/promises';
import type { ServiceAccount, ServiceRegistry } from '../auth/service-registry';
import type { DocumentDeps } from '../documents/deps';
import { getArchiveDocument } from '../archive/get-archive-document';
import { getOriginalDocument } from '../documents/get-original-document';
import { getSignedResult } from '../documents/get-signed-result';
import { asParaphError, ParaphError } from '../errors';
import type { Logger } from '../log';
import type { BlobStore } from '../store/blob-store';
import { authenticateBasic } from '../auth/basic-auth';
import { sendHttpError } from '../http-error';
import type { SdsDocuments } from './sds-documents';

export interface DocRoutesOptions {
  readonly registry: ServiceRegistry;
  readonly sds: SdsDocuments;
  readonly documents: DocumentDeps;
  readonly blobs: BlobStore;
  readonly publicBaseUrl: string;
  readonly log: Logger;
}

type Handler = (req: Request, res: Response, account: ServiceAccount) => Promise<void>;

/**
 * `/doc/{service}/…`: the SDS REST API (CONTRACT.md §4), the order document URLs that getStatus
 * hands out (originals and signed results) and archived documents. Every route needs HTTP Basic credentials of the service in the path.
 */
export function docRoutes(options: DocRoutesOptions): Router {
  const router = express.Router();
  const { sds, log } = options;

  const guarded =
    (handler: Handler) =>
    (req: Request, res: Response, _next: NextFunction): void => {
      const service = String(req.params.service);
      void (async () => {
        try {
          const account = authenticateBasic(options.registry, req, service);
          await handler(req, res, account);
        } catch (err) {
          const error = asParaphError(err);
          if (error.code === 'INTERNAL_ERROR') log.error('doc route failed', { path: req.path, error: String(err) });
          // An unread request body (a refused upload) must not be taken for the next request.
          const unread = !req.readableEnded;
          if (unread) req.resume();
          sendHttpError(res, error, unread);
        }
      })();
    };

  const sendBlob = async (res: Response, blob: string, contentType: string, size: number): Promise<void> => {
    // The stored Content-Type goes back byte for byte: clients compare it with equals.
    res.status(200);
    res.setHeader('Content-Type', contentType);
    res.setHeader('Content-Length', size);
    await pipeline(options.blobs.openRead(blob), res);
  };

  const upload: Handler = async (req, res, account) => {
    const contentType = req.headers['content-type'] ?? 'application/octet-stream';
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > sds.options.maxBytes) {
      throw new ParaphError('BODY_TOO_LARGE', `The document is larger than the limit of ${sds.options.maxBytes} bytes`);
    }
    const row = await sds.upload(account.name, contentType, req);
    const body = Buffer.from(row.id, 'latin1');
    res.status(201);
    res.setHeader('Location', `${options.publicBaseUrl}/doc/${encodeURIComponent(account.name)}/sds/${row.id}`);
    // Set by hand: express would rewrite the charset, and the id goes out without a newline.
    res.setHeader('Content-Type', 'text/plain;charset=ISO-8859-1');
    res.setHeader('Content-Length', body.length);
    res.end(body);
    log.info('sds upload', { service: account.name, id: row.id, bytes: row.size });
  };

  router.post(['/doc/:service/sds', '/doc/:service/sds/'], guarded(upload));

  router.get(
    '/doc/:service/sds/:id',
    guarded(async (req, res, account) => {
      const row = sds.get(account.name, String(req.params.id));
      await sendBlob(res, row.blob, row.contentType, row.size);
    }),
  );

  router.delete(
    '/doc/:service/sds/:id',
    guarded(async (req, res, account) => {
      await sds.remove(account.name, String(req.params.id));
      res.status(204).end();
    }),
  );

  router.get(
    '/doc/:service/order/:requestId/:taskId/:documentId/original',
    guarded(async (req, res, account) => {
      const { blob, mimeType } = getOriginalDocument(
        options.documents,
        account,
        String(req.params.requestId),
        String(req.params.taskId),
        String(req.params.documentId),
      );
      await sendBlob(res, blob, mimeType, await options.blobs.size(blob));
    }),
  );

  router.get(
    '/doc/:service/order/:requestId/:taskId/:documentId/sdo',
    guarded(async (req, res, account) => {
      const { blob, mimeType } = getSignedResult(
        options.documents,
        account,
        String(req.params.requestId),
        String(req.params.taskId),
        String(req.params.documentId),
      );
      await sendBlob(res, blob, mimeType, await options.blobs.size(blob));
    }),
  );

  router.get(
    '/doc/:service/archive/:archiveId',
    guarded(async (req, res, account) => {
      const { blob, mimeType } = getArchiveDocument(options.documents.store, account, String(req.params.archiveId));
      await sendBlob(res, blob, mimeType, await options.blobs.size(blob));
    }),
  );

  router.all(
    '/doc/:service/*',
    guarded(async () => {
      throw new ParaphError('NOT_FOUND', 'Nothing is served at this address');
    }),
  );

  return router;
}
