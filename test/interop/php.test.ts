import { join } from 'node:path';
import { startParaph, type RunningParaph } from '../helpers/paraph';
import { report, run } from '../helpers/run-program';

/**
 * Interop: a whole order's life driven by PHP's SoapClient in WSDL mode (Debian php-cli + php-soap), the
 * way legacy PHP clients talk to DocumentService v3: it downloads the served WSDL, posts to its
 * soap:address, sends polymorphic documents as SoapVar(…, SOAP_ENC_OBJECT, 'sds-document', tns) and maps
 * hyphenated element/attribute names to object properties. After the tasks are signed through the emulator
 * control API, the signed order is packaged with a second SoapClient on the PackagingService v4 WSDL and
 * read back and removed with a third on the ArchiveService v3 WSDL. The order's values come from
 * fixtures/interop/scenario.properties, passed as the second argument. test/interop/php/order_life.php prints one
 * `PASS <step>` or `FAIL <step>: reason` line per step and exits non-zero when any step failed.
 *
 * The script is run with an asynchronous spawn, not spawnSync: the server runs in this process, and
 * spawnSync would block the event loop that has to answer the script's HTTP calls.
 */

const PHP = 'php';
const SCRIPT = join(__dirname, 'php', 'order_life.php');
/** The scenario every interop client drives; the script reads its values from it. */
const SCENARIO = join(__dirname, '..', '..', 'fixtures', 'interop', 'scenario.properties');
const TIMEOUT_MS = 120_000;
/** The number of steps order_life.php reports; a step that silently disappears must fail this test. */
const STEPS = 23;


let server: RunningParaph;

beforeAll(async () => {
  server = await startParaph();
});

afterAll(async () => {
  await server?.stop();
});

test('php has the soap extension', async () => {
  const out = await run(PHP, ['-r', 'echo extension_loaded("soap") ? "soap" : "none";'], 30_000);
  if (out.status !== 0) console.log(report('php -r', out));
  expect(out.status).toBe(0);
  expect(out.stdout).toBe('soap');
});

test(
  'a whole order life through PHP SoapClient: every step passes',
  async () => {
    const out = await run(PHP, [SCRIPT, server.url, SCENARIO], TIMEOUT_MS);
    const lines = out.stdout.split('\n');
    const passed = lines.filter((l) => l.startsWith('PASS '));
    const failed = lines.filter((l) => l.startsWith('FAIL '));
    if (out.status !== 0 || failed.length > 0 || passed.length < STEPS) console.log(report('order_life.php', out));
    expect(failed).toEqual([]);
    expect(out.status).toBe(0);
    expect(passed.length).toBeGreaterThanOrEqual(STEPS);
  },
  TIMEOUT_MS + 30_000,
);
