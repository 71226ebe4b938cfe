#!/usr/bin/env node
import { hashPassword } from './auth/password-hash';
import { ConfigError, loadConfig } from './config';
import { createParaph } from './server';

const USAGE = `Usage:
  paraph                      start the server (configuration: PARAPH_* variables, see docs/configuration.md)
  paraph hash-password [pw]   print a password hash for the configuration (reads stdin without pw)
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function start(): Promise<void> {
  const config = loadConfig();
  const paraph = await createParaph(config);
  const { url } = await paraph.listen();
  // The test PKI is made at first start (a few seconds of key generation), not at the first signature.
  paraph.pki.ready().catch((err: unknown) => process.stderr.write(`test PKI: ${String(err)}\n`));
  const base = config.publicBaseUrl;
  process.stdout.write(
    [
      `Paraph listening on ${url}`,
      `  DocumentService v3  ${base}/ws/documentservice-v3   (WSDL: ${base}/ws/documentservice-v3?wsdl)`,
      `  PackagingService v4 ${base}/ws/packagingservice-v4   (WSDL: ${base}/ws/packagingservice-v4?wsdl)`,
      `  ArchiveService v3   ${base}/ws/archiveservice-v3   (WSDL: ${base}/ws/archiveservice-v3?wsdl)`,
      `  SDS                 ${base}/doc/{service}/sds`,
      `  Control API         ${base}/emulator/v1   (OpenAPI: ${base}/emulator/v1/openapi.json)`,
      `  TSA / OCSP          ${base}/tsa   ${base}/ocsp   (test roots: ${base}/pki/roots.pem)`,
      `  Data                ${config.dataDir}`,
      `  Services            ${config.services.map((s) => s.name).join(', ')}${
        config.demoService ? ' (demo service, password Bond007)' : ''
      }`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    paraph.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, arg] = argv;
  if (command === undefined || command === 'start') return start();
  if (command === 'hash-password') {
    const password = arg ?? (await readStdin());
    if (!password) throw new ConfigError('no password given');
    process.stdout.write(`${hashPassword(password)}\n`);
    return;
  }
  process.stderr.write(USAGE);
  process.exitCode = command === 'help' || command === '--help' ? 0 : 2;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`paraph: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
});
