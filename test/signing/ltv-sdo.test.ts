import { generateKeyPair, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import * as xpath from 'xpath';
import { signDetached } from '../../src/signing/cms';
import type { Credential } from '../../src/signing/credential';
import { sha256 } from '../../src/signing/der';
import { issueCertificate } from '../../src/signing/issue-certificate';
import { createLtvSdo, LTV_SDO_NS, readLtvSdo, type AuditEvent, type LtvSdoInput } from '../../src/signing/ltv-sdo';
import { createOcspResponse } from '../../src/signing/ocsp';
import { createTimestampToken, readTimestampToken } from '../../src/signing/timestamp';
import { XADES_NS, XMLDSIG_NS } from '../../src/signing/xades';
import { makeTestPki, openssl, type TestPki } from '../helpers/test-pki';
import { lxmlCanonicalSignatureValue, tool, type ToolResult } from '../helpers/tool';

/**
 * LTV-SDO: built, sealed and read back, and checked with tools that share no code with Paraph:
 * xmllint against the published schema, xmlsec1 for the seal, lxml for the canonical
 * SignatureValue, openssl for both timestamps and every OCSP response.
 */

const generateRsa = promisify(generateKeyPair);
const TSA_POLICY = '1.3.6.1.4.1.99999.1.1';
const SCHEMA = join(__dirname, '..', '..', 'wsdl', 'ltv-sdo-1.1.xsd');
const T0 = new Date('2026-03-02T09:15:00Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);




let dir: string;
let pki: TestPki;
let seal: Credential;
let signerOcsp: Buffer;
let sealOcsp: Buffer;
const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), randomBytes(1 << 20), Buffer.from('\n%%EOF\n')]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paraph-ltvsdo-'));
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
  const responder = { credential: pki.ocsp };
  [signerOcsp, sealOcsp] = await Promise.all([
    createOcspResponse(pki.signer.certificate, pki.issuing.certificate, { status: 'good' }, responder, { time: new Date() }),
    createOcspResponse(seal.certificate, pki.issuing.certificate, { status: 'good' }, responder, { time: new Date() }),
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const AUDIT_TRAIL: readonly AuditEvent[] = [
  { time: at(0), type: 'document-shown', detail: 'doc_1' },
  { time: at(20), type: 'signature-created', detail: 'nbid-sign' },
  { time: at(21), type: 'core-validation-succeeded' },
  { time: at(21), type: 'path-validation-succeeded' },
  { time: at(21), type: 'revocation-check-succeeded', detail: 'OCSP good' },
];

async function input(overrides: Partial<LtvSdoInput> = {}): Promise<LtvSdoInput> {
  const native = await signDetached(pdf, pki.signer, { signingTime: at(20) });
  return {
    signer: { firstName: 'Kari', lastName: 'Nordmann', nationalId: '01017012345', nationality: 'NO' },
    document: { id: 'doc_1', mimeType: 'application/pdf', description: 'Loan agreement «2026» & terms', bytes: pdf, inclusion: 'embedded' },
    native: {
      method: 'nbid-sign',
      format: 'cms',
      mimeType: 'application/pkcs7-signature',
      data: native,
      signerCertificate: pki.signer.certificate,
      chain: pki.signer.chain,
      ocspResponses: [signerOcsp],
    },
    auditTrail: AUDIT_TRAIL,
    client: { ip: '198.51.100.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) "quoted" <agent>' },
    server: { service: 'demo', requestId: '270920180dqeu5s3jp4jbvrp6cl3ecjisb1', taskId: 'task_1', version: '0.1.0' },
    packagingPolicy: 'urn:signicat:packagingpolicy:ltv:1.3',
    time: at(21),
    seal,
    timestamp: (imprint) =>
      createTimestampToken(imprint, { credential: pki.tsa, policyOid: TSA_POLICY }, { time: new Date(), serial: randomBytes(8), includeCertificate: true }),
    sealValidation: {
      certificates: [...seal.chain, pki.tsa.certificate, ...pki.tsa.chain, pki.ocsp.certificate],
      ocspResponses: [sealOcsp],
    },
    ...overrides,
  };
}

function parse(xml: Buffer): Document {
  return new DOMParser().parseFromString(xml.toString('utf8'), 'text/xml');
}

function one(doc: Document, namespace: string, name: string): Element {
  const [found, ...more] = Array.from(doc.getElementsByTagNameNS(namespace, name));
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

async function tsVerify(token: Buffer, data: Buffer, name: string): Promise<string> {
  const tokenFile = join(dir, `${name}.tst`);
  const dataFile = join(dir, `${name}.data`);
  await Promise.all([writeFile(tokenFile, token), writeFile(dataFile, data)]);
  const result = await openssl([
    'ts', '-verify', '-token_in', '-in', tokenFile, '-data', dataFile, '-CAfile', pki.files.root, '-untrusted', pki.files.issuing,
  ]);
  return result.stdout + result.stderr;
}

async function ocspVerify(response: Buffer, name: string): Promise<string> {
  const file = join(dir, `${name}.ocsp`);
  await writeFile(file, response);
  const result = await openssl(['ocsp', '-respin', file, '-CAfile', pki.files.root, '-issuer', pki.files.issuing, '-resp_text']);
  return result.stdout + result.stderr;
}

describe('an embedded LTV-SDO', () => {
  let made: LtvSdoInput;
  let sdo: Buffer;
  let file: string;

  beforeAll(async () => {
    made = await input();
    sdo = await createLtvSdo(made);
    file = join(dir, 'embedded.xml');
    await writeFile(file, sdo);
  });

  test('is UTF-8 XML with a declaration, rooted at LtvSdo Version 1.1 in the LTV-SDO namespace', () => {
    expect(sdo.subarray(0, 39).toString('utf8')).toBe('<?xml version="1.0" encoding="UTF-8"?>\n');
    const root = parse(sdo).documentElement as Element;
    expect(root.namespaceURI).toBe('https://id.signicat.com/definitions/xsd/LtvSdo-1.1');
    expect(root.localName).toBe('LtvSdo');
    expect(root.getAttribute('Version')).toBe('1.1');
    expect(elementChildren(root).map((e) => e.localName)).toEqual([
      'SignerDescription',
      'OriginalDocument',
      'NativeSignature',
      'ValidationData',
      'AuditTrail',
      'ClientContext',
      'ServerContext',
      'Signature',
    ]);
  });

  test('is valid against wsdl/ltv-sdo-1.1.xsd', async () => {
    const result = await tool('/usr/bin/xmllint', ['--noout', '--schema', SCHEMA, file]);
    expect(result.output).toContain('validates');
    expect(result.code).toBe(0);
  });

  test('xmlsec1 verifies the seal', async () => {
    const result = await xmlsecVerify(file);
    expect(result.output).toContain('OK');
    expect(result.code).toBe(0);
  });

  test('one changed byte in the embedded document, or in SignerNationalId, breaks the seal', async () => {
    const xml = sdo.toString('utf8');
    const dataAt = xml.indexOf('<Data>') + 6 + 500_000;
    const swapped = xml[dataAt] === 'A' ? 'B' : 'A';
    const tamperedData = join(dir, 'tampered-data.xml');
    const tamperedId = join(dir, 'tampered-id.xml');
    await Promise.all([
      writeFile(tamperedData, xml.slice(0, dataAt) + swapped + xml.slice(dataAt + 1)),
      writeFile(tamperedId, xml.replace('<SignerNationalId>01017012345<', '<SignerNationalId>01017012346<')),
    ]);
    expect(xml).toContain('<SignerNationalId>01017012345<');
    const [data, id] = await Promise.all([xmlsecVerify(tamperedData), xmlsecVerify(tamperedId)]);
    expect(data.code).not.toBe(0);
    expect(id.code).not.toBe(0);
  });

  test('clients find the signer by local name, as Signicat clients do', () => {
    const doc = parse(sdo);
    const select = (path: string): string =>
      (xpath.select(`string(//*[local-name()='SignerDescription']/*[local-name()='${path}'])`, doc as unknown as globalThis.Node) as string);
    expect(select('SignerNationalId')).toBe('01017012345');
    expect(select('SignerNationality')).toBe('NO');
    expect(select('SignerName')).toBe('Kari Nordmann');
    expect(select('SignerUniqueId')).toBe('UN:NO-9578-5999-4-3710628');
  });

  test('readLtvSdo returns what went in, the document and the native signature byte for byte', () => {
    const summary = readLtvSdo(sdo);
    expect(summary.version).toBe('1.1');
    expect(summary.signer).toEqual({
      name: 'Kari Nordmann',
      firstName: 'Kari',
      lastName: 'Nordmann',
      nationalId: '01017012345',
      nationality: 'NO',
      uniqueId: 'UN:NO-9578-5999-4-3710628',
    });
    const { data, digest, ...document } = summary.document;
    expect(document).toEqual({ id: 'doc_1', mimeType: 'application/pdf', description: 'Loan agreement «2026» & terms', inclusion: 'embedded' });
    // Buffer.equals: jest's toEqual walks a megabyte byte by byte for seconds.
    expect(data?.equals(pdf)).toBe(true);
    expect(digest).toEqual(sha256(pdf));
    expect(summary.native.method).toBe('nbid-sign');
    expect(summary.native.format).toBe('cms');
    expect(summary.native.mimeType).toBe('application/pkcs7-signature');
    expect(summary.native.data.equals(made.native.data)).toBe(true);
    expect(summary.native.signerCertificate).toEqual(pki.signer.certificate);
    expect(summary.native.chain).toEqual([pki.issuing.certificate, pki.root.certificate]);
    expect(summary.native.ocspResponses).toEqual([signerOcsp]);
    expect(summary.native.validatedAt).toEqual(at(21));
    expect(readTimestampToken(summary.native.timestamp).imprint).toEqual(sha256(made.native.data));
    expect(summary.auditTrail).toEqual(AUDIT_TRAIL);
    expect(summary.client).toEqual(made.client);
    expect(summary.server).toEqual({ ...made.server, name: 'Paraph', packagingPolicy: 'urn:signicat:packagingpolicy:ltv:1.3' });
    expect(summary.sealCertificate).toEqual(seal.certificate);
    expect(summary.signingTime).toEqual(at(21));
    expect(summary.sealTimestamp).toBeDefined();
    expect(summary.sealCertificates).toEqual([pki.issuing.certificate, pki.root.certificate, pki.tsa.certificate, pki.ocsp.certificate]);
    expect(summary.sealOcspResponses).toEqual([sealOcsp]);
  });

  test('the NativeSignatureTimeStamp covers the native bytes: openssl ts -verify', async () => {
    const token = base64Of(one(parse(sdo), LTV_SDO_NS, 'NativeSignatureTimeStamp'));
    expect(await tsVerify(token, made.native.data, 'native')).toContain('Verification: OK');
  });

  test('the seal SignatureTimeStamp covers the canonical SignatureValue (lxml): openssl ts -verify', async () => {
    const canonical = await lxmlCanonicalSignatureValue(file);
    const token = base64Of(one(parse(sdo), XADES_NS, 'EncapsulatedTimeStamp'));
    expect(await tsVerify(token, canonical, 'seal')).toContain('Verification: OK');
  });

  test('every OCSP response verifies with openssl: the signer\'s in ValidationData, the seal\'s in RevocationValues', async () => {
    const doc = parse(sdo);
    const native = base64Of(one(doc, LTV_SDO_NS, 'OCSPResponse'));
    const sealResponse = base64Of(one(doc, XADES_NS, 'EncapsulatedOCSPValue'));
    const [nativeOut, sealOut] = await Promise.all([ocspVerify(native, 'native'), ocspVerify(sealResponse, 'seal')]);
    expect(nativeOut).toContain('Response verify OK');
    expect(sealOut).toContain('Response verify OK');
  });

  test('the seal names its certificate in SigningCertificateV2 and the document as application/x-ltv-sdo', () => {
    const doc = parse(sdo);
    const certDigest = one(doc, XADES_NS, 'CertDigest');
    expect(base64Of(certDigest.getElementsByTagNameNS(XMLDSIG_NS, 'DigestValue')[0]!)).toEqual(sha256(seal.certificate));
    expect(one(doc, XADES_NS, 'MimeType').textContent).toBe('application/x-ltv-sdo');
    expect(one(doc, XMLDSIG_NS, 'Signature').getAttribute('Id')).toBe('LtvSdoSeal');
  });
});

describe('variants', () => {
  test('digest-only inclusion: DigestValue without Data; still valid, sealed and readable', async () => {
    const sdo = await createLtvSdo(await input({ document: { id: 'doc_2', mimeType: 'text/plain', description: '', bytes: Buffer.from('I agree.\n'), inclusion: 'digest' } }));
    const doc = parse(sdo);
    const original = one(doc, LTV_SDO_NS, 'OriginalDocument');
    expect(original.getAttribute('Inclusion')).toBe('digest');
    expect(elementChildren(original).map((e) => e.localName)).toEqual(['DigestMethod', 'DigestValue']);
    const summary = readLtvSdo(sdo);
    expect(summary.document.data).toBeUndefined();
    expect(summary.document.digest).toEqual(sha256('I agree.\n'));
    expect(summary.document.description).toBeUndefined();
    const file = join(dir, 'digest.xml');
    await writeFile(file, sdo);
    expect((await tool('/usr/bin/xmllint', ['--noout', '--schema', SCHEMA, file])).code).toBe(0);
    expect((await xmlsecVerify(file)).code).toBe(0);
  });

  test('an XML native keeps its exact bytes (CR LF, no trailing newline, non-ASCII)', async () => {
    const nemid = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\r\n<openoces:signature xmlns:openoces="http://www.openoces.org/2006/07/signature#">Søren Ærø</openoces:signature>', 'utf8');
    const made = await input();
    const sdo = await createLtvSdo({ ...made, native: { ...made.native, method: 'nemid-sign', format: 'openoces-xmldsig', mimeType: 'application/xml', data: nemid } });
    expect(readLtvSdo(sdo).native.data).toEqual(nemid);
  });

  test('no client context, unknown signer fields: empty elements, and the certificate supplies name and unique id', async () => {
    const { client: _client, packagingPolicy: _policy, ...made } = await input({ signer: {} });
    const sdo = await createLtvSdo(made);
    const doc = parse(sdo);
    expect(doc.getElementsByTagNameNS(LTV_SDO_NS, 'ClientContext')).toHaveLength(0);
    expect(one(doc, LTV_SDO_NS, 'SignerNationalId').textContent).toBe('');
    const summary = readLtvSdo(sdo);
    expect(summary.signer).toEqual({ name: 'Kari Nordmann', uniqueId: 'UN:NO-9578-5999-4-3710628' });
    expect(summary.client).toBeUndefined();
    expect(summary.server.packagingPolicy).toBeUndefined();
    const file = join(dir, 'minimal.xml');
    await writeFile(file, sdo);
    expect((await tool('/usr/bin/xmllint', ['--noout', '--schema', SCHEMA, file])).code).toBe(0);
  });

  test('a nationality that is not an ISO country code is refused', async () => {
    await expect(createLtvSdo(await input({ signer: { nationality: 'Norway' } }))).rejects.toThrow(/ISO 3166/);
  });
});

describe('readLtvSdo refuses', () => {
  test('a DOCTYPE', () => {
    const xml = Buffer.from(`<?xml version="1.0"?>\n<!DOCTYPE LtvSdo [<!ENTITY x "y">]>\n<LtvSdo xmlns="${LTV_SDO_NS}" Version="1.1">&x;</LtvSdo>`);
    expect(() => readLtvSdo(xml)).toThrow(/DOCTYPE/);
  });

  test('another root element', () => {
    expect(() => readLtvSdo(Buffer.from('<LtvSdo Version="1.1"/>'))).toThrow(/not an LTV-SDO/);
  });
});

test('createLtvSdo with a 1 MB PDF stays well under a second', async () => {
  const made = await input({ timestamp: async () => Buffer.from([0x30, 0x00]) });
  await createLtvSdo(made);
  const started = performance.now();
  await createLtvSdo(made);
  expect(performance.now() - started).toBeLessThan(1000);
});
