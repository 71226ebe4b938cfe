/**
 * The SDS REST API (CONTRACT.md §4) and the order document URLs (§4.1), driven with the real `curl`
 * binary, so what is tested is what a client sees on the wire: status lines, headers as sent, bodies
 * byte for byte, the Basic challenge, `Expect: 100-continue` and chunked uploads.
 *
 * curl runs as a child process through the asynchronous `spawn` (never spawnSync): the server runs in
 * this process and must keep answering while curl waits.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock';
import { DOC_NS, filesHolding, SAMPLE_PDF, SERVICES, startParaph, type RunningParaph } from '../helpers/paraph';

const DEMO = `${SERVICES.demo.name}:${SERVICES.demo.password}`;
const OTHER = `${SERVICES.other.name}:${SERVICES.other.password}`;
const WRONG = `${SERVICES.demo.name}:not-the-password`;
const MB = 1024 * 1024;

/** The clock of the main server: ids start with its day, `ddMMyyyy`. */
const START = '2031-03-05T10:00:00.000Z';
const START_PREFIX = '05032031';
const ID_SHAPE = /^[0-9]{8}[0-9a-z]{50}$/;

let work: string;
let fileSeq = 0;

/** Writes bytes to a fresh temporary file, for `--data-binary @file`. */
function tempFile(data: Buffer | string): string {
  const path = join(work, `body-${++fileSeq}`);
  writeFileSync(path, data);
  return path;
}

interface CurlResult {
  /** curl's exit code (0 = the exchange completed, whatever the HTTP status). */
  readonly exitCode: number;
  /** Status of the final response (`%{http_code}`). */
  readonly status: number;
  /** Every response head curl received, in order (interim 100 and 401 challenges included). */
  readonly heads: readonly ResponseHead[];
  /** The final response's head. */
  readonly head: ResponseHead;
  readonly body: Buffer;
  /** Body bytes curl sent (`%{size_upload}`). */
  readonly sizeUpload: number;
  /** With `-v`: curl's trace (`>` lines sent, `<` lines received, `*` notes). */
  readonly stderr: string;
}

interface ResponseHead {
  readonly statusLine: string;
  readonly status: number;
  /** Header values by lower-case name; repeated headers keep every value. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
}

function header(head: ResponseHead, name: string): string | undefined {
  return head.headers.get(name.toLowerCase())?.[0];
}

function parseHeads(raw: string): ResponseHead[] {
  const heads: ResponseHead[] = [];
  for (const block of raw.split(/\r?\n\r?\n/)) {
    const lines = block.split(/\r?\n/).filter((l) => l !== '');
    const statusLine = lines[0];
    if (statusLine === undefined || !statusLine.startsWith('HTTP/')) continue;
    const headers = new Map<string, string[]>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers.set(name, [...(headers.get(name) ?? []), value]);
    }
    heads.push({ statusLine, status: Number(statusLine.split(' ')[1]), headers });
  }
  return heads;
}

/** Runs curl with `args`; the status, heads, body and upload size are read through files and `-w`. */
function curl(args: readonly string[]): Promise<CurlResult> {
  const n = ++fileSeq;
  const headFile = join(work, `head-${n}`);
  const bodyFile = join(work, `out-${n}`);
  const full = ['-s', '-S', '--max-time', '60', '-D', headFile, '-o', bodyFile, '-w', '%{http_code} %{size_upload}', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn('curl', full, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', reject);
    child.once('close', (code) => {
      const [status = '0', sizeUpload = '0'] = Buffer.concat(out).toString('latin1').trim().split(' ');
      const heads = existsSync(headFile) ? parseHeads(readFileSync(headFile, 'latin1')) : [];
      const empty: ResponseHead = { statusLine: '', status: 0, headers: new Map() };
      resolve({
        exitCode: code ?? -1,
        status: Number(status),
        heads,
        head: heads[heads.length - 1] ?? empty,
        body: existsSync(bodyFile) ? readFileSync(bodyFile) : Buffer.alloc(0),
        sizeUpload: Number(sizeUpload),
        stderr: Buffer.concat(err).toString('latin1'),
      });
    });
  });
}

/** Uploads a file with preemptive credentials, as `curl -u` does; extra curl arguments go first. */
function upload(url: string, file: string, contentType: string, user = DEMO, extra: readonly string[] = []): Promise<CurlResult> {
  return curl([...extra, '-u', user, '-H', `Content-Type: ${contentType}`, '--data-binary', `@${file}`, url]);
}

/** Uploads and returns the id, failing the test on anything but 201. */
async function uploadId(base: string, data: Buffer | string, contentType: string): Promise<string> {
  const r = await upload(`${base}/doc/demo/sds`, tempFile(data), contentType);
  expect(r.status).toBe(201);
  return r.body.toString('latin1');
}

/** Status lines curl's `-v` trace shows as received, in order. */
function receivedStatusLines(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .filter((l) => /^< HTTP\/\d(\.\d)? \d{3}/.test(l))
    .map((l) => l.slice(2).trim());
}

/** A unique, recognisable document. */
function uniquePdf(): Buffer {
  return Buffer.concat([SAMPLE_PDF, Buffer.from(`%${randomBytes(16).toString('hex')}\n`, 'latin1')]);
}

let running: RunningParaph;
let base: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sds-curl-'));
  running = await startParaph({ clock: new ManualClock(START) });
  base = running.url;
});

