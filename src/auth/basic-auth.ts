import type { IncomingMessage } from 'node:http';
import { ParaphError } from '../errors';
import type { ServiceAccount, ServiceRegistry } from './service-registry';

export const BASIC_CHALLENGE = 'Basic realm="Paraph", charset="UTF-8"';

/**
 * HTTP Basic for the REST routes of a service (`/doc/{service}/…`, the emulator control API): user =
 * service name, password = the web-service password. Missing or wrong credentials are AUTH_FAILED,
 * answered 401 with a challenge (.NET's NetworkCredential, Java's Authenticator and Apache's
 * CredentialsProvider only send credentials after one); valid credentials of another service than the
 * path's are SERVICE_MISMATCH (403).
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
