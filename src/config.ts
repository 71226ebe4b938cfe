import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hashPassword, isPasswordHash } from './auth/password-hash';
import type { ServiceConfig } from './auth/service-registry';
import type { LogLevel } from './log';
import { loadTemplate, type SignaturePageTemplate } from './packaging/signature-page-template';

/** Everything Paraph reads at start. docs/configuration.md documents each setting. */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** The base URL clients use: written into the WSDL's soap:address, Location headers and document URIs. */
  readonly publicBaseUrl: string;
  readonly dataDir: string;
  readonly services: readonly ServiceConfig[];
  readonly soapMaxBytes: number;
  readonly sdsMaxBytes: number;
  readonly sdsRetentionMs: number;
  readonly artifactTtlMs: number;
  readonly logLevel: LogLevel;
  /** True when no service was configured and the demo service (`demo` / `Bond007`) stands in. */
  readonly demoService: boolean;
  /** A real seal certificate and key (PKCS#12 file and its password) instead of the test PKI's seals. */
  readonly sealP12?: { readonly file: string; readonly password: string };
  /** The signature page template of PAdES packages (docs/pades.md); the built-in one when absent. */
  readonly packageTemplate?: SignaturePageTemplate;
}

interface ConfigFile {
  host?: string;
  port?: number;
  publicUrl?: string;
  dataDir?: string;
  services?: Array<{ name: string; passwordHash: string }>;
  soapMaxBytes?: number;
  sdsMaxBytes?: number;
  sdsRetentionHours?: number;
  logLevel?: LogLevel;
  sealP12?: string;
  sealP12Password?: string;
  packageTemplate?: string;
}

export class ConfigError extends Error {}

const MB = 1024 * 1024;
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

function positiveNumber(value: string | number | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be a positive number, not "${value}"`);
  return n;
}

/**
 * Reads the configuration: defaults, then the JSON file named by PARAPH_CONFIG (if any), then
 * PARAPH_* environment variables. Service passwords are only accepted as scrypt hashes
 * (`paraph hash-password`); with no service configured, the demo service `demo` / `Bond007` is made.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let file: ConfigFile = {};
  if (env.PARAPH_CONFIG) {
    try {
      file = JSON.parse(readFileSync(env.PARAPH_CONFIG, 'utf8')) as ConfigFile;
    } catch (err) {
      throw new ConfigError(`cannot read PARAPH_CONFIG ${env.PARAPH_CONFIG}: ${(err as Error).message}`);
    }
  }
  const host = env.PARAPH_HOST ?? file.host ?? '127.0.0.1';
  const port = positiveNumber(env.PARAPH_PORT ?? file.port, 'PARAPH_PORT', 8080);
  const publicBaseUrl = (env.PARAPH_PUBLIC_URL ?? file.publicUrl ?? `http://${host}:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+(\/.*)?$/.test(publicBaseUrl)) {
    throw new ConfigError(`PARAPH_PUBLIC_URL must be an http(s) URL, not "${publicBaseUrl}"`);
  }
  const logLevel = (env.PARAPH_LOG_LEVEL ?? file.logLevel ?? 'info') as LogLevel;
  if (!LEVELS.includes(logLevel)) throw new ConfigError(`PARAPH_LOG_LEVEL must be one of ${LEVELS.join(', ')}`);

  let services: ServiceConfig[] = file.services ?? [];
  if (env.PARAPH_SERVICES) {
    // name=hash pairs separated by commas; scrypt hashes contain no comma or equals-free ambiguity.
    services = env.PARAPH_SERVICES.split(',').map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 1) throw new ConfigError('PARAPH_SERVICES must be name=passwordHash pairs separated by commas');
      return { name: pair.slice(0, eq).trim(), passwordHash: pair.slice(eq + 1).trim() };
    });
  }
  for (const s of services) {
    if (!/^[A-Za-z0-9._-]+$/.test(s.name ?? '')) throw new ConfigError(`invalid service name "${s.name}"`);
    if (!isPasswordHash(s.passwordHash ?? '')) {
      throw new ConfigError(`service ${s.name}: passwordHash must be a hash from "paraph hash-password"`);
    }
  }
  const demoService = services.length === 0;
  if (demoService) services = [{ name: 'demo', passwordHash: hashPassword('Bond007') }];

  const sealFile = env.PARAPH_SEAL_P12 ?? file.sealP12;
  const templateFile = env.PARAPH_PACKAGE_TEMPLATE ?? file.packageTemplate;
  let packageTemplate: SignaturePageTemplate | undefined;
  if (templateFile) {
    try {
      packageTemplate = loadTemplate(JSON.parse(readFileSync(templateFile, 'utf8')));
    } catch (err) {
      throw new ConfigError(`PARAPH_PACKAGE_TEMPLATE ${templateFile}: ${(err as Error).message}`);
    }
  }
  const sealPassword = env.PARAPH_SEAL_P12_PASSWORD ?? file.sealP12Password ?? '';

  return {
    host,
    port,
    publicBaseUrl,
    dataDir: resolve(env.PARAPH_DATA_DIR ?? file.dataDir ?? './data'),
    services,
    soapMaxBytes: positiveNumber(env.PARAPH_SOAP_MAX_BYTES ?? file.soapMaxBytes, 'PARAPH_SOAP_MAX_BYTES', 64 * MB),
    sdsMaxBytes: positiveNumber(env.PARAPH_SDS_MAX_BYTES ?? file.sdsMaxBytes, 'PARAPH_SDS_MAX_BYTES', 50 * MB),
    sdsRetentionMs:
      positiveNumber(env.PARAPH_SDS_RETENTION_HOURS ?? file.sdsRetentionHours, 'PARAPH_SDS_RETENTION_HOURS', 7 * 24) *
      3600 * 1000,
    artifactTtlMs: 30_000,
    logLevel,
    demoService,
    ...(sealFile ? { sealP12: { file: resolve(sealFile), password: sealPassword } } : {}),
    ...(packageTemplate ? { packageTemplate } : {}),
  };
}
