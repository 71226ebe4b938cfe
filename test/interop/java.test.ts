import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParaph, type RunningParaph } from '../helpers/paraph';
import { report, run } from '../helpers/run-program';

/**
 * Interop: a whole order's life driven by a real Java JAX-WS client. The Debian `jaxws` package's
 * wsimport generates the classes from the WSDLs this server serves (DocumentService v3, and PackagingService
 * v4 and ArchiveService v3 for the package of the signed order; `-Xnocompile -keep`, since its own
 * compile step does not find the JAX-WS/JAXB APIs that Java 11+ no longer ships), javac compiles them
 * with test/interop/java/OrderLife.java against /usr/share/java/* (jaxws-rt, jaxb, saaj, ...), and java
 * runs it. OrderLife prints one `PASS <step>` or `FAIL <step>: reason` line per step and exits non-zero
 * when any step failed.
 *
 * Every child is spawned asynchronously: the server runs in this process, and spawnSync would block the
 * event loop that has to answer wsimport's WSDL fetch and the client's calls.
 */

const CLASSPATH_LIBS = '/usr/share/java/*';
const SOURCE = join(__dirname, 'java', 'OrderLife.java');
/** The scenario every interop client drives, passed by absolute path: java inherits jest's working directory, which need not be the repo root. */
const SCENARIO = join(__dirname, '..', '..', 'fixtures', 'interop', 'scenario.properties');
const BUILD_TIMEOUT_MS = 120_000;
const RUN_TIMEOUT_MS = 120_000;
/** The served WSDLs OrderLife's classes are generated from, each into its own package. */
const WSDLS = [
  ['com.signicat.document.v3', '/ws/documentservice-v3?wsdl'],
  ['com.signicat.packaging.v4', '/ws/packagingservice-v4?wsdl'],
  ['com.signicat.archive.v3', '/ws/archiveservice-v3?wsdl'],
] as const;
/** The number of steps OrderLife reports; a step that silently disappears must fail this test. */
const STEPS = 24;


function javaFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return javaFiles(path);
    return name.endsWith('.java') ? [path] : [];
  });
}

let server: RunningParaph;
let work: string;

beforeAll(async () => {
  server = await startParaph();
  work = mkdtempSync(join(tmpdir(), 'paraph-java-'));
});

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('javac, java and wsimport are installed', async () => {
  for (const [cmd, args] of [
    ['javac', ['-version']],
    ['java', ['-version']],
  ] as const) {
    const out = await run(cmd, [...args], 30_000);
    if (out.status !== 0) console.log(report(cmd, out));
    expect(out.status).toBe(0);
  }
  const out = await run('wsimport', ['-version'], 30_000);
  if (out.status !== 0) console.log(report('wsimport -version', out));
  expect(out.status).toBe(0);
});

test(
  'a whole order life through a wsimport-generated JAX-WS client: every step passes',
  async () => {
    const src = join(work, 'src');
    const classes = join(work, 'classes');
    mkdirSync(src);
    mkdirSync(classes);

    // One package per service, as a client generating from Signicat's WSDLs would keep them apart.
    for (const [pkg, path] of WSDLS) {
      const wsimport = await run(
        'wsimport',
        ['-Xnocompile', '-keep', '-s', src, '-d', src, '-p', pkg, `${server.url}${path}`],
        BUILD_TIMEOUT_MS,
      );
      if (wsimport.status !== 0) console.log(report(`wsimport ${path}`, wsimport));
      expect(wsimport.status).toBe(0);
    }
    const generated = javaFiles(src);
    if (generated.length === 0) console.log('wsimport generated no .java files');
    expect(generated.map((f) => f.slice(src.length + 1))).toEqual(
      expect.arrayContaining([
        join('com', 'signicat', 'document', 'v3', 'DocumentService.java'),
        join('com', 'signicat', 'document', 'v3', 'SdsDocument.java'),
        join('com', 'signicat', 'document', 'v3', 'ProvidedDocument.java'),
        join('com', 'signicat', 'packaging', 'v4', 'PackagingService.java'),
        join('com', 'signicat', 'packaging', 'v4', 'CreatePackageRequest.java'),
        join('com', 'signicat', 'archive', 'v3', 'ArchiveService.java'),
        join('com', 'signicat', 'archive', 'v3', 'DocumentData.java'),
      ]),
    );

    const javac = await run(
      'javac',
      ['-encoding', 'UTF-8', '-nowarn', '-cp', CLASSPATH_LIBS, '-d', classes, ...generated, SOURCE],
      BUILD_TIMEOUT_MS,
    );
    if (javac.status !== 0) console.log(report('javac', javac));
    expect(javac.status).toBe(0);

    const out = await run('java', ['-cp', `${classes}:${CLASSPATH_LIBS}`, 'OrderLife', server.url, SCENARIO], RUN_TIMEOUT_MS);
    const lines = out.stdout.split('\n');
    const passed = lines.filter((l) => l.startsWith('PASS '));
    const failed = lines.filter((l) => l.startsWith('FAIL '));
    if (out.status !== 0 || failed.length > 0 || passed.length < STEPS) console.log(report('OrderLife', out));
    expect(failed).toEqual([]);
    expect(out.status).toBe(0);
    expect(passed.length).toBeGreaterThanOrEqual(STEPS);
  },
  4 * BUILD_TIMEOUT_MS + RUN_TIMEOUT_MS + 30_000,
);
