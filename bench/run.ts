/**
 * `npm run bench`: Paraph against bare baselines, measured in the same run (docs/performance.md).
 *
 *   1. createRequest / getStatus (SOAP): req/s and p99 over loopback (autocannon), against a bare `soap`
 *      echo service called with an envelope of the same size (and createRequest, for reference only,
 *      against the same echo appending each call to a file and answering once it is on disk).
 *   2. SDS upload / download of a 20 MiB document in MiB/s (median of repetitions), against a bare
 *      express stream-to-file server (and, for reference only, the same server flushing each upload to
 *      disk before answering, as Paraph does).
 *   3. Peak RSS growth of Paraph while a 100 MiB upload streams into SDS.
 *   4. Signing a 1 MiB PDF through the emulator control API, against raw RSA-2048 crypto.sign
 *      (sign-bench.ts).
 *   5. PackagingService create-package of a 100-page PDF signed by two, against a bare pdf-lib load and
 *      save of the same PDF (package-bench.ts).
 *
 * Every server under test is its own child process (`node dist/src/main.js`, `node dist/bench/*.js`);
 * this process only generates load and measures. Prints a table; writes the raw figures to
 * .bench/latest.json (and a dated copy).
 *
 * Environment: BENCH_DURATION (s, 10), BENCH_WARMUP (s, 3), BENCH_CONNECTIONS (10), BENCH_BUSY_CONNECTIONS
 * (100: createRequest again, for reference), BENCH_REPS (11),
 * BENCH_ONLY (comma list of soap or createRequest/getStatus, sds, rss, sign, package), BENCH_SIGNATURES (40), BENCH_PACKAGES (15), BENCH_PROFILE=1 (servers run with --cpu-prof into
 * .bench/profiles; the figures of such a run are not comparable), BENCH_STRICT=1 (exit 1 on a missed target).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { DOCUMENT_V3_NS, createRequestEnvelope, getStatusEnvelope, paddedEchoEnvelope, SOAP_HEADERS } from './lib/envelopes';
import { basic, http } from './lib/http';
import { postLoad, type LoadResult } from './lib/load';
import { largePdfLike, smallPdf } from './lib/pdf';
import { freePort, killAllChildren, startServer, type ServerChild } from './lib/proc';
import { procCpuMs, procStatusBytes, resetPeakRss, sampleRss, sleep } from './lib/rss';
import { median, MiB } from './lib/stats';
import { packageBench, type PackageResult } from './package-bench';
import { RSA_SIGNATURES_PER_WHOLE_SIGNATURE, signBench, type SignResult } from './sign-bench';

const ROOT = resolve(__dirname, '..', '..');
const SERVICE = 'demo';
const PASSWORD = 'Bond007';
const AUTH = basic(SERVICE, PASSWORD);

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

const DURATION = envNumber('BENCH_DURATION', 10);
const WARMUP = envNumber('BENCH_WARMUP', 3);
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 10);
/** createRequest is measured again, for reference only, with this many clients at once: group commit's batches grow. */
const BUSY_CONNECTIONS = envNumber('BENCH_BUSY_CONNECTIONS', 100);
const REPS = envNumber('BENCH_REPS', 11);
const SDS_DOC_BYTES = 20 * MiB;
const RSS_UPLOAD_BYTES = 100 * MiB;
const RSS_SAMPLE_MS = 20;
const SIGNATURES = envNumber('BENCH_SIGNATURES', 40);
const PACKAGES = envNumber('BENCH_PACKAGES', 15);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'soap,sds,rss,sign,package').split(',').map((s) => s.trim()));
const PROFILE = process.env.BENCH_PROFILE === '1';

const TARGETS = {
  createRequestRps: 0.6,
  getStatusRps: 0.8,
  sdsUpload: 0.7,
  sdsDownload: 0.7,
  rssGrowthBytes: 32 * MiB,
  signatureCostRatio: 10,
  packageRatio: 3,
} as const;

// The children inherit this environment: no stray Paraph configuration may change what is measured.
for (const key of Object.keys(process.env)) if (key.startsWith('PARAPH_')) delete process.env[key];

