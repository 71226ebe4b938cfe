import { generateKeyPair, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import * as asn1js from 'asn1js';
import { pkijsCertificate } from '../../src/signing/cms';
import type { Credential } from '../../src/signing/credential';
import { sha256, toArrayBuffer } from '../../src/signing/der';
import { base64Text } from '../../src/signing/exc-c14n';
import { issueCertificate } from '../../src/signing/issue-certificate';
import { createOcspResponse } from '../../src/signing/ocsp';
import { createTimestampToken, readTimestampToken } from '../../src/signing/timestamp';
import { verifyXadesSeal } from '../../src/signing/verify-xades';
import {
  canonicalSignatureValue,
  issuerSerialV2,
  sealXmlDocument,
  sealXmlParts,
  writeSealedXmlParts,
  XADES_NS,
  XMLDSIG_NS,
  type XadesSealOptions,
} from '../../src/signing/xades';
import { makeTestPki, openssl, type TestPki } from '../helpers/test-pki';
import { lxmlCanonicalSignatureValue, tool, type ToolResult } from '../helpers/tool';

/**
 * XAdES B-LT sealing, checked with tools that share no code with Paraph: xmlsec1 verifies the XML
 * signature, lxml computes the canonical SignatureValue, openssl verifies the timestamp and the
 * OCSP response.
 */

const generateRsa = promisify(generateKeyPair);
const TSA_POLICY = '1.3.6.1.4.1.99999.1.1';
const SIGNING_TIME = new Date('2026-03-02T09:15:30.250Z');





let dir: string;
let pki: TestPki;
let seal: Credential;
let ocspResponse: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paraph-xades-'));
  pki = await makeTestPki(dir);
  const key = await generateRsa('rsa', { modulusLength: 2048 });
  const notBefore = new Date(Date.now() - 86_400_000);
  seal = {
    certificate: issueCertificate({
      subject: [
        { type: 'C', value: 'NO' },
        { type: 'O', value: 'Demo Service AS' },
        { type: 'CN', value: 'Demo Service Seal' },
      ],
      publicKey: key.publicKey,
      profile: { kind: 'seal' },
      notBefore,
      notAfter: new Date(notBefore.getTime() + 365 * 86_400_000),
      signingKey: pki.issuing.privateKey,
      issuerCertificate: pki.issuing.certificate,
    }),
    privateKey: key.privateKey,
    chain: [pki.issuing.certificate, pki.root.certificate],
  };
  ocspResponse = await createOcspResponse(seal.certificate, pki.issuing.certificate, { status: 'good' }, { credential: pki.ocsp }, { time: new Date() });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function options(overrides: Partial<XadesSealOptions> = {}): XadesSealOptions {
  return {
    seal,
    signingTime: SIGNING_TIME,
    signatureId: 'seal-1',
    timestamp: (imprint) =>
      createTimestampToken(imprint, { credential: pki.tsa, policyOid: TSA_POLICY }, { time: new Date(), serial: randomBytes(8), includeCertificate: true }),
    validation: {
      // The seal chain again, to show that duplicates are dropped.
      certificates: [pki.tsa.certificate, pki.issuing.certificate, pki.root.certificate, pki.ocsp.certificate],
      ocspResponses: [ocspResponse],
    },
    ...overrides,
  };
}

function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

function all(doc: Document, namespace: string, name: string): Element[] {
  return Array.from(doc.getElementsByTagNameNS(namespace, name));
}

function one(doc: Document, namespace: string, name: string): Element {
  const [found, ...more] = all(doc, namespace, name);
  if (!found || more.length > 0) throw new Error(`expected exactly one ${name}`);
  return found;
}

function base64Of(element: Element): Buffer {
  return Buffer.from(element.textContent ?? '', 'base64');
}

function elementChildren(element: Element): Element[] {
  return Array.from(element.childNodes).filter((node): node is Element => node.nodeType === node.ELEMENT_NODE);
}

async function xmlsecVerify(file: string): Promise<ToolResult> {
  return tool('/usr/bin/xmlsec1', ['--verify', '--trusted-pem', pki.files.root, '--untrusted-pem', pki.files.issuing, file]);
}

const CONTRACT = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<!-- a contract -->',
  '<Contract xmlns="urn:example:contract" xmlns:x="urn:example:extra" Number="42">',
  '  <Party role="buyer">Ærlig Ålesund &amp; Co &lt;AS&gt;</Party>',
  '  <x:Note>line one&#xD;line two</x:Note>',
  '</Contract>',
].join('\n');

