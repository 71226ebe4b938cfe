import express, { type NextFunction, type Request, type Response } from 'express';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ServiceRegistry } from './auth/service-registry';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import type { DocumentDeps } from './documents/deps';
import { expireDueTasks } from './documents/expire-tasks';
import { asParaphError, ParaphError } from './errors';
import { randomIds, type IdGenerator } from './ids';
import { createLogger, type Logger } from './log';
import { authenticateBasic } from './auth/basic-auth';
import { sendHttpError } from './http-error';
import { docPathService } from './sds/doc-path';
import { docRoutes } from './sds/doc-routes';
import { SdsDocuments } from './sds/sds-documents';
import { controlApi } from './emulator/control-api';
import { loadPkcs12 } from './pki/load-pkcs12';
import { TestPki } from './pki/test-pki';
import { archiveServiceHandlers } from './soap/archive-service-v3';
import { documentServiceHandlers } from './soap/document-service-v3';
import { packagingError, packagingServiceHandlers } from './soap/packaging-service-v4';
import { defaultTemplate } from './packaging/signature-page-template';
import type { PackagingDeps } from './packaging/deps';
import { runPackagingTasks } from './packaging/run-packaging-tasks';
import { loadWsdl } from './soap/load-wsdl';
import { soapEndpoint } from './soap/soap-endpoint';
import { BlobStore } from './store/blob-store';
import { openDatabase, type Db } from './store/database';
import { DocumentStore } from './store/document-store';
import { PkiStore } from './store/pki-store';
import { SdsStore } from './store/sds-store';
import { trustRoutes } from './trust/routes';
import { readFileSync } from 'node:fs';
import { WalSync } from './store/wal-sync';

/** Where our WSDLs live, relative to this file both in src/ (tests) and in dist/src/ (built). */
function wsdlDir(): string {
  return __dirname.includes(`${join('dist', 'src')}`) ? join(__dirname, '..', '..', 'wsdl') : join(__dirname, '..', 'wsdl');
}

export interface ParaphOverrides {
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  readonly log?: Logger;
}

