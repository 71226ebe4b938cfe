import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParaph, type RunningParaph } from '../helpers/paraph';
import { report, run } from '../helpers/run-program';

/**
 * Interop: a whole order's life driven by a real .NET SOAP client on Mono (Debian mono-devel): the classic
 * System.Web.Services proxies that `wsdl` ("Add Web Reference") generates from the served WSDLs
 * (DocumentService v3; PackagingService v4 and ArchiveService v3 for the package of the signed order), i.e.
 * the XmlSerializer-based client legacy .NET integrations of Signicat were built on. It is strict about what
 * comes back: documents must deserialize as their own subclasses (xsi:type), optional values need their
 * `xxxSpecified` flags, and faults must surface as SoapException.
 * test/interop/dotnet/OrderLife.cs prints one `PASS <step>` or `FAIL <step>: reason` line per step and exits
 * non-zero when any step failed.
 *
 * Everything is run with an asynchronous spawn, not spawnSync: the server runs in this process, and
 * spawnSync would block the event loop that has to answer `wsdl`'s and the program's HTTP calls.
 */

const WSDL = '/usr/bin/wsdl';
const MCS = '/usr/bin/mcs';
const MONO = '/usr/bin/mono';
const SOURCE = join(__dirname, 'dotnet', 'OrderLife.cs');
const WCF_SOURCE = join(__dirname, 'dotnet', 'WcfOrder.cs');
/** The order every interop client drives (Java, .NET, PHP, Python): its values are read from this file. */
const SCENARIO = join(__dirname, '..', '..', 'fixtures', 'interop', 'scenario.properties');
const TIMEOUT_MS = 180_000;
/** The number of steps OrderLife.cs reports; a step that silently disappears must fail this test. */
const STEPS = 24;
/** The number of steps WcfOrder.cs reports. */
const WCF_STEPS = 9;
/**
 * The one WCF step allowed to fail, and only with this exact Mono symptom (see dotnet/WCF.md): Mono's WCF
 * client reads any fault <detail> it has no [FaultContract] for as ExceptionDetail with
 * DataContractSerializer and throws SerializationException instead of FaultException. Paraph puts
 * <detail><paraph:error xmlns:paraph="urn:paraph:fault"> in its faults, which triggers it; a fault without
 * <detail> (CONTRACT.md §0 example 09-fault) gives a FaultException, and so does declaring the detail as a
 * [FaultContract] (a separate step that must pass).
 */
const WCF_KNOWN_MONO_FAULT =
  /^FAIL wcf wrong password: FaultException "Invalid service or password": SerializationException: .*Expecting element 'ExceptionDetail'.*urn:paraph:fault/;


let server: RunningParaph;
let workDir: string;

