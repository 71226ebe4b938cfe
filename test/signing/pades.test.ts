import { generateKeyPair } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRawStream, StandardFonts, decodePDFRawStream } from 'pdf-lib';
import type { Credential } from '../../src/signing/credential';
import { OID, sha1, sha256, wholeSeconds } from '../../src/signing/der';
import { oid, readChildren, readWhole } from '../../src/signing/der-writer';
import { issueCertificate } from '../../src/signing/issue-certificate';
import { certIdOf, createOcspResponse, respondToOcspRequest } from '../../src/signing/ocsp';
import { PDFDocument as IncrementalDocument, StandardFonts as IncrementalFonts } from '@cantoo/pdf-lib';
import {
  addDocumentTimestamp,
  addDss,
  checkCrossReferences,
  DOC_TIMESTAMP_SUBFILTER,
  extractSignatures,
  PADES_SUBFILTER,
  pdfDate,
  PdfRevisions,
  signPdf,
  type PdfSignature,
} from '../../src/signing/pades';
import { createTimestampToken, readTimestampToken } from '../../src/signing/timestamp';
import { makeTestPki, openssl, type TestPki } from '../helpers/test-pki';
import { tool, type ToolResult } from '../helpers/tool';

/**
 * PAdES signatures, DSS and document timestamps, checked with tools that share no code with Paraph:
 * pdfsig (poppler + NSS) for the signatures and the certificate path (it asks the OCSP responder
 * this test runs, as the certificates' AIA says), openssl cms and openssl ts for the CMS and both
 * timestamps over the exact signed bytes, qpdf for the file structure.
 */

const generateRsa = promisify(generateKeyPair);
const TSA_POLICY = '1.3.6.1.4.1.99999.1.1';



/** pdfsig's report, one block per signature (it exits 0 even when a signature is invalid). */
async function pdfsig(file: string): Promise<string[]> {
  const run = await tool('/usr/bin/pdfsig', ['-nssdir', `sql:${nssDir}`, file]);
  if (run.code !== 0) throw new Error(`pdfsig failed (${run.code}): ${run.stdout}${run.stderr}`);
  return run.stdout.split(/^Signature #\d+:$/m).slice(1);
}

let dir: string;
let nssDir: string;
let pki: TestPki;
let seal: Credential;
let server: Server;
let ocspRequests = 0;
let serial = 0;
let basePdf: Buffer;
let validation: { certificates: Buffer[]; ocspResponses: Buffer[] };

const tsa = (): { credential: Credential; policyOid: string } => ({ credential: pki.tsa, policyOid: TSA_POLICY });
const timestamp = (imprint: Buffer): Promise<Buffer> =>
  createTimestampToken(imprint, tsa(), { time: new Date(), serial: Buffer.from([0x10, ++serial]) });

/** A tiny OCSP responder (GET and POST, RFC 6960 appendix A) answering good for the issuing CA's certificates. */
function startOcspResponder(): Promise<number> {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      ocspRequests++;
      const body =
        request.method === 'GET'
          ? Buffer.from(decodeURIComponent((request.url ?? '').replace(/^\/ocsp\/?/, '')), 'base64')
          : Buffer.concat(chunks);
      respondToOcspRequest(
        body,
        (id) => {
          const expected = certIdOf(pki.tsa.certificate, pki.issuing.certificate, id.hashAlgorithm);
          return id.issuerKeyHash.equals(expected.issuerKeyHash) && id.issuerNameHash.equals(expected.issuerNameHash)
            ? { responder: { credential: pki.ocsp }, status: { status: 'good' } }
            : undefined;
        },
        { time: new Date() },
      ).then(
        (answer) => {
          response.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': answer.length });
          response.end(answer);
        },
        () => {
          response.writeHead(500);
          response.end();
        },
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function makeBasePdf(pages: number, useObjectStreams: boolean): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) doc.addPage().drawText(`Page ${i}: Avtale om leie, Tromsø`, { x: 50, y: 700, size: 14, font });
  return Buffer.from(await doc.save({ useObjectStreams }));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paraph-pades-'));
  const port = await startOcspResponder();
  const ocspUrl = `http://127.0.0.1:${port}/ocsp`;
  pki = await makeTestPki(dir, { ocspUrl });
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
      ocspUrl,
    }),
    privateKey: key.privateKey,
    chain: [pki.issuing.certificate, pki.root.certificate],
  };
  nssDir = join(dir, 'nss');
  await mkdir(nssDir);
  const created = await tool('/usr/bin/certutil', ['-N', '-d', `sql:${nssDir}`, '--empty-password']);
  if (created.code !== 0) throw new Error(created.stderr);
  const added = await tool('/usr/bin/certutil', ['-A', '-d', `sql:${nssDir}`, '-n', 'root', '-t', 'CT,C,C', '-i', pki.files.root]);
  if (added.code !== 0) throw new Error(added.stderr);
  const now = new Date();
  validation = {
    certificates: [seal.certificate, pki.issuing.certificate, pki.root.certificate, pki.tsa.certificate],
    ocspResponses: [
      await createOcspResponse(seal.certificate, pki.issuing.certificate, { status: 'good' }, { credential: pki.ocsp }, { time: now }),
      await createOcspResponse(pki.tsa.certificate, pki.issuing.certificate, { status: 'good' }, { credential: pki.ocsp }, { time: now }),
    ],
  };
  basePdf = await makeBasePdf(2, false);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

