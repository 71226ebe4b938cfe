/**
 * Bad input gets a clear SOAP 1.1 fault with a stable code, never a crash or a hang, and the server
 * keeps serving (and keeps what it had accepted) afterwards.
 */
import { DOC_NS, envelope, SAMPLE_PDF, soapPost, startParaph, uploadSds, type RunningParaph } from '../helpers/paraph';

const LIMIT = 1024 * 1024;

function faultCode(body: string): string | undefined {
  return /<paraph:code>([A-Z_]+)<\/paraph:code>/.exec(body)?.[1];
}

function getStatus(requestId: string, password = 'Bond007', service = 'demo'): string {
  return envelope(
    `<get-status-request xmlns="${DOC_NS}"><service>${service}</service><password>${password}</password>` +
      `<request-id>${requestId}</request-id></get-status-request>`,
  );
}

describe('bad input', () => {
  let running: RunningParaph;
  let requestId: string;

  beforeAll(async () => {
    running = await startParaph({ config: { soapMaxBytes: LIMIT } });
    const sdsId = await uploadSds(running.url, SAMPLE_PDF);
    const res = await soapPost(
      running.url,
      envelope(
        `<create-request-request xmlns="${DOC_NS}"><service>demo</service><password>Bond007</password><request>` +
          `<document xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="sds-document" id="d" ref-sds-id="${sdsId}"><description>x</description></document>` +
          `<task id="t"><document-action type="sign"><document-ref>d</document-ref></document-action></task>` +
          `</request></create-request-request>`,
      ),
    );
    requestId = /<request-id>([^<]+)</.exec(res.body)?.[1] ?? '';
    expect(requestId).toHaveLength(58);
  });

  afterAll(async () => running.stop());

  afterEach(async () => {
    // Whatever the previous request did, the server is up and still has the request it accepted.
    const res = await soapPost(running.url, getStatus(requestId));
    expect(res.status).toBe(200);
    expect(res.body).toContain('<task-status>created</task-status>');
  });

  async function expectFault(body: string, code: string, faultcode = 'soap:Client'): Promise<string> {
    const res = await fetch(`${running.url}/ws/documentservice-v3`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' },
      body,
    });
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('text/xml;charset=UTF-8');
    expect(text).toContain(`<faultcode>${faultcode}</faultcode>`);
    expect(faultCode(text)).toBe(code);
    return text;
  }

  it('answers malformed XML with XML_MALFORMED', async () => {
    await expectFault('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><a></b>', 'XML_MALFORMED');
  });

  it('answers a body that is not XML at all with XML_MALFORMED', async () => {
    await expectFault('{"service":"demo"}', 'XML_MALFORMED');
  });

  it('answers an empty body with BODY_EMPTY', async () => {
    await expectFault('', 'BODY_EMPTY');
  });

  it('refuses a DOCTYPE with an external entity and never reads the file', async () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
      envelope(`<get-request-request xmlns="${DOC_NS}"><service>&xxe;</service><password>x</password><request-id>1</request-id></get-request-request>`);
    const text = await expectFault(xxe, 'XML_DOCTYPE_FORBIDDEN');
    expect(text).not.toContain('root:');
  });

  it('refuses the billion laughs at once', async () => {
    const lol =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
      Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') +
      ']>' +
      envelope(`<get-request-request xmlns="${DOC_NS}"><service>&lol9;</service></get-request-request>`);
    const started = Date.now();
    await expectFault(lol, 'XML_DOCTYPE_FORBIDDEN');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('does not expand an undeclared entity', async () => {
    await expectFault(envelope(`<get-request-request xmlns="${DOC_NS}"><service>&foo;</service></get-request-request>`), 'XML_MALFORMED');
  });

  it('answers a body over the limit with BODY_TOO_LARGE', async () => {
    const big = envelope(`<get-request-request xmlns="${DOC_NS}"><service>${'x'.repeat(2 * LIMIT)}</service></get-request-request>`);
    await expectFault(big, 'BODY_TOO_LARGE');
  });

  it('answers a chunked body over the limit with BODY_TOO_LARGE', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 2 * LIMIT) {
          controller.close();
          return;
        }
        sent += chunk.length;
        controller.enqueue(sent === chunk.length ? Buffer.from(`<soap:Envelope>${chunk.toString()}`) : chunk);
      },
    });
    const res = await fetch(`${running.url}/ws/documentservice-v3`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(500);
    expect(faultCode(await res.text())).toBe('BODY_TOO_LARGE');
  });

  it('answers an unknown operation with OPERATION_UNKNOWN', async () => {
    await expectFault(
      envelope(`<launch-rockets-request xmlns="${DOC_NS}"><service>demo</service><password>Bond007</password></launch-rockets-request>`),
      'OPERATION_UNKNOWN',
    );
  });

  it('answers a SOAP 1.2 envelope with SOAP_ENVELOPE_INVALID', async () => {
    const text = await expectFault(
      `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><get-status-request xmlns="${DOC_NS}"/></env:Body></env:Envelope>`,
      'SOAP_ENVELOPE_INVALID',
    );
    expect(text).toContain('SOAP 1.2 is not supported');
  });

  it('answers an empty SOAP Body with SOAP_ENVELOPE_INVALID', async () => {
    await expectFault('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>', 'SOAP_ENVELOPE_INVALID');
  });

  it('answers a wrong password, an unknown service and missing credentials alike with AUTH_FAILED', async () => {
    for (const body of [
      getStatus(requestId, 'wrong'),
      getStatus(requestId, 'Bond007', 'nosuchservice'),
      envelope(`<get-status-request xmlns="${DOC_NS}"><request-id>${requestId}</request-id></get-status-request>`),
    ]) {
      const text = await expectFault(body, 'AUTH_FAILED');
      expect(text).toContain('<faultstring>Invalid service or password</faultstring>');
    }
  });

  it("does not show one service another service's request", async () => {
    const text = await expectFault(getStatus(requestId, 'Other123', 'other'), 'REQUEST_NOT_FOUND');
    expect(text).not.toContain('<task-status>');
  });

  it('survives a burst of garbage', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        fetch(`${running.url}/ws/documentservice-v3`, { method: 'POST', body: `<x${i}>&amp;<` }).then((r) => r.status),
      ),
    );
    expect(new Set(results)).toEqual(new Set([500]));
  });
});

describe('large documents', () => {
  let running: RunningParaph;
  beforeAll(async () => {
    running = await startParaph();
  });
  afterAll(async () => running.stop());

  it('accepts a 20 MB provided-document inline (a WCF client raises its limits to 20 MB)', async () => {
    const text = Buffer.alloc(20 * 1024 * 1024, 'Lorem ipsum dolor sit amet. ');
    const res = await soapPost(
      running.url,
      envelope(
        `<create-request-request xmlns="${DOC_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><service>demo</service><password>Bond007</password><request>` +
          `<document xsi:type="provided-document" id="big" mime-type="text/plain"><data>${text.toString('base64')}</data><description>Big</description></document>` +
          `<task id="t"><document-action type="sign"><document-ref>big</document-ref></document-action></task>` +
          `</request></create-request-request>`,
      ),
    );
    expect(res.status).toBe(200);
    const requestId = /<request-id>([^<]+)</.exec(res.body)?.[1] ?? '';
    const original = await fetch(`${running.url}/doc/demo/order/${requestId}/t/big/original`, {
      headers: { Authorization: `Basic ${Buffer.from('demo:Bond007').toString('base64')}` },
    });
    expect(original.status).toBe(200);
    expect(Buffer.from(await original.arrayBuffer()).equals(text)).toBe(true);
  });
});
