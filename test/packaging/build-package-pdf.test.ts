import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AFRelationship, PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, StandardFonts } from 'pdf-lib';
import { buildPackagePdf, maskNationalId, type PackageInput, type PackageSigner } from '../../src/packaging/build-package-pdf';
import { createPades } from '../../src/packaging/create-pades';
import { defaultTemplate, loadTemplate } from '../../src/packaging/signature-page-template';
import type { Credential } from '../../src/signing/credential';
import { sha256 } from '../../src/signing/der';
import { LTV_SDO_MIME_TYPE } from '../../src/signing/ltv-sdo';
import { certIdOf, createOcspResponse, respondToOcspRequest } from '../../src/signing/ocsp';
import { DOC_TIMESTAMP_SUBFILTER, extractSignatures, PADES_SUBFILTER, signPdf, type PdfSignature } from '../../src/signing/pades';
import { createTimestampToken } from '../../src/signing/timestamp';
import { makeTestPki, openssl, type TestPki } from '../helpers/test-pki';
import { tool } from '../helpers/tool';

/**
 * The package document (the original as it is, signature page, attached LTV-SDOs) and the sealed
 * PAdES, checked with poppler (pdftotext, pdfsig), qpdf and openssl; and what sealing costs against a
 * bare pdf-lib load and save of the same 100-page document.
 */

const TSA_POLICY = '1.3.6.1.4.1.99999.1.1';
const ROOT = resolve(__dirname, '..', '..');
const T0 = new Date('2026-03-02T09:15:00Z');



async function pdftotext(file: string, first?: number, last?: number): Promise<string> {
  const range = first === undefined ? [] : ['-f', String(first), '-l', String(last ?? first)];
  const run = await tool('/usr/bin/pdftotext', [...range, '-enc', 'UTF-8', file, '-']);
  if (run.code !== 0) throw new Error(`pdftotext failed: ${run.stderr}`);
  return run.stdout;
}

async function pageCount(file: string): Promise<number> {
  const run = await tool('/usr/bin/qpdf', ['--show-npages', file]);
  if (run.code !== 0) throw new Error(run.stderr);
  return Number(run.stdout.trim());
}

let dir: string;
let counter = 0;

/** Writes `bytes` to a fresh file in the test directory. */
async function save(bytes: Buffer, name = 'out'): Promise<string> {
  const file = join(dir, `${name}-${++counter}.pdf`);
  await writeFile(file, bytes);
  return file;
}

/**
 * A PDF of `pages` pages, each with its number and some text, as a user's document would be; by
 * default saved as pdf-lib saves, with object streams and a cross-reference stream.
 */
async function makeOriginal(pages: number, linesPerPage = 4, options: { useObjectStreams?: boolean; edit?: (doc: PDFDocument) => Promise<void> } = {}): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  for (let page = 1; page <= pages; page++) {
    const drawn = doc.addPage([595.28, 841.89]);
    for (let line = 0; line < linesPerPage; line++) {
      drawn.drawText(`Original page ${page}, line ${line + 1}: Leietaker betaler husleie forskuddsvis.`, { x: 60, y: 780 - line * 14, size: 11, font });
    }
  }
  await options.edit?.(doc);
  return Buffer.from(await doc.save({ useObjectStreams: options.useObjectStreams ?? true }));
}

/** The number of revisions: one %%EOF each. */
function revisions(pdf: Buffer): number {
  return pdf.toString('latin1').split('%%EOF').length - 1;
}

const SIGNERS: PackageSigner[] = [
  { name: 'Kari Nordmann', nationalId: '01017012345', nationality: 'NO', method: 'nbid-sign', signedAt: T0 },
  { name: 'Søren Ærø Østergård', nationalId: '0101701234', nationality: 'DK', method: 'nemid-sign', signedAt: new Date(T0.getTime() + 3_600_000) },
];

/** An input with no attachments and a one-page original, to be overridden. */
function minimalInput(): PackageInput {
  return { original: { mimeType: 'text/plain', bytes: Buffer.from('x') }, signers: SIGNERS, attachments: [], template: defaultTemplate, time: T0 };
}