export interface Paraph {
  readonly config: Config;
  readonly app: express.Express;
  readonly db: Db;
  readonly documents: DocumentDeps;
  readonly sds: SdsDocuments;
  readonly pki: TestPki;
  /** Starts listening (port 0 picks a free one) and the background sweeps. */
  listen(port?: number): Promise<{ server: Server; url: string }>;
  /** Runs the periodic work once: expire tasks, purge expired SDS documents. */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

/** The version in package.json, written into signed results. */
function packageVersion(): string {
  const root = join(wsdlDir(), '..');
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Composes Paraph from its edges: SOAP services, the /doc REST routes, over one store. */
export async function createParaph(config: Config, overrides: ParaphOverrides = {}): Promise<Paraph> {
  const clock = overrides.clock ?? systemClock;
  const ids = overrides.ids ?? randomIds(clock);
  const log = overrides.log ?? createLogger(config.logLevel);
  const dbFile = join(config.dataDir, 'paraph.sqlite');
  const db = openDatabase(dbFile);
  const walSync = new WalSync(`${dbFile}-wal`);
  const blobs = new BlobStore(join(config.dataDir, 'blobs'));
  const registry = new ServiceRegistry(config.services);
  const pki = new TestPki(new PkiStore(db), {
    dataDir: config.dataDir,
    publicBaseUrl: config.publicBaseUrl,
    clock,
    ...(config.sealP12 ? { configuredSeal: loadPkcs12(config.sealP12.file, config.sealP12.password) } : {}),
  });
  const documents: DocumentDeps = {
    store: new DocumentStore(db, walSync),
    blobs,
    clock,
    ids,
    publicBaseUrl: config.publicBaseUrl,
    artifactTtlMs: config.artifactTtlMs,
    pki,
    serverVersion: packageVersion(),
  };
  const sds = new SdsDocuments(new SdsStore(db), blobs, clock, ids, {
    maxBytes: config.sdsMaxBytes,
    retentionMs: config.sdsRetentionMs,
  }, walSync);

  const documentService = await loadWsdl(join(wsdlDir(), 'documentservice-v3.wsdl'), '/ws/documentservice-v3');

  const archiveService = await loadWsdl(join(wsdlDir(), 'archiveservice-v3.wsdl'), '/ws/archiveservice-v3');
  const packagingService = await loadWsdl(join(wsdlDir(), 'packagingservice-v4.wsdl'), '/ws/packagingservice-v4');
  const packaging: PackagingDeps = { documents, sds, template: config.packageTemplate ?? defaultTemplate };
  documents.onTaskEnded = async (service, requestId) => {
    try {
      await runPackagingTasks(packaging, service, requestId);
    } catch (err) {
      log.error('packaging tasks failed', { service: service.name, requestId, error: String(err) });
    }
  };

  const soapOptions = { registry, maxBodyBytes: config.soapMaxBytes, publicBaseUrl: config.publicBaseUrl, log };
  const soapEndpoints = new Map(
    [
      soapEndpoint({ description: documentService, handlers: documentServiceHandlers(documents) }, soapOptions),
      soapEndpoint({ description: archiveService, handlers: archiveServiceHandlers(documents) }, soapOptions),
      soapEndpoint(
        { description: packagingService, handlers: packagingServiceHandlers(packaging), inBandError: packagingError },
        soapOptions,
      ),
    ].map((e) => [e.path, e]),
  );

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(trustRoutes({ pki, log }));
  app.use(controlApi({ registry, documents, log }));
  app.use(docRoutes({ registry, sds, documents, blobs, publicBaseUrl: config.publicBaseUrl, log }));
  app.use((_req: Request, res: Response) => {
    sendHttpError(res, new ParaphError('NOT_FOUND', 'Nothing is served at this address'));
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const error = asParaphError(err);
    if (error.code === 'INTERNAL_ERROR') log.error('http error', { path: req.path, error: String(err) });
    sendHttpError(res, error);
  });

  let server: Server | undefined;
  let timer: NodeJS.Timeout | undefined;

  const sweep = async (): Promise<void> => {
    expireDueTasks(documents);
    await sds.purgeExpired();
  };

  /**
   * `Expect: 100-continue` (sent by .NET on uploads): answer a request that will be refused for its
   * credentials or size before the client sends the body, instead of after.
   */
  const onCheckContinue = (req: IncomingMessage, res: ServerResponse): void => {
    const service = docPathService(req.url);
    try {
      if (service !== undefined) authenticateBasic(registry, req, service);
      const declared = Number(req.headers['content-length']);
      const limit = service !== undefined ? config.sdsMaxBytes : config.soapMaxBytes;
      if (service !== undefined && Number.isFinite(declared) && declared > limit) {
        throw new ParaphError('BODY_TOO_LARGE', `The document is larger than the limit of ${limit} bytes`);
      }
    } catch (err) {
      sendHttpError(res, asParaphError(err), true);
      return;
    }
    res.writeContinue();
    route(req, res);
  };

  /** SOAP paths go straight to their endpoint; everything else through express. */
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const endpoint = soapEndpoints.get((q < 0 ? url : url.slice(0, q)).replace(/\/+$/, ''));
    if (endpoint) endpoint.handle(req, res);
    else app(req, res);
  };

  return {
    config,
    app,
    db,
    documents,
    sds,
    pki,
    sweep,
    listen: (port = config.port) =>
      new Promise((resolve, reject) => {
        const s = createServer(route);
        s.on('checkContinue', onCheckContinue);
        s.once('error', reject);
        s.listen(port, config.host, () => {
          server = s;
          timer = setInterval(() => {
            sweep().catch((err: unknown) => log.error('sweep failed', { error: String(err) }));
          }, 60_000);
          timer.unref();
          const address = s.address() as AddressInfo;
          resolve({ server: s, url: `http://${config.host}:${address.port}` });
        });
      }),
    close: async () => {
      if (timer) clearInterval(timer);
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
      }
      walSync.close();
      db.close();
    },
  };
}
