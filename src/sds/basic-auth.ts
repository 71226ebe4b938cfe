import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceAccount, ServiceRegistry } from '../auth/service-registry';
import { ParaphError } from '../errors';

export const BASIC_CHALLENGE = 'Basic realm="Paraph", charset="UTF-8"';

/** The service name in a `/doc/{service}/…` path, or undefined for other paths. */
export function docPathService(url: string | undefined): string | undefined {
  const m = /^\/doc\/([^/?#]+)/.exec(url ?? '');
  return m ? decodeURIComponent(m[1] as string) : undefined;
}

/**
 * HTTP Basic for the `/doc/{service}/…` routes: user = service name, password = the web-service
 * password. Missing or wrong credentials get 401 with a challenge (.NET's NetworkCredential, Java's
 * Authenticator and Apache's CredentialsProvider only send credentials after one); valid credentials
 * of another service than the path's get 403.
 */
export function authenticateBasic(registry: ServiceRegistry, req: IncomingMessage, pathService: string): ServiceAccount {
  const header = req.headers.authorization ?? '';
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) throw new ParaphError('AUTH_FAILED', 'Authentication required');
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new ParaphError('AUTH_FAILED', 'Authentication required');
  const account = registry.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
  if (account.name !== pathService) {
    throw new ParaphError('SERVICE_MISMATCH', `These credentials are not for service ${pathService}`);
  }
  return account;
}

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
