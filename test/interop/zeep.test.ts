import { join } from 'node:path';
import { startParaph, type RunningParaph } from '../helpers/paraph';
import { report, run } from '../helpers/run-program';

/**
 * Interop: a whole order's life driven by Python's zeep (Debian python3-zeep), a client that reads the
 * served WSDL at run time and is strict about what comes back (xsi:type on polymorphic documents, schema
 * types, faults). After the tasks are signed through the emulator control API, the signed order is packaged
 * with a zeep client of the PackagingService v4 WSDL and read back and removed with one of the ArchiveService
 * v3 WSDL. The order's values come from fixtures/interop/scenario.properties, passed as the second
 * argument. test/interop/python/order_life.py prints one `PASS <step>` or `FAIL <step>: reason`
 * line per step and exits non-zero when any step failed.
 *
 * zeep is only installed for the system interpreter, hence /usr/bin/python3 rather than the `python3`
 * first on PATH.
 *
 * The script is run with an asynchronous spawn, not spawnSync: the server runs in this process, and
 * spawnSync would block the event loop that has to answer the script's HTTP calls (the script would
 * hang until the timeout killed it).
 */

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, 'python', 'order_life.py');
/** The scenario every interop client drives; the script reads its values from it. */
const SCENARIO = join(__dirname, '..', '..', 'fixtures', 'interop', 'scenario.properties');
const TIMEOUT_MS = 120_000;
/** The number of steps order_life.py reports; a step that silently disappears must fail this test. */
const STEPS = 28;


let server: RunningParaph;

beforeAll(async () => {
  server = await startParaph();
});

afterAll(async () => {
  await server?.stop();
});

test('zeep is available to /usr/bin/python3', async () => {
  const out = await run(PYTHON, ['-c', 'import zeep, sys; sys.stdout.write(zeep.__version__)'], 30_000);
  if (out.status !== 0) console.log(report('import zeep', out));
  expect(out.status).toBe(0);
  expect(out.stdout).toMatch(/^\d+\.\d+/);
});

test(
  'a whole order life through zeep: every step passes',
  async () => {
    const out = await run(PYTHON, [SCRIPT, server.url, SCENARIO], TIMEOUT_MS);
    const lines = out.stdout.split('\n');
    const passed = lines.filter((l) => l.startsWith('PASS '));
    const failed = lines.filter((l) => l.startsWith('FAIL '));
    if (out.status !== 0 || failed.length > 0 || passed.length < STEPS) console.log(report('order_life.py', out));
    expect(failed).toEqual([]);
    expect(out.status).toBe(0);
    expect(passed.length).toBeGreaterThanOrEqual(STEPS);
  },
  TIMEOUT_MS + 30_000,
);