afterAll(async () => {
  await running?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('upload (curl -u, credentials sent up front)', () => {
  test('answers 201 with the id as the whole body, a Location to it and text/plain;charset=ISO-8859-1', async () => {
    const r = await upload(`${base}/doc/demo/sds`, tempFile(SAMPLE_PDF), 'application/pdf');
    expect(r.exitCode).toBe(0);
    expect(r.status).toBe(201);
    const id = r.body.toString('latin1');
    expect(r.body.length).toBe(58);
    expect(id).toMatch(ID_SHAPE);
    expect(id.startsWith(START_PREFIX)).toBe(true);
    expect(id.endsWith('\n')).toBe(false);
    expect(header(r.head, 'Location')).toBe(`${base}/doc/demo/sds/${id}`);
    expect(header(r.head, 'Content-Type')).toBe('text/plain;charset=ISO-8859-1');
    expect(header(r.head, 'Content-Length')).toBe('58');
  });

  test('the Location it answers downloads the document', async () => {
    const r = await upload(`${base}/doc/demo/sds`, tempFile(SAMPLE_PDF), 'application/pdf');
    const location = header(r.head, 'Location') ?? '';
    const got = await curl(['-u', DEMO, location]);
    expect(got.status).toBe(200);
    expect(got.body.equals(SAMPLE_PDF)).toBe(true);
  });

  test('POST /doc/demo/sds/ with a trailing slash uploads too', async () => {
    const r = await upload(`${base}/doc/demo/sds/`, tempFile(SAMPLE_PDF), 'application/pdf');
    expect(r.status).toBe(201);
    const id = r.body.toString('latin1');
    expect(id).toMatch(ID_SHAPE);
    expect(header(r.head, 'Location')).toBe(`${base}/doc/demo/sds/${id}`);
    expect(header(r.head, 'Content-Type')).toBe('text/plain;charset=ISO-8859-1');
  });

  test('ids of two uploads differ', async () => {
    const a = await uploadId(base, SAMPLE_PDF, 'application/pdf');
    const b = await uploadId(base, SAMPLE_PDF, 'application/pdf');
    expect(a).not.toBe(b);
  });
});

describe('upload through the Basic challenge (client sends credentials only when asked)', () => {
  test('a request without credentials gets 401 with WWW-Authenticate: Basic realm=…', async () => {
    const r = await curl(['-H', 'Content-Type: application/pdf', '--data-binary', `@${tempFile(SAMPLE_PDF)}`, `${base}/doc/demo/sds`]);
    expect(r.status).toBe(401);
    expect(header(r.head, 'WWW-Authenticate')).toMatch(/^Basic realm="[^"]*"/);
  });

  test('a GET without credentials gets 401 with the challenge too', async () => {
    const id = await uploadId(base, SAMPLE_PDF, 'application/pdf');
    const r = await curl([`${base}/doc/demo/sds/${id}`]);
    expect(r.status).toBe(401);
    expect(header(r.head, 'WWW-Authenticate')).toMatch(/^Basic realm="[^"]*"/);
    expect(r.body.includes(SAMPLE_PDF)).toBe(false);
  });

  test('curl --anyauth first gets 401 + challenge, retries with Basic and gets 201', async () => {
    const data = uniquePdf();
    const r = await curl([
      '-v',
      '--anyauth',
      '-u',
      DEMO,
      '-H',
      'Content-Type: application/pdf',
      '--data-binary',
      `@${tempFile(data)}`,
      `${base}/doc/demo/sds`,
    ]);
    expect(r.exitCode).toBe(0);
    // The trace: a first request without Authorization, a 401, then a request with Basic and a 201.
    const statuses = receivedStatusLines(r.stderr).map((l) => Number(l.split(' ')[1]));
    expect(statuses).toEqual([401, 201]);
    const sent = r.stderr.split(/\r?\n/).filter((l) => l.startsWith('> '));
    const posts = sent.filter((l) => l.startsWith('> POST '));
    expect(posts).toHaveLength(2);
    expect(sent.filter((l) => /^> Authorization: Basic /i.test(l))).toHaveLength(1);
    expect(r.stderr).toMatch(/< WWW-Authenticate: Basic realm="[^"]*"/i);
    expect(r.heads.map((h) => h.status)).toEqual([401, 201]);

    expect(r.status).toBe(201);
    const id = r.body.toString('latin1');
    expect(id).toMatch(ID_SHAPE);
    const got = await curl(['--anyauth', '-u', DEMO, `${base}/doc/demo/sds/${id}`]);
    expect(got.status).toBe(200);
    expect(got.body.equals(data)).toBe(true);
  });
});

describe('download', () => {
  test('GET returns the exact bytes and Content-Type application/pdf without a charset', async () => {
    const data = uniquePdf();
    const id = await uploadId(base, data, 'application/pdf');
    const r = await curl(['-u', DEMO, `${base}/doc/demo/sds/${id}`]);
    expect(r.status).toBe(200);
    expect(header(r.head, 'Content-Type')).toBe('application/pdf');
    expect(header(r.head, 'Content-Length')).toBe(String(data.length));
    expect(r.body.equals(data)).toBe(true);
  });

  test.each([
    ['text/plain;charset=UTF-8', Buffer.from('Jeg, Åse Ødegård, godtar vilkårene.\n', 'utf8')],
    ['text/plain; charset=ISO-8859-1', Buffer.from('Bl\u00e5b\u00e6r og \u00f8l\n', 'latin1')],
    [
      'application/x-ltv-sdo',
      Buffer.from(
        '<?xml version="1.0" encoding="UTF-8"?><LtvSdo xmlns="https://id.signicat.com/definitions/xsd/LtvSdo-1.1"/>',
        'utf8',
      ),
    ],
  ])('GET answers Content-Type %s byte for byte as uploaded, with the same bytes', async (contentType, data) => {
    const id = await uploadId(base, data, contentType);
    const r = await curl(['-u', DEMO, `${base}/doc/demo/sds/${id}`]);
    expect(r.status).toBe(200);
    expect(header(r.head, 'Content-Type')).toBe(contentType);
    expect(r.body.equals(data)).toBe(true);
  });

  test('binary bytes of every value (0x00–0xFF, CR LF) come back unchanged', async () => {
    const data = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\r\n\r\n'), randomBytes(64 * 1024)]);
    const id = await uploadId(base, data, 'application/octet-stream');
    const r = await curl(['-u', DEMO, `${base}/doc/demo/sds/${id}`]);
    expect(r.status).toBe(200);
    expect(r.body.equals(data)).toBe(true);
  });
});

describe('not found, delete and expiry', () => {
  test('GET of an unknown id answers 404', async () => {
    const r = await curl(['-u', DEMO, `${base}/doc/demo/sds/${START_PREFIX}${'0'.repeat(50)}`]);
    expect(r.status).toBe(404);
  });

  test('DELETE answers 2xx, after which GET answers 404 and a second DELETE 404', async () => {
    const id = await uploadId(base, uniquePdf(), 'application/pdf');
    const del = await curl(['-u', DEMO, '-X', 'DELETE', `${base}/doc/demo/sds/${id}`]);
    expect(del.status).toBeGreaterThanOrEqual(200);
    expect(del.status).toBeLessThan(300);
    const got = await curl(['-u', DEMO, `${base}/doc/demo/sds/${id}`]);
    expect(got.status).toBe(404);
    const again = await curl(['-u', DEMO, '-X', 'DELETE', `${base}/doc/demo/sds/${id}`]);
    expect(again.status).toBe(404);
  });

  describe('with a clock the test moves', () => {
    const retentionMs = 2 * 3600 * 1000;
    let clock: ManualClock;
    let timed: RunningParaph;

    beforeAll(async () => {
      clock = new ManualClock('2030-01-10T08:00:00.000Z');
      timed = await startParaph({ clock, config: { sdsRetentionMs: retentionMs } });
    });
    afterAll(async () => {
      await timed?.stop();
    });

    test('a document is served until its retention ends, then answers 404 and sweep() purges its file', async () => {
      const data = uniquePdf();
      const id = await uploadId(timed.url, data, 'application/pdf');
      expect(id.startsWith('10012030')).toBe(true);
      const stored = filesHolding(timed.dataDir, data);
      expect(stored.length).toBeGreaterThan(0);

      clock.advance(retentionMs - 60_000);
      const before = await curl(['-u', DEMO, `${timed.url}/doc/demo/sds/${id}`]);
      expect(before.status).toBe(200);
      expect(before.body.equals(data)).toBe(true);

      clock.advance(2 * 60_000);
      const after = await curl(['-u', DEMO, `${timed.url}/doc/demo/sds/${id}`]);
      expect(after.status).toBe(404);
      expect(after.body.includes(data)).toBe(false);

      await timed.paraph.sweep();
      for (const path of stored) expect(existsSync(path)).toBe(false);
      expect(filesHolding(timed.dataDir, data)).toEqual([]);
      const swept = await curl(['-u', DEMO, `${timed.url}/doc/demo/sds/${id}`]);
      expect(swept.status).toBe(404);
    });

    test('sweep() keeps documents that have not expired', async () => {
      const data = uniquePdf();
      const id = await uploadId(timed.url, data, 'application/pdf');
      clock.advance(retentionMs / 2);
      await timed.paraph.sweep();
      expect(filesHolding(timed.dataDir, data).length).toBeGreaterThan(0);
      const r = await curl(['-u', DEMO, `${timed.url}/doc/demo/sds/${id}`]);
      expect(r.status).toBe(200);
      expect(r.body.equals(data)).toBe(true);
    });
  });
});

describe('services never see each other’s data', () => {
  let id: string;
  const data = uniquePdf();

  beforeAll(async () => {
    id = await uploadId(base, data, 'application/pdf');
  });

  test("other's credentials on /doc/other/sds/{demo's id} answer 404", async () => {
    const r = await curl(['-u', OTHER, `${base}/doc/other/sds/${id}`]);
    expect(r.status).toBe(404);
    expect(r.body.includes(data)).toBe(false);
  });

  test("other's credentials on /doc/demo/sds/{id} answer 403", async () => {
    const r = await curl(['-u', OTHER, `${base}/doc/demo/sds/${id}`]);
    expect(r.status).toBe(403);
    expect(r.body.includes(data)).toBe(false);
  });

  test("other's credentials cannot upload into demo's storage (403)", async () => {
    const r = await upload(`${base}/doc/demo/sds`, tempFile(SAMPLE_PDF), 'application/pdf', OTHER);
    expect(r.status).toBe(403);
  });

  test("other cannot delete demo's document, neither through /doc/demo nor /doc/other", async () => {
    const viaDemo = await curl(['-u', OTHER, '-X', 'DELETE', `${base}/doc/demo/sds/${id}`]);
    expect(viaDemo.status).toBe(403);
    const viaOther = await curl(['-u', OTHER, '-X', 'DELETE', `${base}/doc/other/sds/${id}`]);
    expect(viaOther.status).toBe(404);
    const still = await curl(['-u', DEMO, `${base}/doc/demo/sds/${id}`]);
    expect(still.status).toBe(200);
    expect(still.body.equals(data)).toBe(true);
  });

  test('a wrong password answers 401 with the challenge', async () => {
    const r = await curl(['-u', WRONG, `${base}/doc/demo/sds/${id}`]);
    expect(r.status).toBe(401);
    expect(header(r.head, 'WWW-Authenticate')).toMatch(/^Basic realm="[^"]*"/);
    expect(r.body.includes(data)).toBe(false);
  });

  test('an unknown service answers 401', async () => {
    const r = await curl(['-u', 'nobody:Bond007', `${base}/doc/nobody/sds/${id}`]);
    expect(r.status).toBe(401);
  });

  test('a wrong password cannot upload (401)', async () => {
    const r = await upload(`${base}/doc/demo/sds`, tempFile(SAMPLE_PDF), 'application/pdf', WRONG);
    expect(r.status).toBe(401);
  });
});

describe('size limit (sdsMaxBytes = 1 MB)', () => {
  const limit = MB;
  let small: RunningParaph;
  let twoMb: string;

  beforeAll(async () => {
    small = await startParaph({ config: { sdsMaxBytes: limit } });
    twoMb = tempFile(randomBytes(2 * MB));
  });
  afterAll(async () => {
    await small?.stop();
  });

  async function serverStillAnswers(): Promise<void> {
    const data = uniquePdf();
    const id = await uploadId(small.url, data, 'application/pdf');
    const r = await curl(['-u', DEMO, `${small.url}/doc/demo/sds/${id}`]);
    expect(r.status).toBe(200);
    expect(r.body.equals(data)).toBe(true);
  }

  test('2 MB with Content-Length (curl adds Expect: 100-continue) answers 413, and the server answers the next request', async () => {
    const r = await upload(`${small.url}/doc/demo/sds`, twoMb, 'application/pdf');
    expect(r.status).toBe(413);
    await serverStillAnswers();
  });

  test('2 MB with Content-Length and no Expect answers 413, and the server answers the next request', async () => {
    const r = await upload(`${small.url}/doc/demo/sds`, twoMb, 'application/pdf', DEMO, ['-H', 'Expect:']);
    expect(r.status).toBe(413);
    await serverStillAnswers();
  });

  test('2 MB with Transfer-Encoding: chunked answers 413, and the server answers the next request', async () => {
    const r = await upload(`${small.url}/doc/demo/sds`, twoMb, 'application/pdf', DEMO, ['-H', 'Transfer-Encoding: chunked']);
    expect(r.status).toBe(413);
    await serverStillAnswers();
  });

  test('2 MB chunked without Expect answers 413, and the server answers the next request', async () => {
    const r = await upload(`${small.url}/doc/demo/sds`, twoMb, 'application/pdf', DEMO, [
      '-H',
      'Transfer-Encoding: chunked',
      '-H',
      'Expect:',
    ]);
    expect(r.status).toBe(413);
    await serverStillAnswers();
  });

  test('a body of exactly the limit is accepted and comes back whole', async () => {
    const data = randomBytes(limit);
    const r = await upload(`${small.url}/doc/demo/sds`, tempFile(data), 'application/octet-stream');
    expect(r.status).toBe(201);
    const id = r.body.toString('latin1');
    const got = await curl(['-u', DEMO, `${small.url}/doc/demo/sds/${id}`]);
    expect(got.status).toBe(200);
    expect(got.body.equals(data)).toBe(true);
  });

  test('a chunked body of exactly the limit is accepted', async () => {
    const data = randomBytes(limit);
    const r = await upload(`${small.url}/doc/demo/sds`, tempFile(data), 'application/octet-stream', DEMO, [
      '-H',
      'Transfer-Encoding: chunked',
    ]);
    expect(r.status).toBe(201);
    const got = await curl(['-u', DEMO, `${small.url}/doc/demo/sds/${r.body.toString('latin1')}`]);
    expect(got.body.equals(data)).toBe(true);
  });

  test('one byte over the limit answers 413', async () => {
    const r = await upload(`${small.url}/doc/demo/sds`, tempFile(randomBytes(limit + 1)), 'application/octet-stream', DEMO, [
      '-H',
      'Expect:',
    ]);
    expect(r.status).toBe(413);
    await serverStillAnswers();
  });
});

describe('empty body', () => {
  test('an empty upload answers 400', async () => {
    const r = await upload(`${base}/doc/demo/sds`, tempFile(Buffer.alloc(0)), 'application/pdf');
    expect(r.status).toBe(400);
  });

  test('an empty chunked upload answers 400', async () => {
    const r = await upload(`${base}/doc/demo/sds`, tempFile(Buffer.alloc(0)), 'application/pdf', DEMO, [
      '-H',
      'Transfer-Encoding: chunked',
    ]);
    expect(r.status).toBe(400);
  });
});

describe('Expect: 100-continue', () => {
  // curl waits up to this long for the 100 before sending the body anyway; long enough that a body
  // sent in these tests was sent because the server said 100, not because curl gave up waiting.
  const WAIT = ['--expect100-timeout', '30'];

  test('wrong credentials: 401 comes straight away, no 100 Continue, the body is never sent', async () => {
    const file = tempFile(randomBytes(2 * MB));
    const started = Date.now();
    const r = await upload(`${base}/doc/demo/sds`, file, 'application/pdf', WRONG, ['-v', ...WAIT, '-H', 'Expect: 100-continue']);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.stderr).toMatch(/^> Expect: 100-continue/im);
    expect(receivedStatusLines(r.stderr).map((l) => Number(l.split(' ')[1]))).toEqual([401]);
    expect(r.stderr).not.toMatch(/^< HTTP\/1\.1 100/m);
    expect(r.status).toBe(401);
    expect(header(r.head, 'WWW-Authenticate')).toMatch(/^Basic realm="[^"]*"/);
    expect(r.sizeUpload).toBe(0);
  });

  test('no credentials: 401 + challenge before the body, then curl --anyauth retries and uploads', async () => {
    const data = uniquePdf();
    const r = await curl([
      '-v',
      ...WAIT,
      '--anyauth',
      '-u',
      DEMO,
      '-H',
      'Expect: 100-continue',
      '-H',
      'Content-Type: application/pdf',
      '--data-binary',
      `@${tempFile(data)}`,
      `${base}/doc/demo/sds`,
    ]);
    const statuses = receivedStatusLines(r.stderr).map((l) => Number(l.split(' ')[1]));
    expect(statuses[0]).toBe(401);
    expect(statuses[statuses.length - 1]).toBe(201);
    expect(r.status).toBe(201);
    const got = await curl(['-u', DEMO, `${base}/doc/demo/sds/${r.body.toString('latin1')}`]);
    expect(got.body.equals(data)).toBe(true);
  });

  test('right credentials on a 2 MB upload (curl sends Expect by itself): 100 Continue, then 201', async () => {
    const data = randomBytes(2 * MB);
    const r = await upload(`${base}/doc/demo/sds`, tempFile(data), 'application/pdf', DEMO, ['-v', ...WAIT]);
    expect(r.stderr).toMatch(/^> Expect: 100-continue/im);
    expect(receivedStatusLines(r.stderr).map((l) => Number(l.split(' ')[1]))).toEqual([100, 201]);
    expect(r.status).toBe(201);
    expect(r.sizeUpload).toBe(data.length);
    const id = r.body.toString('latin1');
    expect(id).toMatch(ID_SHAPE);
    const got = await curl(['-u', DEMO, `${base}/doc/demo/sds/${id}`]);
    expect(got.status).toBe(200);
    expect(got.body.equals(data)).toBe(true);
  });

  test('right credentials with a forced Expect on a small upload: 100 Continue, then 201', async () => {
    const data = uniquePdf();
    const r = await upload(`${base}/doc/demo/sds`, tempFile(data), 'application/pdf', DEMO, [
      '-v',
      ...WAIT,
      '-H',
      'Expect: 100-continue',
    ]);
    expect(receivedStatusLines(r.stderr).map((l) => Number(l.split(' ')[1]))).toEqual([100, 201]);
    expect(r.status).toBe(201);
    const got = await curl(['-u', DEMO, `${base}/doc/demo/sds/${r.body.toString('latin1')}`]);
    expect(got.body.equals(data)).toBe(true);
  });

  test("another service's credentials: 403 before the body is sent", async () => {
    const r = await upload(`${base}/doc/demo/sds`, tempFile(randomBytes(2 * MB)), 'application/pdf', OTHER, ['-v', ...WAIT]);
    expect(receivedStatusLines(r.stderr).map((l) => Number(l.split(' ')[1]))).toEqual([403]);
    expect(r.sizeUpload).toBe(0);
  });

  test('a declared size over the limit: 413 before the body is sent', async () => {
    const small = await startParaph({ config: { sdsMaxBytes: MB } });
    try {
      const r = await upload(`${small.url}/doc/demo/sds`, tempFile(randomBytes(2 * MB)), 'application/pdf', DEMO, ['-v', ...WAIT]);
      expect(receivedStatusLines(r.stderr).map((l) => Number(l.split(' ')[1]))).toEqual([413]);
      expect(r.sizeUpload).toBe(0);
    } finally {
      await small.stop();
    }
  });
});

describe('order document URL /doc/{service}/order/{requestId}/{taskId}/{documentId}/original', () => {
  const data = uniquePdf();
  let requestId: string;

  function createRequestXml(sdsId: string): string {
    // As WCF puts it on the wire (as in fixtures/contract/createRequest__wcf-sds-document), for service demo.
    return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
    <create-request-request xmlns="${DOC_NS}">
      <service>demo</service>
      <password>Bond007</password>
      <request>
        <profile>default</profile>
        <language>nb</language>
        <subject id="subj_1">
          <mobile>99999999</mobile>
        </subject>
        <document xsi:type="sds-document" id="Kontrakt" ref-sds-id="${sdsId}">
          <description>Kontrakt</description>
        </document>
        <task id="task_1" bundle="true">
          <subject-ref>subj_1</subject-ref>
          <document-action type="sign">
            <document-ref>Kontrakt</document-ref>
          </document-action>
          <signature responsive="true">
            <method handwritten="true">nbid-sign</method>
          </signature>
        </task>
        <client-reference>cliref1</client-reference>
      </request>
    </create-request-request>
  </s:Body>
</s:Envelope>`;
  }

  beforeAll(async () => {
    const sdsId = await uploadId(base, data, 'application/pdf');
    const soap = await curl([
      '-H',
      'Content-Type: text/xml; charset=utf-8',
      '-H',
      'SOAPAction: ""',
      '--data-binary',
      `@${tempFile(createRequestXml(sdsId))}`,
      `${base}/ws/documentservice-v3`,
    ]);
    const text = soap.body.toString('utf8');
    if (soap.status !== 200) throw new Error(`createRequest failed: ${soap.status} ${text}`);
    const m = /<(?:\w+:)?request-id>([^<]+)<\/(?:\w+:)?request-id>/.exec(text);
    if (!m?.[1]) throw new Error(`no request-id in ${text}`);
    requestId = m[1];
  });

  const originalUrl = (service: string, documentId = 'Kontrakt', taskId = 'task_1'): string =>
    `${base}/doc/${service}/order/${requestId}/${taskId}/${documentId}/original`;

  test('GET answers the uploaded sds-document with its bytes and Content-Type', async () => {
    expect(requestId).toMatch(ID_SHAPE);
    const r = await curl(['-u', DEMO, originalUrl('demo')]);
    expect(r.status).toBe(200);
    expect(header(r.head, 'Content-Type')).toBe('application/pdf');
    expect(r.body.equals(data)).toBe(true);
  });

  test('GET without credentials answers 401 with the challenge', async () => {
    const r = await curl([originalUrl('demo')]);
    expect(r.status).toBe(401);
    expect(header(r.head, 'WWW-Authenticate')).toMatch(/^Basic realm="[^"]*"/);
  });

  test('a document id that is not in the task answers 404', async () => {
    const r = await curl(['-u', DEMO, originalUrl('demo', 'NotThere')]);
    expect(r.status).toBe(404);
  });

  test('an unknown task or request answers 404', async () => {
    const task = await curl(['-u', DEMO, originalUrl('demo', 'Kontrakt', 'task_9')]);
    expect(task.status).toBe(404);
    const request = await curl(['-u', DEMO, `${base}/doc/demo/order/${START_PREFIX}${'0'.repeat(50)}/task_1/Kontrakt/original`]);
    expect(request.status).toBe(404);
  });

  test("another service's credentials answer 403 on demo's URL and 404 on their own", async () => {
    const onDemo = await curl(['-u', OTHER, originalUrl('demo')]);
    expect(onDemo.status).toBe(403);
    expect(onDemo.body.includes(data)).toBe(false);
    const onOther = await curl(['-u', OTHER, originalUrl('other')]);
    expect(onOther.status).toBe(404);
    expect(onOther.body.includes(data)).toBe(false);
  });
});
