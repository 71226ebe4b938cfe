import { execFile } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DOMParser } from '@xmldom/xmldom';
import * as xpath from 'xpath';
import type {
  DocumentToSign,
  EidMethod,
  EidMethodName,
  NativeSignature,
  SigningContext,
  Signer,
} from '../../src/eid/eid-method';
import { eidMethods, findEidMethod } from '../../src/eid/methods';
import { NativeSignatureError, type NativeSignatureFailure } from '../../src/eid/native-signature-error';
import { oneTimeCodeMatches } from '../../src/eid/nets-sms';
import { ParaphError } from '../../src/errors';
import type { Credential } from '../../src/signing/credential';
import { makeEidTestPki, type EidTestPki } from './eid-pki';

/**
 * One suite for every eID method in `eidMethods`: each signs a PDF and a text document with a
 * certificate from its own test PKI, and an independent tool (xmlsec1 for the XML signatures,
 * openssl for CMS) must accept the result and reject it once one byte of the signed document has
 * changed. The method's own core validation (`verify`) must accept the same artifacts and refuse,
 * with the right reason, each way of breaking them. A new method needs one entry in `cases` (the
 * compiler asks for it) and, if it brings a new artifact format, one entry in `formats`.
 */

const execFileAsync = promisify(execFile);

interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program and reports its exit code instead of throwing on a non-zero one. */
async function run(program: string, args: readonly string[]): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await execFileAsync(program, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw err;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** A small valid PDF (one page, one line of text), with exact xref offsets. */
function minimalPdf(text: string): Buffer {
  const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

const documents: readonly DocumentToSign[] = [
  {
    id: 'doc_1',
    mimeType: 'application/pdf',
    description: 'Leieavtale',
    bytes: minimalPdf('Leieavtale for Storgata 1'),
  },
  {
    id: 'doc_2',
    mimeType: 'text/plain',
    description: 'Vilkår & betingelser <2026>',
    bytes: Buffer.from('Jeg godtar vilkårene for Storgata 1.\nØre, år og blåbær.\n', 'utf8'),
  },
];

const context: SigningContext = {
  service: 'demo',
  requestId: '23112026000000000000000000000000000000000000000000000001',
  taskId: 'task_1',
  serviceDisplayName: 'Paraph Demo AS',
  clientIp: '192.0.2.10',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
};

/** What the suite expects of one method beyond the shared contract. */
interface MethodCase {
  readonly signer: Signer;
  /** A string shaped like an id of the method's country but invalid (date or check digit). */
  readonly malformedId: string;
  /** Subject attributes as Node prints them (C, O, CN, GN, SN, serialNumber, emailAddress). */
  readonly subject: Readonly<Record<string, string | RegExp>>;
  /** Only Swedish BankID writes the national id itself into the certificate. */
  readonly nationalIdInSubject: boolean;
  /** Another person, whose certificate from the same PKI must not pass for the signer's. */
  readonly otherSigner: Signer;
}

const kari: Signer = { nationalId: '15038512363', firstName: 'Kari', lastName: 'Nordmann', mobile: '+4791234567' };

const cases = {
  'nbid-sign': {
    signer: kari,
    malformedId: '15038512364',
    subject: { C: 'NO', CN: 'Nordmann, Kari', serialNumber: /^UN:NO-9578-5999-4-\d{7}$/ },
    nationalIdInSubject: false,
    otherSigner: { nationalId: '55038512357', firstName: 'Ola', lastName: 'Hansen' },
  },
  'nemid-sign': {
    signer: { nationalId: '1503851234', firstName: 'Søren', lastName: 'Ærø' },
    malformedId: '3102851234',
    subject: {
      C: 'DK',
      O: 'Ingen organisatorisk tilknytning',
      CN: 'Søren Ærø',
      serialNumber: /^PID:9208-2002-2-\d{12}$/,
    },
    nationalIdInSubject: false,
    otherSigner: { nationalId: '0101701234', firstName: 'Jens', lastName: 'Hansen' },
  },
  'sbid-sign': {
    signer: { nationalId: '198503152384', firstName: 'Åsa', lastName: 'Öberg' },
    malformedId: '198503152385',
    subject: { C: 'SE', CN: 'Åsa Öberg', GN: 'Åsa', SN: 'Öberg', serialNumber: '198503152384' },
    nationalIdInSubject: true,
    otherSigner: { nationalId: '197001012386', firstName: 'Sven', lastName: 'Svensson' },
  },
  'nets-sms': {
    signer: { ...kari, nationalId: '55038512357' },
    malformedId: '55038512358',
    subject: { CN: 'Kari Nordmann', serialNumber: /^PID:\d{12}$/ },
    nationalIdInSubject: false,
    otherSigner: { ...kari, nationalId: '15038512363', firstName: 'Ola', lastName: 'Hansen' },
  },
  'email-otp': {
    // A Danish signer: e-mail codes are not tied to a country.
    signer: { nationalId: '1503851234', firstName: 'Mette', lastName: 'Jørgensen', email: 'mette@example.dk' },
    malformedId: '150385123',
    subject: { emailAddress: 'mette@example.dk', CN: 'Mette Jørgensen', serialNumber: /^PID:\d{12}$/ },
    nationalIdInSubject: false,
    otherSigner: { nationalId: '15038512363', firstName: 'Ola', lastName: 'Hansen', email: 'ola@example.no' },
  },
} as const satisfies Record<EidMethodName, MethodCase>;

/** The subject's attributes as Node (OpenSSL) parses them from the DER, with RFC 4514 escapes undone. */
function subjectOf(der: Buffer): Map<string, string> {
  const lines = new X509Certificate(der).subject.split('\n');
  const value = (line: string) => line.slice(line.indexOf('=') + 1).replace(/\\(.)/g, '$1');
  return new Map(lines.map((line) => [line.slice(0, line.indexOf('=')), value(line)]));
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** The same bytes with one byte in the middle changed. */
function flipOneByte(bytes: Buffer): Buffer {
  const changed = Buffer.from(bytes);
  const at = Math.floor(changed.length / 2);
  changed[at] = changed[at]! ^ 0x01;
  return changed;
}

/** The artifact with one base64 value, decoded, changed by one byte and encoded again. */
function replaceBase64(artifact: Buffer, base64: string): Buffer {
  const text = artifact.toString('utf8');
  const changed = flipOneByte(Buffer.from(base64, 'base64')).toString('base64');
  expect(text.split(base64)).toHaveLength(2);
  return Buffer.from(text.replace(base64, changed), 'utf8');
}

const NS = {
  sdo: 'http://www.npt.no/seid/xmlskjema/SDO_v1.0',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  openoces: 'http://www.openoces.org/2006/07/signature#',
  bid: 'http://www.bankid.com/signature/v1.0.0/types',
};
const select = xpath.useNamespaces(NS);

/** The text of the one node `expression` selects in the XML artifact. */
function textAt(artifact: Buffer, expression: string): string {
  const doc = new DOMParser().parseFromString(artifact.toString('utf8'), 'text/xml');
  const found = select(expression, doc as unknown as Node);
  if (!xpath.isArrayOfNodes(found) || found.length !== 1) throw new Error(`expected one node at ${expression}`);
  return found[0]!.textContent ?? '';
}

/** How many nodes `expression` selects in the XML artifact. */
function countAt(artifact: Buffer, expression: string): number {
  const doc = new DOMParser().parseFromString(artifact.toString('utf8'), 'text/xml');
  const found = select(expression, doc as unknown as Node);
  if (!xpath.isArrayOfNodes(found)) throw new Error(`${expression} selects no node set`);
  return found.length;
}

/** NemID's SignatureProperty value by name. */
function nemidProperty(artifact: Buffer, name: string): string {
  return textAt(artifact, `//ds:SignatureProperty[openoces:Name='${name}']/openoces:Value`);
}

/** The artifact's text with `from` (which must occur exactly once) replaced by `to`. */
function replaceOnce(artifact: Buffer, from: string, to: string): Buffer {
  const text = artifact.toString('utf8');
  expect(text.split(from)).toHaveLength(2);
  return Buffer.from(text.replace(from, () => to), 'utf8');
}

/** The artifact with one base64 value (occurring once) broken into lines, as XML tools may write it. */
function wrapBase64(artifact: Buffer, base64: string, eol: string): Buffer {
  expect(base64.length).toBeGreaterThan(64);
  return replaceOnce(artifact, base64, `${eol}${base64.match(/.{1,64}/g)!.join(eol)}${eol}`);
}

/** The substring from the start tag `open` to the end tag `close` (each occurring once). */
function elementText(artifact: Buffer, open: string, close: string): string {
  const text = artifact.toString('utf8');
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  return text.slice(start, end + close.length);
}

/** The same XML artifact with `prolog` after its XML declaration. */
function withProlog(artifact: Buffer, prolog: string): Buffer {
  return replaceOnce(artifact, '?>\n', `?>\n${prolog}`);
}

const DOCTYPE = '<!DOCTYPE x [<!ENTITY e "entity">]>\n';

/** Inputs that are no XML artifact: not XML at all, DER, a DOCTYPE (also after a long blank), cut in half. */
function notXml(artifact: Buffer): Buffer[] {
  return [
    Buffer.from('not a signature', 'utf8'),
    Buffer.from('3003020100', 'hex'),
    withProlog(artifact, DOCTYPE),
    withProlog(artifact, `${' '.repeat(300)}\n${DOCTYPE}`),
    artifact.subarray(0, Math.floor(artifact.length / 2)),
  ];
}

/** A DER element, its children parsed when it is constructed; editable, then encoded again. */
interface Der {
  tag: number;
  content: Buffer;
  children?: Der[];
}

function readDer(bytes: Buffer, offset: number): { node: Der; end: number } {
  const tag = bytes[offset]!;
  let length = bytes[offset + 1]!;
  let position = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + bytes[position++]!;
  }
  const content = bytes.subarray(position, position + length);
  const node: Der = { tag, content };
  if (tag & 0x20) {
    node.children = [];
    for (let at = 0; at < content.length; ) {
      const { node: inner, end } = readDer(content, at);
      node.children.push(inner);
      at = end;
    }
  }
  return { node, end: position + length };
}

function parseDer(bytes: Buffer): Der {
  const { node, end } = readDer(bytes, 0);
  expect(end).toBe(bytes.length);
  return node;
}

function encodeDer(node: Der): Buffer {
  const content = node.children ? Buffer.concat(node.children.map(encodeDer)) : node.content;
  const octets: number[] = [];
  for (let rest = content.length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  const length = content.length < 0x80 ? [content.length] : [0x80 | octets.length, ...octets];
  return Buffer.concat([Buffer.from([node.tag, ...length]), content]);
}

function child(node: Der, index: number): Der {
  const found = node.children?.[index];
  if (!found) throw new Error(`DER element 0x${node.tag.toString(16)} has no child ${index}`);
  return found;
}

interface CmsParts {
  readonly certificates: Der;
  readonly signerInfos: Der;
  /** version, sid, digestAlgorithm, signedAttrs, signatureAlgorithm, signature[, unsignedAttrs] */
  readonly signerInfo: Der;
}

/** The CMS ContentInfo with `edit` applied to its SignedData, encoded again. */
function editCms(cms: Buffer, edit: (parts: CmsParts) => void): Buffer {
  const root = parseDer(cms);
  expect(encodeDer(root).equals(cms)).toBe(true);
  const fields = child(child(root, 1), 0).children!;
  const signerInfos = fields[fields.length - 1]!;
  const certificates = fields.find((field) => field.tag === 0xa0)!;
  edit({ certificates, signerInfos, signerInfo: child(signerInfos, 0) });
  return encodeDer(root);
}

const SIGNING_TIME_OID = Buffer.from('2a864886f70d010905', 'hex');

/** One digit of the signingTime attribute changed (it stays a valid time). */
function cmsChangeSigningTime(cms: Buffer): Buffer {
  return editCms(cms, ({ signerInfo }) => {
    const attributes = child(signerInfo, 3);
    expect(attributes.tag).toBe(0xa0);
    const attribute = attributes.children!.find((a) => child(a, 0).content.equals(SIGNING_TIME_OID))!;
    const time = child(child(attribute, 1), 0);
    time.content = Buffer.from(time.content);
    time.content[time.content.length - 2] = time.content[time.content.length - 2]! ^ 0x01;
  });
}

function cmsChangeSignatureValue(cms: Buffer): Buffer {
  return editCms(cms, ({ signerInfo }) => {
    const signature = child(signerInfo, 5);
    expect(signature.tag).toBe(0x04);
    signature.content = flipOneByte(signature.content);
  });
}

/** `other` in place of `signer` among the certificates, and named by the SignerInfo. */
function cmsSwapCertificate(cms: Buffer, signer: Buffer, other: Buffer): Buffer {
  return editCms(cms, ({ certificates, signerInfo }) => {
    const at = certificates.children!.findIndex((certificate) => encodeDer(certificate).equals(signer));
    expect(at).toBeGreaterThanOrEqual(0);
    const replacement = parseDer(other);
    certificates.children![at] = replacement;
    const tbs = child(replacement, 0);
    const first = child(tbs, 0).tag === 0xa0 ? 1 : 0; // [0] version
    child(signerInfo, 1).children = [child(tbs, first + 2), child(tbs, first)]; // issuer, serialNumber
  });
}

function cmsDuplicateSignerInfo(cms: Buffer): Buffer {
  return editCms(cms, ({ signerInfos, signerInfo }) => {
    signerInfos.children!.push(parseDer(encodeDer(signerInfo)));
  });
}

/** Inputs that are no CMS: text, XML, cut short, with a trailing byte. */
function notCms(cms: Buffer): Buffer[] {
  return [
    Buffer.from('not a signature', 'utf8'),
    Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<x/>', 'utf8'),
    cms.subarray(0, Math.floor(cms.length / 2)),
    Buffer.concat([cms, Buffer.from([0])]),
  ];
}

interface Workspace {
  readonly pki: EidTestPki;
  /** A fresh file name in the PKI's directory. */
  file(name: string): string;
}

/** How the suite checks one artifact format with an independent tool. */
interface FormatCheck {
  readonly tool: string;
  /** What the tool says when a digest no longer matches (not merely any error). */
  readonly mismatch: RegExp;
  /** What the tool says when the signer's chain does not lead to the trusted root. */
  readonly untrusted: RegExp;
  /** Runs the tool over the artifact (and, for detached formats, the content). */
  verify(ws: Workspace, artifact: Buffer, content: Buffer): Promise<ToolResult>;
  /** The artifact and content with one byte of the signed document changed. */
  tamper(artifact: Buffer, content: Buffer): { artifact: Buffer; content: Buffer };
  /** Asserts that the artifact carries or digests exactly this document. */
  expectBinds(ws: Workspace, artifact: Buffer, document: DocumentToSign): Promise<void>;
  /** DER of the certificate the artifact says signed. */
  signerOf(ws: Workspace, artifact: Buffer, content: Buffer): Promise<Buffer>;
  /** Why the method's `verify` refuses what `tamper` makes. */
  readonly tampered: NativeSignatureFailure;
  /** The artifact with one byte of signed content changed, elsewhere than the document or its digest. */
  changeSignedContent(artifact: Buffer): Buffer;
  /** The artifact with one byte of its signature value changed. */
  changeSignatureValue(artifact: Buffer): Buffer;
  /** The artifact naming the certificate `other` as its signer in place of `signer`. */
  swapCertificate(artifact: Buffer, signer: Buffer, other: Buffer): Buffer;
  /** The artifact with a second copy of its signed part, which carries `other` (signature wrapping). */
  duplicateSignedPart(artifact: Buffer, other: DocumentToSign): Buffer;
  /** Inputs that are not an artifact of this format. */
  malformed(artifact: Buffer): Buffer[];
  /** The artifact as another tool might write it, with nothing signed changed: it must still pass. */
  rewrite(artifact: Buffer): Buffer;
}

/**
 * xmlsec1 registers every `Id` attribute below ds:Signature as an XML ID, so #ToBeSigned,
 * #bidSignedData and #bidKeyInfo resolve without --id-attr. Within one X509Data it finds the leaf
 * whatever the order; with one X509Data per certificate (NemID) it takes the key from the first,
 * which is why the signer's comes first. It builds the chain up to the trusted root.
 */
async function xmlsec1(ws: Workspace, artifact: Buffer): Promise<ToolResult> {
  const file = ws.file('signature.xml');
  await writeFile(file, artifact);
  const pems = ['--trusted-pem', ws.pki.rootPemFile, '--untrusted-pem', ws.pki.issuingPemFile];
  return run('/usr/bin/xmlsec1', ['--verify', ...pems, file]);
}

async function opensslCmsVerify(ws: Workspace, cms: Buffer, content: Buffer, signerOut?: string): Promise<ToolResult> {
  const sigFile = ws.file('sig.der');
  const contentFile = ws.file('content.bin');
  await writeFile(sigFile, cms);
  await writeFile(contentFile, content);
  const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sigFile, '-content', contentFile];
  // OpenSSL 3.0's cms has no -untrusted; -certfile adds the issuing CA as an untrusted chain certificate.
  args.push('-CAfile', ws.pki.rootPemFile, '-certfile', ws.pki.issuingPemFile, '-purpose', 'any', '-out', ws.file('out.bin'));
  if (signerOut) args.push('-signer', signerOut);
  return run('/usr/bin/openssl', args);
}

/** Asserts with openssl's own CMS printer that the signed attributes hold a signing time. */
async function expectSigningTime(ws: Workspace, cms: Buffer): Promise<void> {
  const sigFile = ws.file('print.der');
  await writeFile(sigFile, cms);
  const printed = await run('/usr/bin/openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', sigFile]);
  expect(printed.code).toBe(0);
  expect(printed.stdout).toMatch(/object: signingTime/);
  expect(printed.stdout).toMatch(/eContent: <ABSENT>/);
}

async function signerFromOpenssl(ws: Workspace, cms: Buffer, content: Buffer): Promise<Buffer> {
  const signerFile = ws.file('signer.pem');
  const result = await opensslCmsVerify(ws, cms, content, signerFile);
  expect(result.code).toBe(0);
  const pem = await readFile(signerFile, 'utf8');
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

const SDO_CMS = '//sdo:CMSSignatureElement/sdo:CMSSignature';

/** The SEID-SDO with `edit` applied to the CMS in its CMSSignature. */
function editSdoCms(artifact: Buffer, edit: (cms: Buffer) => Buffer): Buffer {
  const base64 = textAt(artifact, SDO_CMS);
  return replaceOnce(artifact, base64, edit(Buffer.from(base64, 'base64')).toString('base64'));
}

function replaceFirstXmlCertificate(artifact: Buffer, signer: Buffer, other: Buffer): Buffer {
  const first = textAt(artifact, FIRST_XML_CERTIFICATE);
  expect(first).toBe(signer.toString('base64'));
  return replaceOnce(artifact, first, other.toString('base64'));
}
const SDO_DOCUMENT = '//sdo:SignedObject/sdo:SignersDocument';
const BID_NON_VISIBLE = '//bid:bankIdSignedData/bid:usrNonVisibleData';
const FIRST_XML_CERTIFICATE = '(//ds:X509Certificate)[1]';

const formats: Readonly<Record<NativeSignature['format'], FormatCheck>> = {
  'seid-sdo': {
    tool: 'openssl cms',
    mismatch: /CMS Verification failure[\s\S]*content verify error/,
    untrusted: /CMS Verification failure[\s\S]*certificate verify error/,
    // As relying parties do: the CMS from CMSSignature, verified over the bytes of SignersDocument.
    verify: (ws, artifact) =>
      opensslCmsVerify(ws, Buffer.from(textAt(artifact, SDO_CMS), 'base64'), Buffer.from(textAt(artifact, SDO_DOCUMENT), 'base64')),
    tamper: (artifact, content) => ({ artifact: replaceBase64(artifact, textAt(artifact, SDO_DOCUMENT)), content }),
    async expectBinds(ws, artifact, document) {
      expect(Buffer.from(textAt(artifact, SDO_DOCUMENT), 'base64').equals(document.bytes)).toBe(true);
      expect(textAt(artifact, '//sdo:HashedData/ds:DigestValue')).toBe(sha256(document.bytes).toString('base64'));
      expect(textAt(artifact, '//sdo:SignersDocumentFormat/sdo:MimeType')).toBe(document.mimeType);
      expect(textAt(artifact, '//sdo:SEIDSDOVersion')).toBe('1.0');
      await expectSigningTime(ws, Buffer.from(textAt(artifact, SDO_CMS), 'base64'));
    },
    signerOf: (ws, artifact) =>
      signerFromOpenssl(ws, Buffer.from(textAt(artifact, SDO_CMS), 'base64'), Buffer.from(textAt(artifact, SDO_DOCUMENT), 'base64')),
    // The SDO no longer carries the document it is verified against.
    tampered: 'document-mismatch',
    changeSignedContent: (artifact) => editSdoCms(artifact, cmsChangeSigningTime),
    changeSignatureValue: (artifact) => editSdoCms(artifact, cmsChangeSignatureValue),
    swapCertificate: (artifact, signer, other) => editSdoCms(artifact, (cms) => cmsSwapCertificate(cms, signer, other)),
    duplicateSignedPart: (artifact, other) =>
      replaceOnce(
        artifact,
        '</SDO>',
        `<SignedObject><SignersDocument>${other.bytes.toString('base64')}</SignersDocument></SignedObject></SDO>`,
      ),
    malformed: (artifact) => [
      ...notXml(artifact),
      editSdoCms(artifact, () => Buffer.from('not DER', 'utf8')),
      ...notCms(Buffer.from(textAt(artifact, SDO_CMS), 'base64')).map((cms) => editSdoCms(artifact, () => cms)),
    ],
    // Neither value is inside a signature: both may be wrapped in lines, CR LF or LF; and a UTF-8
    // byte order mark is no part of the XML.
    rewrite: (artifact) =>
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        wrapBase64(wrapBase64(artifact, textAt(artifact, SDO_DOCUMENT), '\r\n'), textAt(artifact, SDO_CMS), '\n'),
      ]),
  },
  'openoces-xmldsig': {
    tool: 'xmlsec1',
    mismatch: /data and digest do not match[\s\S]*FAIL/,
    untrusted: /certificate verification failed[\s\S]*FAIL/,
    verify: (ws, artifact) => xmlsec1(ws, artifact),
    tamper: (artifact, content) => ({ artifact: replaceBase64(artifact, nemidProperty(artifact, 'signtext')), content }),
    async expectBinds(_ws, artifact, document) {
      expect(Buffer.from(nemidProperty(artifact, 'signtext'), 'base64').equals(document.bytes)).toBe(true);
      expect(nemidProperty(artifact, 'signTextFormat')).toBe(document.mimeType === 'application/pdf' ? 'PDF' : 'text');
      expect(Buffer.from(nemidProperty(artifact, 'RequestIssuer'), 'base64').toString('utf8')).toBe(context.serviceDisplayName);
      expect(nemidProperty(artifact, 'action')).toBe('sign');
      expect(nemidProperty(artifact, 'challenge')).toMatch(/^\d+$/);
      expect(Buffer.from(nemidProperty(artifact, 'TimeStamp'), 'base64').toString('utf8')).toMatch(
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+0000$/,
      );
      // The one Reference points at the Object and has no Transforms, as NemID's own.
      expect(countAt(artifact, '//ds:Reference[@URI="#ToBeSigned"][not(ds:Transforms)]')).toBe(1);
    },
    signerOf: async (_ws, artifact) => Buffer.from(textAt(artifact, FIRST_XML_CERTIFICATE), 'base64'),
    // The sign text is signed content: its digest fails before it is compared with the document.
    tampered: 'signature-invalid',
    changeSignedContent: (artifact) => replaceBase64(artifact, nemidProperty(artifact, 'RequestIssuer')),
    changeSignatureValue: (artifact) => replaceBase64(artifact, textAt(artifact, '//ds:SignatureValue')),
    swapCertificate: replaceFirstXmlCertificate,
    // A second ToBeSigned inside the signature, with another sign text.
    duplicateSignedPart(artifact, other) {
      const object = elementText(artifact, '<ds:Object ', '</ds:Object>');
      const forged = object.replace(nemidProperty(artifact, 'signtext'), other.bytes.toString('base64'));
      return replaceOnce(artifact, '</ds:Signature>', `${forged}</ds:Signature>`);
    },
    malformed: notXml,
    // NemID's KeyInfo is not signed, nor is a SignatureValue ever; blanks before the root are no content.
    rewrite: (artifact) =>
      withProlog(
        wrapBase64(wrapBase64(artifact, textAt(artifact, '//ds:SignatureValue'), '\n'), textAt(artifact, FIRST_XML_CERTIFICATE), '\n'),
        `${' '.repeat(300)}\n`,
      ),
  },
  'bankid-se-xmldsig': {
    tool: 'xmlsec1',
    mismatch: /data and digest do not match[\s\S]*FAIL/,
    untrusted: /certificate verification failed[\s\S]*FAIL/,
    verify: (ws, artifact) => xmlsec1(ws, artifact),
    // The document is bound through its digest in usrNonVisibleData: change one byte of that.
    tamper: (artifact, content) => ({ artifact: replaceBase64(artifact, textAt(artifact, BID_NON_VISIBLE)), content }),
    async expectBinds(_ws, artifact, document) {
      expect(textAt(artifact, BID_NON_VISIBLE)).toBe(sha256(document.bytes).toString('base64'));
      const visible = Buffer.from(textAt(artifact, '//bid:usrVisibleData'), 'base64').toString('utf8');
      expect(visible).toContain(document.description);
      expect(textAt(artifact, '//bid:clientInfo/bid:funcId')).toBe('Signing');
      expect(Buffer.from(textAt(artifact, '//bid:srvInfo/bid:displayName'), 'base64').toString('utf8')).toBe(
        context.serviceDisplayName,
      );
      expect(countAt(artifact, '//ds:Reference[@URI="#bidSignedData"][@Type="http://www.bankid.com/signature/v1.0.0/types"]')).toBe(1);
      expect(countAt(artifact, '//ds:Reference[@URI="#bidKeyInfo"]')).toBe(1);
      expect(countAt(artifact, '/ds:Signature/ds:KeyInfo[@Id="bidKeyInfo"]/ds:X509Data/ds:X509Certificate')).toBe(3);
    },
    signerOf: async (_ws, artifact) => Buffer.from(textAt(artifact, FIRST_XML_CERTIFICATE), 'base64'),
    // The document's digest is signed content: its digest fails before it is compared.
    tampered: 'signature-invalid',
    changeSignedContent: (artifact) => replaceBase64(artifact, textAt(artifact, '//bid:usrVisibleData')),
    changeSignatureValue: (artifact) => replaceBase64(artifact, textAt(artifact, '//ds:SignatureValue')),
    swapCertificate: replaceFirstXmlCertificate,
    // A second bankIdSignedData with the same Id, in an Object of its own, over another document.
    duplicateSignedPart(artifact, other) {
      const signedData = elementText(artifact, '<bankIdSignedData ', '</bankIdSignedData>');
      const forged = signedData.replace(textAt(artifact, BID_NON_VISIBLE), sha256(other.bytes).toString('base64'));
      return replaceOnce(artifact, '</Signature>', `<Object>${forged}</Object></Signature>`);
    },
    malformed: notXml,
    // BankID signs its KeyInfo; only the SignatureValue may be rewritten.
    rewrite: (artifact) => wrapBase64(artifact, textAt(artifact, '//ds:SignatureValue'), '\n'),
  },
  cms: {
    tool: 'openssl cms',
    mismatch: /CMS Verification failure[\s\S]*content verify error/,
    untrusted: /CMS Verification failure[\s\S]*certificate verify error/,
    verify: (ws, artifact, content) => opensslCmsVerify(ws, artifact, content),
    tamper: (artifact, content) => ({ artifact, content: flipOneByte(content) }),
    async expectBinds(ws, artifact, document) {
      // Detached: the content is not inside, so only openssl's check over the document binds it.
      expect(artifact.includes(document.bytes)).toBe(false);
      expect((await opensslCmsVerify(ws, artifact, document.bytes)).code).toBe(0);
      await expectSigningTime(ws, artifact);
    },
    signerOf: (ws, artifact, content) => signerFromOpenssl(ws, artifact, content),
    tampered: 'document-mismatch',
    changeSignedContent: cmsChangeSigningTime,
    changeSignatureValue: cmsChangeSignatureValue,
    swapCertificate: cmsSwapCertificate,
    // A second SignerInfo: the methods make one, and the verifier must not choose.
    duplicateSignedPart: (artifact) => cmsDuplicateSignerInfo(artifact),
    malformed: notCms,
    // DER has one encoding.
    rewrite: (artifact) => artifact,
  },
};

