import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFPage,
  PDFRef,
  PDFString,
  StandardFonts,
  rgb,
  type PDFFont,
  type PDFObject,
} from '@cantoo/pdf-lib';
import { ParaphError } from '../errors';
import { DamagedCrossReferencesError, PdfRevisions } from '../signing/pades';
import {
  pageDimensions,
  stringsFor,
  type SignaturePageStrings,
  type SignaturePageTemplate,
  type SignerField,
} from './signature-page-template';

/** An original the package cannot be built on (encrypted, unreadable, malformed): the caller's document, refused in-band. */
function unreadable(detail: string): ParaphError {
  return new ParaphError('ORIGINAL_DOCUMENT_UNREADABLE', `the original cannot be packaged: ${detail}`);
}

/**
 * The package document before sealing: the original document (a PDF as it is, or a text document
 * typeset on A4), then the signature page(s) drawn from a template, with the signed results
 * (LTV-SDOs) embedded as associated files.
 *
 * A PDF original is not rebuilt: its bytes stay as they are as the first revision, and the package is
 * an incremental update on it (signature pages appended to its page tree, attachments, metadata).
 * The update is made with @cantoo/pdf-lib on the original opened once, of which only the objects the
 * updates touch are read (PdfRevisions.open), and the PAdES updates continue on the same document
 * (see create-pades.ts). What the original holds stays as it is: its pages, outlines, forms,
 * attachments, and signatures, which stay valid. A text original becomes a new document, written as
 * the first revision with the package in it, and continued the same way.
 */

export interface PackageSigner {
  readonly name: string;
  /** Fødselsnummer, CPR or personnummer; shown as the template says (in full, masked or not at all). */
  readonly nationalId?: string;
  /** ISO 3166-1 alpha-2 code. */
  readonly nationality?: string;
  /** The signature method id, e.g. `nbid-sign`; the template names it. */
  readonly method: string;
  readonly signedAt: Date;
}

export interface PackageAttachment {
  readonly fileName: string;
  readonly bytes: Buffer;
  /** E.g. `application/x-ltv-sdo`. */
  readonly mimeType: string;
  readonly description?: string;
}

export interface PackageInput {
  readonly original: { readonly mimeType: 'application/pdf' | 'text/plain'; readonly bytes: Buffer; readonly description?: string };
  readonly signers: readonly PackageSigner[];
  readonly attachments: readonly PackageAttachment[];
  readonly template: SignaturePageTemplate;
  /** Language of the signature page (`nb`, `da`, `sv`, `en`, …); default the template's. */
  readonly language?: string;
  /** Packaging time: the document's dates, the attachments' dates and the footer's {time}. */
  readonly time: Date;
}

/** A4 in points, for text documents. */
const A4: [number, number] = [595.28, 841.89];
const TEXT_MARGIN = 56;
const TEXT_SIZE = 10;
const TEXT_LEADING = 12.5;
const TAB_WIDTH = 8;
const GRAY = rgb(0.35, 0.35, 0.35);
const RULE = rgb(0.75, 0.75, 0.75);
const BLACK = rgb(0, 0, 0);
/** Name tree levels followed at most. */
const MAX_TREE_DEPTH = 64;
const deflateAsync = promisify(deflate);

/** A damaged PDF read the tolerant way and written out whole, with a sound cross-reference table. */
async function repaired(original: Buffer): Promise<Buffer> {
  try {
    const doc = await PDFDocument.load(original, { updateMetadata: false });
    return Buffer.from(await doc.save({ useObjectStreams: false }));
  } catch (error) {
    throw unreadable((error as Error).message);
  }
}

/**
 * Opens the package as revisions that the seal and the timestamps are appended to (see the module
 * comment): for a PDF original, the original and the package update; for a text original, the new
 * document. An original that cannot be packaged (not a PDF, encrypted, damaged, without pages) is an
 * Error that says why.
 */