/** Writes the bytes a signature covers and its /Contents DER, for openssl. */
async function writeSigned(pdf: Buffer, signature: PdfSignature, name: string): Promise<{ data: string; der: string }> {
  const [start, length, second, secondLength] = signature.byteRange;
  const data = join(dir, `${name}.signed-bytes.bin`);
  const der = join(dir, `${name}.der`);
  await writeFile(data, Buffer.concat([pdf.subarray(start, start + length), pdf.subarray(second, second + secondLength)]));
  await writeFile(der, signature.contents);
  return { data, der };
}

/** The signature value and the signature-time-stamp token of a CMS SignedData's only SignerInfo. */
function signatureTimestamp(cms: Buffer): { signatureValue: Buffer; token: Buffer } {
  const [, content] = readChildren(readWhole(cms));
  const signedData = readChildren(readChildren(content!)[0]!);
  const signerInfos = readChildren(signedData[signedData.length - 1]!);
  expect(signerInfos).toHaveLength(1);
  const signerInfo = readChildren(signerInfos[0]!);
  const signatureValue = signerInfo.find((element) => element.tag === 0x04);
  const unsigned = signerInfo.find((element) => element.tag === 0xa1);
  if (!signatureValue || !unsigned) throw new Error('no signature value or no unsigned attributes');
  const [attribute] = readChildren(unsigned);
  const [type, values] = readChildren(attribute!);
  expect(type!.bytes.equals(oid(OID.signatureTimeStampToken))).toBe(true);
  return { signatureValue: signatureValue.contents, token: readChildren(values!)[0]!.bytes };
}

async function verifyCms(pdf: Buffer, signature: PdfSignature, name: string): Promise<ToolResult> {
  const { data, der } = await writeSigned(pdf, signature, name);
  return openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', der, '-content', data, '-CAfile', pki.files.root, '-certfile', pki.files.issuing, '-purpose', 'any', '-out', '/dev/null']);
}

