/**
 * The golden corpus: fixtures/contract/<operation>__<case>/ holds a request as a real client sends it
 * and the response Paraph must give, compared after canonicalisation (see canonical-xml.ts). Each case
 * runs on a fresh server with a fixed clock and predictable ids, after the steps in its optional
 * setup.json: `sds` (documents uploaded first, by content type) and `before` (other cases' requests
 * posted first, in order). Every successful response payload is also validated with xmllint against
 * the schema of our WSDL.
 *
 * A missing response.xml is written when UPDATE_GOLDEN=1, to be read and checked by hand before commit.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock';
import { SAMPLE_PDF, soapPost, startParaph, uploadSds, type RunningParaph } from '../helpers/paraph';
import { canonicalXml, payloadOf } from './canonical-xml';
import { schemaFile } from './wsdl-schema';

const ROOT = join(__dirname, '..', '..', 'fixtures', 'contract');
const START = '2026-11-23T10:00:00.000Z';

interface Setup {
  sds?: string[];
  before?: string[];
  /** Milliseconds to move the clock after the setup steps. */
  advanceMs?: number;
  /**
   * Why this response is not validated against the schema: it echoes a schema-invalid message that
   * a real client sends (real clients win over the schema; CONTRACT.md §0.1.4).
   */
  schemaInvalidEcho?: string;
}

const cases = readdirSync(ROOT).filter((d) => d.includes('__')).sort();

function readSetup(dir: string): Setup {
  const file = join(ROOT, dir, 'setup.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Setup) : {};
}

function servicePath(dir: string): string {
  const file = join(ROOT, dir, 'path.txt');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : '/ws/documentservice-v3';
}

function sdsBody(contentType: string): Buffer {
  return contentType.startsWith('application/pdf') ? SAMPLE_PDF : Buffer.from('Avtale om signering: Æ Ø Å\n', 'utf8');
}

const scratch = mkdtempSync(join(tmpdir(), 'paraph-golden-'));

function validate(payload: string, name: string): void {
  const file = join(scratch, `${name}.xml`);
  writeFileSync(file, payload);
  try {
    execFileSync('xmllint', ['--noout', '--schema', schemaFile(), file], { stdio: 'pipe' });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    throw new Error(`${name}: response payload is not valid against the WSDL schema:\n${stderr}`);
  }
}

describe('golden SOAP exchanges', () => {
  it('has cases for every DocumentService operation', () => {
    const operations = new Set(cases.map((c) => c.split('__')[0]));
    for (const op of [
      'createRequest',
      'getRequest',
      'deleteRequest',
      'createArtifact',
      'addNotification',
      'disableNotification',
      'getTask',
      'findTasks',
      'getTaskCount',
      'addTask',
      'disableTask',
      'getStatus',
      'setClientStatus',
      'getRequestHistory',
      'createUserSession',
      'getPackagingTaskStatus',
    ]) {
      expect(operations).toContain(op);
    }
  });

  describe.each(cases)('%s', (dir) => {
    let running: RunningParaph;

    beforeAll(async () => {
      running = await startParaph({
        clock: new ManualClock(START),
        sequentialIds: true,
        config: { publicBaseUrl: 'http://paraph.test' },
      });
    });
    afterAll(async () => running.stop());

    it('answers as recorded', async () => {
      const setup = readSetup(dir);
      for (const contentType of setup.sds ?? []) await uploadSds(running.url, sdsBody(contentType), contentType);
      for (const step of setup.before ?? []) {
        const res = await soapPost(running.url, readFileSync(join(ROOT, step, 'request.xml'), 'utf8'), servicePath(step));
        if (res.status !== 200) throw new Error(`setup step ${step} failed: ${res.body}`);
      }
      if (setup.advanceMs) (running.clock as ManualClock).advance(setup.advanceMs);

      const request = readFileSync(join(ROOT, dir, 'request.xml'), 'utf8');
      const res = await soapPost(running.url, request, servicePath(dir));
      expect(res.headers.get('content-type')).toBe('text/xml;charset=UTF-8');

      const expectedFile = join(ROOT, dir, 'response.xml');
      if (!existsSync(expectedFile)) {
        if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`${dir}: no response.xml (run with UPDATE_GOLDEN=1)`);
        writeFileSync(expectedFile, execFileSync('xmllint', ['--format', '-'], { input: res.body }));
      }
      const expected = readFileSync(expectedFile, 'utf8');
      const isFault = expected.includes(':Fault>');
      expect(res.status).toBe(isFault ? 500 : 200);
      expect(canonicalXml(res.body)).toBe(canonicalXml(expected));
      if (!isFault && !setup.schemaInvalidEcho) {
        const payload = payloadOf(res.body);
        if (payload !== undefined) validate(payload, dir);
      }
    });
  });
});