export async function openPackage(input: PackageInput): Promise<PdfRevisions> {
  if (input.signers.length === 0) throw new Error('a package needs at least one signer');
  const mimeType = input.original.mimeType;
  if (mimeType !== 'application/pdf' && mimeType !== 'text/plain') throw new Error(`cannot package a document of type ${String(mimeType)}`);
  // zlib compresses the attachments on its thread pool while this thread reads the original and
  // draws the signature page.
  const compressed = Promise.all(input.attachments.map((attachment) => compress(attachment.bytes)));
  compressed.catch(() => undefined);
  if (mimeType === 'application/pdf') {
    let revisions: PdfRevisions;
    try {
      revisions = await PdfRevisions.open(input.original.bytes);
    } catch (error) {
      // Many generators write PDFs without a usable cross-reference table, and every reader repairs
      // them. An incremental update needs a sound one, so such an original is repaired the same way
      // (parsed whole and written once) and the package is built on the repaired copy: its pages are
      // the same, its bytes are no longer the first revision. Encrypted or unreadable files stay errors.
      if (!(error instanceof DamagedCrossReferencesError)) throw unreadable((error as Error).message);
      revisions = await PdfRevisions.open(await repaired(input.original.bytes));
    }
    await revisions.update((doc, changed) => addPackage(doc, changed, input, compressed));
    return revisions;
  }
  const doc = await PDFDocument.create({ updateMetadata: false });
  const fonts = await embedFonts(doc);
  // A new document: nothing to track, it is written whole.
  const changed: PDFRef[] = [];
  renderText(doc, changed, decodeText(input.original.bytes), fonts.mono);
  await addPackage(doc, changed, input, compressed, fonts);
  return PdfRevisions.fromDocument(doc);
}

/** The package document as bytes (see openPackage). */
export async function buildPackagePdf(input: PackageInput): Promise<Buffer> {
  return (await openPackage(input)).bytes();
}

interface Fonts {
  readonly regular: PDFFont;
  readonly bold: PDFFont;
  readonly mono: PDFFont;
}

