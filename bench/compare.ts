/**
 * A/B of two revisions of Paraph under the same SOAP load, for changes smaller than the noise between
 * two bench runs. Both servers run side by side (each its own process and data folder), and the load
 * goes to one, then the other, in short slices, so that both see the same moments of a busy machine.
 * Reported per revision: the median server CPU per request (user + system from /proc, which moves far
 * less than req/s on a shared machine), the median req/s and p99.
 *
 *   npm run build && node dist/bench/compare.js <revA> <revB> [createRequest|getStatus]
 *
 * A revision is anything `git rev-parse` takes, or `.` for this working tree as last built. Other
 * revisions are checked out once into .bench/compare/<commit> (a detached git worktree sharing this
 * node_modules) and built there. BENCH_ROUNDS (default 8) slices of BENCH_SLICE seconds (default 3)
 * per side, BENCH_CONNECTIONS (default 10).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequestEnvelope, getStatusEnvelope, SOAP_HEADERS } from './lib/envelopes';
import { basic, http } from './lib/http';
import { postLoad, type LoadResult } from './lib/load';
import { smallPdf } from './lib/pdf';
import { freePort, killAllChildren, startServer, type ServerChild } from './lib/proc';
import { procCpuMs } from './lib/rss';
import { median } from './lib/stats';

const ROOT = resolve(__dirname, '..', '..');
// Stray PARAPH_* settings of the shell would reach one server and not the other's expectations.
for (const key of Object.keys(process.env)) if (key.startsWith('PARAPH_')) delete process.env[key];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const SLICE_SECONDS = Number(process.env.BENCH_SLICE ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

type Operation = 'createRequest' | 'getStatus';

interface Side {
  readonly label: string;
  readonly tree: string;
  server?: ServerChild;
  envelope?: string;
  readonly slices: Array<{ cpuMs: number; rps: number; p99: number }>;
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

/** The folder whose dist/ runs this revision, checked out and built on first use. */
function treeOf(revision: string): string {
  if (revision === '.') return ROOT;
  const commit = git(['rev-parse', '--verify', `${revision}^{commit}`]);
  const tree = join(ROOT, '.bench', 'compare', commit);
  if (!existsSync(join(tree, 'dist', 'src', 'main.js'))) {
    mkdirSync(join(ROOT, '.bench', 'compare'), { recursive: true });
    if (!existsSync(tree)) git(['worktree', 'add', '--detach', tree, commit]);
    if (!existsSync(join(tree, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
    process.stdout.write(`building ${revision} (${commit.slice(0, 7)}) in ${tree}\n`);
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(tree, 'tsconfig.json')], {
      stdio: 'inherit',
    });
  }
  return tree;
}

async function start(side: Side, dataDir: string): Promise<ServerChild> {
  const port = await freePort();
  return startServer({
    name: side.label,
    script: join(side.tree, 'dist', 'src', 'main.js'),
    cwd: side.tree,
    port,
    env: { PARAPH_HOST: '127.0.0.1', PARAPH_PORT: String(port), PARAPH_DATA_DIR: dataDir, PARAPH_LOG_LEVEL: 'warn' },
    ready: /Paraph listening on/,
  });
}

/** A fresh order's envelope for createRequest, or getStatus of an order made for the purpose. */
async function envelopeFor(server: ServerChild, operation: Operation): Promise<string> {
  const auth = basic('demo', 'Bond007');
  const upload = await http(`${server.baseUrl}/doc/demo/sds`, {
    method: 'POST',
    headers: { Authorization: auth, 'Content-Type': 'application/pdf' },
    body: smallPdf(),
  });
  if (upload.status !== 201) throw new Error(`${server.name}: SDS upload answered ${upload.status}`);
  const create = createRequestEnvelope('demo', 'Bond007', upload.body.toString('utf8'));
  if (operation === 'createRequest') return create;
  const created = await http(`${server.baseUrl}/ws/documentservice-v3`, { method: 'POST', headers: SOAP_HEADERS, body: create });
  const requestId = /<(?:[\w.-]+:)?request-id>([^<]+)</.exec(created.body.toString('utf8'))?.[1];
  if (!requestId) throw new Error(`${server.name}: createRequest gave no request-id`);
  return getStatusEnvelope('demo', 'Bond007', requestId);
}

async function slice(side: Side, seconds: number): Promise<LoadResult & { cpuMs: number }> {
  const server = side.server as ServerChild;
  const before = procCpuMs(server.pid);
  const result = await postLoad({
    url: `${server.baseUrl}/ws/documentservice-v3`,
    body: side.envelope as string,
    headers: SOAP_HEADERS,
    connections: CONNECTIONS,
    durationSeconds: seconds,
  });
  const cpuMs = procCpuMs(server.pid) - before;
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${side.label}: ${result.non2xx} non-2xx answers and ${result.errors} errors\n${server.output()}`);
  }
  return { ...result, cpuMs };
}

async function main(): Promise<void> {
  const [revA, revB, op = 'createRequest'] = process.argv.slice(2);
  if (!revA || !revB || (op !== 'createRequest' && op !== 'getStatus')) {
    throw new Error('usage: node dist/bench/compare.js <revA> <revB> [createRequest|getStatus]');
  }
  const operation: Operation = op;
  const sides: Side[] = [
    { label: `A ${revA}`, tree: treeOf(revA), slices: [] },
    { label: `B ${revB}`, tree: treeOf(revB), slices: [] },
  ];
  const dataRoot = mkdtempSync(join(tmpdir(), 'paraph-compare-'));
  try {
    for (const [i, side] of sides.entries()) {
      side.server = await start(side, join(dataRoot, String(i)));
      side.envelope = await envelopeFor(side.server, operation);
    }
    process.stdout.write(`${operation}: ${ROUNDS} slices of ${SLICE_SECONDS} s per side, ${CONNECTIONS} connections\n`);
    for (const side of sides) await slice(side, 2);
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with the other side, so neither always follows the other.
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const r = await slice(side, SLICE_SECONDS);
        side.slices.push({ cpuMs: r.cpuMs / r.requests, rps: r.rps, p99: r.latencyMs.p99 });
      }
    }
    const cpu = sides.map((s) => median(s.slices.map((x) => x.cpuMs)));
    for (const [i, side] of sides.entries()) {
      const rps = median(side.slices.map((x) => x.rps));
      const p99 = median(side.slices.map((x) => x.p99));
      process.stdout.write(
        `${side.label.padEnd(24)} CPU ${(cpu[i] as number).toFixed(3)} ms/request, ${rps.toFixed(0)} req/s, p99 ${p99} ms` +
          `  (slices: ${side.slices.map((x) => x.cpuMs.toFixed(3)).join(' ')})\n`,
      );
    }
    process.stdout.write(`B/A CPU per request: ${((cpu[1] as number) / (cpu[0] as number)).toFixed(3)}\n`);
  } finally {
    for (const side of sides) await side.server?.stop();
    rmSync(dataRoot, { recursive: true, force: true });
  }
}

process.on('exit', killAllChildren);
main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  killAllChildren();
  process.exit(1);
});