describe('signPdf (PAdES B-T)', () => {
  let signed: Buffer;
  const time = wholeSeconds(new Date());

  beforeAll(async () => {
    signed = await signPdf(basePdf, { seal, time, timestamp, reason: 'Forsegling', location: 'Tromsø', name: 'Demo Service', contactInfo: 'post@example.no' });
    await writeFile(join(dir, 'signed.pdf'), signed);
  });

  it('is an incremental update: the original bytes are untouched', () => {
    expect(signed.subarray(0, basePdf.length).equals(basePdf)).toBe(true);
    expect(signed.length).toBeGreaterThan(basePdf.length);
  });

  it('pdfsig: ETSI.CAdES.detached, valid, trusted, over the whole file', async () => {
    const requestsBefore = ocspRequests;
    const [report, ...others] = await pdfsig(join(dir, 'signed.pdf'));
    expect(others).toHaveLength(0);
    expect(report).toContain('Signature Type: ETSI.CAdES.detached');
    expect(report).toContain('Signer Certificate Common Name: Demo Service Seal');
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(report).toContain('Certificate Validation: Certificate is Trusted.');
    expect(report).toContain('Total document signed');
    expect(report).toContain('Signature Field Name: Signature1');
    // NSS asked the responder named in the seal certificate's AIA.
    expect(ocspRequests).toBeGreaterThan(requestsBefore);
  });

  it('openssl cms verifies the CMS over the ByteRange bytes; no signingTime, signing-certificate-v2 and a timestamp', async () => {
    const [signature] = extractSignatures(signed);
    expect(signature).toMatchObject({ subFilter: PADES_SUBFILTER, coversWholeFile: true });
    const verified = await verifyCms(signed, signature!, 'bt');
    expect(verified.stderr).toContain('CMS Verification successful');
    expect(verified.code).toBe(0);
    const printed = await openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', join(dir, 'bt.der')]);
    expect(printed.stdout).not.toContain('signingTime');
    expect(printed.stdout).toContain('id-smime-aa-signingCertificateV2');
    expect(printed.stdout).toContain('id-smime-aa-timeStampToken');
  });

  it('the signature-time-stamp covers the SHA-256 of the signature value (openssl ts)', async () => {
    const [signature] = extractSignatures(signed);
    const { signatureValue, token } = signatureTimestamp(signature!.contents);
    expect(readTimestampToken(token).imprint.equals(sha256(signatureValue))).toBe(true);
    await writeFile(join(dir, 'bt-token.der'), token);
    const verified = await openssl([
      'ts', '-verify', '-token_in', '-in', join(dir, 'bt-token.der'), '-digest', sha256(signatureValue).toString('hex'),
      '-CAfile', pki.files.root, '-untrusted', pki.files.chain,
    ]);
    expect(verified.stdout).toContain('Verification: OK');
  });

  it('writes the dictionary as PAdES asks: /M, the texts, the ESIC extension, a ByteRange around exactly <Contents>', () => {
    const [signature] = extractSignatures(signed);
    const [, length, second] = signature!.byteRange;
    expect(signed[length]).toBe(0x3c);
    expect(signed[second - 1]).toBe(0x3e);
    const update = signed.toString('latin1', basePdf.length);
    expect(update).toContain(`/M ${pdfDate(time)}`);
    expect(update).toContain('/Filter /Adobe.PPKLite');
    expect(update).toContain('/Reason (Forsegling)');
    // Tromsø is not ASCII: UTF-16BE with a byte order mark.
    expect(update).toContain(`/Location <FEFF${Buffer.from('Tromsø', 'utf16le').swap16().toString('hex').toUpperCase()}>`);
    expect(update).toMatch(/\/ESIC <<\s*\/BaseVersion \/1\.7\s*\/ExtensionLevel 2/);
  });

  it('qpdf --check accepts the file', async () => {
    const checked = await tool('/usr/bin/qpdf', ['--check', join(dir, 'signed.pdf')]);
    expect(checked.stdout).toContain('No syntax or stream encoding errors found');
    expect(checked.code).toBe(0);
  });

  it('a changed byte inside the signed range: pdfsig reports a digest mismatch, openssl cms fails', async () => {
    const tampered = Buffer.from(signed);
    // The binary comment on the header's second line: the file still parses, its digest does not match.
    expect(tampered[10]).toBeGreaterThanOrEqual(0x80);
    tampered[10] = tampered[10]! ^ 0x01;
    await writeFile(join(dir, 'tampered.pdf'), tampered);
    const [report] = await pdfsig(join(dir, 'tampered.pdf'));
    expect(report).toContain('Digest Mismatch');
    expect(report).not.toContain('Signature is Valid.');
    const [signature] = extractSignatures(tampered);
    const verified = await verifyCms(tampered, signature!, 'tampered');
    expect(verified.code).not.toBe(0);
    expect(verified.stderr).not.toContain('CMS Verification successful');
  });

  it('a second signature is its own update; both stay valid', async () => {
    const twice = await signPdf(signed, { seal, time, timestamp });
    expect(twice.subarray(0, signed.length).equals(signed)).toBe(true);
    await writeFile(join(dir, 'twice.pdf'), twice);
    const reports = await pdfsig(join(dir, 'twice.pdf'));
    expect(reports).toHaveLength(2);
    expect(reports[0]).toContain('Not total document signed');
    expect(reports[1]).toContain('Total document signed');
    expect(reports[1]).toContain('Signature Field Name: Signature2');
    for (const report of reports) expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(extractSignatures(twice).map((signature) => signature.coversWholeFile)).toEqual([false, true]);
  });

  it('refuses a field name that is taken, and a CMS larger than the room reserved for it', async () => {
    await expect(signPdf(signed, { seal, time, timestamp, fieldName: 'Signature1' })).rejects.toThrow(/already has a field named Signature1/);
    await expect(signPdf(basePdf, { seal, time, timestamp, reservedBytes: 2000 })).rejects.toThrow(/reserved/);
  });
});