describe('sealXmlDocument', () => {
  let signed: string;
  let file: string;

  beforeAll(async () => {
    signed = await sealXmlDocument(CONTRACT, options());
    file = join(dir, 'contract.xml');
    await writeFile(file, signed);
  });

  test('xmlsec1 verifies the enveloped signature against the root CA', async () => {
    const result = await xmlsecVerify(file);
    expect(result.output).toContain('OK');
    expect(result.code).toBe(0);
  });

  test('the document around the signature is kept as it was', () => {
    expect(signed.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!-- a contract -->\n<Contract')).toBe(true);
    expect(signed).toContain('<x:Note>line one&#xD;line two</x:Note>');
    const doc = parse(signed);
    const root = doc.documentElement as Element;
    expect(elementChildren(root).at(-1)?.localName).toBe('Signature');
  });

  test('a changed byte in the document breaks the signature', async () => {
    const tampered = join(dir, 'contract-tampered.xml');
    await writeFile(tampered, signed.replace('role="buyer"', 'role="buyes"'));
    const result = await xmlsecVerify(tampered);
    expect(result.code).not.toBe(0);
  });

  test('SignedInfo: URI="" with enveloped-signature and exc-c14n, SignedProperties by Type, rsa-sha256', () => {
    const doc = parse(signed);
    const references = all(doc, XMLDSIG_NS, 'Reference');
    expect(references.map((r) => r.getAttribute('URI'))).toEqual(['', '#seal-1-signed-properties']);
    expect(references[1]?.getAttribute('Type')).toBe('http://uri.etsi.org/01903#SignedProperties');
    const transforms = Array.from(references[0]!.getElementsByTagNameNS(XMLDSIG_NS, 'Transform')).map((t) => t.getAttribute('Algorithm'));
    expect(transforms).toEqual(['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#']);
    expect(one(doc, XMLDSIG_NS, 'SignatureMethod').getAttribute('Algorithm')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    const signedInfo = one(doc, XMLDSIG_NS, 'SignedInfo');
    expect(elementChildren(signedInfo)[0]?.getAttribute('Algorithm')).toBe('http://www.w3.org/2001/10/xml-exc-c14n#');
    const keyInfo = one(doc, XMLDSIG_NS, 'KeyInfo');
    expect(base64Of(keyInfo.getElementsByTagNameNS(XMLDSIG_NS, 'X509Certificate')[0]!)).toEqual(seal.certificate);
  });

  test('SignedProperties: SigningTime in UTC without fraction, DataObjectFormat for the document reference', () => {
    const doc = parse(signed);
    expect(one(doc, XADES_NS, 'QualifyingProperties').getAttribute('Target')).toBe('#seal-1');
    expect(one(doc, XADES_NS, 'SigningTime').textContent).toBe('2026-03-02T09:15:30Z');
    const format = one(doc, XADES_NS, 'DataObjectFormat');
    expect(format.getAttribute('ObjectReference')).toBe('#seal-1-ref-document');
    expect(all(doc, XMLDSIG_NS, 'Reference')[0]?.getAttribute('Id')).toBe('seal-1-ref-document');
    expect(one(doc, XADES_NS, 'MimeType').textContent).toBe('text/xml');
    expect(all(doc, XADES_NS, 'SignaturePolicyIdentifier')).toHaveLength(0);
  });

  test('SigningCertificateV2 names the seal certificate: its SHA-256 and its issuer and serial as DER', () => {
    const doc = parse(signed);
    const cert = one(doc, XADES_NS, 'SigningCertificateV2');
    const digestMethod = cert.getElementsByTagNameNS(XMLDSIG_NS, 'DigestMethod')[0]!;
    expect(digestMethod.getAttribute('Algorithm')).toBe('http://www.w3.org/2001/04/xmlenc#sha256');
    expect(base64Of(cert.getElementsByTagNameNS(XMLDSIG_NS, 'DigestValue')[0]!)).toEqual(sha256(seal.certificate));

    // IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }, GeneralNames holding [4] Name.
    const issuerSerial = base64Of(cert.getElementsByTagNameNS(XADES_NS, 'IssuerSerialV2')[0]!);
    const parsed = asn1js.fromBER(toArrayBuffer(issuerSerial));
    expect(parsed.offset).toBe(issuerSerial.length);
    const [generalNames, serial] = (parsed.result as asn1js.Sequence).valueBlock.value as [asn1js.Sequence, asn1js.Integer];
    const directoryName = generalNames.valueBlock.value[0] as asn1js.Constructed;
    expect(directoryName.idBlock.tagClass).toBe(3);
    expect(directoryName.idBlock.tagNumber).toBe(4);
    const certificate = pkijsCertificate(seal.certificate);
    expect(Buffer.from(directoryName.valueBlock.value[0]!.toBER())).toEqual(Buffer.from(certificate.issuer.toSchema().toBER()));
    expect(Buffer.from(serial.valueBlock.valueHexView)).toEqual(Buffer.from(certificate.serialNumber.valueBlock.valueHexView));
    expect(issuerSerialV2(seal.certificate)).toEqual(issuerSerial);
  });

  test('UnsignedSignatureProperties: SignatureTimeStamp, CertificateValues, RevocationValues, in that order', () => {
    const doc = parse(signed);
    const properties = one(doc, XADES_NS, 'UnsignedSignatureProperties');
    expect(elementChildren(properties).map((e) => e.localName)).toEqual(['SignatureTimeStamp', 'CertificateValues', 'RevocationValues']);
    const timestamp = one(doc, XADES_NS, 'SignatureTimeStamp');
    expect(timestamp.getAttribute('Id')).toBe('seal-1-signature-timestamp');
    expect(elementChildren(timestamp).map((e) => `${e.prefix}:${e.localName}`)).toEqual(['ds:CanonicalizationMethod', 'xades:EncapsulatedTimeStamp']);
    expect(elementChildren(timestamp)[0]?.getAttribute('Algorithm')).toBe('http://www.w3.org/2001/10/xml-exc-c14n#');
  });

  test('CertificateValues: the seal chain, the TSA and the OCSP responder, each once, not the seal itself', () => {
    const doc = parse(signed);
    const values = all(doc, XADES_NS, 'EncapsulatedX509Certificate').map(base64Of);
    expect(values).toEqual([pki.issuing.certificate, pki.root.certificate, pki.tsa.certificate, pki.ocsp.certificate]);
  });

  test('the SignatureTimeStamp stamps the exclusive C14N of ds:SignatureValue, and openssl verifies it', async () => {
    const doc = parse(signed);
    const canonical = await lxmlCanonicalSignatureValue(file);
    expect(canonical.toString('utf8')).toMatch(/^<ds:SignatureValue xmlns:ds="http:\/\/www.w3.org\/2000\/09\/xmldsig#">/);
    expect(canonicalSignatureValue(one(doc, XMLDSIG_NS, 'SignatureValue'))).toEqual(canonical);

    const token = base64Of(one(doc, XADES_NS, 'EncapsulatedTimeStamp'));
    expect(readTimestampToken(token).imprint).toEqual(sha256(canonical));
    await writeFile(join(dir, 'contract-ts.der'), token);
    await writeFile(join(dir, 'contract-sigvalue.c14n'), canonical);
    const result = await openssl([
      'ts', '-verify', '-token_in', '-in', join(dir, 'contract-ts.der'), '-data', join(dir, 'contract-sigvalue.c14n'),
      '-CAfile', pki.files.root, '-untrusted', pki.files.issuing,
    ]);
    expect(result.stdout + result.stderr).toContain('Verification: OK');
  });

  test('the OCSP response in RevocationValues verifies with openssl', async () => {
    const doc = parse(signed);
    const response = base64Of(one(doc, XADES_NS, 'EncapsulatedOCSPValue'));
    expect(response).toEqual(ocspResponse);
    const responseFile = join(dir, 'contract-ocsp.der');
    await writeFile(responseFile, response);
    const result = await openssl(['ocsp', '-respin', responseFile, '-CAfile', pki.files.root, '-issuer', pki.files.issuing, '-resp_text']);
    expect(result.stdout + result.stderr).toContain('Response verify OK');
    expect(result.stdout).toContain('Cert Status: good');
  });
});

describe('signature policy', () => {
  test('explicit: SigPolicyId with Identifier and Description, SigPolicyHash, SPURI; still verifies', async () => {
    const policyDigest = sha256('the policy document');
    const signed = await sealXmlDocument(
      CONTRACT,
      options({
        policy: {
          kind: 'explicit',
          identifier: 'urn:signicat:packagingpolicy:ltv:1.3',
          description: 'LTV packaging & sealing',
          digest: policyDigest,
          documentUrl: 'https://paraph.example/policies/ltv-1.3',
        },
      }),
    );
    const doc = parse(signed);
    const policy = one(doc, XADES_NS, 'SignaturePolicyId');
    expect(elementChildren(policy).map((e) => e.localName)).toEqual(['SigPolicyId', 'SigPolicyHash', 'SigPolicyQualifiers']);
    expect(one(doc, XADES_NS, 'Identifier').textContent).toBe('urn:signicat:packagingpolicy:ltv:1.3');
    expect(one(doc, XADES_NS, 'Description').textContent).toBe('LTV packaging & sealing');
    expect(base64Of(one(doc, XADES_NS, 'SigPolicyHash').getElementsByTagNameNS(XMLDSIG_NS, 'DigestValue')[0]!)).toEqual(policyDigest);
    expect(one(doc, XADES_NS, 'SPURI').textContent).toBe('https://paraph.example/policies/ltv-1.3');
    // SigningTime, SigningCertificateV2, SignaturePolicyIdentifier: the schema's order.
    expect(elementChildren(one(doc, XADES_NS, 'SignedSignatureProperties')).map((e) => e.localName)).toEqual([
      'SigningTime',
      'SigningCertificateV2',
      'SignaturePolicyIdentifier',
    ]);
    const file = join(dir, 'policy-explicit.xml');
    await writeFile(file, signed);
    expect((await xmlsecVerify(file)).code).toBe(0);
  });

  test('implied: an empty SignaturePolicyImplied', async () => {
    const signed = await sealXmlDocument(CONTRACT, options({ policy: { kind: 'implied' } }));
    const identifier = one(parse(signed), XADES_NS, 'SignaturePolicyIdentifier');
    expect(elementChildren(identifier).map((e) => e.localName)).toEqual(['SignaturePolicyImplied']);
  });
});

describe('large embedded base64', () => {
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(1 << 20)]);

  test('a 1 MB document in one text node: xmlsec1 verifies, a changed byte fails', async () => {
    const xml = `<Envelope xmlns="urn:example:envelope"><Name>contract.pdf</Name><Data>${pdf.toString('base64')}</Data></Envelope>`;
    const started = performance.now();
    const signed = await sealXmlDocument(xml, options());
    const elapsed = performance.now() - started;
    const file = join(dir, 'large.xml');
    await writeFile(file, signed);
    expect((await xmlsecVerify(file)).code).toBe(0);

    const data = one(parse(signed), 'urn:example:envelope', 'Data');
    // Buffer.equals: jest's toEqual walks a megabyte byte by byte for seconds.
    expect(base64Of(data).equals(pdf)).toBe(true);
    const at = signed.indexOf('<Data>') + 6 + 700_000;
    const changed = signed[at] === 'A' ? 'B' : 'A';
    const tampered = join(dir, 'large-tampered.xml');
    await writeFile(tampered, signed.slice(0, at) + changed + signed.slice(at + 1));
    expect((await xmlsecVerify(tampered)).code).not.toBe(0);
    // Not a benchmark, a guard against the document going through the DOM again (about 50 ms).
    expect(elapsed).toBeLessThan(1000);
  });

  test('base64 with line feeds, and runs inside CDATA and a comment, are set aside just as exactly', async () => {
    const wrapped = pdf.subarray(0, 200_000).toString('base64').replace(/.{76}/g, '$&\n');
    const xml =
      '<Envelope xmlns="urn:example:envelope">' +
      `<Data>${wrapped}</Data>` +
      // A `>` and a `<` around a run inside CDATA and a comment, and a `>` in an attribute.
      `<Raw><![CDATA[x>${wrapped}<y]]></Raw>` +
      `<!--x>${wrapped}<y-->` +
      `<Tail a=">${'A'.repeat(5000)}">${'B'.repeat(5000)}</Tail>` +
      '</Envelope>';
    const signed = await sealXmlDocument(xml, options());
    expect(signed.split('<Data>')[1]?.split('</Data>')[0]).toBe(wrapped);
    expect(signed).toContain(`<!--x>${wrapped}<y-->`);
    expect(signed).toContain(`<Raw><![CDATA[x>${wrapped}<y]]></Raw>`);
    const file = join(dir, 'wrapped.xml');
    await writeFile(file, signed);
    expect((await xmlsecVerify(file)).code).toBe(0);
  });
});