async function embedFonts(doc: PDFDocument): Promise<Fonts> {
  return {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
}

/**
 * Adds the package to `doc`: signature page(s) after its pages, the attachments, the metadata. Every
 * object that `doc` already had and that changes is listed in `changed`.
 */
async function addPackage(doc: PDFDocument, changed: PDFRef[], input: PackageInput, compressed: Promise<Buffer[]>, fonts?: Fonts): Promise<void> {
  drawSignaturePages(doc, changed, fonts ?? (await embedFonts(doc)), input);
  // The attachments have been compressing meanwhile.
  embedAttachments(doc, changed, input.attachments, await compressed, input.time);
  setMetadata(doc, changed, input);
}

/**
 * A new page of `size` after the last: a kid of the page tree's root, whose /Count grows (pdf-lib's
 * addPage does the same, but counts the pages first, which would read every page of the original).
 * What the page would inherit from the root and is not the signature page's, an original's /Rotate
 * or /CropBox, is overridden.
 */
function appendPage(doc: PDFDocument, changed: PDFRef[], size: readonly [number, number]): PDFPage {
  const context = doc.context;
  const rootRef = doc.catalog.get(PDFName.of('Pages'));
  const root = context.lookup(rootRef);
  const kidsEntry = root instanceof PDFDict ? root.get(PDFName.of('Kids')) : undefined;
  const kids = context.lookup(kidsEntry);
  const count = root instanceof PDFDict ? root.lookup(PDFName.of('Count')) : undefined;
  if (!(rootRef instanceof PDFRef) || !(root instanceof PDFDict) || !(kids instanceof PDFArray) || !(count instanceof PDFNumber)) {
    throw unreadable('its page tree has no root with /Kids and /Count');
  }
  const page = PDFPage.create(doc);
  page.setSize(size[0], size[1]);
  page.node.setParent(rootRef);
  const rotation = root.lookup(PDFName.of('Rotate'));
  if (rotation instanceof PDFNumber && rotation.asNumber() !== 0) page.node.set(PDFName.of('Rotate'), PDFNumber.of(0));
  if (root.has(PDFName.of('CropBox'))) page.node.set(PDFName.of('CropBox'), page.node.MediaBox().clone());
  kids.push(page.ref);
  root.set(PDFName.of('Count'), PDFNumber.of(count.asNumber() + 1));
  changed.push(rootRef);
  if (kidsEntry instanceof PDFRef) changed.push(kidsEntry);
  return page;
}

/**
 * The Info dictionary (changed in place, or made) and the catalog's /Lang and the trailer's /ID:
 * /Title the document's description (else the original's title, else the signature page's);
 * /Producer and /ModDate Paraph and the packaging time; /Creator and /CreationDate only when the
 * original has none (a text original: Paraph and the packaging time); /Lang the template's locale
 * when the original gives none. The /ID keeps the original's first
 * identifier (ISO 32000-1 §14.4) and gets a second made from the content, so that the same input
 * gives the same file.
 */
function setMetadata(doc: PDFDocument, changed: PDFRef[], input: PackageInput): void {
  const context = doc.context;
  const strings = stringsFor(input.template, input.language);
  const existing = context.trailerInfo.Info;
  const found = existing === undefined ? undefined : context.lookup(existing);
  let info: PDFDict;
  if (existing instanceof PDFRef && found instanceof PDFDict) {
    info = found;
    changed.push(existing);
  } else {
    info = found instanceof PDFDict ? found.clone(context) : PDFDict.withContext(context);
    context.trailerInfo.Info = context.register(info);
  }
  const date = PDFString.fromDate(input.time);
  if (input.original.description !== undefined || !info.has(PDFName.of('Title'))) {
    info.set(PDFName.of('Title'), PDFHexString.fromText(sanitizeMetadata(input.original.description ?? strings.title)));
  }
  info.set(PDFName.of('Producer'), PDFHexString.fromText('Paraph'));
  info.set(PDFName.of('ModDate'), date);
  if (!info.has(PDFName.of('Creator'))) info.set(PDFName.of('Creator'), PDFHexString.fromText('Paraph'));
  if (!info.has(PDFName.of('CreationDate'))) info.set(PDFName.of('CreationDate'), date);

  if (!doc.catalog.has(PDFName.of('Lang'))) {
    doc.catalog.set(PDFName.of('Lang'), PDFString.of(strings.locale));
    changed.push(context.trailerInfo.Root as PDFRef);
  }

  const id = createHash('sha256').update(input.original.bytes).update(input.time.toISOString()).digest('hex').slice(0, 32);
  const ids = context.trailerInfo.ID === undefined ? undefined : context.lookup(context.trailerInfo.ID);
  const first = ids instanceof PDFArray ? ids.lookup(0) : undefined;
  const permanent = first instanceof PDFHexString || first instanceof PDFString ? first : PDFHexString.of(id);
  context.trailerInfo.ID = context.obj([permanent, PDFHexString.of(id)]);
}

/** UTF-8 (a BOM is dropped); bytes that are not UTF-8 are read as Windows-1252. */
function decodeText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** Typesets plain text on A4 pages in Courier: lines wrapped at the margin, form feeds start a page. */
function renderText(doc: PDFDocument, changed: PDFRef[], text: string, font: PDFFont): void {
  const [width, height] = A4;
  const measure = widthMeasure(font, TEXT_SIZE);
  const maxWidth = width - 2 * TEXT_MARGIN;
  const linesPerPage = Math.floor((height - 2 * TEXT_MARGIN) / TEXT_LEADING);
  const pages = text.replace(/\r\n?/g, '\n').split('\f');
  for (const pageText of pages) {
    const lines = pageText
      .split('\n')
      .flatMap((line) => wrap(sanitize(expandTabs(line), font), maxWidth, measure, true));
    // An empty document (or form feed at the end) still gets its page.
    for (let start = 0; start === 0 || start < lines.length; start += linesPerPage) {
      const page = appendPage(doc, changed, A4);
      lines.slice(start, start + linesPerPage).forEach((line, index) => {
        if (line.length === 0) return;
        page.drawText(line, { x: TEXT_MARGIN, y: height - TEXT_MARGIN - TEXT_SIZE - index * TEXT_LEADING, size: TEXT_SIZE, font });
      });
    }
  }
}

function expandTabs(line: string): string {
  if (!line.includes('\t')) return line;
  let out = '';
  for (const char of line) out += char === '\t' ? ' '.repeat(TAB_WIDTH - (out.length % TAB_WIDTH)) : char;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The signature page
// ---------------------------------------------------------------------------------------------

interface Row {
  readonly heading?: string;
  readonly lines: ReadonlyArray<{ readonly label: string; readonly value: string }>;
}

/** Draws the signature page(s): title, intro, document, one row per signer, footer and page numbers. */
function drawSignaturePages(doc: PDFDocument, changed: PDFRef[], fonts: Fonts, input: PackageInput): void {
  const template = input.template;
  const strings = stringsFor(template, input.language);
  const [width, height] = pageDimensions(template.pageSize);
  const margin = template.margin;
  const sizes = template.fontSizes;
  const contentWidth = width - 2 * margin;
  const regular = widthMeasure(fonts.regular, sizes.body);
  const small = widthMeasure(fonts.regular, sizes.small);
  const leading = (size: number): number => size * 1.35;
  const text = (value: string, font: PDFFont): string => sanitize(value, font);
  const fill = (value: string, values: Record<string, string | number>): string =>
    value.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));

  const rows = input.signers.map((signer) => signerRow(signer, template, strings));
  const labels = [...rows.flatMap((row) => row.lines.map((line) => line.label)), ...(template.showDocument ? [strings.document] : [])];
  const labelWidth = Math.min(contentWidth * 0.45, Math.max(0, ...labels.map((label) => regular(text(label, fonts.regular)))) + 12);
  const valueWidth = contentWidth - labelWidth;

  const footerText = fill(strings.footer, { time: formatTime(input.time, strings.locale, template.timeZone), attachments: input.attachments.length });
  const footerLines = wrap(text(footerText, fonts.regular), contentWidth, small, false);
  const footerHeight = (footerLines.length + 1) * leading(sizes.small) + sizes.body;
  const bottom = margin + footerHeight;

  const pages: PDFPage[] = [];
  let page!: PDFPage;
  let y = 0;
  const newPage = (): void => {
    page = appendPage(doc, changed, [width, height]);
    pages.push(page);
    y = height - margin - sizes.title;
    const title = pages.length === 1 ? strings.title : `${strings.title} ${strings.continued}`;
    const filled = fill(title, { document: input.original.description ?? '', signers: input.signers.length });
    page.drawText(text(filled, fonts.bold), { x: margin, y, size: sizes.title, font: fonts.bold });
    y -= sizes.title * 1.2;
  };
  const paragraph = (lines: readonly string[], font: PDFFont, size: number, color = BLACK, x = margin): void => {
    for (const line of lines) {
      y -= leading(size);
      if (line.length > 0) page.drawText(line, { x, y, size, font, color });
    }
  };

  /** A label in the left column, its value in the right one; `y` ends below the longer. */
  const labelled = (label: string, value: string): void => {
    const labelLines = wrap(text(label, fonts.regular), labelWidth - 12, regular, false);
    const valueLines = wrap(text(value, fonts.regular), valueWidth, regular, false);
    const startY = y;
    paragraph(labelLines, fonts.regular, sizes.body, GRAY);
    const afterLabel = y;
    y = startY;
    paragraph(valueLines, fonts.regular, sizes.body, BLACK, margin + labelWidth);
    y = Math.min(y, afterLabel);
  };

  newPage();
  const intro = fill(strings.intro, { document: input.original.description ?? '', signers: input.signers.length });
  if (intro.trim().length > 0) {
    paragraph(wrap(text(intro, fonts.regular), contentWidth, regular, false), fonts.regular, sizes.body);
    y -= sizes.body * 0.6;
  }
  if (template.showDocument && input.original.description) {
    labelled(strings.document, input.original.description);
  }
  if (template.showDocumentDigest) {
    const digest = createHash('sha256').update(input.original.bytes).digest('hex');
    // Two halves in Courier so the checksum is easy to compare by eye.
    paragraph(wrap(text(strings.documentDigest, fonts.regular), contentWidth, regular, false), fonts.regular, sizes.body, GRAY);
    paragraph([digest.slice(0, 32), digest.slice(32)], fonts.mono, sizes.body);
  }
  y -= sizes.body;

  for (const row of rows) {
    const headingLines = row.heading === undefined ? [] : wrap(text(row.heading, fonts.bold), contentWidth, widthMeasure(fonts.bold, sizes.heading), false);
    const lineCount = (label: string, value: string): number =>
      Math.max(
        wrap(text(label, fonts.regular), labelWidth - 12, regular, false).length,
        wrap(text(value, fonts.regular), valueWidth, regular, false).length,
      );
    const rowHeight =
      headingLines.length * leading(sizes.heading) +
      row.lines.reduce((sum, line) => sum + lineCount(line.label, line.value) * leading(sizes.body), 0) +
      sizes.body * 1.5;
    if (y - rowHeight < bottom && y < height - margin - sizes.title * 1.2 - 1) newPage();
    page.drawLine({ start: { x: margin, y: y - 2 }, end: { x: width - margin, y: y - 2 }, thickness: 0.5, color: RULE });
    y -= sizes.body * 0.5;
    paragraph(headingLines, fonts.bold, sizes.heading);
    for (const line of row.lines) labelled(line.label, line.value);
    y -= sizes.body;
  }

  pages.forEach((current, index) => {
    let footerY = margin + footerLines.length * leading(sizes.small);
    for (const line of footerLines) {
      if (line.length > 0) current.drawText(line, { x: margin, y: footerY, size: sizes.small, font: fonts.regular, color: GRAY });
      footerY -= leading(sizes.small);
    }
    const label = text(fill(strings.pageLabel, { page: index + 1, pages: pages.length }), fonts.regular);
    const labelWidthAt = fonts.regular.widthOfTextAtSize(label, sizes.small);
    current.drawText(label, { x: width - margin - labelWidthAt, y: margin - leading(sizes.small), size: sizes.small, font: fonts.regular, color: GRAY });
  });
}