describe('PAdES B-LT and B-LTA: addDss and addDocumentTimestamp', () => {
  let signed: Buffer;
  let withDss: Buffer;
  let lta: Buffer;

  beforeAll(async () => {
    signed = await signPdf(basePdf, { seal, time: new Date(), timestamp });
    withDss = await addDss(signed, validation);
    lta = await addDocumentTimestamp(withDss, { timestamp, time: new Date() });
    await writeFile(join(dir, 'lta.pdf'), lta);
  });

  it('each step appends to the one before', () => {
    expect(withDss.subarray(0, signed.length).equals(signed)).toBe(true);
    expect(lta.subarray(0, withDss.length).equals(withDss)).toBe(true);
  });

  it('/DSS holds the certificates and OCSP responses as streams, and a /VRI entry for the signature', async () => {
    const doc = await PDFDocument.load(lta, { updateMetadata: false });
    const dss = doc.catalog.lookup(PDFName.of('DSS'), PDFDict);
    const streams = (key: string): Buffer[] => {
      const array = dss.lookup(PDFName.of(key), PDFArray);
      return array.asArray().map((_, index) => Buffer.from(decodePDFRawStream(array.lookup(index, PDFRawStream)).decode()));
    };
    expect(streams('Certs')).toEqual(validation.certificates);
    expect(streams('OCSPs')).toEqual(validation.ocspResponses);
    const [signature] = extractSignatures(signed);
    const vri = dss.lookup(PDFName.of('VRI'), PDFDict);
    const key = sha1(signature!.contents).toString('hex').toUpperCase();
    const entry = vri.lookup(PDFName.of(key), PDFDict);
    expect(entry.lookup(PDFName.of('OCSP'), PDFArray).size()).toBe(2);
    const esic = doc.catalog.lookup(PDFName.of('Extensions'), PDFDict).lookup(PDFName.of('ESIC'), PDFDict);
    expect(esic.lookup(PDFName.of('ExtensionLevel'), PDFNumber).asNumber()).toBe(5);
  });

  it('pdfsig: the seal stays valid and trusted; the document timestamp covers the whole file', async () => {
    const reports = await pdfsig(join(dir, 'lta.pdf'));
    expect(reports).toHaveLength(2);
    expect(reports[0]).toContain('Signature Type: ETSI.CAdES.detached');
    expect(reports[0]).toContain('Signature Validation: Signature is Valid.');
    expect(reports[0]).toContain('Certificate Validation: Certificate is Trusted.');
    expect(reports[0]).toContain('Not total document signed');
    // pdfsig 22.12 cannot validate RFC 3161 document timestamps: openssl ts does, below.
    expect(reports[1]).toContain('Signature Type: unknown');
    expect(reports[1]).toContain('Signature Field Name: DocumentTimestamp1');
    expect(reports[1]).toContain('Total document signed');
  });

  it('openssl ts verifies the document timestamp over its ByteRange bytes; openssl cms still verifies the seal', async () => {
    const signatures = extractSignatures(lta);
    expect(signatures.map((signature) => [signature.subFilter, signature.coversWholeFile])).toEqual([
      [PADES_SUBFILTER, false],
      [DOC_TIMESTAMP_SUBFILTER, true],
    ]);
    const { data, der } = await writeSigned(lta, signatures[1]!, 'doc-ts');
    const verified = await openssl(['ts', '-verify', '-token_in', '-in', der, '-data', data, '-CAfile', pki.files.root, '-untrusted', pki.files.chain]);
    expect(verified.stdout).toContain('Verification: OK');
    expect(readTimestampToken(signatures[1]!.contents).imprint.equals(sha256(await readFile(data)))).toBe(true);
    const cms = await verifyCms(lta, signatures[0]!, 'lta-seal');
    expect(cms.stderr).toContain('CMS Verification successful');
  });

  it('qpdf --check accepts all four revisions', async () => {
    const checked = await tool('/usr/bin/qpdf', ['--check', join(dir, 'lta.pdf')]);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('No syntax or stream encoding errors found');
  });
});