describe('documents kept byte for byte and canonicalised for the digest (xmlsec1 and the verifier agree)', () => {
  let count = 0;

  /** The sealed text without the seal: the document as given, when the root had an end tag. */
  function withoutSignature(signed: string): string {
    const start = signed.indexOf('<ds:Signature Id="seal-1"');
    const end = signed.indexOf('</ds:Signature>', start) + '</ds:Signature>'.length;
    expect(start).toBeGreaterThan(0);
    return signed.slice(0, start) + signed.slice(end);
  }

  /** Seals `xml`; xmlsec1 and verifyXadesSeal accept the result, and reject it with `from` changed to `to`. */
  async function sealAndCheck(xml: string, tamper: readonly [string, string], kept: string = xml): Promise<string> {
    const signed = await sealXmlDocument(xml, options());
    expect(withoutSignature(signed)).toBe(kept);
    const file = join(dir, `kept-${++count}.xml`);
    await writeFile(file, signed);
    const result = await xmlsecVerify(file);
    expect(result.output).toContain('OK');
    expect(result.code).toBe(0);
    expect(verifyXadesSeal(signed, 'seal-1')).toEqual(seal.certificate);
    expect(verifyXadesSeal(Buffer.from(signed, 'utf8'), 'seal-1')).toEqual(seal.certificate);

    const [from, to] = tamper;
    const tampered = signed.replace(from, to);
    expect(tampered).not.toBe(signed);
    await writeFile(file, tampered);
    expect((await xmlsecVerify(file)).code).not.toBe(0);
    expect(() => verifyXadesSeal(tampered, 'seal-1')).toThrow(/document is not the one signed/);
    return signed;
  }

  test('a default namespace, nested and redeclared prefixes, an undeclared default, prefixed attributes', async () => {
    const xml = [
      '<Root xmlns="urn:example:a" xmlns:p="urn:example:p1" xmlns:unused="urn:example:unused">',
      '  <p:One p:attr="x" xml:lang="nb"><p:Two xmlns:p="urn:example:p2" p:attr="y"><Three xmlns="urn:example:b">t</Three><Four xmlns="">u</Four></p:Two></p:One>',
      '  <q:Five xmlns:q="urn:example:q" b="1" a="2" q:z="3" p:z="4" xmlns:r="urn:example:0"/>',
      '  <ds:Six xmlns:ds="urn:example:not-xmldsig" ds:k="v">the ds prefix bound elsewhere</ds:Six>',
      '</Root>',
    ].join('\n');
    await sealAndCheck(xml, ['xmlns:p="urn:example:p2"', 'xmlns:p="urn:example:p3"']);
  });

  test('attributes and text that need escaping, references, CDATA, comments, characters beyond the BMP', async () => {
    const xml = [
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
      '<!-- before the root -->',
      "<a t=\"tab&#9;lf&#10;cr&#13;lt&lt;amp&amp;quot&quot;gt&gt;apos'\" u='single \"quoted\" &apos;' v=\"literal\ttab and",
      'newline\">',
      '  <b>&lt;tag&gt; &amp; ]] > &#x1F600; 😀 &#xD; &#169; Æ</b>',
      '  <c><![CDATA[<&>]]]]><![CDATA[>]]></c><!-- a comment, <b>not</b> an element -->',
      '  <d>   </d><e/><f></f>',
      '</a>',
      '<!-- after the root </a> -->',
      '',
    ].join('\n');
    await sealAndCheck(xml, ['&#169;', '&#170;']);
  });

  test('CR LF line ends everywhere, a lone CR, and base64 runs broken by CR LF', async () => {
    const wrapped = randomBytes(3000).toString('base64').replace(/.{76}/g, '$&\r\n');
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<Envelope xmlns="urn:example:envelope" note="line one',
      'line two">',
      `  <Data>${wrapped}</Data>`,
      '  <Text>one\rtwo</Text>',
      '</Envelope>',
      '',
    ].join('\r\n');
    const signed = await sealAndCheck(xml, ['line two">', 'line 2">']);
    expect(signed).toContain(`<Data>${wrapped}</Data>`);
  });

  test('roots: self-closing, an end tag with whitespace, comments and whitespace after it', async () => {
    const selfClosing = '<!-- c --><a x="1" />\n<!-- after -->\n';
    const signed = await sealXmlDocument(selfClosing, options());
    expect(signed.startsWith('<!-- c --><a x="1" ><ds:Signature Id="seal-1"')).toBe(true);
    expect(signed.endsWith('</ds:Signature></a>\n<!-- after -->\n')).toBe(true);
    await sealAndCheck(selfClosing, ['x="1"', 'x="2"'], '<!-- c --><a x="1" ></a>\n<!-- after -->\n');
    await sealAndCheck('<r:a xmlns:r="urn:example:r"><r:b/></r:a  >\n  <!--</r:a>-->  <!---->\t', ['<r:b/>', '<r:c/>']);
  });

  test('a byte order mark is kept', async () => {
    const signed = await sealXmlDocument('\uFEFF<a>x</a>', options());
    expect(signed.startsWith('\uFEFF<a>x<ds:Signature')).toBe(true);
    expect(verifyXadesSeal(signed, 'seal-1')).toEqual(seal.certificate);
  });

  test('parts: long and short Base64Text, next to text in the same element, and in a comment', async () => {
    const long = randomBytes(5000);
    const short = randomBytes(30);
    const signed = await sealXmlParts(
      [
        '<?xml version="1.0" encoding="UTF-8"?>\n<Envelope xmlns="urn:example:envelope">\n  <Long>',
        { base64: long },
        '</Long>\n  <Short>',
        { base64: short },
        '</Short>\n  <Mixed>prefix ',
        { base64: long },
        ' suffix</Mixed>\n  <!-- ',
        { base64: long },
        ' -->\n  <Empty>',
        { base64: Buffer.alloc(0) },
        '</Empty>\n</Envelope>\n',
      ],
      options(),
    );
    const text = signed.toString('utf8');
    expect(text).toContain(`<Long>${long.toString('base64')}</Long>`);
    expect(text).toContain(`<Short>${short.toString('base64')}</Short>`);
    expect(text).toContain(`<Mixed>prefix ${long.toString('base64')} suffix</Mixed>`);
    expect(text.endsWith('</ds:Signature></Envelope>\n')).toBe(true);
    const file = join(dir, 'parts.xml');
    await writeFile(file, signed);
    expect((await xmlsecVerify(file)).code).toBe(0);
    expect(verifyXadesSeal(signed, 'seal-1')).toEqual(seal.certificate);
  });

  test('written to a sink: the document up to the signature comes before the seal is made, then the rest', async () => {
    const long = randomBytes(300_000);
    const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<Envelope xmlns="urn:example:envelope">\n  <Long>', base64Text(long), '</Long>\n</Envelope>\n'];
    const events: string[] = [];
    const chunks: Buffer[] = [];
    const base = options();
    await writeSealedXmlParts(
      parts,
      {
        ...base,
        timestamp: (imprint) => {
          events.push('timestamp');
          return base.timestamp(imprint);
        },
      },
      (written) => {
        events.push(`write ${Buffer.concat(written).length}`);
        chunks.push(...written);
      },
    );
    const signed = Buffer.concat(chunks);
    // Everything before the root's end tag, where the signature goes.
    const head = Buffer.byteLength(parts[0] as string) + 4 * (long.length / 3) + '</Long>\n'.length;
    expect(events).toEqual([`write ${head}`, 'timestamp', `write ${signed.length - head}`]);
    expect(signed.subarray(head).toString('utf8')).toMatch(/^<ds:Signature Id="seal-1"[\s\S]*<\/ds:Signature><\/Envelope>\n$/);
    const file = join(dir, 'sink.xml');
    await writeFile(file, signed);
    expect((await xmlsecVerify(file)).code).toBe(0);
    expect(verifyXadesSeal(signed, 'seal-1')).toEqual(seal.certificate);
  });

  test('a sealing that fails after the first write says so: the sink holds no document', async () => {
    const written: number[] = [];
    const failing = options({ timestamp: () => Promise.reject(new Error('TSA unreachable')) });
    await expect(
      writeSealedXmlParts(['<a>', { base64: randomBytes(3000) }, '</a>'], failing, (chunks) => written.push(chunks.length)),
    ).rejects.toThrow('TSA unreachable');
    expect(written).toHaveLength(1);
  });

  test('a mime type and policy texts with characters that need escaping', async () => {
    const signed = await sealXmlDocument(
      '<a/>',
      options({
        mimeType: 'text/xml; a="<&>"\r',
        policy: { kind: 'explicit', identifier: "urn:x:<&>'", description: 'tab\there\r\nCR LF ]]> 😀', digest: sha256('p') },
      }),
    );
    const file = join(dir, 'escaping.xml');
    await writeFile(file, signed);
    expect((await xmlsecVerify(file)).code).toBe(0);
    expect(verifyXadesSeal(signed, 'seal-1')).toEqual(seal.certificate);
    const doc = parse(signed);
    expect(one(doc, XADES_NS, 'MimeType').textContent).toBe('text/xml; a="<&>"\r');
    expect(one(doc, XADES_NS, 'Identifier').textContent).toBe("urn:x:<&>'");
    expect(one(doc, XADES_NS, 'Description').textContent).toBe('tab\there\r\nCR LF ]]> 😀');
  });
});