describe('a real .NET client (Mono, wsdl.exe proxy)', () => {
  beforeAll(async () => {
    server = await startParaph();
    workDir = mkdtempSync(join(tmpdir(), 'paraph-dotnet-'));
  });

  /** Generates Proxy.cs from the WSDL this server serves (once; later callers reuse it). */
  async function proxy(): Promise<void> {
    if (existsSync(join(workDir, 'Proxy.cs'))) return;
    const gen = await run(WSDL, [`${server.url}/ws/documentservice-v3?wsdl`, '-out:Proxy.cs'], 120_000, workDir);
    if (gen.status !== 0 || !existsSync(join(workDir, 'Proxy.cs'))) console.log(report('wsdl', gen));
    expect(gen.status).toBe(0);
    expect(existsSync(join(workDir, 'Proxy.cs'))).toBe(true);
  }

  /**
   * Generates PackagingProxy.cs and ArchiveProxy.cs from the PackagingService v4 and ArchiveService v3 WSDLs
   * this server serves, each in a namespace of its own (`documentdata` would clash with Proxy.cs's).
   */
  async function serviceProxies(): Promise<void> {
    for (const [path, namespace, file] of [
      ['/ws/packagingservice-v4?wsdl', 'Paraph.Packaging', 'PackagingProxy.cs'],
      ['/ws/archiveservice-v3?wsdl', 'Paraph.Archive', 'ArchiveProxy.cs'],
    ] as const) {
      if (existsSync(join(workDir, file))) continue;
      const gen = await run(WSDL, [`${server.url}${path}`, `-namespace:${namespace}`, `-out:${file}`], 120_000, workDir);
      if (gen.status !== 0 || !existsSync(join(workDir, file))) console.log(report(`wsdl ${path}`, gen));
      expect(gen.status).toBe(0);
      expect(existsSync(join(workDir, file))).toBe(true);
    }
  }

  afterAll(async () => {
    await server?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test('Mono (wsdl, mcs, mono from Debian mono-devel) is installed', async () => {
    expect([WSDL, MCS, MONO].filter((p) => !existsSync(p))).toEqual([]);
    const out = await run(MONO, ['--version'], 30_000);
    if (out.status !== 0) console.log(report('mono --version', out));
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/Mono JIT compiler version \d+/);
  });

  test(
    'a whole order life through the wsdl-generated proxy: every step passes',
    async () => {
      // 1. Generate the proxies from the WSDLs this server serves.
      await proxy();
      await serviceProxies();

      // 2. Compile them with the program (System.Web.Extensions: JavaScriptSerializer for the control API's JSON).
      copyFileSync(SOURCE, join(workDir, 'OrderLife.cs'));
      const cc = await run(
        MCS,
        [
          '-nologo',
          '-out:OrderLife.exe',
          '-r:System.Web.Services',
          '-r:System.Xml',
          '-r:System.Web.Extensions',
          'Proxy.cs',
          'PackagingProxy.cs',
          'ArchiveProxy.cs',
          'OrderLife.cs',
        ],
        120_000,
        workDir,
      );
      if (cc.status !== 0) console.log(report('mcs', cc));
      expect(cc.status).toBe(0);

      // 3. Run it against the server.
      const out = await run(MONO, [join(workDir, 'OrderLife.exe'), server.url, SCENARIO], TIMEOUT_MS, workDir);
      const lines = out.stdout.split('\n');
      const passed = lines.filter((l) => l.startsWith('PASS '));
      const failed = lines.filter((l) => l.startsWith('FAIL '));
      if (out.status !== 0 || failed.length > 0 || passed.length < STEPS) console.log(report('OrderLife.exe', out));
      expect(failed).toEqual([]);
      expect(out.status).toBe(0);
      expect(passed.length).toBeGreaterThanOrEqual(STEPS);
    },
    TIMEOUT_MS + 240_000,
  );

  test(
    'WCF (System.ServiceModel ChannelFactory, XmlSerializerFormat, bare message contracts) on Mono',
    async () => {
      await proxy();
      copyFileSync(WCF_SOURCE, join(workDir, 'WcfOrder.cs'));
      const cc = await run(
        MCS,
        [
          '-nologo',
          '-out:WcfOrder.exe',
          '-r:System.ServiceModel',
          '-r:System.Runtime.Serialization',
          '-r:System.Web.Services',
          '-r:System.Xml',
          'Proxy.cs',
          'WcfOrder.cs',
        ],
        120_000,
        workDir,
      );
      if (cc.status !== 0) console.log(report('mcs (WCF)', cc));
      expect(cc.status).toBe(0);

      const out = await run(MONO, [join(workDir, 'WcfOrder.exe'), server.url], TIMEOUT_MS, workDir);
      const lines = out.stdout.split('\n');
      const passed = lines.filter((l) => l.startsWith('PASS '));
      const failed = lines.filter((l) => l.startsWith('FAIL '));
      const unexpected = failed.filter((l) => !WCF_KNOWN_MONO_FAULT.test(l));
      if (unexpected.length > 0 || passed.length + failed.length < WCF_STEPS) console.log(report('WcfOrder.exe', out));
      expect(unexpected).toEqual([]);
      expect(passed.length + failed.length).toBeGreaterThanOrEqual(WCF_STEPS);
      expect(passed.length).toBeGreaterThanOrEqual(WCF_STEPS - 1);
      // The exit code is 1 only because of the known Mono fault-detail step.
      expect(out.status).toBe(failed.length === 0 ? 0 : 1);
    },
    TIMEOUT_MS + 240_000,
  );
});
