import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../src/auth/password-hash';
import { ManualClock, systemClock, type Clock } from '../../src/clock';
import type { Config } from '../../src/config';
import { randomIds, sequentialIds } from '../../src/ids';
import { createLogger } from '../../src/log';
import { createParaph, type Paraph } from '../../src/server';

export const DOC_NS = 'https://id.signicat.com/definitions/wsdl/Document-v3';

/** Two services, so tests can check that one never sees the other's data. */
export const SERVICES = {
  demo: { name: 'demo', password: 'Bond007' },
  other: { name: 'other', password: 'Other123' },
} as const;

const HASHES = Object.values(SERVICES).map((s) => ({ name: s.name, passwordHash: hashPassword(s.password) }));

export interface RunningParaph {
  readonly url: string;
  readonly paraph: Paraph;
  readonly clock: Clock;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A ManualClock for tests that move time; the system clock otherwise. */
  clock?: ManualClock;
  /** Predictable ids (golden tests) instead of random ones. */
  sequentialIds?: boolean;
  config?: Partial<Config>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts a whole Paraph in this process on a free loopback port, with its own data folder. Its public
 * base URL is its real address (so WSDL clients reach it) unless `config.publicBaseUrl` says otherwise.
 */
export async function startParaph(options: StartOptions = {}): Promise<RunningParaph> {
  const dataDir = mkdtempSync(join(tmpdir(), 'paraph-test-'));
  const clock = options.clock ?? systemClock;
  const port = await freePort();
  const config: Config = {
    host: '127.0.0.1',
    port,
    publicBaseUrl: `http://127.0.0.1:${port}`,
    dataDir,
    services: HASHES,
    soapMaxBytes: 64 * 1024 * 1024,
    sdsMaxBytes: 50 * 1024 * 1024,
    sdsRetentionMs: 7 * 24 * 3600 * 1000,
    artifactTtlMs: 30_000,
    logLevel: 'silent',
    demoService: false,
    ...options.config,
  };
  const paraph = await createParaph(config, {
    clock,
    ids: options.sequentialIds ? sequentialIds(clock) : randomIds(clock),
    log: createLogger('silent'),
  });
  const { url } = await paraph.listen(port);
  return {
    url,
    paraph,
    clock,
    dataDir,
    stop: async () => {
      await paraph.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Wraps a payload in a SOAP 1.1 envelope. */
export function envelope(payload: string): string {
  return `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${payload}</soap:Body></soap:Envelope>`;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: string;
}

export async function soapPost(url: string, xml: string, path = '/ws/documentservice-v3'): Promise<HttpResult> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' },
    body: xml,
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

export function basicAuth(service: string, password: string): string {
  return `Basic ${Buffer.from(`${service}:${password}`).toString('base64')}`;
}

/** Uploads bytes to SDS and returns the id. */
export async function uploadSds(
  url: string,
  data: Buffer | string,
  contentType = 'application/pdf',
  account: { name: string; password: string } = SERVICES.demo,
): Promise<string> {
  const res = await fetch(`${url}/doc/${account.name}/sds`, {
    method: 'POST',
    headers: { 'Content-Type': contentType, Authorization: basicAuth(account.name, account.password) },
    body: typeof data === 'string' ? data : new Uint8Array(data),
  });
  if (res.status !== 201) throw new Error(`SDS upload failed: ${res.status} ${await res.text()}`);
  return res.text();
}

/** A small but real PDF (one page). */
export const SAMPLE_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  'latin1',
);

/** Every regular file under `dir` whose bytes equal `data`: where a document's bytes are kept, if anywhere. */
export function filesHolding(dir: string, data: Buffer): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesHolding(path, data));
    else if (entry.isFile() && statSync(path).size === data.length && readFileSync(path).equals(data)) found.push(path);
  }
  return found;
}
