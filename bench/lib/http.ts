import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body, unless `discardBody` was set. */
  readonly body: Buffer;
  /** Bytes of body received. */
  readonly bytes: number;
  /** From the request's start until the last byte of the response, in milliseconds. */
  readonly ms: number;
}

export interface HttpOptions {
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders;
  /** A buffer, or a stream piped into the request (set Content-Length yourself to avoid chunking). */
  readonly body?: Buffer | string | Readable;
  /** Count the response bytes without keeping them (downloads). */
  readonly discardBody?: boolean;
}

/** One request on a fresh connection (no agent), timed with the monotonic clock. */
export function http(url: string, options: HttpOptions = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (!options.discardBody) chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          bytes,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        });
      });
    });
    req.on('error', reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else {
      body.on('error', (err) => req.destroy(err));
      body.pipe(req);
    }
  });
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
