import { createHash } from 'node:crypto';
import {
  EncryptedPDFError,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFString,
  StandardFonts,
  rgb,
  type PDFFont,
  type PDFPage,
  type PDFRef,
} from 'pdf-lib';
import {
  pageDimensions,
  stringsFor,
  type SignaturePageStrings,
  type SignaturePageTemplate,
  type SignerField,
} from './signature-page-template';

/**
 * The package document before sealing: the original document's pages (a PDF's own pages copied as
 * they are, or a text document typeset on A4), then the signature page(s) drawn from a template, with
 * the signed results (LTV-SDOs) embedded as associated files. Written by pdf-lib as one revision
 * without object streams, ready for the PAdES incremental updates (see create-pades.ts).
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

/** Objects written between two yields to the event loop. */
const OBJECTS_PER_TICK = 2000;
const PARSE_SPEED = 2000;
/** A4 in points, for text documents. */
const A4: [number, number] = [595.28, 841.89];
const TEXT_MARGIN = 56;
const TEXT_SIZE = 10;
const TEXT_LEADING = 12.5;
const TAB_WIDTH = 8;
const GRAY = rgb(0.35, 0.35, 0.35);
const RULE = rgb(0.75, 0.75, 0.75);
const BLACK = rgb(0, 0, 0);

/** Builds the package document; see the module comment. */
export async function buildPackagePdf(input: PackageInput): Promise<Buffer> {
  if (input.signers.length === 0) throw new Error('a package needs at least one signer');
  const doc = await PDFDocument.create({ updateMetadata: false });
  const fonts: Fonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
  };

  if (input.original.mimeType === 'application/pdf') await copyOriginalPages(doc, input.original.bytes);
  else if (input.original.mimeType === 'text/plain') renderText(doc, decodeText(input.original.bytes), fonts.mono);
  else throw new Error(`cannot package a document of type ${String(input.original.mimeType)}`);

  drawSignaturePages(doc, fonts, input);
  embedAttachments(doc, input.attachments, input.time);

  const title = input.original.description ?? stringsFor(input.template, input.language).title;
  doc.setTitle(sanitizeMetadata(title));
  doc.setProducer('Paraph');
  doc.setCreator('Paraph');
  doc.setCreationDate(input.time);
  doc.setModificationDate(input.time);
  const language = stringsFor(input.template, input.language).locale;
  doc.setLanguage(language);
  // A file identifier (ISO 32000-1 §14.4), made from the content so that the same input gives the same file.
  const id = createHash('sha256').update(input.original.bytes).update(input.time.toISOString()).digest('hex').slice(0, 32);
  doc.context.trailerInfo.ID = doc.context.obj([PDFHexString.of(id), PDFHexString.of(id)]);

  const bytes = await doc.save({ useObjectStreams: false, objectsPerTick: OBJECTS_PER_TICK, addDefaultPage: false });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

interface Fonts {
  readonly regular: PDFFont;
  readonly bold: PDFFont;
  readonly mono: PDFFont;
}

/** Copies every page of the original PDF, as it is (pdf-lib copies the page objects and all they use). */
async function copyOriginalPages(doc: PDFDocument, bytes: Buffer): Promise<void> {
  let original: PDFDocument;
  try {
    original = await PDFDocument.load(bytes, { updateMetadata: false, parseSpeed: PARSE_SPEED });
  } catch (error) {
    if (error instanceof EncryptedPDFError) throw new Error('the original PDF is encrypted and cannot be packaged');
    throw new Error(`the original PDF cannot be read: ${(error as Error).message}`);
  }
  const indices = original.getPageIndices();
  if (indices.length === 0) throw new Error('the original PDF has no pages');
  for (const page of await doc.copyPages(original, indices)) doc.addPage(page);
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
function renderText(doc: PDFDocument, text: string, font: PDFFont): void {
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
      const page = doc.addPage(A4);
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
function drawSignaturePages(doc: PDFDocument, fonts: Fonts, input: PackageInput): void {
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
    page = doc.addPage([width, height]);
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

/** A date and time in the locale's long form, in `timeZone`, with the zone's name. */
function formatTime(time: Date, locale: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'long', timeZone }).format(time);
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
 * /UF in Unicode, and the stream with its MIME type, size, dates and MD5 checksum. Names repeated
 * get a number before their extension.
 */
function embedAttachments(doc: PDFDocument, attachments: readonly PackageAttachment[], time: Date): void {
  if (attachments.length === 0) return;
  const context = doc.context;
  const names = uniqueNames(attachments.map((attachment) => attachment.fileName));
  const entries = attachments
    .map((attachment, index) => ({ attachment, name: names[index]! }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const date = PDFString.fromDate(new Date(Math.floor(time.getTime() / 1000) * 1000));
  const tree: Array<PDFHexString | PDFRef> = [];
  const specs: PDFRef[] = [];
  for (const { attachment, name } of entries) {
    const stream = context.flateStream(attachment.bytes, {
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
    tree.push(PDFHexString.fromText(name), specRef);
    specs.push(specRef);
  }
  const embeddedFiles = context.register(context.obj({ Names: tree }));
  doc.catalog.set(PDFName.of('Names'), context.obj({ EmbeddedFiles: embeddedFiles }));
  doc.catalog.set(PDFName.of('AF'), context.register(context.obj(specs)));
}

/** Names made unique: a repeat of `a.xml` becomes `a (2).xml`. */
function uniqueNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
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