/** The lines of one signer's row, in the template's field order. */
function signerRow(signer: PackageSigner, template: SignaturePageTemplate, strings: SignaturePageStrings): Row {
  const lines: Array<{ label: string; value: string }> = [];
  let heading: string | undefined;
  for (const field of template.fields) {
    const value = fieldValue(field, signer, template, strings);
    if (value === undefined) continue;
    if (field === 'name' && heading === undefined && lines.length === 0) heading = value;
    else lines.push({ label: strings.labels[field], value });
  }
  return heading === undefined ? { lines } : { heading, lines };
}

function fieldValue(field: SignerField, signer: PackageSigner, template: SignaturePageTemplate, strings: SignaturePageStrings): string | undefined {
  switch (field) {
    case 'name':
      return signer.name;
    case 'method':
      return strings.methods[signer.method] ?? signer.method;
    case 'signingTime':
      return formatTime(signer.signedAt, strings.locale, template.timeZone);
    case 'nationalId':
      if (signer.nationalId === undefined || template.nationalId === 'hidden') return undefined;
      return template.nationalId === 'full' ? signer.nationalId : maskNationalId(signer.nationalId, template.maskedVisible);
    case 'nationality':
      return signer.nationality === undefined ? undefined : (strings.countries[signer.nationality.toUpperCase()] ?? signer.nationality);
  }
}