const tmp = mkdtempSync(join(tmpdir(), 'paraph-bench-'));
let cleaned = false;
function cleanupSync(): void {
  if (cleaned) return;
  cleaned = true;
  killAllChildren();
  rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
    cleanupSync();
    process.exit(130);
  });
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function nodeArgs(name: string): string[] {
  if (!PROFILE) return [];
  const dir = join(ROOT, '.bench', 'profiles');
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`];
}

async function startParaph(name: string, sdsMaxBytes: number): Promise<ServerChild> {
  const port = await freePort();
  const dataDir = join(tmp, name);
  return startServer({
    name,
    script: join(ROOT, 'dist', 'src', 'main.js'),
    cwd: ROOT,
    port,
    env: {
      PARAPH_HOST: '127.0.0.1',
      PARAPH_PORT: String(port),
      PARAPH_DATA_DIR: dataDir,
      PARAPH_LOG_LEVEL: 'warn',
      PARAPH_SDS_MAX_BYTES: String(sdsMaxBytes),
    },
    ready: /Paraph listening on/,
    nodeArgs: nodeArgs(name),
  });
}

async function startEcho(durable = false): Promise<ServerChild> {
  const port = await freePort();
  const name = durable ? 'soap-echo-durable' : 'soap-echo';
  mkdirSync(join(tmp, name), { recursive: true });
  return startServer({
    name,
    script: join(ROOT, 'dist', 'bench', 'echo-server.js'),
    cwd: ROOT,
    port,
    env: {
      BENCH_HOST: '127.0.0.1',
      BENCH_PORT: String(port),
      ...(durable ? { BENCH_JOURNAL: join(tmp, name, 'journal') } : {}),
    },
    ready: /echo listening on/,
    nodeArgs: nodeArgs(name),
  });
}

async function startStreamServer(name: string, fsync = false): Promise<ServerChild> {
  const port = await freePort();
  return startServer({
    name,
    script: join(ROOT, 'dist', 'bench', 'stream-server.js'),
    cwd: ROOT,
    port,
    env: {
      BENCH_HOST: '127.0.0.1',
      BENCH_PORT: String(port),
      BENCH_DATA_DIR: join(tmp, name),
      BENCH_FSYNC: fsync ? '1' : '0',
    },
    ready: /stream-to-file listening on/,
    nodeArgs: nodeArgs(name),
  });
}

function expect(condition: boolean, message: string, server?: ServerChild): asserts condition {
  if (!condition) throw new Error(server ? `${message}\n--- ${server.name} output ---\n${server.output()}` : message);
}

// ---------------------------------------------------------------------------------------------- SOAP

interface SoapPair {
  readonly operation: string;
  readonly envelopeBytes: number;
  readonly paraph: MeasuredLoad;
  readonly baseline: MeasuredLoad;
  readonly rpsRatio: number;
  readonly p99Ratio: number;
  /** Paraph's server CPU per request over the echo's: what the req/s ratio would be if CPU were all. */
  readonly cpuRatio: number;
  /** createRequest only, for reference: the echo answering once each call is appended to a file on disk. */
  readonly durableBaseline?: MeasuredLoad;
  /** createRequest only, for reference: Paraph and the echo with BUSY_CONNECTIONS clients at once. */
  readonly busy?: { readonly paraph: MeasuredLoad; readonly baseline: MeasuredLoad };
}

async function uploadSmallPdf(paraph: ServerChild): Promise<string> {
  const pdf = smallPdf();
  const res = await http(`${paraph.baseUrl}/doc/${SERVICE}/sds`, {
    method: 'POST',
    headers: { Authorization: AUTH, 'Content-Type': 'application/pdf', 'Content-Length': pdf.length },
    body: pdf,
  });
  expect(res.status === 201, `SDS upload answered ${res.status}: ${res.body.toString('utf8')}`, paraph);
  return res.body.toString('latin1');
}

async function soapCall(url: string, envelope: string): Promise<string> {
  const res = await http(url, { method: 'POST', headers: { ...SOAP_HEADERS }, body: envelope });
  const text = res.body.toString('utf8');
  expect(res.status === 200, `${url} answered ${res.status}:\n${text}`);
  return text;
}

/** A load result with the server's CPU time per answered request (user + system, all its threads). */
interface MeasuredLoad extends LoadResult {
  readonly serverCpuMsPerRequest: number;
}

async function measureLoad(
  name: string,
  server: ServerChild,
  url: string,
  envelope: string,
  connections = CONNECTIONS,
): Promise<MeasuredLoad> {
  const options = { url, body: envelope, headers: { ...SOAP_HEADERS }, connections };
  log(`  ${name}: warm-up ${WARMUP} s`);
  await postLoad({ ...options, durationSeconds: WARMUP });
  log(`  ${name}: ${DURATION} s × ${connections} connections`);
  const cpuBefore = procCpuMs(server.pid);
  const result = await postLoad({ ...options, durationSeconds: DURATION });
  const cpuMs = procCpuMs(server.pid) - cpuBefore;
  expect(
    result.non2xx === 0 && result.errors === 0,
    `${name}: ${result.non2xx} non-2xx responses, ${result.errors} errors under load`,
  );
  return { ...result, serverCpuMsPerRequest: cpuMs / Math.max(1, result.requests) };
}

/** The durable echo under load; it must answer as the echo does and have written every call to its journal. */
async function measureDurableEcho(server: ServerChild, envelope: string, text: string): Promise<MeasuredLoad> {
  const url = `${server.baseUrl}/echo`;
  const answer = await soapCall(url, envelope);
  expect(answer.includes(`${text}<`), `the durable echo did not echo:\n${answer.slice(0, 500)}`, server);
  const result = await measureLoad('soap echo + durable journal', server, url, envelope);
  const written = statSync(join(tmp, server.name, 'journal')).size;
  expect(written >= result.requests * (text.length + 1), `the durable echo wrote ${written} bytes to its journal`, server);
  return result;
}

async function soapBench(paraph: ServerChild, echo: ServerChild, durableEcho?: ServerChild): Promise<SoapPair[]> {
  const soapUrl = `${paraph.baseUrl}/ws/documentservice-v3`;
  const echoUrl = `${echo.baseUrl}/echo`;

  const sdsId = await uploadSmallPdf(paraph);
  const createEnvelope = createRequestEnvelope(SERVICE, PASSWORD, sdsId);
  const created = await soapCall(soapUrl, createEnvelope);
  const requestId = /<(?:[\w.-]+:)?request-id>([^<]+)</.exec(created)?.[1];
  expect(requestId !== undefined && created.includes(DOCUMENT_V3_NS), `createRequest gave no request-id:\n${created}`);
  const statusEnvelope = getStatusEnvelope(SERVICE, PASSWORD, requestId);
  const status = await soapCall(soapUrl, statusEnvelope);
  expect(status.includes('task-status-info') && status.includes(requestId), `getStatus answered:\n${status}`);

  const pairs: SoapPair[] = [];
  const operations = (
    [
      ['createRequest', createEnvelope],
      ['getStatus', statusEnvelope],
    ] as const
  ).filter(([operation]) => ONLY.has('soap') || ONLY.has(operation));
  for (const [operation, envelope] of operations) {
    const bytes = Buffer.byteLength(envelope, 'utf8');
    const echoed = paddedEchoEnvelope(bytes);
    const answer = await soapCall(echoUrl, echoed.envelope);
    expect(answer.includes(`${echoed.text}<`), `the echo service did not echo:\n${answer.slice(0, 500)}`);
    log(`${operation} (${bytes}-byte envelope)`);
    const baseline = await measureLoad('soap echo', echo, echoUrl, echoed.envelope);
    const measured = await measureLoad('paraph', paraph, soapUrl, envelope);
    const durableBaseline =
      operation === 'createRequest' && durableEcho
        ? await measureDurableEcho(durableEcho, echoed.envelope, echoed.text)
        : undefined;
    const busy =
      operation === 'createRequest' && BUSY_CONNECTIONS !== CONNECTIONS
        ? {
            baseline: await measureLoad('soap echo', echo, echoUrl, echoed.envelope, BUSY_CONNECTIONS),
            paraph: await measureLoad('paraph', paraph, soapUrl, envelope, BUSY_CONNECTIONS),
          }
        : undefined;
    pairs.push({
      ...(durableBaseline ? { durableBaseline } : {}),
      ...(busy ? { busy } : {}),
      operation,
      envelopeBytes: bytes,
      paraph: measured,
      baseline,
      rpsRatio: measured.rps / baseline.rps,
      p99Ratio: measured.latencyMs.p99 / baseline.latencyMs.p99,
      cpuRatio: measured.serverCpuMsPerRequest / baseline.serverCpuMsPerRequest,
    });
  }
  return pairs;
}

// ----------------------------------------------------------------------------------------------- SDS

interface TransferSide {
  readonly uploadMs: number[];
  readonly downloadMs: number[];
  readonly uploadMiBps: number;
  readonly downloadMiBps: number;
}

interface SdsResult {
  readonly documentBytes: number;
  readonly repetitions: number;
  readonly paraph: TransferSide;
  readonly baseline: TransferSide;
  /** The baseline server flushing each upload to disk before answering (as Paraph does); reference only. */
  readonly baselineFsync: TransferSide;
  readonly uploadRatio: number;
  readonly downloadRatio: number;
}

interface TransferTarget {
  upload(doc: Buffer): Promise<{ ms: number; id: string }>;
  download(id: string): Promise<number>;
}

function paraphTransfers(paraph: ServerChild): TransferTarget {
  return {
    async upload(doc) {
      const res = await http(`${paraph.baseUrl}/doc/${SERVICE}/sds`, {
        method: 'POST',
        headers: { Authorization: AUTH, 'Content-Type': 'application/pdf', 'Content-Length': doc.length },
        body: doc,
      });
      expect(res.status === 201, `Paraph SDS upload answered ${res.status}: ${res.body.toString('utf8')}`, paraph);
      return { ms: res.ms, id: res.body.toString('latin1') };
    },
    async download(id) {
      const res = await http(`${paraph.baseUrl}/doc/${SERVICE}/sds/${id}`, {
        headers: { Authorization: AUTH },
        discardBody: true,
      });
      expect(res.status === 200 && res.bytes === SDS_DOC_BYTES, `Paraph SDS download: ${res.status}, ${res.bytes} bytes`);
      return res.ms;
    },
  };
}

function bareTransfers(bare: ServerChild): TransferTarget {
  return {
    async upload(doc) {
      const res = await http(`${bare.baseUrl}/files`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/pdf', 'Content-Length': doc.length },
        body: doc,
      });
      expect(res.status === 201, `bare upload answered ${res.status}: ${res.body.toString('utf8')}`, bare);
      return { ms: res.ms, id: res.body.toString('latin1') };
    },
    async download(id) {
      const res = await http(`${bare.baseUrl}/files/${id}`, { discardBody: true });
      expect(res.status === 200 && res.bytes === SDS_DOC_BYTES, `bare download: ${res.status}, ${res.bytes} bytes`);
      return res.ms;
    },
  };
}

const mibps = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000);

async function sdsBench(paraph: ServerChild, bare: ServerChild, bareFsync: ServerChild): Promise<SdsResult> {
  const doc = largePdfLike(SDS_DOC_BYTES);
  const sides = { paraph: paraphTransfers(paraph), baseline: bareTransfers(bare), baselineFsync: bareTransfers(bareFsync) };
  type Side = keyof typeof sides;
  const times: Record<Side, { up: number[]; down: number[]; ids: string[] }> = {
    paraph: { up: [], down: [], ids: [] },
    baseline: { up: [], down: [], ids: [] },
    baselineFsync: { up: [], down: [], ids: [] },
  };
  // The order of the sides rotates from one repetition to the next, so no side always goes first.
  const names: Side[] = ['baseline', 'paraph', 'baselineFsync'];
  const orderOf = (i: number): Side[] => [...names.slice(i % names.length), ...names.slice(0, i % names.length)];
  log(`SDS: ${SDS_DOC_BYTES / MiB} MiB, 1 warm-up + ${REPS} repetitions each way, rotating sides`);
  for (const side of Object.values(sides)) await side.download((await side.upload(doc)).id);
  for (let i = 0; i < REPS; i++) {
    for (const name of orderOf(i)) {
      // Start every upload with no dirty pages from the previous one being written back under it.
      execFileSync('sync');
      const { ms, id } = await sides[name].upload(doc);
      times[name].up.push(ms);
      times[name].ids.push(id);
    }
  }
  for (let i = 0; i < REPS; i++) {
    for (const name of orderOf(i)) times[name].down.push(await sides[name].download(times[name].ids[i] as string));
  }
  const side = (t: { up: number[]; down: number[] }): TransferSide => ({
    uploadMs: t.up,
    downloadMs: t.down,
    uploadMiBps: mibps(SDS_DOC_BYTES, median(t.up)),
    downloadMiBps: mibps(SDS_DOC_BYTES, median(t.down)),
  });
  const p = side(times.paraph);
  const b = side(times.baseline);
  return {
    documentBytes: SDS_DOC_BYTES,
    repetitions: REPS,
    paraph: p,
    baseline: b,
    baselineFsync: side(times.baselineFsync),
    uploadRatio: p.uploadMiBps / b.uploadMiBps,
    downloadRatio: p.downloadMiBps / b.downloadMiBps,
  };
}

// ----------------------------------------------------------------------------------------------- RSS

interface RssResult {
  readonly uploadBytes: number;
  readonly idleBytes: number;
  readonly peakSampledBytes: number;
  /** VmHWM after the upload, the counter having been reset before it (null where the kernel refused). */
  readonly peakHwmBytes: number | null;
  readonly growthBytes: number;
  readonly samples: number;
  readonly uploadMs: number;
}

function* constantChunks(total: number, chunkSize = 64 * 1024): Generator<Buffer> {
  const chunk = largePdfLike(chunkSize);
  for (let left = total; left > 0; left -= chunkSize) yield left >= chunkSize ? chunk : chunk.subarray(0, left);
}

async function rssDuringUpload(
  server: ServerChild,
  upload: (body: Readable) => Promise<{ status: number; ms: number }>,
): Promise<RssResult> {
  // Idle: after start and one small request (which, for Paraph, pays the one-off scrypt password check).
  await sleep(500);
  const idleSamples: number[] = [];
  for (let i = 0; i < 10; i++) {
    idleSamples.push(procStatusBytes(server.pid, 'VmRSS'));
    await sleep(RSS_SAMPLE_MS);
  }
  const idle = median(idleSamples);
  const hwmReset = resetPeakRss(server.pid);
  const sampler = sampleRss(server.pid, RSS_SAMPLE_MS);
  const res = await upload(Readable.from(constantChunks(RSS_UPLOAD_BYTES)));
  await sleep(250);
  const samples = sampler.stop();
  expect(res.status === 201, `${server.name}: 100 MiB upload answered ${res.status}`, server);
  const hwm = hwmReset ? procStatusBytes(server.pid, 'VmHWM') : null;
  const peakSampled = Math.max(...samples);
  const peak = Math.max(peakSampled, hwm ?? 0);
  return {
    uploadBytes: RSS_UPLOAD_BYTES,
    idleBytes: idle,
    peakSampledBytes: peakSampled,
    peakHwmBytes: hwm,
    growthBytes: peak - idle,
    samples: samples.length,
    uploadMs: res.ms,
  };
}

async function rssBench(): Promise<{ paraph: RssResult; baseline: RssResult }> {
  log(`RSS: ${RSS_UPLOAD_BYTES / MiB} MiB streamed upload, VmRSS every ${RSS_SAMPLE_MS} ms`);
  const paraph = await startParaph('paraph-rss', 4 * RSS_UPLOAD_BYTES);
  let paraphResult: RssResult;
  try {
    await uploadSmallPdf(paraph);
    paraphResult = await rssDuringUpload(paraph, (body) =>
      http(`${paraph.baseUrl}/doc/${SERVICE}/sds`, {
        method: 'POST',
        headers: { Authorization: AUTH, 'Content-Type': 'application/pdf', 'Content-Length': RSS_UPLOAD_BYTES },
        body,
      }),
    );
  } finally {
    await paraph.stop();
  }
  const bare = await startStreamServer('stream-rss');
  let bareResult: RssResult;
  try {
    const pdf = smallPdf();
    await http(`${bare.baseUrl}/files`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/pdf', 'Content-Length': pdf.length },
      body: pdf,
    });
    bareResult = await rssDuringUpload(bare, (body) =>
      http(`${bare.baseUrl}/files`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/pdf', 'Content-Length': RSS_UPLOAD_BYTES },
        body,
      }),
    );
  } finally {
    await bare.stop();
  }
  return { paraph: paraphResult, baseline: bareResult };
}

// -------------------------------------------------------------------------------------------- report

interface Row {
  readonly measure: string;
  readonly paraph: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly target: string;
  readonly verdict: string;
}

const f0 = (n: number): string => n.toFixed(0);
const f1 = (n: number): string => n.toFixed(1);
const f2 = (n: number): string => n.toFixed(2);
const f3 = (n: number): string => n.toFixed(3);
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');

function table(rows: readonly Row[]): string {
  const head: Row = { measure: 'Measure', paraph: 'Paraph', baseline: 'Baseline', ratio: 'Ratio', target: 'Target', verdict: '' };
  const keys = ['measure', 'paraph', 'baseline', 'ratio', 'target', 'verdict'] as const;
  const widths = keys.map((k) => Math.max(...[head, ...rows].map((r) => r[k].length)));
  const line = (r: Row): string =>
    keys
      .map((k, i) => (i === 0 || i === 5 ? r[k].padEnd(widths[i] as number) : r[k].padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The commit the measured build came from (`-dirty`: the working tree had changes, which were built too). */
function gitDescribe(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const results: {
    soap?: SoapPair[];
    sds?: SdsResult;
    rss?: { paraph: RssResult; baseline: RssResult };
    sign?: SignResult;
    package?: PackageResult;
  } = {};
  const rows: Row[] = [];
  const missed: string[] = [];

  const soapWanted = ONLY.has('soap') || ONLY.has('createRequest') || ONLY.has('getStatus');
  if (soapWanted || ONLY.has('sds')) {
    const paraph = await startParaph('paraph', 64 * MiB);
    const servers: ServerChild[] = [paraph];
    try {
      if (soapWanted) {
        const echo = await startEcho();
        servers.push(echo);
        const durableEcho = await startEcho(true);
        servers.push(durableEcho);
        results.soap = await soapBench(paraph, echo, durableEcho);
        await Promise.all([echo.stop(), durableEcho.stop()]);
      }
      if (ONLY.has('sds')) {
        const bare = await startStreamServer('stream');
        servers.push(bare);
        const bareFsync = await startStreamServer('stream-fsync', true);
        servers.push(bareFsync);
        results.sds = await sdsBench(paraph, bare, bareFsync);
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  }
  if (ONLY.has('rss')) results.rss = await rssBench();
  if (ONLY.has('sign')) {
    const paraph = await startParaph('paraph-sign', 64 * MiB);
    try {
      results.sign = await signBench(paraph, SERVICE, PASSWORD, SIGNATURES);
    } finally {
      await paraph.stop();
    }
  }
  if (ONLY.has('package')) {
    const paraph = await startParaph('paraph-package', 64 * MiB);
    try {
      results.package = await packageBench(paraph, SERVICE, PASSWORD, PACKAGES);
    } finally {
      await paraph.stop();
    }
  }

  for (const pair of results.soap ?? []) {
    const target = pair.operation === 'createRequest' ? TARGETS.createRequestRps : TARGETS.getStatusRps;
    const ok = pair.rpsRatio >= target;
    if (!ok) missed.push(`${pair.operation} req/s ratio ${f2(pair.rpsRatio)} < ${target}`);
    rows.push(
      {
        measure: `${pair.operation} req/s (${pair.envelopeBytes} B envelope)`,
        paraph: f0(pair.paraph.rps),
        baseline: f0(pair.baseline.rps),
        ratio: f2(pair.rpsRatio),
        target: `>= ${target}`,
        verdict: verdict(ok),
      },
      {
        measure: `${pair.operation} p99 latency ms`,
        paraph: f1(pair.paraph.latencyMs.p99),
        baseline: f1(pair.baseline.latencyMs.p99),
        ratio: f2(pair.p99Ratio),
        target: '',
        verdict: '',
      },
      {
        measure: `${pair.operation} server CPU ms per request`,
        paraph: f3(pair.paraph.serverCpuMsPerRequest),
        baseline: f3(pair.baseline.serverCpuMsPerRequest),
        ratio: f2(pair.cpuRatio),
        target: '',
        verdict: '',
      },
    );
    if (pair.busy) {
      const { paraph, baseline } = pair.busy;
      rows.push({
        measure: `  reference: ${BUSY_CONNECTIONS} connections, req/s / p99 ms`,
        paraph: `${f0(paraph.rps)} / ${f1(paraph.latencyMs.p99)}`,
        baseline: `${f0(baseline.rps)} / ${f1(baseline.latencyMs.p99)}`,
        ratio: f2(paraph.rps / baseline.rps),
        target: '',
        verdict: '',
      });
    }
    const durable = pair.durableBaseline;
    if (durable) {
      rows.push({
        measure: `  reference: echo + durable journal, req/s / CPU ms`,
        paraph: '',
        baseline: `${f0(durable.rps)} / ${f3(durable.serverCpuMsPerRequest)}`,
        ratio: `${f2(pair.paraph.rps / durable.rps)} / ${f2(pair.paraph.serverCpuMsPerRequest / durable.serverCpuMsPerRequest)}`,
        target: '',
        verdict: '',
      });
    }
  }
  if (results.sds) {
    const s = results.sds;
    for (const [what, p, b, ratio, target] of [
      ['upload', s.paraph.uploadMiBps, s.baseline.uploadMiBps, s.uploadRatio, TARGETS.sdsUpload],
      ['download', s.paraph.downloadMiBps, s.baseline.downloadMiBps, s.downloadRatio, TARGETS.sdsDownload],
    ] as const) {
      const ok = ratio >= target;
      if (!ok) missed.push(`SDS ${what} ratio ${f2(ratio)} < ${target}`);
      rows.push({
        measure: `SDS ${what} ${s.documentBytes / MiB} MiB, MiB/s (median of ${s.repetitions})`,
        paraph: f0(p),
        baseline: f0(b),
        ratio: f2(ratio),
        target: `>= ${target}`,
        verdict: verdict(ok),
      });
    }
    const fs = s.baselineFsync;
    rows.push({
      measure: `  reference: baseline + fsync, upload / download`,
      paraph: '',
      baseline: `${f0(fs.uploadMiBps)} / ${f0(fs.downloadMiBps)}`,
      ratio: `${f2(s.paraph.uploadMiBps / fs.uploadMiBps)} / ${f2(s.paraph.downloadMiBps / fs.downloadMiBps)}`,
      target: '',
      verdict: '',
    });
  }
  if (results.rss) {
    const { paraph, baseline } = results.rss;
    const ok = paraph.growthBytes < TARGETS.rssGrowthBytes;
    if (!ok) missed.push(`RSS growth ${mib(paraph.growthBytes)} >= ${mib(TARGETS.rssGrowthBytes)}`);
    rows.push(
      {
        measure: `RSS idle before ${paraph.uploadBytes / MiB} MiB upload`,
        paraph: mib(paraph.idleBytes),
        baseline: mib(baseline.idleBytes),
        ratio: '',
        target: '',
        verdict: '',
      },
      {
        measure: `RSS growth during ${paraph.uploadBytes / MiB} MiB upload`,
        paraph: mib(paraph.growthBytes),
        baseline: mib(baseline.growthBytes),
        ratio: '',
        target: `< ${mib(TARGETS.rssGrowthBytes)}`,
        verdict: verdict(ok),
      },
    );
  }

  if (results.sign) {
    const g = results.sign;
    const ok = g.costRatio <= TARGETS.signatureCostRatio;
    if (!ok) missed.push(`signature cost ratio ${f1(g.costRatio)} > ${TARGETS.signatureCostRatio}`);
    rows.push(
      {
        measure: `sign ${g.documentBytes / MiB} MiB PDF (${g.method}), signatures/s, one at a time`,
        paraph: f1(g.sequential.perSecond),
        baseline: `${f0(g.rawRsa.perSecond)} RSA/s`,
        ratio: '',
        target: '',
        verdict: '',
      },
      {
        measure: `  median ms per signature vs ${RSA_SIGNATURES_PER_WHOLE_SIGNATURE} raw RSA signatures`,
        paraph: f1(g.sequential.medianMs),
        baseline: f2(RSA_SIGNATURES_PER_WHOLE_SIGNATURE * g.rawRsa.ms),
        ratio: f1(g.costRatio),
        target: `<= ${TARGETS.signatureCostRatio}`,
        verdict: verdict(ok),
      },
      {
        measure: `  signatures/s with ${g.concurrent.inFlight} in flight; p90 ms; LTV-SDO size`,
        paraph: f1(g.concurrent.perSecond),
        baseline: '',
        ratio: '',
        target: `p90 ${f1(g.sequential.p90Ms)} ms`,
        verdict: mib(g.resultBytes),
      },
    );
  }

  if (results.package) {
    const k = results.package;
    const ok = k.ratio <= TARGETS.packageRatio;
    if (!ok) missed.push(`package ratio ${f2(k.ratio)} > ${TARGETS.packageRatio}`);
    rows.push(
      {
        measure: `create-package ${k.pages} pages (${f1(k.pdfBytes / 1024)} KiB), 2 signers, median ms`,
        paraph: f1(k.paraphMs),
        baseline: f1(k.baselineMs),
        ratio: f2(k.ratio),
        target: `<= ${TARGETS.packageRatio}`,
        verdict: verdict(ok),
      },
      {
        measure: `  packages/s; package size; RSS idle / peak growth`,
        paraph: f1(k.packagesPerSecond),
        baseline: '',
        ratio: '',
        target: `${f1(k.packageBytes / 1024)} KiB`,
        verdict: `${mib(k.rssIdleBytes)} / ${mib(k.rssPeakGrowthBytes)}`,
      },
    );
  }

  const finished = new Date();
  const environment = {
    started: started.toISOString(),
    source: gitDescribe(),
    finished: finished.toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    tmpdir: tmpdir(),
    profile: PROFILE,
    settings: {
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      connections: CONNECTIONS,
      busyConnections: BUSY_CONNECTIONS,
      repetitions: REPS,
    },
  };
  const out = `
Paraph benchmark: ${started.toISOString()}, source ${environment.source}, node ${process.version}, ${environment.cpus} CPUs (${environment.cpuModel})
SOAP: autocannon, ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s per side; baseline = bare soap echo, same envelope size (references for createRequest: both with ${BUSY_CONNECTIONS} connections; the same echo answering once each call is appended to a file and fdatasynced, with group commit)
SDS: baseline = bare express stream-to-file; RSS: VmRSS of the server process, growth over idle
Sign: control API over loopback, ${SIGNATURES} signatures one at a time after a warm-up; baseline = raw crypto.sign RSA-2048 in this process
Package: create-package over loopback, ${PACKAGES} packages alternating with the baseline = bare pdf-lib load + save in this process
${PROFILE ? 'PROFILE RUN: servers ran with --cpu-prof; figures are not comparable\n' : ''}
${table(rows)}

${missed.length === 0 ? 'All targets met.' : `Targets missed:\n${missed.map((m) => `  - ${m}`).join('\n')}`}
`;
  process.stdout.write(out);

  const dir = join(ROOT, '.bench');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify({ environment, targets: TARGETS, results, missed }, null, 2)}\n`;
  const dated = join(dir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(dated, json);
  writeFileSync(join(dir, 'latest.json'), json);
  process.stdout.write(`Raw figures: ${dated} (and .bench/latest.json); took ${f0((finished.getTime() - started.getTime()) / 1000)} s\n`);
  if (missed.length > 0 && process.env.BENCH_STRICT === '1') process.exitCode = 1;
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(cleanupSync);
