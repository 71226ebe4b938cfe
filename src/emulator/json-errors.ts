import type { ServerResponse } from 'node:http';
import { BASIC_CHALLENGE } from '../auth/basic-auth';
import type { ParaphError } from '../errors';

/** A JSON API's error: the catalogue's status, `{ "code", "message" }`, and a challenge on 401. */
export function sendJsonError(res: ServerResponse, error: ParaphError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(JSON.stringify({ code: error.code, message: error.message }), 'utf8');
  res.statusCode = error.httpStatus;
  if (error.httpStatus === 401) res.setHeader('WWW-Authenticate', BASIC_CHALLENGE);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}