/** The first `visible` characters, then every further letter or digit as `*` (separators stay). */
export function maskNationalId(id: string, visible: number): string {
  const chars = [...id];
  return chars.map((char, index) => (index < visible || !/[\p{L}\p{N}]/u.test(char) ? char : '*')).join('');
}

/** Formats by locale and time zone: making one costs more than a signature page's other text. */
const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** A date and time in the locale's long form, in `timeZone`, with the zone's name. */
function formatTime(time: Date, locale: string, timeZone: string): string {
  const key = `${locale} ${timeZone}`;
  let format = timeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'long', timeZone });
    timeFormats.set(key, format);
  }
  return format.format(time);
}

// ---------------------------------------------------------------------------------------------
// Text: what the standard fonts can show, and line wrapping
// ---------------------------------------------------------------------------------------------

const characterSets = new WeakMap<PDFFont, ReadonlySet<number>>();

/**
 * `value` with only characters the standard font's encoding (WinAnsi) has: composed first (NFC), white
 * space and control characters become spaces, accented letters outside WinAnsi lose their accent
 * (ő → o), and anything else becomes `?`.
 */
function sanitize(value: string, font: PDFFont): string {
  let available = characterSets.get(font);
  if (!available) {
    available = new Set(font.getCharacterSet());
    characterSets.set(font, available);
  }
  const supported = available;
  let out = '';
  for (const char of value.normalize('NFC')) {
    const code = char.codePointAt(0)!;
    if (supported.has(code) && code >= 0x20) out += char;
    else if (/\s|\p{Cc}/u.test(char)) out += ' ';
    else {
      const base = char.normalize('NFD').replace(/\p{M}/gu, '');
      out += base.length > 0 && [...base].every((c) => supported.has(c.codePointAt(0)!)) ? base : '?';
    }
  }
  return out;
}