describe('signPdf on other PDFs', () => {
  it('signs a PDF saved with object streams and a cross-reference stream', async () => {
    const compact = await makeBasePdf(3, true);
    expect(compact.toString('latin1')).toContain('/ObjStm');
    const signed = await addDocumentTimestamp(await signPdf(compact, { seal, time: new Date(), timestamp }), { timestamp, time: new Date() });
    const file = join(dir, 'compact-signed.pdf');
    await writeFile(file, signed);
    const reports = await pdfsig(file);
    expect(reports[0]).toContain('Signature Validation: Signature is Valid.');
    expect(reports[0]).toContain('Certificate Validation: Certificate is Trusted.');
    const checked = await tool('/usr/bin/qpdf', ['--check', file]);
    expect(checked.code).toBe(0);
  });

  it('reads only the objects an update needs, and writes the same bytes as after parsing the whole file', async () => {
    const compact = await makeBasePdf(5, true);
    const time = wholeSeconds(new Date());
    // RSA PKCS #1 v1.5 signs deterministically: with the timestamps' time and serial fixed, two runs give the same bytes.
    const fixed = (imprint: Buffer): Promise<Buffer> => createTimestampToken(imprint, tsa(), { time, serial: Buffer.from([0x30, 0x01]) });
    const seal3 = async (readWhole: boolean): Promise<Buffer> => {
      const revisions = await PdfRevisions.open(compact, { readWhole });
      await revisions.sign({ seal, time, timestamp: fixed });
      await revisions.addDss(validation);
      await revisions.addDocumentTimestamp({ timestamp: fixed, time });
      expect(revisions.revisionCount).toBe(4);
      return revisions.bytes();
    };
    const onDemand = await seal3(false);
    expect(onDemand.equals(await seal3(true))).toBe(true);
    const file = join(dir, 'on-demand.pdf');
    await writeFile(file, onDemand);
    expect((await pdfsig(file))[0]).toContain('Signature Validation: Signature is Valid.');
    expect((await tool('/usr/bin/qpdf', ['--check', file])).code).toBe(0);
  });

  it('continues a document made in memory without parsing what it wrote (PdfRevisions.fromDocument)', async () => {
    const doc = await IncrementalDocument.create({ updateMetadata: false });
    const font = await doc.embedFont(IncrementalFonts.Helvetica);
    doc.addPage().drawText('Kvittering, Tromsø', { x: 50, y: 700, size: 14, font });
    const revisions = await PdfRevisions.fromDocument(doc);
    const first = revisions.bytes();
    await revisions.sign({ seal, time: new Date(), timestamp });
    await revisions.addDocumentTimestamp({ timestamp, time: new Date() });
    const pdf = revisions.bytes();
    expect(pdf.subarray(0, first.length).equals(first)).toBe(true);
    const file = join(dir, 'from-document.pdf');
    await writeFile(file, pdf);
    const [report] = await pdfsig(file);
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(report).toContain('Certificate Validation: Certificate is Trusted.');
    expect((await tool('/usr/bin/qpdf', ['--check', file])).code).toBe(0);
    await expect(PdfRevisions.fromDocument(doc)).rejects.toThrow(/use PdfRevisions.open/);
  });

  it('checkCrossReferences follows startxref and /Prev through tables and streams, and names what it does not find', async () => {
    const classic = await makeBasePdf(2, false);
    const compact = await makeBasePdf(2, true);
    for (const pdf of [classic, compact, await signPdf(compact, { seal, time: new Date(), timestamp })]) expect(() => checkCrossReferences(pdf)).not.toThrow();
    const signed = await signPdf(classic, { seal, time: new Date(), timestamp });
    const broken = Buffer.from(signed.toString('latin1').replace(/\/Prev (\d+)/, (_, offset: string) => `/Prev ${Number(offset) + 3}`.padEnd(`/Prev ${offset}`.length)), 'latin1');
    expect(() => checkCrossReferences(broken)).toThrow(/cross-reference data is damaged: no cross-reference section at offset \d+/);
    expect(() => checkCrossReferences(classic.subarray(0, classic.length - 20))).toThrow(/does not end with startxref and %%EOF/);
    await expect(signPdf(broken, { seal, time: new Date(), timestamp })).rejects.toThrow(/damaged/);
  });

  it('extractSignatures finds nothing in an unsigned PDF and refuses a ByteRange outside the file', async () => {
    expect(extractSignatures(basePdf)).toEqual([]);
    const signed = await signPdf(basePdf, { seal, time: new Date(), timestamp });
    const [signature] = extractSignatures(signed);
    const broken = Buffer.from(signed.toString('latin1').replace(`/ByteRange [0 ${signature!.byteRange[1]} `, `/ByteRange [0 ${signature!.byteRange[1] - 1} `), 'latin1');
    expect(() => extractSignatures(broken)).toThrow(/does not frame a hex string/);
  });
});
