import { hash, randomBytes } from 'node:crypto';
import { ParaphError } from '../errors';
import { verifyPassword } from './password-hash';

/** A customer service (Signicat's "service", e.g. `demo`): the unit every piece of data belongs to. */
export interface ServiceAccount {
  readonly name: string;
}

export interface ServiceConfig {
  readonly name: string;
  /** An scrypt hash from password-hash.ts; never the password itself. */
  readonly passwordHash: string;
}

/**
 * Checks `service` + `password` on every call. scrypt costs tens of milliseconds by design, so a
 * successful check is remembered as a SHA-256 of the password behind a random secret that lives only
 * in this process: later calls with the same password cost one hash, wrong passwords still pay for
 * scrypt. Only equality of two digests is ever asked, so a secret prefix serves as an HMAC's key would
 * (length extension gives nothing here), and the one-shot `hash` costs a sixth of `createHmac`.
 */
export class ServiceRegistry {
  private readonly services: ReadonlyMap<string, ServiceConfig>;
  private readonly cacheSecret = randomBytes(32).toString('base64');
  private readonly verified = new Map<string, string>();

  constructor(services: readonly ServiceConfig[]) {
    this.services = new Map(services.map((s) => [s.name, s]));
  }

  names(): string[] {
    return [...this.services.keys()];
  }

  authenticate(name: string | undefined, password: string | undefined): ServiceAccount {
    // Made only when needed: an Error captures a stack trace, which costs on every good call.
    const failed = (): ParaphError => new ParaphError('AUTH_FAILED', 'Invalid service or password');
    if (!name || password === undefined) throw failed();
    const config = this.services.get(name);
    if (!config) throw failed();
    const mac = hash('sha256', `${this.cacheSecret}\0${name}\0${password}`, 'base64');
    if (this.verified.get(name) === mac) return { name };
    if (!verifyPassword(password, config.passwordHash)) throw failed();
    this.verified.set(name, mac);
    return { name };
  }
}
