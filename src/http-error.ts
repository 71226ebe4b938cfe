import type { ServerResponse } from 'node:http';
import { BASIC_CHALLENGE } from './auth/basic-auth';
import type { ParaphError } from './errors';

/** Writes a REST error: status from the catalogue, a challenge on 401, the message as text. */
export function sendHttpError(res: ServerResponse, error: ParaphError, closeConnection = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(`${error.code}: ${error.message}\n`, 'utf8');
  res.statusCode = error.httpStatus;
  if (error.httpStatus === 401) res.setHeader('WWW-Authenticate', BASIC_CHALLENGE);
  if (closeConnection) res.setHeader('Connection', 'close');
  res.setHeader('Content-Type', 'text/plain;charset=UTF-8');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}