/** Metadata strings are Unicode in PDF; only control characters are dropped. */
function sanitizeMetadata(value: string): string {
  return value.replace(/\p{Cc}/gu, ' ').trim();
}

type Measure = (text: string) => number;

/** Widths of text in `font` at `size`, character by character, cached. */
function widthMeasure(font: PDFFont, size: number): Measure {
  const widths = new Map<string, number>();
  return (text: string): number => {
    let total = 0;
    for (const char of text) {
      let width = widths.get(char);
      if (width === undefined) {
        width = font.widthOfTextAtSize(char, size);
        widths.set(char, width);
      }
      total += width;
    }
    return total;
  };
}

/**
 * `line` broken into lines no wider than `maxWidth`: at the last space that fits, or inside a word
 * that is wider than a line. `keepIndent` keeps leading spaces (plain text); otherwise runs of spaces
 * at a break are dropped. A line without text gives one empty line.
 */
function wrap(line: string, maxWidth: number, measure: Measure, keepIndent: boolean): string[] {
  const source = keepIndent ? line.replace(/\s+$/, '') : line.replace(/\s+/g, ' ').trim();
  if (source.length === 0) return [''];
  const lines: string[] = [];
  const chars = [...source];
  let start = 0;
  while (start < chars.length) {
    let width = 0;
    let end = start;
    let lastSpace = -1;
    while (end < chars.length) {
      const next = width + measure(chars[end]!);
      // A little slack: a width summed character by character may exceed the same text measured whole.
      if (next > maxWidth + 0.01 && end > start) break;
      if (chars[end] === ' ' && end > start) lastSpace = end;
      width = next;
      end++;
    }
    if (end < chars.length && lastSpace > start) end = lastSpace;
    lines.push(chars.slice(start, end).join('').replace(/\s+$/, ''));
    start = end;
    // A wrapped line does not start with the spaces it was broken at.
    while (start < chars.length && chars[start] === ' ') start++;
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Attachments
// ---------------------------------------------------------------------------------------------

/**
 * Embeds the files as associated files of the document (ISO 32000-2 §14.13; PDF/A-3): an
 * /EmbeddedFiles name tree (its keys sorted, as a name tree must be) and the catalog's /AF, each file
 * spec with /AFRelationship /Source (they are the signed sources of this document), /F in ASCII and
 * /UF in Unicode, and the stream with its MIME type, size, dates and MD5 checksum. Files the original
 * already has stay: the new name tree holds theirs and ours, and /AF lists theirs first. A name
 * taken (by theirs, or given twice) gets a number before its extension.
 */
function embedAttachments(doc: PDFDocument, changed: PDFRef[], attachments: readonly PackageAttachment[], streams: readonly Buffer[], time: Date): void {
  if (attachments.length === 0) return;
  const context = doc.context;
  const catalog = doc.catalog;
  changed.push(context.trailerInfo.Root as PDFRef);
  const namesEntry = catalog.get(PDFName.of('Names'));
  const found = namesEntry === undefined ? undefined : context.lookup(namesEntry);
  let namesDict: PDFDict;
  if (found instanceof PDFDict) {
    namesDict = found;
    if (namesEntry instanceof PDFRef) changed.push(namesEntry);
  } else {
    namesDict = PDFDict.withContext(context);
    catalog.set(PDFName.of('Names'), namesDict);
  }
  const existingTree = context.lookup(namesDict.get(PDFName.of('EmbeddedFiles')));
  const tree = existingTree instanceof PDFDict ? nameTreeEntries(existingTree) : [];
  const names = uniqueNames(
    attachments.map((attachment) => attachment.fileName),
    new Set(tree.map((entry) => entry.key.decodeText())),
  );
  const date = PDFString.fromDate(new Date(Math.floor(time.getTime() / 1000) * 1000));
  const specs: PDFObject[] = [];
  attachments.forEach((attachment, index) => {
    const name = names[index]!;
    const stream = context.stream(streams[index]!, {
      Filter: 'FlateDecode',
      Type: 'EmbeddedFile',
      Subtype: attachment.mimeType,
      Params: {
        Size: attachment.bytes.length,
        CreationDate: date,
        ModDate: date,
        CheckSum: PDFHexString.of(createHash('md5').update(attachment.bytes).digest('hex')),
      },
    });
    const streamRef = context.register(stream);
    const spec = context.obj({
      Type: 'Filespec',
      F: PDFString.of(asciiFileName(name)),
      UF: PDFHexString.fromText(name),
      EF: { F: streamRef, UF: streamRef },
      AFRelationship: 'Source',
      ...(attachment.description === undefined ? {} : { Desc: PDFHexString.fromText(attachment.description) }),
    });
    const specRef = context.register(spec);
    tree.push({ key: PDFHexString.fromText(name), value: specRef });
    specs.push(specRef);
  });
  // Keys compare as the bytes of the strings (ISO 32000-1 §7.9.6).
  const keyed = tree.map((entry) => ({ ...entry, bytes: Buffer.from(entry.key.asBytes()) })).sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  const flat = PDFArray.withContext(context);
  for (const entry of keyed) {
    flat.push(entry.key);
    flat.push(entry.value);
  }
  const leaf = PDFDict.withContext(context);
  leaf.set(PDFName.of('Names'), flat);
  namesDict.set(PDFName.of('EmbeddedFiles'), context.register(leaf));

  const existingAf = context.lookup(catalog.get(PDFName.of('AF')));
  const af = PDFArray.withContext(context);
  if (existingAf instanceof PDFArray) for (const item of existingAf.asArray()) af.push(item);
  for (const spec of specs) af.push(spec);
  catalog.set(PDFName.of('AF'), context.register(af));
}

interface NameTreeEntry {
  readonly key: PDFString | PDFHexString;
  readonly value: PDFObject;
}

/** Every key and value of a name tree, its leaves in order (values as they are: references stay references). */
function nameTreeEntries(root: PDFDict): NameTreeEntry[] {
  const context = root.context;
  const entries: NameTreeEntry[] = [];
  const visit = (node: PDFDict, depth: number): void => {
    if (depth > MAX_TREE_DEPTH) throw unreadable('its embedded files name tree is too deep');
    const names = context.lookup(node.get(PDFName.of('Names')));
    if (names instanceof PDFArray) {
      for (let i = 0; i + 1 < names.size(); i += 2) {
        const key = context.lookup(names.get(i));
        if (key instanceof PDFString || key instanceof PDFHexString) entries.push({ key, value: names.get(i + 1) });
      }
    }
    const kids = context.lookup(node.get(PDFName.of('Kids')));
    if (kids instanceof PDFArray) {
      for (let i = 0; i < kids.size(); i++) {
        const kid = context.lookup(kids.get(i));
        if (kid instanceof PDFDict) visit(kid, depth + 1);
      }
    }
  };
  visit(root, 0);
  return entries;
}

/**
 * Flate for an embedded file: Node's zlib rather than pdf-lib's flateStream (pure-JavaScript pako),
 * at its fastest level: an LTV-SDO holds the whole document in base64, which level 1 already shrinks
 * by about a quarter.
 */
function compress(bytes: Buffer): Promise<Buffer> {
  // One output chunk for the whole file: each chunk is a round trip between the pool and this thread.
  return deflateAsync(bytes, { level: 1, chunkSize: Math.max(64 * 1024, bytes.length + 1024) });
}

/** Names made unique, also against `taken`: a repeat of `a.xml` becomes `a (2).xml`. */
function uniqueNames(names: readonly string[], taken: Set<string>): string[] {
  return names.map((original) => {
    const name = original.trim().length > 0 ? original : 'attachment';
    let candidate = name;
    for (let n = 2; taken.has(candidate); n++) {
      const dot = name.lastIndexOf('.');
      candidate = dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
    }
    taken.add(candidate);
    return candidate;
  });
}

/** The file name in printable ASCII for /F: accents dropped, æ → ae, ø → o, anything else `_`. */
function asciiFileName(name: string): string {
  const special: Record<string, string> = { æ: 'ae', Æ: 'AE', ø: 'o', Ø: 'O', ß: 'ss', œ: 'oe', Œ: 'OE', đ: 'd', Đ: 'D', ł: 'l', Ł: 'L' };
  return [...name.normalize('NFD').replace(/\p{M}/gu, '')]
    .map((char) => special[char] ?? (/^[\x20-\x7e]$/.test(char) ? char : '_'))
    .join('');
}
