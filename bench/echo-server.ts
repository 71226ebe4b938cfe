/**
 * Baseline for the SOAP benchmarks: the bare `soap` package serving bench/echo.wsdl, whose one
 * document/literal operation returns its input string. Run as a child process by bench/run.ts.
 * Environment: BENCH_PORT (required), BENCH_HOST (default 127.0.0.1), BENCH_JOURNAL (a file: when set,
 * each echoed string is appended to it and answered only once it is on disk, for reference only).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import * as soap from 'soap';
import { DurableJournal } from './lib/durable-journal';

function wsdlPath(): string {
  // dist/bench/echo-server.js at run time; the WSDL stays in bench/.
  const candidates = [join(__dirname, 'echo.wsdl'), join(__dirname, '..', '..', 'bench', 'echo.wsdl')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`echo.wsdl not found in ${candidates.join(', ')}`);
  return found;
}

const port = Number(process.env.BENCH_PORT);
const host = process.env.BENCH_HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_PORT must be a port number');

const journal = process.env.BENCH_JOURNAL ? new DurableJournal(process.env.BENCH_JOURNAL) : undefined;

const services = {
  EchoService: {
    EchoPort: {
      echo(args: { text?: string }) {
        const text = args.text ?? '';
        if (!journal) return { text };
        return journal.append(`${text}\n`).then(() => ({ text }));
      },
    },
  },
};

const server = createServer((_req, res) => {
  // soap.listen answers its own path; anything else is not ours.
  res.statusCode = 404;
  res.end();
});
soap.listen(server, '/echo', services, readFileSync(wsdlPath(), 'utf8'), () => {
  server.listen(port, host, () => {
    process.stdout.write(`echo listening on http://${host}:${port}/echo\n`);
  });
});

const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
