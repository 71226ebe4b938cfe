import express, { type Request, type Response, type Router } from 'express';
import { asParaphError, ParaphError } from '../errors';
import type { Logger } from '../log';
import { isFamily } from '../pki/families';
import type { TestPki } from '../pki/test-pki';
import { sendHttpError } from '../http-error';
import { derToPem } from '../signing/der';

export interface TrustRoutesOptions {
  readonly pki: TestPki;
  readonly log: Logger;
}

const MAX_REQUEST_BYTES = 64 * 1024;

function send(res: Response, contentType: string, body: Buffer): void {
  res.status(200);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', body.length);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/**
 * Public trust services of the test PKI, reachable without credentials as real ones are: the RFC 3161
 * TSA, the RFC 6960 OCSP responder (GET and POST, for the AIA address in every certificate), and the
 * CA certificates to put in trust stores.
 */
export function trustRoutes(options: TrustRoutesOptions): Router {
  const router = express.Router();
  const { pki, log } = options;
  const raw = express.raw({ type: () => true, limit: MAX_REQUEST_BYTES });

  const handle =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response): void => {
      void fn(req, res).catch((err: unknown) => {
        const error = isTooLarge(err)
          ? new ParaphError('BODY_TOO_LARGE', `The request is larger than ${MAX_REQUEST_BYTES} bytes`)
          : asParaphError(err);
        if (error.code === 'INTERNAL_ERROR') log.error('trust service failed', { path: req.path, error: String(err) });
        if (!req.readableEnded) req.resume();
        sendHttpError(res, error, !req.readableEnded);
      });
    };

  const body = (req: Request, res: Response): Promise<Buffer> =>
    new Promise((resolve, reject) =>
      raw(req, res, (err?: unknown) => (err ? reject(err) : resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)))),
    );

  router.post(
    '/tsa',
    handle(async (req, res) => {
      const request = await body(req, res);
      // Bad requests get a TimeStampResp with status rejection, as RFC 3161 §2.4.2 asks, not an HTTP error.
      const reply = await pki.timestampReply(request);
      send(res, 'application/timestamp-reply', reply);
    }),
  );

  const ocsp = async (request: Buffer, res: Response): Promise<void> => {
    const reply = await pki.ocspReply(request);
    send(res, 'application/ocsp-response', reply);
  };
  router.post('/ocsp', handle(async (req, res) => ocsp(await body(req, res), res)));
  // RFC 6960 appendix A.1: GET {url}/{url-encoding of base64 of the DER request}.
  router.get(
    '/ocsp/*',
    handle(async (req, res) => {
      const encoded = req.path.slice('/ocsp/'.length);
      await ocsp(Buffer.from(decodeURIComponent(encoded), 'base64'), res);
    }),
  );

  router.get(
    '/pki/roots.pem',
    handle(async (_req, res) => send(res, 'application/x-pem-file', Buffer.from(await pki.rootsPem(), 'ascii'))),
  );
  router.get(
    '/pki/:family/:which.:format',
    handle(async (req, res) => {
      const { family, which, format } = req.params as { family: string; which: string; format: string };
      if (!isFamily(family) || (which !== 'root' && which !== 'issuing') || (format !== 'pem' && format !== 'cer')) {
        throw new ParaphError('NOT_FOUND', 'Nothing is served at this address');
      }
      const der = await pki.caCertificate(family, which);
      if (format === 'cer') send(res, 'application/pkix-cert', der);
      else send(res, 'application/x-pem-file', Buffer.from(derToPem(der), 'ascii'));
    }),
  );
  return router;
}

function isTooLarge(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { type?: unknown }).type === 'entity.too.large';
}