function ltvSdos(signers: readonly PackageSigner[]): PackageInput['attachments'] {
  return signers.map((signer, index) => ({
    fileName: `ltv-sdo-${index + 1}.xml`,
    bytes: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<LtvSdo><SignerName>${signer.name}</SignerName></LtvSdo>\n`),
    mimeType: LTV_SDO_MIME_TYPE,
    description: `Signatur: ${signer.name}`,
  }));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paraph-package-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('buildPackagePdf', () => {
  it('keeps a PDF original byte for byte as the first revision and appends the signature page as an update', async () => {
    const original = await makeOriginal(3);
    const built = await buildPackagePdf({
      original: { mimeType: 'application/pdf', bytes: original, description: 'Leieavtale Storgata 1' },
      signers: SIGNERS,
      attachments: ltvSdos(SIGNERS),
      template: defaultTemplate,
      language: 'nb',
      time: T0,
    });
    const file = await save(built, 'package');
    const originalFile = await save(original, 'original');
    expect(built.subarray(0, original.length).equals(original)).toBe(true);
    expect(revisions(built)).toBe(revisions(original) + 1);
    expect(await pageCount(file)).toBe(4);
    expect(await pdftotext(file, 1, 3)).toBe(await pdftotext(originalFile));
    const check = await tool('/usr/bin/qpdf', ['--check', file]);
    expect(check.code).toBe(0);
    // The original has object streams and a cross-reference stream; the update has its objects as they are.
    expect(original.toString('latin1')).toContain('/ObjStm');
    expect(built.toString('latin1', original.length)).not.toContain('/ObjStm');
  });

  it('builds on a classic cross-reference table, and on a qpdf rewrite with a PNG predictor on its cross-reference stream', async () => {
    const classic = await makeOriginal(2, 4, { useObjectStreams: false });
    const qpdfOut = join(dir, 'qpdf-rewrite.pdf');
    const rewritten = await tool('/usr/bin/qpdf', ['--object-streams=generate', await save(classic, 'classic'), qpdfOut]);
    expect(rewritten.code).toBe(0);
    const byQpdf = await readFile(qpdfOut);
    expect(byQpdf.toString('latin1')).toMatch(/\/Predictor 12/);
    for (const original of [classic, byQpdf]) {
      const built = await buildPackagePdf({ ...minimalInput(), original: { mimeType: 'application/pdf', bytes: original } });
      expect(built.subarray(0, original.length).equals(original)).toBe(true);
      const file = await save(built);
      expect((await tool('/usr/bin/qpdf', ['--check', file])).code).toBe(0);
      expect(await pageCount(file)).toBe(3);
      expect(await pdftotext(file, 3)).toContain('Kari Nordmann');
    }
  });

  it("keeps the original's attachments, /AF, Info and first /ID, and does not pass its page tree's /Rotate on to the signature page", async () => {
    const id = 'A1B2C3D4E5F60718293A4B5C6D7E8F90';
    const original = await makeOriginal(2, 4, {
      edit: async (doc) => {
        await doc.attach(Buffer.from('<Faktura/>'), 'ltv-sdo-1.xml', { mimeType: 'application/xml', description: 'Faktura' });
        doc.setAuthor('Kari Nordmann');
        doc.catalog.Pages().set(PDFName.of('Rotate'), PDFNumber.of(90));
        doc.context.trailerInfo.ID = doc.context.obj([PDFHexString.of(id), PDFHexString.of(id)]);
      },
    });
    const built = await buildPackagePdf({ ...minimalInput(), original: { mimeType: 'application/pdf', bytes: original }, attachments: ltvSdos(SIGNERS) });
    const file = await save(built);
    expect((await tool('/usr/bin/qpdf', ['--check', file])).code).toBe(0);
    const listed = await tool('/usr/bin/qpdf', ['--list-attachments', '--verbose', file]);
    // Theirs keeps its name; ours that would take it gets a number.
    for (const name of ['ltv-sdo-1.xml', 'ltv-sdo-1 (2).xml', 'ltv-sdo-2.xml']) expect(listed.stdout).toContain(`${name} ->`);
    expect(listed.stdout).toContain('description: Faktura');
    expect(Buffer.from((await tool('/usr/bin/qpdf', ['--show-attachment=ltv-sdo-1.xml', file])).stdout)).toEqual(Buffer.from('<Faktura/>'));

    const doc = await PDFDocument.load(built, { updateMetadata: false });
    expect(doc.catalog.lookup(PDFName.of('AF'), PDFArray).size()).toBe(3);
    expect(doc.getAuthor()).toBe('Kari Nordmann');
    expect(doc.getProducer()).toBe('Paraph');
    const ids = doc.context.lookup(doc.context.trailerInfo.ID, PDFArray);
    expect(ids.lookup(0, PDFHexString).asString()).toBe(id);
    expect(ids.lookup(1, PDFHexString).asString()).not.toBe(id);
    expect(doc.getPages().map((page) => page.getRotation().angle)).toEqual([90, 90, 0]);
  });

  it('refuses an encrypted original, saying why, and repairs one whose cross-reference offsets are wrong', async () => {
    const plain = await makeOriginal(1, 4, { useObjectStreams: false });
    const encryptedFile = join(dir, 'encrypted.pdf');
    expect((await tool('/usr/bin/qpdf', ['--encrypt', '', 'owner', '256', '--', await save(plain, 'plain'), encryptedFile])).code).toBe(0);
    await expect(buildPackagePdf({ ...minimalInput(), original: { mimeType: 'application/pdf', bytes: await readFile(encryptedFile) } })).rejects.toThrow(
      'the original cannot be packaged: the PDF is encrypted',
    );
    // A comment after the header moves everything 10 bytes away from where startxref and the table say.
    // Readers repair such files; so does packaging (on a rewritten copy, since an update needs a sound
    // table), and the package is sound.
    const header = plain.indexOf('\n', plain.indexOf('\n') + 1) + 1;
    const shifted = Buffer.concat([plain.subarray(0, header), Buffer.from('%shifted!\n'), plain.subarray(header)]);
    const text = shifted.toString('latin1');
    const at = text.lastIndexOf('startxref');
    const mended = Buffer.from(text.slice(0, at) + text.slice(at).replace(/\d+/, (offset) => String(Number(offset) + 10)), 'latin1');
    for (const [name, damaged] of [['shifted', shifted], ['mended', mended]] as const) {
      const built = await buildPackagePdf({ ...minimalInput(), original: { mimeType: 'application/pdf', bytes: damaged } });
      const file = await save(built, `repaired-${name}`);
      expect((await tool('/usr/bin/qpdf', ['--check', file])).code).toBe(0);
      expect((await PDFDocument.load(built)).getPageCount()).toBeGreaterThanOrEqual(2);
    }
  });

  it('draws the signature page from the template: names with Nordic letters, methods, Oslo time, masked ids, the digest', async () => {
    const original = await makeOriginal(1);
    const file = await save(
      await buildPackagePdf({
        original: { mimeType: 'application/pdf', bytes: original, description: 'Leieavtale Storgata 1, Tromsø' },
        signers: SIGNERS,
        attachments: ltvSdos(SIGNERS),
        template: defaultTemplate,
        language: 'nb',
        time: T0,
      }),
    );
    const page = await pdftotext(file, 2);
    expect(page).toContain('Signaturer');
    expect(page).toContain('Kari Nordmann');
    expect(page).toContain('Søren Ærø Østergård');
    expect(page).toContain('Leieavtale Storgata 1, Tromsø');
    expect(page).toContain('BankID');
    expect(page).toContain('NemID');
    // 09:15 UTC is 10:15 in Oslo in March.
    expect(page).toContain('2. mars 2026 kl. 10:15:00 CET');
    expect(page).toContain('010170*****');
    expect(page).not.toContain('01017012345');
    const digest = sha256(original).toString('hex');
    expect(page.replace(/\s+/g, '')).toContain(digest);
    expect(page).toContain('Side 1 av 1');
  });

  it('follows the language and the template: English, full ids, nationality, no digest', async () => {
    const template = loadTemplate({
      fields: ['name', 'nationality', 'nationalId', 'method', 'signingTime'],
      nationalId: 'full',
      showDocumentDigest: false,
      timeZone: 'UTC',
      strings: { en: { title: 'Signature page of {document}' } },
    });
    const original = await makeOriginal(1);
    const file = await save(
      await buildPackagePdf({
        original: { mimeType: 'application/pdf', bytes: original, description: 'Lease' },
        signers: SIGNERS,
        attachments: [],
        template,
        language: 'en-GB',
        time: T0,
      }),
    );
    const page = await pdftotext(file, 2);
    expect(page).toContain('Signature page of Lease');
    expect(page).toContain('01017012345');
    expect(page).toContain('Norway');
    expect(page).toContain('Denmark');
    expect(page).toContain('BankID (Norway)');
    expect(page).toContain('2 March 2026 at 09:15:00 UTC');
    expect(page).not.toContain(sha256(original).toString('hex').slice(0, 32));
  });

  it('hides national ids when asked, and falls back to the default language', async () => {
    const file = await save(
      await buildPackagePdf({
        original: { mimeType: 'application/pdf', bytes: await makeOriginal(1) },
        signers: SIGNERS,
        attachments: [],
        template: loadTemplate({ nationalId: 'hidden' }),
        language: 'fi',
        time: T0,
      }),
    );
    const page = await pdftotext(file, 2);
    expect(page).toContain('Signaturer');
    expect(page).not.toContain('010170');
    expect(page).not.toContain('Fødselsnummer');
  });

  it('gives each signer a row and continues on more pages when they do not fit', async () => {
    const many = Array.from({ length: 30 }, (_, index) => ({ ...SIGNERS[index % 2]!, name: `Signatar ${index + 1} ${SIGNERS[index % 2]!.name}` }));
    const file = await save(
      await buildPackagePdf({
        original: { mimeType: 'application/pdf', bytes: await makeOriginal(2) },
        signers: many,
        attachments: ltvSdos(many),
        template: defaultTemplate,
        language: 'sv',
        time: T0,
      }),
    );
    const pages = await pageCount(file);
    expect(pages).toBeGreaterThan(3);
    const text = await pdftotext(file, 3, pages);
    for (const signer of many) expect(text).toContain(signer.name);
    expect(text).toContain('Underskrifter (fortsättning)');
    expect(text).toContain(`Sida ${pages - 2} av ${pages - 2}`);
    const attachments = await tool('/usr/bin/qpdf', ['--list-attachments', file]);
    expect(attachments.stdout.trim().split('\n')).toHaveLength(30);
  });

  it('typesets a text original on A4 pages: wrapped lines, page breaks, Nordic letters, other characters replaced', async () => {
    const lines = [
      'Leieavtale for Storgata 1, 9008 Tromsø',
      'Partene: Kari Nordmann og Søren Ærø Østergård; Åse Ødegård; Märta Öberg',
      'Tegn utenfor WinAnsi: ő ł 漢字 😀 og\ttabulator',
      `${'Lang linje som må brytes. '.repeat(12)}`,
      'x'.repeat(200),
      ...Array.from({ length: 130 }, (_, index) => `Punkt ${index + 1}.`),
      '\fSide etter sideskift',
    ];
    const text = Buffer.from(`\ufeff${lines.join('\r\n')}`, 'utf8');
    const file = await save(
      await buildPackagePdf({
        original: { mimeType: 'text/plain', bytes: text, description: 'Leieavtale.txt' },
        signers: SIGNERS.slice(0, 1),
        attachments: [],
        template: defaultTemplate,
        time: T0,
      }),
    );
    // 58 lines fit on a page: 3 lines, the long ones wrapped into 4 and 3, and 130 more need 3 pages;
    // the form feed starts a 4th.
    expect(await pageCount(file)).toBe(5);
    expect((await tool('/usr/bin/qpdf', ['--check', file])).code).toBe(0);
    const rendered = await pdftotext(file, 1, 4);
    expect(rendered).toContain('Leieavtale for Storgata 1, 9008 Tromsø');
    expect(rendered).toContain('Søren Ærø Østergård; Åse Ødegård; Märta Öberg');
    expect(rendered).toContain('Tegn utenfor WinAnsi: o ? ?? ? og');
    expect(rendered).toContain('Punkt 130.');
    expect(await pdftotext(file, 4)).toContain('Side etter sideskift');
    expect(await pdftotext(file, 5)).toContain('Kari Nordmann');
  });

  it('reads a text original that is not UTF-8 as Windows-1252', async () => {
    const file = await save(
      await buildPackagePdf({
        original: { mimeType: 'text/plain', bytes: Buffer.from('Blåbærsyltetøy – “sitat”', 'latin1') },
        signers: SIGNERS.slice(0, 1),
        attachments: [],
        template: defaultTemplate,
        time: T0,
      }),
    );
    expect(await pdftotext(file, 1)).toContain('Blåbærsyltetøy');
  });

  it('embeds the attachments as associated source files with their names, MIME types and descriptions', async () => {
    const attachments = [
      ...ltvSdos(SIGNERS),
      { fileName: 'ltv-sdo-1.xml', bytes: Buffer.from('<LtvSdo/>'), mimeType: LTV_SDO_MIME_TYPE },
      { fileName: 'Ærlig avtale.xml', bytes: Buffer.from('<x/>'), mimeType: 'application/xml', description: 'Æ' },
    ];
    const built = await buildPackagePdf({
      original: { mimeType: 'application/pdf', bytes: await makeOriginal(1) },
      signers: SIGNERS,
      attachments,
      template: defaultTemplate,
      time: T0,
    });
    const file = await save(built);
    const listed = await tool('/usr/bin/qpdf', ['--list-attachments', '--verbose', file]);
    expect(listed.code).toBe(0);
    for (const name of ['ltv-sdo-1.xml', 'ltv-sdo-2.xml', 'ltv-sdo-1 (2).xml', 'Ærlig avtale.xml']) expect(listed.stdout).toContain(`${name} ->`);
    expect(listed.stdout).toContain(`mime type: ${LTV_SDO_MIME_TYPE}`);
    expect(listed.stdout).toContain('mime type: application/xml');
    expect(listed.stdout).toContain('description: Signatur: Søren Ærø Østergård');
    expect(listed.stdout).toContain('/F -> AErlig avtale.xml');
    const shown = await tool('/usr/bin/qpdf', ['--show-attachment=ltv-sdo-2.xml', file]);
    expect(Buffer.from(shown.stdout)).toEqual(attachments[1]!.bytes);

    const doc = await PDFDocument.load(built);
    const associated = doc.catalog.lookup(PDFName.of('AF'), PDFArray);
    expect(associated.size()).toBe(4);
    for (let index = 0; index < associated.size(); index++) {
      expect(associated.lookup(index, PDFDict).get(PDFName.of('AFRelationship'))).toBe(PDFName.of(AFRelationship.Source));
    }
  });

  it('refuses what it cannot package', async () => {
    const input = { signers: SIGNERS, attachments: [], template: defaultTemplate, time: T0 };
    await expect(buildPackagePdf({ ...input, original: { mimeType: 'application/pdf', bytes: Buffer.from('not a pdf') } })).rejects.toThrow(
      'the original cannot be packaged: the PDF cannot be read: it has no %PDF- header',
    );
    await expect(buildPackagePdf({ ...input, signers: [], original: { mimeType: 'text/plain', bytes: Buffer.from('x') } })).rejects.toThrow(
      /at least one signer/,
    );
  });
});

describe('loadTemplate', () => {
  it('merges a partial template over the default one', () => {
    const template = loadTemplate({ pageSize: 'Letter', strings: { nb: { title: 'Signert' }, fi: fullFinnish() }, defaultLanguage: 'fi' });
    expect(template.pageSize).toBe('Letter');
    expect(template.strings.nb!.title).toBe('Signert');
    expect(template.strings.nb!.labels.nationalId).toBe('Fødselsnummer');
    expect(template.strings.fi!.title).toBe('Allekirjoitukset');
    expect(template.fields).toEqual(defaultTemplate.fields);
    expect(Object.isFrozen(template)).toBe(true);
  });

  it.each([
    [null, /template: expected an object/],
    [{ colour: 'red' }, /unknown field "colour"/],
    [{ nationalId: 'partly' }, /template\.nationalId: expected one of "full", "masked", "hidden"/],
    [{ fields: ['name', 'name'] }, /listed twice/],
    [{ fields: ['name', 'email'] }, /template\.fields\[1\]/],
    [{ timeZone: 'Europe/Atlantis' }, /unknown time zone/],
    [{ pageSize: [10, 10] }, /template\.pageSize\[0\]: 10 is outside/],
    [{ margin: '2cm' }, /template\.margin: expected a number/],
    [{ maskedVisible: 2.5 }, /whole number/],
    [{ strings: { fi: { title: 'Allekirjoitukset' } } }, /template\.strings\.fi\.locale: required/],
    [{ strings: { nb: { labels: { shoeSize: 'x' } } } }, /template\.strings\.nb\.labels: unknown field "shoeSize"/],
    [{ strings: { NB: {} } }, /lowercase ISO 639/],
    [{ defaultLanguage: 'fi' }, /no texts for "fi"/],
  ])('refuses %j', (json, message) => {
    expect(() => loadTemplate(json)).toThrow(message);
  });

  it('masks national ids but keeps separators', () => {
    expect(maskNationalId('010170-12345', 6)).toBe('010170-*****');
    expect(maskNationalId('197001011234', 8)).toBe('19700101****');
  });
});

function fullFinnish(): Record<string, unknown> {
  return {
    locale: 'fi-FI',
    title: 'Allekirjoitukset',
    intro: 'Asiakirjan on allekirjoittanut sähköisesti {signers} henkilöä.',
    continued: '(jatkuu)',
    labels: { name: 'Nimi', method: 'Menetelmä', signingTime: 'Aika', nationalId: 'Henkilötunnus', nationality: 'Maa' },
    documentDigest: 'Tarkistussumma (SHA-256)',
    document: 'Asiakirja',
    footer: 'Sinetöity {time}.',
    pageLabel: 'Sivu {page}/{pages}',
  };
}

describe('createPades', () => {
  let pki: TestPki;
  let server: Server;
  let nssDir: string;
  let serial = 0;
  let input: Parameters<typeof createPades>[0];
  let original: Buffer;
  let sealed: Buffer;
  let file: string;

  const timestamp = (imprint: Buffer): Promise<Buffer> =>
    createTimestampToken(imprint, { credential: pki.tsa, policyOid: TSA_POLICY }, { time: new Date(), serial: Buffer.from([0x20, ++serial]) });

  beforeAll(async () => {
    // pdfsig asks the OCSP address in the seal certificate's AIA: this test answers it.
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body =
          request.method === 'GET' ? Buffer.from(decodeURIComponent((request.url ?? '').replace(/^\/ocsp\/?/, '')), 'base64') : Buffer.concat(chunks);
        respondToOcspRequest(
          body,
          (id) => {
            const expected = certIdOf(pki.signer.certificate, pki.issuing.certificate, id.hashAlgorithm);
            return id.issuerKeyHash.equals(expected.issuerKeyHash) ? { responder: { credential: pki.ocsp }, status: { status: 'good' } } : undefined;
          },
          { time: new Date() },
        ).then(
          (answer) => response.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(answer),
          () => response.writeHead(500).end(),
        );
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    const port = (server.address() as AddressInfo).port;
    pki = await makeTestPki(dir, { ocspUrl: `http://127.0.0.1:${port}/ocsp` });
    nssDir = join(dir, 'nss');
    await mkdir(nssDir);
    expect((await tool('/usr/bin/certutil', ['-N', '-d', `sql:${nssDir}`, '--empty-password'])).code).toBe(0);
    expect((await tool('/usr/bin/certutil', ['-A', '-d', `sql:${nssDir}`, '-n', 'root', '-t', 'CT,C,C', '-i', pki.files.root])).code).toBe(0);

    const seal: Credential = pki.signer;
    const now = new Date();
    original = await makeOriginal(100, 40);
    input = {
      original: { mimeType: 'application/pdf', bytes: original, description: 'Leieavtale Storgata 1, Tromsø' },
      signers: SIGNERS,
      attachments: ltvSdos(SIGNERS),
      template: defaultTemplate,
      language: 'nb',
      time: now,
      seal,
      timestamp,
      reason: 'Forseglet av Demo Service AS',
      validation: {
        certificates: [seal.certificate, pki.issuing.certificate, pki.root.certificate, pki.tsa.certificate],
        ocspResponses: [
          await createOcspResponse(seal.certificate, pki.issuing.certificate, { status: 'good' }, { credential: pki.ocsp }, { time: now }),
          await createOcspResponse(pki.tsa.certificate, pki.issuing.certificate, { status: 'good' }, { credential: pki.ocsp }, { time: now }),
        ],
      },
    };
    sealed = await createPades(input);
    file = await save(sealed, 'sealed');
  });

  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
  });

  async function signedParts(signature: PdfSignature, name: string): Promise<{ data: string; der: string }> {
    const [start, length, second, secondLength] = signature.byteRange;
    const data = join(dir, `${name}.bin`);
    const der = join(dir, `${name}.der`);
    await writeFile(data, Buffer.concat([sealed.subarray(start, start + length), sealed.subarray(second, second + secondLength)]));
    await writeFile(der, signature.contents);
    return { data, der };
  }

  /** pdfsig's report, one block per signature. */
  async function pdfsig(path: string): Promise<string[]> {
    const run = await tool('/usr/bin/pdfsig', ['-nssdir', `sql:${nssDir}`, path]);
    return run.stdout.split(/^Signature #\d+:$/m).slice(1);
  }

  it('has the original byte for byte, then the signature page and the LTV-SDOs, then the seal, DSS and document timestamp', async () => {
    expect(sealed.subarray(0, original.length).equals(original)).toBe(true);
    expect(revisions(sealed)).toBe(revisions(original) + 4);
    expect(await pageCount(file)).toBe(101);
    expect(await pdftotext(file, 100)).toContain('Original page 100, line 1');
    expect(await pdftotext(file, 101)).toContain('Søren Ærø Østergård');
    const listed = await tool('/usr/bin/qpdf', ['--list-attachments', '--verbose', file]);
    expect(listed.stdout).toContain('ltv-sdo-1.xml ->');
    expect(listed.stdout).toContain('ltv-sdo-2.xml ->');
    expect(listed.stdout).toContain(`mime type: ${LTV_SDO_MIME_TYPE}`);
  });

  it('pdfsig: the seal is valid and trusted; the document timestamp covers the whole file', async () => {
    const run = await tool('/usr/bin/pdfsig', ['-nssdir', `sql:${nssDir}`, file]);
    const reports = run.stdout.split(/^Signature #\d+:$/m).slice(1);
    expect(reports).toHaveLength(2);
    expect(reports[0]).toContain('Signature Field Name: Seal');
    expect(reports[0]).toContain('Signature Type: ETSI.CAdES.detached');
    expect(reports[0]).toContain('Signature Validation: Signature is Valid.');
    expect(reports[0]).toContain('Certificate Validation: Certificate is Trusted.');
    expect(reports[1]).toContain('Signature Type: unknown');
    expect(reports[1]).toContain('Total document signed');
  });

  it('openssl: the CMS verifies over its ByteRange, without signingTime; both timestamps verify', async () => {
    const signatures = extractSignatures(sealed);
    expect(signatures.map((signature) => signature.subFilter)).toEqual([PADES_SUBFILTER, DOC_TIMESTAMP_SUBFILTER]);
    const seal = await signedParts(signatures[0]!, 'seal');
    const cms = await openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', seal.der, '-content', seal.data, '-CAfile', pki.files.root, '-certfile', pki.files.issuing, '-purpose', 'any', '-out', '/dev/null']);
    expect(cms.stderr).toContain('CMS Verification successful');
    const printed = await openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', seal.der]);
    expect(printed.stdout).not.toContain('signingTime');
    expect(printed.stdout).toContain('id-smime-aa-timeStampToken');
    const documentTimestamp = await signedParts(signatures[1]!, 'doc-ts');
    const ts = await openssl(['ts', '-verify', '-token_in', '-in', documentTimestamp.der, '-data', documentTimestamp.data, '-CAfile', pki.files.root, '-untrusted', pki.files.chain]);
    expect(ts.stdout).toContain('Verification: OK');
  });

  it('keeps a signature the original already has: pdfsig finds it valid next to the seal, and /VRI indexes both', async () => {
    const signedOriginal = await signPdf(await makeOriginal(2), { seal: pki.signer, time: new Date(), timestamp, fieldName: 'Utleier' });
    const pkg = await createPades({ ...input, original: { mimeType: 'application/pdf', bytes: signedOriginal } });
    expect(pkg.subarray(0, signedOriginal.length).equals(signedOriginal)).toBe(true);
    const path = await save(pkg, 'signed-original');
    const reports = await pdfsig(path);
    expect(reports).toHaveLength(3);
    expect(reports[0]).toContain('Signature Field Name: Utleier');
    expect(reports[0]).toContain('Signature Validation: Signature is Valid.');
    expect(reports[0]).toContain('Not total document signed');
    expect(reports[1]).toContain('Signature Field Name: Seal');
    expect(reports[1]).toContain('Signature Validation: Signature is Valid.');
    // pdfsig 22.12 reports "Unknown issue with Certificate" for the second of two CAdES signatures
    // when a document timestamp follows (two signPdf and an addDocumentTimestamp give the same), so
    // both CMS are checked over their ByteRange with openssl as well.
    expect(reports[2]).toContain('Total document signed');
    const cades = extractSignatures(pkg).filter((signature) => signature.subFilter === PADES_SUBFILTER);
    expect(cades).toHaveLength(2);
    for (const [index, signature] of cades.entries()) {
      const [start, length, second, secondLength] = signature.byteRange;
      const data = join(dir, `signed-original-${index}.bin`);
      const der = join(dir, `signed-original-${index}.der`);
      await writeFile(data, Buffer.concat([pkg.subarray(start, start + length), pkg.subarray(second, second + secondLength)]));
      await writeFile(der, signature.contents);
      const cms = await openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', der, '-content', data, '-CAfile', pki.files.root, '-certfile', pki.files.issuing, '-purpose', 'any', '-out', '/dev/null']);
      expect(cms.stderr).toContain('CMS Verification successful');
    }
    expect((await tool('/usr/bin/qpdf', ['--check', path])).code).toBe(0);
    const doc = await PDFDocument.load(pkg, { updateMetadata: false });
    const vri = doc.catalog.lookup(PDFName.of('DSS'), PDFDict).lookup(PDFName.of('VRI'), PDFDict);
    expect(vri.keys()).toHaveLength(2);
  });

  it('packages a text original: the typeset document with the package as one revision, then the three updates', async () => {
    const text = Buffer.from('Leieavtale for Storgata 1, 9008 Tromsø\nPartene: Kari Nordmann og Søren Ærø Østergård\n', 'utf8');
    const pkg = await createPades({ ...input, original: { mimeType: 'text/plain', bytes: text, description: 'Leieavtale.txt' } });
    expect(revisions(pkg)).toBe(4);
    const path = await save(pkg, 'text');
    expect(await pageCount(path)).toBe(2);
    expect(await pdftotext(path, 1)).toContain('Søren Ærø Østergård');
    const reports = await pdfsig(path);
    expect(reports).toHaveLength(2);
    expect(reports[0]).toContain('Signature Validation: Signature is Valid.');
    expect(reports[0]).toContain('Certificate Validation: Certificate is Trusted.');
    expect(reports[1]).toContain('Total document signed');
    expect((await tool('/usr/bin/qpdf', ['--check', path])).code).toBe(0);
    expect((await tool('/usr/bin/qpdf', ['--list-attachments', path])).stdout).toContain('ltv-sdo-2.xml ->');
    const [, documentTimestamp] = extractSignatures(pkg);
    const [start, length, second, secondLength] = documentTimestamp!.byteRange;
    const data = join(dir, 'text-doc-ts.bin');
    const der = join(dir, 'text-doc-ts.der');
    await writeFile(data, Buffer.concat([pkg.subarray(start, start + length), pkg.subarray(second, second + secondLength)]));
    await writeFile(der, documentTimestamp!.contents);
    const ts = await openssl(['ts', '-verify', '-token_in', '-in', der, '-data', data, '-CAfile', pki.files.root, '-untrusted', pki.files.chain]);
    expect(ts.stdout).toContain('Verification: OK');
  });

  it('qpdf --check accepts it; /DSS holds the OCSP responses', async () => {
    const checked = await tool('/usr/bin/qpdf', ['--check', file]);
    expect(checked.code).toBe(0);
    const doc = await PDFDocument.load(sealed, { updateMetadata: false });
    const dss = doc.catalog.lookup(PDFName.of('DSS'), PDFDict);
    expect(dss.lookup(PDFName.of('OCSPs'), PDFArray).size()).toBe(2);
    expect(dss.lookup(PDFName.of('Certs'), PDFArray).size()).toBe(4);
  });

  it('costs at most 1.5 times a bare pdf-lib load and save of the same 100-page PDF in time, and 3 times in peak memory', async () => {
    const bare = async (): Promise<void> => {
      await (await PDFDocument.load(original)).save();
    };
    const seal = async (): Promise<void> => {
      await createPades(input);
    };
    const elapsed = async (run: () => Promise<void>): Promise<number> => {
      const started = process.hrtime.bigint();
      await run();
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    for (let i = 0; i < 3; i++) {
      await bare();
      await seal();
    }
    const bareTimes: number[] = [];
    const sealTimes: number[] = [];
    for (let i = 0; i < 7; i++) {
      bareTimes.push(await elapsed(bare));
      sealTimes.push(await elapsed(seal));
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const timeRatio = median(sealTimes) / median(bareTimes);

    const memory = await peakMemory(original, pki, dir);
    const memoryRatio = memory.seal / memory.bare;
    console.log(
      `100-page PDF (${original.length} bytes), 2 signers: createPades ${median(sealTimes).toFixed(1)} ms, ` +
        `pdf-lib load+save ${median(bareTimes).toFixed(1)} ms (x${timeRatio.toFixed(2)}); ` +
        `peak RSS growth ${memory.seal.toFixed(1)} MiB against ${memory.bare.toFixed(1)} MiB (x${memoryRatio.toFixed(2)})`,
    );
    // About half: the original is read only where the updates touch it, and nothing written is read again.
    expect(timeRatio).toBeLessThanOrEqual(1.5);
    expect(memoryRatio).toBeLessThanOrEqual(3);
  }, 180_000);
});

/**
 * Peak RSS growth of one call, each in a fresh Node process after a warm-up call on a one-page PDF
 * (so that code, fonts and locale data are loaded), with glibc's mmap threshold fixed so that freed
 * buffers go back to the system. The lower of two runs per side. The child runs the TypeScript
 * sources through the compiler's transpileModule, as ts-jest does.
 */
async function peakMemory(original: Buffer, pki: TestPki, dir: string): Promise<{ bare: number; seal: number }> {
  const script = join(dir, 'peak-memory.js');
  await writeFile(join(dir, 'original-100.pdf'), original);
  const onePage = await PDFDocument.create();
  onePage.addPage();
  await writeFile(join(dir, 'one-page.pdf'), await onePage.save());
  await writeFile(join(dir, 'random.bin'), randomBytes(4096));
  await writeFile(script, PEAK_MEMORY_CHILD);
  const measure = async (mode: 'bare' | 'seal'): Promise<number> => {
    const run = await tool(process.execPath, ['--expose-gc', script, ROOT, dir, mode, pki.files.signer, pki.keyFiles.signer, pki.files.tsa, pki.keyFiles.tsa, pki.files.issuing, pki.files.root], {
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '65536' },
    });
    if (run.code !== 0) throw new Error(`the memory probe failed: ${run.stderr}`);
    return (JSON.parse(run.stdout) as { growthMiB: number }).growthMiB;
  };
  const bare = Math.min(await measure('bare'), await measure('bare'));
  const seal = Math.min(await measure('seal'), await measure('seal'));
  return { bare, seal };
}

const PEAK_MEMORY_CHILD = `
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const [root, dir, mode, sealCert, sealKey, tsaCert, tsaKey, issuing, rootCa] = process.argv.slice(2);
const ts = require(path.join(root, 'node_modules', 'typescript'));
require.extensions['.ts'] = (module, file) => {
  const output = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(output.outputText, file);
};
const { PDFDocument } = require(path.join(root, 'node_modules', 'pdf-lib'));
const { pemToDer } = require(path.join(root, 'src', 'signing', 'der.ts'));
const { createTimestampToken } = require(path.join(root, 'src', 'signing', 'timestamp.ts'));
const { createPades } = require(path.join(root, 'src', 'packaging', 'create-pades.ts'));
const { defaultTemplate } = require(path.join(root, 'src', 'packaging', 'signature-page-template.ts'));

const der = (file) => pemToDer(fs.readFileSync(file, 'utf8'));
const chain = [der(issuing), der(rootCa)];
const seal = { certificate: der(sealCert), privateKey: crypto.createPrivateKey(fs.readFileSync(sealKey)), chain };
const tsa = { credential: { certificate: der(tsaCert), privateKey: crypto.createPrivateKey(fs.readFileSync(tsaKey)), chain }, policyOid: '${TSA_POLICY}' };
let serial = 0;
const timestamp = (imprint) => createTimestampToken(imprint, tsa, { time: new Date(), serial: Buffer.from([++serial]) });
const signedAt = new Date('2026-03-02T09:15:00Z');
const signers = [
  { name: 'Kari Nordmann', nationalId: '01017012345', nationality: 'NO', method: 'nbid-sign', signedAt },
  { name: 'Søren Ærø Østergård', nationalId: '0101701234', nationality: 'DK', method: 'nemid-sign', signedAt },
];
const sdo = fs.readFileSync(path.join(dir, 'random.bin'));
const attachments = signers.map((signer, index) => ({ fileName: 'ltv-sdo-' + (index + 1) + '.xml', bytes: sdo, mimeType: 'application/x-ltv-sdo' }));
const operation = (bytes) =>
  mode === 'bare'
    ? async () => { await (await PDFDocument.load(bytes)).save(); }
    : async () => {
        await createPades({
          original: { mimeType: 'application/pdf', bytes }, signers, attachments, template: defaultTemplate, time: new Date(),
          seal, timestamp, validation: { certificates: [seal.certificate, ...chain], ocspResponses: [] },
        });
      };
const kib = (key) => Number(new RegExp(key + ':\\\\s+(\\\\d+)').exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
(async () => {
  await operation(fs.readFileSync(path.join(dir, 'one-page.pdf')))();
  const run = operation(fs.readFileSync(path.join(dir, 'original-100.pdf')));
  global.gc();
  const before = kib('VmRSS');
  fs.writeFileSync('/proc/self/clear_refs', '5');
  await run();
  process.stdout.write(JSON.stringify({ growthMiB: Math.max(0.1, (kib('VmHWM') - before) / 1024) }));
})().catch((error) => { console.error(error); process.exit(1); });
`;
