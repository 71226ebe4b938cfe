import { createHmac, randomBytes } from 'node:crypto';
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
 * successful check is remembered as an HMAC of the password under a key that lives only in this
 * process: later calls with the same password cost one HMAC, wrong passwords still pay for scrypt.
 */
export class ServiceRegistry {
  private readonly services: ReadonlyMap<string, ServiceConfig>;
  private readonly cacheKey = randomBytes(32);
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
    const mac = createHmac('sha256', this.cacheKey).update(name).update('\0').update(password).digest('base64');
    if (this.verified.get(name) === mac) return { name };
    if (!verifyPassword(password, config.passwordHash)) throw failed();
    this.verified.set(name, mac);
    return { name };
  }
}