/** What `verify` says of an artifact: 'accepted', or the reason it gives (any other error fails the test). */
function verdict(method: EidMethod, native: NativeSignature, document: DocumentToSign): 'accepted' | NativeSignatureFailure {
  try {
    method.verify(native, document);
    return 'accepted';
  } catch (error) {
    if (error instanceof NativeSignatureError) return error.reason;
    throw error;
  }
}

const methods = [...eidMethods.entries()];

/** A PKI none of the methods signs under: its root must not make any signature valid. */
let foreignPki: EidTestPki;

beforeAll(async () => {
  foreignPki = await makeEidTestPki('paraph');
});

afterAll(async () => {
  await foreignPki?.remove();
});

test('every method is registered under its own name, and an unknown name is refused', () => {
  expect(methods.map(([name]) => name).sort()).toEqual(Object.keys(cases).sort());
  for (const [name, method] of methods) {
    expect(method.name).toBe(name);
    expect(findEidMethod(name)).toBe(method);
  }
  expect(() => findEidMethod('bankid-xx')).toThrow(expect.objectContaining({ code: 'SIGNATURE_METHOD_UNKNOWN' }));
});

describe.each(methods)('eID method %s', (name: EidMethodName, method: EidMethod) => {
  const expected: MethodCase = cases[name];
  let pki: EidTestPki;
  let credential: Credential;
  /** Another person's credential from the same PKI. */
  let otherCredential: Credential;
  let fileCount = 0;
  let ws: Workspace;
  const signatures = new Map<string, NativeSignature>();

  beforeAll(async () => {
    pki = await makeEidTestPki(method.family);
    ws = { pki, file: (fileName) => join(pki.dir, `${++fileCount}-${fileName}`) };
    // One-time certificates live for minutes; a person's certificate for a year.
    const validityMinutes = method.certificates === 'one-time' ? 10 : undefined;
    credential = await pki.issueSigner(method.certificateSubject(expected.signer), validityMinutes);
    otherCredential = await pki.issueSigner(method.certificateSubject(expected.otherSigner), validityMinutes);
    for (const document of documents) {
      signatures.set(
        document.id,
        await method.sign({ document, signer: expected.signer, credential, time: new Date(), context }),
      );
    }
  });

  afterAll(async () => {
    await pki?.remove();
  });

  it('accepts the signer’s national id and refuses malformed ones without repeating them', () => {
    expect(() => method.checkNationalId(expected.signer.nationalId)).not.toThrow();
    for (const bad of [expected.malformedId, '', '12345', 'abcdefghijk', `${expected.signer.nationalId}0`]) {
      let caught: unknown;
      try {
        method.checkNationalId(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ParaphError);
      expect((caught as ParaphError).code).toBe('NATIONAL_ID_INVALID');
      if (bad.length > 0) expect((caught as ParaphError).message).not.toContain(bad);
    }
  });

  it('issues the signer certificate in the eID’s conventions', () => {
    const subject = subjectOf(credential.certificate);
    for (const [attribute, value] of Object.entries(expected.subject)) {
      if (typeof value === 'string') expect(subject.get(attribute)).toBe(value);
      else expect(subject.get(attribute)).toMatch(value);
    }
    expect([...subject.keys()].sort()).toEqual(Object.keys(expected.subject).sort());
    const printed = new X509Certificate(credential.certificate).subject;
    expect(printed.includes(expected.signer.nationalId)).toBe(expected.nationalIdInSubject);
    // Derived identifiers are stable: the same person gets the same subject every time.
    expect(method.certificateSubject(expected.signer)).toEqual(method.certificateSubject({ ...expected.signer }));
  });

  it('returns the certificate it signed with, which the artifact names as the signer', async () => {
    for (const document of documents) {
      const signature = signatures.get(document.id)!;
      expect(signature.signerCertificate.equals(credential.certificate)).toBe(true);
      const named = await formats[signature.format].signerOf(ws, signature.data, document.bytes);
      expect(named.equals(credential.certificate)).toBe(true);
    }
  });

  it('refuses as malformed what is not its artifact', () => {
    const document = documents[0]!;
    const signature = signatures.get(document.id)!;
    const inputs = formats[signature.format].malformed(signature.data);
    expect(inputs.map((data) => verdict(method, { ...signature, data }, document))).toEqual(inputs.map(() => 'malformed'));
    for (const format of Object.keys(formats) as NativeSignature['format'][]) {
      if (format !== signature.format) expect(verdict(method, { ...signature, format }, document)).toBe('malformed');
    }
  });

  describe.each(documents.map((d) => [d.mimeType, d] as const))('a %s document', (_mime, document: DocumentToSign) => {
    /** The other test document. */
    const otherDocument = (): DocumentToSign => documents.find((d) => d.id !== document.id)!;

    it('verifies with the independent tool', async () => {
      const signature = signatures.get(document.id)!;
      const format = formats[signature.format];
      const result = await format.verify(ws, signature.data, document.bytes);
      // On failure jest prints the tool and its output.
      expect({ tool: format.tool, ...result }).toMatchObject({ code: 0 });
    });

    it('fails the tool once one byte of the signed document changes', async () => {
      const signature = signatures.get(document.id)!;
      const format = formats[signature.format];
      const tampered = format.tamper(signature.data, document.bytes);
      expect(tampered.artifact.equals(signature.data) && tampered.content.equals(document.bytes)).toBe(false);
      const result = await format.verify(ws, tampered.artifact, tampered.content);
      expect(result.code).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toMatch(format.mismatch);
    });

    it('fails the tool under another PKI’s root', async () => {
      const signature = signatures.get(document.id)!;
      const format = formats[signature.format];
      const result = await format.verify({ pki: foreignPki, file: ws.file }, signature.data, document.bytes);
      expect(result.code).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toMatch(format.untrusted);
    });

    it('carries or digests exactly this document', async () => {
      const signature = signatures.get(document.id)!;
      await formats[signature.format].expectBinds(ws, signature.data, document);
    });

    it('passes its own core validation, also as another tool might write it', () => {
      const signature = signatures.get(document.id)!;
      expect(verdict(method, signature, document)).toBe('accepted');
      const rewritten = formats[signature.format].rewrite(signature.data);
      expect(verdict(method, { ...signature, data: rewritten }, document)).toBe('accepted');
    });

    it('fails core validation where the tool fails', () => {
      const signature = signatures.get(document.id)!;
      const format = formats[signature.format];
      const tampered = format.tamper(signature.data, document.bytes);
      expect(verdict(method, { ...signature, data: tampered.artifact }, { ...document, bytes: tampered.content })).toBe(
        format.tampered,
      );
    });

    it('fails core validation over a changed document byte, or another document', () => {
      const signature = signatures.get(document.id)!;
      expect(verdict(method, signature, { ...document, bytes: flipOneByte(document.bytes) })).toBe('document-mismatch');
      expect(verdict(method, signature, otherDocument())).toBe('document-mismatch');
    });

    it('fails core validation once a byte of the signed content or of the signature value changes', () => {
      const signature = signatures.get(document.id)!;
      const format = formats[signature.format];
      const changedContent = format.changeSignedContent(signature.data);
      const changedValue = format.changeSignatureValue(signature.data);
      expect(changedContent.equals(signature.data) || changedValue.equals(signature.data)).toBe(false);
      expect(verdict(method, { ...signature, data: changedContent }, document)).toBe('signature-invalid');
      expect(verdict(method, { ...signature, data: changedValue }, document)).toBe('signature-invalid');
    });

    it('fails core validation with another person’s certificate', async () => {
      const signature = signatures.get(document.id)!;
      const format = formats[signature.format];
      const other = otherCredential.certificate;
      const swapped = format.swapCertificate(signature.data, credential.certificate, other);
      // The artifact names the other person; the caller says the signer signed.
      expect(verdict(method, { ...signature, data: swapped }, document)).toBe('certificate-mismatch');
      // Both name the other person: the signature does not verify with their key.
      expect(verdict(method, { ...signature, data: swapped, signerCertificate: other }, document)).toBe('signature-invalid');
      // The artifact is intact, but the caller names another signer.
      expect(verdict(method, { ...signature, signerCertificate: other }, document)).toBe('certificate-mismatch');
      // The other person's own signature of this document is theirs, and does not pass for the signer's.
      const signer = expected.otherSigner;
      const theirs = await method.sign({ document, signer, credential: otherCredential, time: new Date(), context });
      expect(verdict(method, theirs, document)).toBe('accepted');
      expect(verdict(method, { ...theirs, signerCertificate: credential.certificate }, document)).toBe('certificate-mismatch');
    });

    it('refuses a second copy of its signed part as malformed, whichever document is asked for', () => {
      const signature = signatures.get(document.id)!;
      const wrapped = formats[signature.format].duplicateSignedPart(signature.data, otherDocument());
      expect(verdict(method, { ...signature, data: wrapped }, document)).toBe('malformed');
      expect(verdict(method, { ...signature, data: wrapped }, otherDocument())).toBe('malformed');
    });
  });
});

test('the test PDF is a valid PDF', async () => {
  const file = join(tmpdir(), `paraph-eid-${process.pid}.pdf`);
  await writeFile(file, documents[0]!.bytes);
  try {
    expect(await run('/usr/bin/qpdf', ['--check', file])).toMatchObject({ code: 0 });
  } finally {
    await rm(file, { force: true });
  }
});

describe('one-time codes', () => {
  it('match only the six digits that were sent, spaces aside', () => {
    expect(oneTimeCodeMatches('042917', '042917')).toBe(true);
    expect(oneTimeCodeMatches('042 917', '042917')).toBe(true);
    expect(oneTimeCodeMatches('042918', '042917')).toBe(false);
    expect(oneTimeCodeMatches('42917', '042917')).toBe(false);
    expect(oneTimeCodeMatches('0429170', '042917')).toBe(false);
    expect(oneTimeCodeMatches('', '042917')).toBe(false);
    expect(oneTimeCodeMatches('04291a', '042917')).toBe(false);
    expect(oneTimeCodeMatches('０４２９１７', '042917')).toBe(false);
  });

  it('refuse an expected code that is not six digits (a programming error, not a wrong guess)', () => {
    expect(() => oneTimeCodeMatches('12345', '12345')).toThrow();
  });

  it('by e-mail need the address that the code went to', () => {
    const method = findEidMethod('email-otp');
    const { email: _email, ...withoutEmail } = cases['email-otp'].signer;
    expect(() => method.certificateSubject(withoutEmail)).toThrow(expect.objectContaining({ code: 'FIELD_REQUIRED' }));
    expect(() => method.certificateSubject({ ...withoutEmail, email: 'mette@eksempel.dk\nCN=x' })).toThrow(
      expect.objectContaining({ code: 'FIELD_INVALID' }),
    );
  });
});