describe('refusals', () => {
  test('a DOCTYPE is refused', async () => {
    const xml = '<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>';
    await expect(sealXmlDocument(xml, options())).rejects.toThrow(/DOCTYPE/);
  });

  test('a processing instruction is refused (the verifier refuses them too)', async () => {
    await expect(sealXmlDocument('<?xml-stylesheet href="a.xsl"?><a/>', options())).rejects.toThrow(/processing instruction/);
    await expect(sealXmlDocument('<a><?note x?></a>', options())).rejects.toThrow(/processing instruction/);
    // The XML declaration is not one.
    await expect(sealXmlDocument('<?xml version="1.0" encoding="UTF-8"?><a/>', options())).resolves.toContain('<a>');
  });

  test('a document that already uses one of the signature Ids is refused', async () => {
    await expect(sealXmlDocument('<a><b Id="seal-1-signed-properties"/></a>', options())).rejects.toThrow(/already uses/);
  });

  test('a signature Id that is not an NCName is refused', async () => {
    await expect(sealXmlDocument('<a/>', options({ signatureId: "x' or '1" }))).rejects.toThrow(/NCName/);
  });

  test('a malformed document is refused', async () => {
    await expect(sealXmlDocument('<a><b></a>', options())).rejects.toThrow(/well-formed/);
  });

  test('what the DOM parser lets through and other XML processors reject is refused, not sealed', async () => {
    await expect(sealXmlDocument('<a>x & y</a>', options())).rejects.toThrow(/"&"/);
    await expect(sealXmlDocument('<a>x ]]> y</a>', options())).rejects.toThrow(/"\]\]>"/);
    await expect(sealXmlDocument('<a>&#1;</a>', options())).rejects.toThrow(/character that XML does not allow/);
    await expect(sealXmlDocument('<a>\u0001</a>', options())).rejects.toThrow(/character that XML does not allow/);
    await expect(sealXmlDocument('<?xml version="1.1"?><a/>', options())).rejects.toThrow(/XML 1.1/);
    await expect(sealXmlParts(['<?xml version="1.0" encoding="ISO-8859-1"?><a/>'], options())).rejects.toThrow(/ISO-8859-1/);
  });

  test('an attribute named like a namespace declaration, and a relative namespace URI, are refused', async () => {
    await expect(sealXmlDocument('<a xmlnsNote="1"/>', options())).rejects.toThrow(/attribute named xmlnsNote/);
    await expect(sealXmlDocument('<a><b xmlns:foo-bar="urn:x" xmlns_x="1"/></a>', options())).rejects.toThrow(/attribute named xmlns_x/);
    await expect(sealXmlDocument('<a xmlns="relative"/>', options())).rejects.toThrow(/namespace that canonical XML cannot render/);
  });

  test('an Id of the signature written with a character reference is found too', async () => {
    await expect(sealXmlDocument('<a><b Id="seal-1&#45;signed-properties"/></a>', options())).rejects.toThrow(/already uses/);
    await expect(sealXmlDocument("<a xml:id='seal-1'/>", options())).rejects.toThrow(/already uses/);
  });

  test('a Base64Text part outside text content is refused', async () => {
    await expect(sealXmlParts(['<a x="', { base64: randomBytes(300) }, '"/>'], options())).rejects.toThrow(/placeholder/);
  });
});
