import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import {
  decodePDFRawStream,
  EncryptedPDFError,
  PDFArray,
  PDFContext,
  PDFDict,
  PDFDocument,
  PDFHeader,
  PDFHexString,
  PDFInvalidObject,
  PDFName,
  PDFNumber,
  PDFObjectParser,
  PDFRawStream,
  PDFRef,
  PDFString,
  type PDFObject,
} from '@cantoo/pdf-lib';
import { signDigestDetached } from './cms';
import type { Credential } from './credential';
import { sha1, wholeSeconds } from './der';
import { readElement } from './der-writer';

/**
 * PAdES (ETSI EN 319 142-1) on PDF bytes: the seal's CAdES signature (B-T), the document security
 * store with validation data (B-LT) and a document timestamp over all of it (B-LTA). Every step is an
 * incremental update: the bytes before it stay exactly as they were, so earlier signatures stay valid.
 *
 * The signature dictionaries are written as literal bytes (ByteRange and Contents are placeholders of
 * fixed width that are filled in after the update is serialised), so that the ranges are exactly
 * where any reader looks for them. The rest of each update is written by @cantoo/pdf-lib, which
 * appends the changed objects with a cross-reference table and a trailer pointing to the previous
 * section (a table or a stream). Pure: bytes and keys in, bytes out; the caller supplies the time and
 * the timestamps.
 */

export const PADES_SUBFILTER = 'ETSI.CAdES.detached';
export const DOC_TIMESTAMP_SUBFILTER = 'ETSI.RFC3161';

export interface SignPdfOptions {
  /** The seal that signs: its certificate and chain go into the CMS. */
  readonly seal: Credential;
  /** The claimed signing time, written as /M (PAdES puts it there, not in the CMS). Whole seconds. */
  readonly time: Date;
  /** Returns a DER RFC 3161 TimeStampToken over a SHA-256 imprint (here: of the signature value). */
  readonly timestamp: (imprint: Buffer) => Promise<Buffer>;
  readonly reason?: string;
  readonly location?: string;
  /** /Name: the signer's name as a reader shows it. Default: none (readers use the certificate's). */
  readonly name?: string;
  readonly contactInfo?: string;
  /** The signature field's name (/T). Default: `Signature1`, or the next number that is free. */
  readonly fieldName?: string;
  /**
   * Bytes reserved for the DER CMS. Default: the seal's certificates plus room for the signer info
   * and a timestamp token of TIMESTAMP_TOKEN_RESERVE bytes. A CMS that does not fit is an error.
   */
  readonly reservedBytes?: number;
}

/** Validation data for the document security store. */
export interface DssData {
  /** DER certificates. */
  readonly certificates: readonly Buffer[];
  /** DER OCSPResponses (the whole response, RFC 6960 §4.2.1). */
  readonly ocspResponses: readonly Buffer[];
  /** DER CRLs. */
  readonly crls?: readonly Buffer[];
  /**
   * Also index the data by signature in /VRI (one entry per signature in the document, keyed by the
   * uppercase hex SHA-1 of its /Contents DER). Optional in EN 319 142-1; default true, as Adobe
   * Acrobat writes it.
   */
  readonly vri?: boolean;
}

export interface DocumentTimestampOptions {
  /** Returns a DER RFC 3161 TimeStampToken over a SHA-256 imprint (here: of the signed byte ranges). */
  readonly timestamp: (imprint: Buffer) => Promise<Buffer>;
  /** Written as the field widget's /M (the token carries the authoritative time). Whole seconds. */
  readonly time: Date;
  /** Default: `DocumentTimestamp1`, or the next number that is free. */
  readonly fieldName?: string;
  /** Bytes reserved for the token. Default TIMESTAMP_TOKEN_RESERVE. */
  readonly reservedBytes?: number;
}

/** A signature as found in a PDF. */
export interface PdfSignature {
  /** [start of the first range, its length, start of the second range, its length]. */
  readonly byteRange: [number, number, number, number];
  /** The /Contents value without its zero padding: the exact DER (CMS or TimeStampToken). */
  readonly contents: Buffer;
  /** /SubFilter without the slash, e.g. `ETSI.CAdES.detached`, `ETSI.RFC3161`. */
  readonly subFilter: string;
  /** The second range ends at the end of the file: no update was appended after this signature. */
  readonly coversWholeFile: boolean;
}

/**
 * Room for a TimeStampToken. Measured: a token whose TSA sends its certificate and a chain of two
 * CAs, all RSA-2048, has 3.5 KB; 12 KiB leaves room for longer chains, longer names and 4096-bit keys.
 */
export const TIMESTAMP_TOKEN_RESERVE = 12 * 1024;
/** Room for a CMS beyond its certificates and timestamp: SignedData, SignerInfo, attributes, signature. */
const SIGNER_INFO_RESERVE = 2 * 1024;

/**
 * Signs `pdf` with the seal as PAdES B-T: an incremental update with an invisible signature field
 * whose dictionary has /SubFilter /ETSI.CAdES.detached and a detached CMS (signing-certificate-v2, no
 * signingTime) over the whole file but its /Contents, with a signature-time-stamp.
 */
export async function signPdf(pdf: Buffer, options: SignPdfOptions): Promise<Buffer> {
  const revisions = await PdfRevisions.open(pdf);
  await revisions.sign(options);
  return revisions.bytes();
}

/**
 * Adds the validation data to the catalog's /DSS (PAdES B-LT) in an incremental update: certificates,
 * OCSP responses and CRLs as streams, merged with a /DSS already there.
 */
export async function addDss(pdf: Buffer, data: DssData): Promise<Buffer> {
  const revisions = await PdfRevisions.open(pdf);
  await revisions.addDss(data);
  return revisions.bytes();
}

/**
 * Adds a document timestamp (PAdES B-LTA) in an incremental update: a field whose dictionary has
 * /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161 and as /Contents a TimeStampToken over the bytes of
 * its ByteRange.
 */
export async function addDocumentTimestamp(pdf: Buffer, options: DocumentTimestampOptions): Promise<Buffer> {
  const revisions = await PdfRevisions.open(pdf);
  await revisions.addDocumentTimestamp(options);
  return revisions.bytes();
}

/**
 * The signatures of `pdf`, in file order: every signature dictionary whose /ByteRange is filled in
 * and whose gap is exactly its /Contents hex string, as validators take them. Reads only: nothing is
 * verified. A placeholder not yet filled (ByteRange still asterisks, Contents all zeros) is left out;
 * a ByteRange that does not frame a hex string inside the file is an error.
 */
export function extractSignatures(pdf: Buffer): PdfSignature[] {
  const found: PdfSignature[] = [];
  for (let at = pdf.indexOf(BYTE_RANGE_KEY); at >= 0; at = pdf.indexOf(BYTE_RANGE_KEY, at + BYTE_RANGE_KEY.length)) {
    const match = BYTE_RANGE_VALUE.exec(pdf.toString('latin1', at, at + 96));
    if (!match) continue;
    const byteRange = [match[1], match[2], match[3], match[4]].map(Number) as [number, number, number, number];
    const [start, firstLength, second, secondLength] = byteRange;
    const gapIsHexString =
      start === 0 &&
      firstLength > 0 &&
      second > firstLength + 1 &&
      second + secondLength <= pdf.length &&
      pdf[firstLength] === 0x3c /* < */ &&
      pdf[second - 1] === 0x3e; /* > */
    if (!gapIsHexString) throw new Error(`the /ByteRange at offset ${at} does not frame a hex string in the file`);
    const hex = pdf.toString('latin1', firstLength + 1, second - 1);
    if (hex.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(hex)) throw new Error(`the /Contents at offset ${firstLength} is not hex`);
    const raw = Buffer.from(hex, 'hex');
    if (raw.every((byte) => byte === 0)) continue;
    found.push({
      byteRange,
      contents: Buffer.from(readElement(raw).bytes),
      subFilter: subFilterAround(pdf, at, firstLength, second),
      coversWholeFile: second + secondLength === pdf.length,
    });
  }
  return found.sort((a, b) => a.byteRange[2] - b.byteRange[2]);
}

/**
 * The /Contents of the signatures a document came with, for the /VRI. One whose ByteRange does not
 * frame its /Contents is not a signature a validator would take: then none are indexed (the /VRI is
 * optional), rather than no package made.
 */
function signaturesIn(pdf: Buffer): Buffer[] {
  try {
    return extractSignatures(pdf).map((found) => found.contents);
  } catch {
    return [];
  }
}

/**
 * /SubFilter of the signature dictionary holding the ByteRange at `at`: looked for in its object,
 * between `N G obj` and `endobj`, outside the Contents gap.
 */
function subFilterAround(pdf: Buffer, at: number, gapStart: number, gapEnd: number): string {
  const objectStart = Math.max(0, pdf.lastIndexOf(' obj', at, 'latin1'));
  const endobj = pdf.indexOf('endobj', gapEnd, 'latin1');
  const objectEnd = endobj < 0 ? pdf.length : endobj;
  const text = pdf.toString('latin1', objectStart, Math.min(gapStart, at + 96)) + pdf.toString('latin1', gapEnd, objectEnd);
  const name = /\/SubFilter\s*\/([^\s/<>[\]()]+)/.exec(text)?.[1] ?? '';
  return name.replace(/#([0-9A-Fa-f]{2})/g, (_, code: string) => String.fromCharCode(parseInt(code, 16)));
}

const BYTE_RANGE_KEY = Buffer.from('/ByteRange', 'latin1');
const BYTE_RANGE_VALUE = /^\/ByteRange\s*\[\s*(\d{1,15})\s+(\d{1,15})\s+(\d{1,15})\s+(\d{1,15})\s*\]/;

/** Objects parsed between two yields to the event loop: few enough to keep a server responsive. */
const PARSE_SPEED = 2000;
const OBJECTS_PER_TICK = 2000;

/** Fixed-width ByteRange placeholder: three 10-digit numbers cover files up to 9.3 GiB. */
const BYTE_RANGE_PLACEHOLDER = '[0 ********** ********** **********]';
const BYTE_RANGE_MARKER = Buffer.from(`/ByteRange ${BYTE_RANGE_PLACEHOLDER}`, 'latin1');
/** Widget flags: Print (4) and Locked (128), as Acrobat sets on invisible signature fields. */
const WIDGET_FLAGS = 132;
/** ESIC extension levels (EN 319 142-1 §5.1): 2 for CAdES signatures, 5 once DSS or document timestamps are used. */
const ESIC_CADES = 2;
const ESIC_LTV = 5;

/**
 * An edit of the document for PdfRevisions.update: it changes `doc` and lists in `changed` every
 * object it already had and changed (objects it registers are new and always written).
 */
export type RevisionEdit = (doc: PDFDocument, changed: PDFRef[]) => void | Promise<void>;

/**
 * A PDF held open for a series of incremental updates: it is opened once (reading only the objects
 * the updates touch, see open) or built in memory, and each step appends one revision and fills in
 * its own placeholder. createPades runs all its updates on one of these; nothing written is parsed
 * again.
 *
 * Edits run with pdf-lib's change tracking off and name the objects they change themselves: the
 * tracking looks for the indirect object holding each changed value by walking the whole document,
 * for every entry set and every item pushed, which for a document of a hundred pages cost more than
 * parsing it.
 */
export class PdfRevisions {
  private readonly doc: PDFDocument;
  /** The file as opened, then each update: concatenated only when the bytes are asked for. */
  private readonly chunks: Buffer[];
  private length: number;
  private joined: Buffer | undefined;
  /** /Contents of the signatures made here, for the /VRI. */
  private readonly made: Buffer[] = [];
  /** Set when a step failed half-way: its placeholder may be in the file unfilled. */
  private failed: Error | undefined;

  private constructor(doc: PDFDocument, bytes: Buffer) {
    this.doc = doc;
    this.chunks = [bytes];
    this.length = bytes.length;
    this.joined = bytes;
  }

  /**
   * Opens `pdf` for updates. Refused, with an Error saying why: a file that cannot be read, an
   * encrypted one, one without pages or catalog, and one whose cross-reference data does not find
   * its objects (an update builds on it: see checkCrossReferences).
   *
   * By default only the objects the updates use are parsed, when first asked for (see
   * ObjectsOnDemand): the catalog, the page tree's root, the Info dictionary and what the updates
   * extend. `readWhole` parses the whole file with pdf-lib's parser instead, as it would load it.
   */
  static async open(pdf: Uint8Array, options: { readonly readWhole?: boolean } = {}): Promise<PdfRevisions> {
    const bytes = toBuffer(pdf);
    const version = pdfVersion(bytes);
    const xref = readCrossReferences(bytes);
    checkObjectOffsets(bytes, xref);
    const doc = (options.readWhole ? undefined : openOnDemand(bytes, version, xref)) ?? (await loadWhole(bytes));
    const root = doc.context.trailerInfo.Root;
    if (!(root instanceof PDFRef) || !(doc.context.lookup(root) instanceof PDFDict)) {
      throw new Error('the PDF cannot be read: its trailer has no /Root reference to a catalog');
    }
    if (pageCount(doc) === 0) throw new Error('the PDF has no pages');
    return new PdfRevisions(doc, bytes);
  }

  /**
   * Writes `doc`, a document made in memory that was never saved, as the first revision (no object
   * streams) and holds it open for updates on the same objects, without parsing what was written.
   */
  static async fromDocument(doc: PDFDocument): Promise<PdfRevisions> {
    const context = doc.context;
    if (context.snapshot || context.pdfFileDetails.originalBytes) throw new Error('the document was loaded from a file: use PdfRevisions.open');
    if (pageCount(doc) === 0) throw new Error('the PDF has no pages');
    const bytes = toBuffer(await doc.save({ useObjectStreams: false, objectsPerTick: OBJECTS_PER_TICK, addDefaultPage: false, updateFieldAppearances: false }));
    context.pdfFileDetails.pdfSize = bytes.length;
    context.pdfFileDetails.prevStartXRef = lastStartXref(bytes);
    // The snapshot is taken before the bytes are set, so that pdf-lib does not mark the catalog as
    // changed (it does on a load for incremental update); then the document is what was written.
    const snapshot = doc.takeSnapshot();
    context.pdfFileDetails.originalBytes = bytes;
    context.snapshot = snapshot;
    return new PdfRevisions(doc, bytes);
  }

  /** The document with every update so far. */
  bytes(): Buffer {
    this.usable();
    this.joined ??= Buffer.concat(this.chunks, this.length);
    return this.joined;
  }

  /** The number of revisions: the file opened (or first written) and every update since. */
  get revisionCount(): number {
    return this.chunks.length;
  }

  /** Appends an update with whatever `edit` changes (see RevisionEdit). */
  async update(edit: RevisionEdit): Promise<void> {
    await this.edit((changed) => edit(this.doc, changed));
    await this.appendUpdate();
  }

  /** Appends a PAdES B-T signature by the seal (see signPdf). */
  async sign(options: SignPdfOptions): Promise<void> {
    const time = wholeSeconds(options.time);
    const reserved = options.reservedBytes ?? defaultCmsReserve(options.seal);
    const entries: string[] = ['/Type /Sig', '/Filter /Adobe.PPKLite', `/SubFilter /${PADES_SUBFILTER}`, `/M ${pdfDate(time)}`];
    if (options.name !== undefined) entries.push(`/Name ${pdfTextString(options.name)}`);
    if (options.reason !== undefined) entries.push(`/Reason ${pdfTextString(options.reason)}`);
    if (options.location !== undefined) entries.push(`/Location ${pdfTextString(options.location)}`);
    if (options.contactInfo !== undefined) entries.push(`/ContactInfo ${pdfTextString(options.contactInfo)}`);
    entries.push('/Prop_Build << /Filter << /Name /Adobe.PPKLite >> /App << /Name /Paraph >> >>');
    await this.edit((changed) => {
      this.addField(changed, entries, reserved, options.fieldName ?? 'Signature', options.fieldName !== undefined, time);
      this.declareEsic(changed, ESIC_CADES);
    });
    await this.appendSigned(reserved, (digest) => signDigestDetached(digest, options.seal, { timestamp: options.timestamp }));
  }

  /** Appends the validation data to /DSS (see addDss). */
  async addDss(data: DssData): Promise<void> {
    const signatures = data.vri ?? true ? [...signaturesIn(this.chunks[0]!), ...this.made] : [];
    await this.edit((changed) => {
      const context = this.doc.context;
      const streams = (items: readonly Buffer[] | undefined): PDFRef[] =>
        distinct(items ?? []).map((der) => context.register(context.stream(deflateSync(der), { Filter: 'FlateDecode' })));
      const certs = streams(data.certificates);
      const ocsps = streams(data.ocspResponses);
      const crls = streams(data.crls);

      const dss = dictEntry(changed, this.catalog(), 'DSS', true);
      appendRefs(changed, dss, 'Certs', certs);
      appendRefs(changed, dss, 'OCSPs', ocsps);
      appendRefs(changed, dss, 'CRLs', crls);
      if (signatures.length > 0) {
        const vri = dictEntry(changed, dss, 'VRI', false);
        for (const signature of signatures) {
          const entry = PDFDict.withContext(context);
          if (certs.length > 0) entry.set(PDFName.of('Cert'), refArray(context, certs));
          if (ocsps.length > 0) entry.set(PDFName.of('OCSP'), refArray(context, ocsps));
          if (crls.length > 0) entry.set(PDFName.of('CRL'), refArray(context, crls));
          vri.value.set(PDFName.of(sha1(signature).toString('hex').toUpperCase()), entry);
        }
        changed.push(vri.ref);
      }
      this.declareEsic(changed, ESIC_LTV);
    });
    await this.appendUpdate();
  }

  /** Appends a document timestamp (see addDocumentTimestamp). */
  async addDocumentTimestamp(options: DocumentTimestampOptions): Promise<void> {
    const reserved = options.reservedBytes ?? TIMESTAMP_TOKEN_RESERVE;
    const entries = ['/Type /DocTimeStamp', '/Filter /Adobe.PPKLite', `/SubFilter /${DOC_TIMESTAMP_SUBFILTER}`];
    const fieldName = options.fieldName ?? 'DocumentTimestamp';
    await this.edit((changed) => {
      this.addField(changed, entries, reserved, fieldName, options.fieldName !== undefined, wholeSeconds(options.time));
      this.declareEsic(changed, ESIC_LTV);
    });
    await this.appendSigned(reserved, options.timestamp);
  }

  /**
   * Runs `change` with pdf-lib's change tracking off; the objects it lists as changed (and every
   * object it registers) go into the next update.
   */
  private async edit(change: (changed: PDFRef[]) => void | Promise<void>): Promise<void> {
    this.usable();
    const context = this.doc.context;
    const snapshot = context.snapshot;
    if (!snapshot) throw new Error('the document was not opened for incremental updates');
    const changed: PDFRef[] = [];
    context.snapshot = undefined;
    try {
      await change(changed);
    } catch (error) {
      // Objects may have been registered or changed: they must not reach a later update.
      this.failed = error as Error;
      throw error;
    } finally {
      context.snapshot = snapshot;
    }
    snapshot.markRefsForSave(changed);
  }

  private usable(): void {
    if (this.failed) throw new Error(`an earlier update of this document failed: ${this.failed.message}`);
  }

  /** The catalog with the reference it is stored under. */
  private catalog(): Located<PDFDict> {
    return { value: this.doc.catalog, ref: this.doc.context.trailerInfo.Root as PDFRef };
  }

  /**
   * Adds an invisible signature field to the last page (in a Paraph package that is the signature
   * page the seal vouches for) whose value is the signature dictionary: `entries`, then the ByteRange
   * and Contents placeholders, as literal bytes.
   */
  private addField(changed: PDFRef[], entries: readonly string[], reserved: number, name: string, exact: boolean, time: Date): void {
    const context = this.doc.context;
    const acroForm = dictEntry(changed, this.catalog(), 'AcroForm', true);
    const fields = arrayEntry(changed, acroForm, 'Fields');
    const fieldName = freeFieldName(fields.value, name, exact);
    const dictionary = `<<\n${entries.join('\n')}\n/ByteRange ${BYTE_RANGE_PLACEHOLDER}\n/Contents <${'0'.repeat(reserved * 2)}>\n>>`;
    const valueRef = context.register(PDFInvalidObject.of(Buffer.from(dictionary, 'latin1')));
    const page = lastPage(this.doc);
    const widget = PDFDict.withContext(context);
    widget.set(PDFName.of('Type'), PDFName.of('Annot'));
    widget.set(PDFName.of('Subtype'), PDFName.of('Widget'));
    widget.set(PDFName.of('FT'), PDFName.of('Sig'));
    widget.set(PDFName.of('T'), PDFString.of(fieldName));
    widget.set(PDFName.of('V'), valueRef);
    widget.set(PDFName.of('F'), PDFNumber.of(WIDGET_FLAGS));
    widget.set(PDFName.of('Rect'), context.obj([0, 0, 0, 0]));
    widget.set(PDFName.of('P'), page.ref);
    widget.set(PDFName.of('M'), PDFString.of(pdfDate(time).slice(1, -1)));
    const widgetRef = context.register(widget);
    fields.value.push(widgetRef);
    changed.push(fields.ref);
    // SignaturesExist (1) and AppendOnly (2): viewers must save later changes as increments.
    acroForm.value.set(PDFName.of('SigFlags'), PDFNumber.of(3));
    changed.push(acroForm.ref);
    const annots = arrayEntry(changed, page, 'Annots');
    annots.value.push(widgetRef);
    changed.push(annots.ref);
  }

  /**
   * Serialises the changes as an update appended to the file (what pdf-lib's commit does, without
   * copying the whole file for every update) and returns the update's bytes.
   */
  private async appendUpdate(): Promise<Buffer> {
    this.usable();
    const context = this.doc.context;
    const snapshot = context.snapshot;
    if (!snapshot) throw new Error('the document was not opened for incremental updates');
    // The writer goes by the snapshot it is given; tracking stays off while it runs, since writing
    // sets entries too (each stream's /Length, the trailer, the fonts embedded only now), and each
    // would set pdf-lib walking the document for the object that holds it.
    context.snapshot = undefined;
    let update: Buffer;
    try {
      update = toBuffer(await this.doc.saveIncremental(snapshot, { useObjectStreams: false, objectsPerTick: OBJECTS_PER_TICK }));
    } finally {
      context.snapshot = snapshot;
    }
    const startxref = lastStartXref(update);
    this.chunks.push(update);
    this.length += update.length;
    this.joined = undefined;
    // The next update follows this one and points back to its cross-reference section.
    context.pdfFileDetails.pdfSize = this.length;
    context.pdfFileDetails.prevStartXRef = startxref;
    context.snapshot = this.doc.takeSnapshot();
    return update;
  }

  /**
   * Appends the update holding a signature placeholder, fixes its ByteRange, asks `sign` for the DER
   * over the SHA-256 of the covered bytes and writes it into /Contents. Returns the DER.
   */
  private async appendSigned(reserved: number, sign: (digest: Buffer) => Promise<Buffer>): Promise<Buffer> {
    const offset = this.length;
    const update = await this.appendUpdate();
    try {
      return await this.fill(update, offset, reserved, sign);
    } catch (error) {
      this.failed = error as Error;
      throw error;
    }
  }

  /** Fills in the placeholder of `update`, which starts at `offset` in the file. */
  private async fill(update: Buffer, offset: number, reserved: number, sign: (digest: Buffer) => Promise<Buffer>): Promise<Buffer> {
    const marker = update.indexOf(BYTE_RANGE_MARKER);
    if (marker < 0 || update.indexOf(BYTE_RANGE_MARKER, marker + 1) >= 0) {
      throw new Error('the update does not hold exactly one signature placeholder');
    }
    const rangeStart = marker + BYTE_RANGE_MARKER.length - BYTE_RANGE_PLACEHOLDER.length;
    const gapStart = update.indexOf('/Contents <', rangeStart, 'latin1') + '/Contents '.length;
    const gapEnd = gapStart + reserved * 2 + 2;
    if (update[gapEnd - 1] !== 0x3e /* > */) throw new Error('the signature placeholder is not where it was written');
    const byteRange = [0, offset + gapStart, offset + gapEnd, this.length - offset - gapEnd] as const;
    update.write(`[${byteRange.join(' ')}`.padEnd(BYTE_RANGE_PLACEHOLDER.length - 1, ' ') + ']', rangeStart, 'latin1');

    const hash = createHash('sha256');
    for (const chunk of this.chunks.slice(0, -1)) hash.update(chunk);
    const digest = hash.update(update.subarray(0, gapStart)).update(update.subarray(gapEnd)).digest();
    const der = await sign(digest);
    if (der.length > reserved) {
      throw new Error(`the signature has ${der.length} bytes, more than the ${reserved} reserved for it`);
    }
    update.write(der.toString('hex'), gapStart + 1, 'latin1');
    this.made.push(der);
    return der;
  }

  /**
   * Declares the ETSI extension of PDF 1.7 the document now uses (`/Extensions /ESIC`), raising a
   * lower level. PDF 2.0 documents need no declaration.
   */
  private declareEsic(changed: PDFRef[], level: number): void {
    const major = Number(this.doc.context.header.getVersionString().split('.')[0]);
    if (major >= 2) return;
    const extensions = dictEntry(changed, this.catalog(), 'Extensions', false);
    const esic = extensions.value.lookupMaybe(PDFName.of('ESIC'), PDFDict);
    const current = esic?.lookupMaybe(PDFName.of('ExtensionLevel'), PDFNumber)?.asNumber() ?? 0;
    if (current >= level) return;
    const declaration = PDFDict.withContext(this.doc.context);
    declaration.set(PDFName.of('BaseVersion'), PDFName.of('1.7'));
    declaration.set(PDFName.of('ExtensionLevel'), PDFNumber.of(level));
    extensions.value.set(PDFName.of('ESIC'), declaration);
    changed.push(extensions.ref);
  }
}

/** The version in the file's header (`%PDF-1.7`), looked for in its first KiB as readers do. */
function pdfVersion(bytes: Buffer): [number, number] {
  const version = /%PDF-(\d+)\.(\d+)/.exec(bytes.toString('latin1', 0, Math.min(bytes.length, 1024)));
  if (!version) throw new Error('the PDF cannot be read: it has no %PDF- header');
  return [Number(version[1]), Number(version[2])];
}

/** Parses the whole file with pdf-lib's parser, as `PDFDocument.load` does, for incremental updates. */
async function loadWhole(bytes: Buffer): Promise<PDFDocument> {
  try {
    // updateMetadata false: the Info dictionary (Producer, ModDate) is the document's, not ours to rewrite.
    return await PDFDocument.load(bytes, { forIncrementalUpdate: true, updateMetadata: false, parseSpeed: PARSE_SPEED });
  } catch (error) {
    if (error instanceof EncryptedPDFError) throw new Error('the PDF is encrypted');
    throw new Error(`the PDF cannot be read: ${(error as Error).message}`);
  }
}

/**
 * The document of `bytes` for incremental updates, its objects read on demand (ObjectsOnDemand)
 * rather than all parsed up front: what pdf-lib's load would give with `forIncrementalUpdate`, for
 * what the updates touch. This reaches into pdf-lib's internals (its context's object map and its
 * document's constructor); should they no longer be what this expects, it returns undefined and the
 * caller parses the whole file.
 */
function openOnDemand(bytes: Buffer, version: [number, number], xref: CrossReferences): PDFDocument | undefined {
  const context = PDFContext.create();
  const internals = context as unknown as { indirectObjects?: unknown };
  if (!(internals.indirectObjects instanceof Map) || internals.indirectObjects.size !== 0) return undefined;
  const objects = new ObjectsOnDemand(bytes, xref.entries, context);
  internals.indirectObjects = objects;

  context.header = PDFHeader.forVersion(version[0], version[1]);
  // The newest trailer that has a key gives it (an update's trailer should repeat them all, not every one does).
  const info: { Root?: PDFObject; Encrypt?: PDFObject; Info?: PDFObject; ID?: PDFObject } = {};
  let size = 0;
  for (const trailer of xref.trailers) {
    const dictionary = objects.trailer(trailer);
    for (const key of ['Root', 'Encrypt', 'Info', 'ID'] as const) info[key] ??= dictionary.get(PDFName.of(key));
    size = Math.max(size, dictionary.lookupMaybe(PDFName.of('Size'), PDFNumber)?.asNumber() ?? 0);
  }
  if (info.Encrypt !== undefined) throw new Error('the PDF is encrypted');
  context.trailerInfo = info;
  let largest = size - 1;
  for (const number of xref.entries.keys()) largest = Math.max(largest, number);
  context.largestObjectNumber = largest;
  context.pdfFileDetails.originalBytes = bytes;
  context.pdfFileDetails.pdfSize = bytes.length;
  context.pdfFileDetails.prevStartXRef = xref.startxref;

  let doc: PDFDocument;
  try {
    const Document = PDFDocument as unknown as new (context: PDFContext, ignoreEncryption: boolean, updateMetadata: boolean) => PDFDocument;
    doc = new Document(context, false, false);
  } catch {
    return undefined;
  }
  if (doc.context !== context || !(doc.catalog instanceof PDFDict) || doc.catalog !== context.lookup(info.Root)) return undefined;
  // As load does with forIncrementalUpdate: what is written from now on is an update.
  doc.takeSnapshot();
  return context.snapshot ? doc : undefined;
}

/** An object stream (ISO 32000-1 §7.5.7), decoded: its objects' offsets after /First. */
interface ObjectStream {
  readonly data: Uint8Array;
  readonly first: number;
  readonly offsets: ReadonlyMap<number, number>;
}

/**
 * pdf-lib's map of a document's objects, filled on demand: an object asked for the first time is
 * parsed (by pdf-lib's object parser) from where the cross-reference data says it is, at an offset
 * or in an object stream; after that it is the map's like any other. The objects never asked for are
 * never parsed, and since pdf-lib writes only what a snapshot marks (or what is new), an update does
 * not need them: for a 100-page document the updates read a dozen objects, not a thousand.
 */
class ObjectsOnDemand extends Map<PDFRef, PDFObject> {
  private readonly streams = new Map<number, ObjectStream>();
  private readonly removed = new Set<PDFRef>();

  constructor(
    private readonly pdf: Buffer,
    private readonly xref: ReadonlyMap<number, XrefEntry>,
    private readonly context: PDFContext,
  ) {
    super();
  }

  override get(ref: PDFRef): PDFObject | undefined {
    const held = super.get(ref);
    if (held !== undefined || this.removed.has(ref)) return held;
    let object: PDFObject | undefined;
    // Reading is no change: pdf-lib's tracking (which would walk the document for every array item
    // parsed) stays off meanwhile.
    const snapshot = this.context.snapshot;
    this.context.snapshot = undefined;
    try {
      object = this.read(ref);
    } catch (error) {
      throw new Error(`the PDF cannot be read: object ${ref.objectNumber} ${ref.generationNumber}: ${(error as Error).message}`);
    } finally {
      this.context.snapshot = snapshot;
    }
    if (object !== undefined) super.set(ref, object);
    return object;
  }

  override delete(ref: PDFRef): boolean {
    this.removed.add(ref);
    return super.delete(ref);
  }

  override set(ref: PDFRef, object: PDFObject): this {
    this.removed.delete(ref);
    return super.set(ref, object);
  }

  /** A trailer dictionary: after `trailer`, or a cross-reference stream's. */
  trailer(where: XrefSection['trailer']): PDFDict {
    const object = where.stream ? this.parseAt(where.offset) : PDFObjectParser.forBytes(this.pdf.subarray(where.offset), this.context).parseObject();
    const dictionary = object instanceof PDFRawStream ? object.dict : object;
    if (!(dictionary instanceof PDFDict)) throw new Error(`the PDF cannot be read: no trailer dictionary at offset ${where.offset}`);
    return dictionary;
  }

  private read(ref: PDFRef): PDFObject | undefined {
    const entry = this.xref.get(ref.objectNumber);
    if (!entry || ref.objectNumber === 0) return undefined;
    if (entry.type === 1) return entry.generation === ref.generationNumber ? this.parseAt(entry.offset, ref) : undefined;
    if (entry.type === 2 && ref.generationNumber === 0) return this.fromStream(entry.offset, ref);
    return undefined;
  }

  /** The object whose `N G obj` is at `offset` (checked against the cross-reference data when opened). */
  private parseAt(offset: number, ref?: PDFRef): PDFObject {
    const header = objectHeaderAt(this.pdf, offset);
    if (!header) throw new Error(`no object at offset ${offset}`);
    return PDFObjectParser.forBytes(this.pdf.subarray(header.end), this.context).parseObject(ref);
  }

  private fromStream(streamNumber: number, ref: PDFRef): PDFObject | undefined {
    let stream = this.streams.get(streamNumber);
    if (!stream) {
      stream = this.decodeStream(streamNumber);
      this.streams.set(streamNumber, stream);
    }
    const at = stream.offsets.get(ref.objectNumber);
    if (at === undefined) throw new Error(`not in object stream ${streamNumber}`);
    return PDFObjectParser.forBytes(stream.data.subarray(stream.first + at), this.context).parseObject(ref);
  }

  private decodeStream(streamNumber: number): ObjectStream {
    const raw = this.get(PDFRef.of(streamNumber, 0));
    if (!(raw instanceof PDFRawStream)) throw new Error(`object ${streamNumber} is not an object stream`);
    const count = raw.dict.lookup(PDFName.of('N'));
    const first = raw.dict.lookup(PDFName.of('First'));
    if (!(count instanceof PDFNumber) || !(first instanceof PDFNumber)) throw new Error(`object stream ${streamNumber} has no /N or /First`);
    // Node's zlib for plain Flate, the usual case; pdf-lib's decoders for anything else.
    const plainFlate = raw.dict.get(PDFName.of('Filter')) === PDFName.of('FlateDecode') && raw.dict.get(PDFName.of('DecodeParms')) === undefined;
    const data = plainFlate ? inflateSync(raw.getContents()) : decodePDFRawStream(raw).decode();
    const numbers = Buffer.from(data.buffer, data.byteOffset, Math.min(first.asNumber(), data.length)).toString('latin1').trim().split(/\s+/).map(Number);
    const offsets = new Map<number, number>();
    for (let i = 0; i + 1 < numbers.length && i < 2 * count.asNumber(); i += 2) offsets.set(numbers[i]!, numbers[i + 1]!);
    return { data, first: first.asNumber(), offsets };
  }
}

/** The number of pages, from the page tree's root /Count (without reading the pages themselves). */
function pageCount(doc: PDFDocument): number {
  const pages = doc.catalog.lookup(PDFName.of('Pages'));
  const count = pages instanceof PDFDict ? pages.lookup(PDFName.of('Count')) : undefined;
  return count instanceof PDFNumber ? count.asNumber() : 0;
}

/** The last page (a leaf of the page tree): down the last kid that holds pages, from the root. */
function lastPage(doc: PDFDocument): Located<PDFDict> {
  const context = doc.context;
  let node = doc.catalog.get(PDFName.of('Pages'));
  for (let depth = 0; depth < MAX_PAGE_TREE_DEPTH; depth++) {
    const dict = node instanceof PDFRef ? context.lookup(node) : undefined;
    if (!(node instanceof PDFRef) || !(dict instanceof PDFDict)) break;
    if (dict.get(PDFName.of('Type')) === PDFName.of('Page')) return { value: dict, ref: node };
    const kids = dict.lookup(PDFName.of('Kids'));
    if (!(kids instanceof PDFArray)) break;
    let next: PDFObject | undefined;
    for (let i = kids.size() - 1; i >= 0 && next === undefined; i--) {
      const kid = kids.get(i);
      const value = context.lookup(kid);
      const count = value instanceof PDFDict ? value.lookup(PDFName.of('Count')) : undefined;
      if (value instanceof PDFDict && (value.get(PDFName.of('Type')) === PDFName.of('Page') || (count instanceof PDFNumber && count.asNumber() > 0))) next = kid;
    }
    node = next;
  }
  throw new Error('the PDF page tree has no last page');
}

/** Page tree levels followed at most. */
const MAX_PAGE_TREE_DEPTH = 64;

/** The offset after the last `startxref` of a file (or an update) that ends with it and `%%EOF`. */
function lastStartXref(pdf: Buffer): number {
  const match = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(pdf.toString('latin1', Math.max(0, pdf.length - 64)));
  if (!match) throw new Error('the PDF does not end with startxref and %%EOF');
  return Number(match[1]);
}

/**
 * An entry of a cross-reference section (ISO 32000-1 §7.5.4, §7.5.8.3): type 1, in use at `offset`
 * with `generation`; type 2, in the object stream numbered `offset`; type 0, free.
 */
interface XrefEntry {
  readonly type: number;
  readonly offset: number;
  readonly generation: number;
}

/** A cross-reference section: its entries by object number, its trailer, and where older sections are. */
interface XrefSection {
  readonly entries: Map<number, XrefEntry>;
  /** Where the trailer dictionary starts (after `trailer`), or the offset of the cross-reference stream object. */
  readonly trailer: { readonly offset: number; readonly stream: boolean };
  readonly prev?: number;
  /** A hybrid file's cross-reference stream (ISO 32000-1 §7.5.8.4), read after the table. */
  readonly xrefStm?: number;
}

/** A file's cross-reference data: each object by the newest section listing it, and the trailers, newest first. */
interface CrossReferences {
  /** The offset the last `startxref` gives: where the newest section is. */
  readonly startxref: number;
  readonly entries: Map<number, XrefEntry>;
  readonly trailers: ReadonlyArray<XrefSection['trailer']>;
}

/** Sections followed at most: a loop or an absurd chain is damage. */
const MAX_XREF_SECTIONS = 4096;

/**
 * A file whose cross-reference data does not find its objects (see checkCrossReferences): readers
 * repair such a file, and a caller that can work on a repaired copy tells this error from the others.
 */
export class DamagedCrossReferencesError extends Error {}

function damaged(why: string): never {
  throw new DamagedCrossReferencesError(`the PDF's cross-reference data is damaged: ${why}`);
}

/**
 * Checks what an incremental update builds on: the last `startxref` points at a cross-reference table
 * or stream, so does every /Prev and /XRefStm, and every object they give as in use starts (`N G obj`)
 * where they say. pdf-lib's parser reads a file front to back and needs none of this, so it reads a
 * file whose offsets are wrong; but every reader of the updated file goes by them, and a damaged
 * original would make a damaged package. Throws an Error naming the first problem.
 */
export function checkCrossReferences(pdf: Buffer): void {
  checkObjectOffsets(pdf, readCrossReferences(pdf));
}

function readCrossReferences(pdf: Buffer): CrossReferences {
  const at = pdf.lastIndexOf('startxref', pdf.length, 'latin1');
  const start = at < 0 ? null : /^startxref\s+(\d+)\s+%%EOF/.exec(pdf.toString('latin1', at, at + 48));
  if (!start) return damaged('the file does not end with startxref and %%EOF');
  const entries = new Map<number, XrefEntry>();
  const trailers: Array<XrefSection['trailer']> = [];
  const pending = [Number(start[1])];
  const visited = new Set<number>();
  while (pending.length > 0) {
    const offset = pending.shift()!;
    if (visited.has(offset)) continue;
    if (visited.size >= MAX_XREF_SECTIONS) damaged(`more than ${MAX_XREF_SECTIONS} cross-reference sections`);
    visited.add(offset);
    const section = readXrefSection(pdf, offset) ?? damaged(`no cross-reference section at offset ${offset}`);
    // The newest section that lists an object decides where it is.
    for (const [number, entry] of section.entries) if (!entries.has(number)) entries.set(number, entry);
    trailers.push(section.trailer);
    if (section.prev !== undefined) pending.unshift(section.prev);
    if (section.xrefStm !== undefined) pending.unshift(section.xrefStm);
  }
  return { startxref: Number(start[1]), entries, trailers };
}

function checkObjectOffsets(pdf: Buffer, xref: CrossReferences): void {
  for (const [number, entry] of xref.entries) {
    if (entry.type !== 1 || number === 0) continue;
    const header = objectHeaderAt(pdf, entry.offset);
    if (!header || header.number !== number || header.generation !== entry.generation) {
      damaged(`object ${number} ${entry.generation} is not at offset ${entry.offset}`);
    }
  }
}

/**
 * The `N G obj` at `offset` (white space before it allowed) and where the object after it starts; read
 * byte by byte, since a file can list hundreds of thousands of objects.
 */
function objectHeaderAt(pdf: Buffer, offset: number): { number: number; generation: number; end: number } | undefined {
  let at = offset;
  const space = (): boolean => {
    const start = at;
    while (at < pdf.length && PDF_WHITE_SPACE.has(pdf[at]!)) at++;
    return at > start;
  };
  const integer = (): number | undefined => {
    const start = at;
    let value = 0;
    while (at < pdf.length && pdf[at]! >= 0x30 && pdf[at]! <= 0x39 && at - start < 10) value = value * 10 + pdf[at++]! - 0x30;
    return at > start ? value : undefined;
  };
  space();
  const number = integer();
  if (number === undefined || !space()) return undefined;
  const generation = integer();
  if (generation === undefined || !space()) return undefined;
  if (pdf[at] !== 0x6f /* o */ || pdf[at + 1] !== 0x62 /* b */ || pdf[at + 2] !== 0x6a /* j */) return undefined;
  const after = pdf[at + 3];
  if (after !== undefined && !PDF_WHITE_SPACE.has(after) && !PDF_DELIMITERS.has(after)) return undefined;
  return { number, generation, end: at + 3 };
}

/** ISO 32000-1 §7.2.2: NUL, tab, line feed, form feed, carriage return, space; and the delimiters. */
const PDF_WHITE_SPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const PDF_DELIMITERS = new Set([...'()<>[]{}/%'].map((char) => char.charCodeAt(0)));

function readXrefSection(pdf: Buffer, offset: number): XrefSection | undefined {
  if (offset >= pdf.length) return undefined;
  const head = pdf.toString('latin1', offset, offset + 64);
  if (/^xref\s/.test(head)) return readXrefTable(pdf, offset);
  const object = /^(\d+)\s+(\d+)\s+obj\s*<</.exec(head);
  return object ? readXrefStream(pdf, offset) : undefined;
}

/** A classic table (ISO 32000-1 §7.5.4) and its trailer's /Prev and /XRefStm. */
function readXrefTable(pdf: Buffer, offset: number): XrefSection | undefined {
  const trailer = pdf.indexOf('trailer', offset, 'latin1');
  if (trailer < 0) return undefined;
  const tokens = pdf.toString('latin1', offset + 4, trailer).trim().split(/\s+/);
  const entries = new Map<number, XrefEntry>();
  for (let i = 0; i + 1 < tokens.length; ) {
    const first = Number(tokens[i]);
    const count = Number(tokens[i + 1]);
    i += 2;
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || count < 0 || i + 3 * count > tokens.length) return undefined;
    for (let n = 0; n < count; n++, i += 3) {
      const entryOffset = Number(tokens[i]);
      const generation = Number(tokens[i + 1]);
      const kind = tokens[i + 2];
      if (!Number.isSafeInteger(entryOffset) || !Number.isSafeInteger(generation) || (kind !== 'n' && kind !== 'f')) return undefined;
      entries.set(first + n, { type: kind === 'n' ? 1 : 0, offset: entryOffset, generation });
    }
  }
  const end = pdf.indexOf('startxref', trailer, 'latin1');
  const dictionary = pdf.toString('latin1', trailer, end < 0 ? Math.min(pdf.length, trailer + 4096) : end);
  return {
    entries,
    trailer: { offset: trailer + 'trailer'.length, stream: false },
    ...optionalNumber('prev', /\/Prev\s+(\d+)/.exec(dictionary)),
    ...optionalNumber('xrefStm', /\/XRefStm\s+(\d+)/.exec(dictionary)),
  };
}

/** A cross-reference stream (ISO 32000-1 §7.5.8): Flate or no filter, PNG predictors. */
function readXrefStream(pdf: Buffer, offset: number): XrefSection | undefined {
  const keyword = pdf.indexOf('stream', offset, 'latin1');
  if (keyword < 0) return undefined;
  const dictionary = pdf.toString('latin1', offset, keyword);
  if (!/\/Type\s*\/XRef\b/.test(dictionary)) return undefined;
  let dataStart = keyword + 'stream'.length;
  if (pdf[dataStart] === 0x0d) dataStart++;
  if (pdf[dataStart] === 0x0a) dataStart++;
  const direct = /\/Length\s+(\d+)(?!\s+\d+\s+R)/.exec(dictionary);
  const dataEnd = direct ? dataStart + Number(direct[1]) : pdf.indexOf('endstream', dataStart, 'latin1');
  if (dataEnd < dataStart || dataEnd > pdf.length) return undefined;
  const widths = /\/W\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(dictionary);
  const size = /\/Size\s+(\d+)/.exec(dictionary);
  if (!widths || !size) return undefined;
  const w = [Number(widths[1]), Number(widths[2]), Number(widths[3])] as const;
  const index = /\/Index\s*\[([\d\s]*)\]/.exec(dictionary)?.[1]?.trim().split(/\s+/).map(Number) ?? [0, Number(size[1])];
  const filter = /\/Filter\s*(?:\[\s*)?\/(\w+)/.exec(dictionary)?.[1];
  let data: Buffer;
  try {
    if (filter === undefined) data = pdf.subarray(dataStart, dataEnd);
    else if (filter === 'FlateDecode') data = inflateSync(pdf.subarray(dataStart, dataEnd));
    else throw new Error(`the /${filter} filter`);
    const predictor = Number(/\/Predictor\s+(\d+)/.exec(dictionary)?.[1] ?? 1);
    if (predictor >= 10) data = unpredictPng(data, Number(/\/Columns\s+(\d+)/.exec(dictionary)?.[1] ?? 1));
    else if (predictor !== 1) throw new Error(`predictor ${predictor}`);
  } catch (error) {
    throw new Error(`the PDF's cross-reference stream at offset ${offset} cannot be read: ${(error as Error).message}`);
  }
  const rowLength = w[0] + w[1] + w[2];
  const field = (row: number, from: number, width: number): number => {
    let value = 0;
    for (let i = 0; i < width; i++) value = value * 256 + data[row * rowLength + from + i]!;
    return value;
  };
  const entries = new Map<number, XrefEntry>();
  let row = 0;
  for (let i = 0; i + 1 < index.length; i += 2) {
    for (let n = 0; n < index[i + 1]!; n++, row++) {
      if ((row + 1) * rowLength > data.length) return undefined;
      const type = w[0] === 0 ? 1 : field(row, 0, w[0]);
      entries.set(index[i]! + n, { type, offset: field(row, w[0], w[1]), generation: type === 2 ? 0 : field(row, w[0] + w[1], w[2]) });
    }
  }
  return { entries, trailer: { offset, stream: true }, ...optionalNumber('prev', /\/Prev\s+(\d+)/.exec(dictionary)) };
}

/** Data encoded with a PNG predictor (ISO 32000-1 §7.4.4.4): each row a filter byte and `columns` bytes. */
function unpredictPng(data: Buffer, columns: number): Buffer {
  const rows = Math.floor(data.length / (columns + 1));
  const out = Buffer.alloc(rows * columns);
  for (let row = 0; row < rows; row++) {
    const filter = data[row * (columns + 1)]!;
    for (let column = 0; column < columns; column++) {
      const raw = data[row * (columns + 1) + 1 + column]!;
      const left = column > 0 ? out[row * columns + column - 1]! : 0;
      const up = row > 0 ? out[(row - 1) * columns + column]! : 0;
      const upLeft = row > 0 && column > 0 ? out[(row - 1) * columns + column - 1]! : 0;
      const predicted = pngPrediction(filter, left, up, upLeft);
      out[row * columns + column] = (raw + predicted) & 0xff;
    }
  }
  return out;
}

/** What a PNG filter type predicts a byte from its left, upper and upper-left neighbours. */
function pngPrediction(filter: number, left: number, up: number, upLeft: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return left;
    case 2:
      return up;
    case 3:
      return (left + up) >> 1;
    case 4: {
      // Paeth: the neighbour nearest to left + up - upLeft.
      const estimate = left + up - upLeft;
      const [toLeft, toUp, toUpLeft] = [Math.abs(estimate - left), Math.abs(estimate - up), Math.abs(estimate - upLeft)];
      return toLeft <= toUp && toLeft <= toUpLeft ? left : toUp <= toUpLeft ? up : upLeft;
    }
    default:
      throw new Error(`PNG filter ${filter}`);
  }
}

function optionalNumber<K extends string>(key: K, match: RegExpExecArray | null): Partial<Record<K, number>> {
  return match ? ({ [key]: Number(match[1]) } as Partial<Record<K, number>>) : {};
}

/** A value and the indirect object that holds it: itself when it is indirect, else its container. */
interface Located<T> {
  readonly value: T;
  readonly ref: PDFRef;
}

/**
 * The dictionary under `key` in `holder`, made when missing (as an indirect object when `indirect`;
 * the holder is then recorded as changed).
 */
function dictEntry(changed: PDFRef[], holder: Located<PDFDict>, key: string, indirect: boolean): Located<PDFDict> {
  const name = PDFName.of(key);
  const raw = holder.value.get(name);
  const context = holder.value.context;
  if (raw instanceof PDFRef) {
    const value = context.lookup(raw);
    if (value instanceof PDFDict) return { value, ref: raw };
  } else if (raw instanceof PDFDict) {
    return { value: raw, ref: holder.ref };
  }
  const value = PDFDict.withContext(context);
  changed.push(holder.ref);
  if (!indirect) {
    holder.value.set(name, value);
    return { value, ref: holder.ref };
  }
  const ref = context.register(value);
  holder.value.set(name, ref);
  return { value, ref };
}

/** The array under `key` in `holder`, made (direct) when missing. */
function arrayEntry(changed: PDFRef[], holder: Located<PDFDict>, key: string): Located<PDFArray> {
  const name = PDFName.of(key);
  const raw = holder.value.get(name);
  const context = holder.value.context;
  if (raw instanceof PDFRef) {
    const value = context.lookup(raw);
    if (value instanceof PDFArray) return { value, ref: raw };
  } else if (raw instanceof PDFArray) {
    return { value: raw, ref: holder.ref };
  }
  const value = PDFArray.withContext(context);
  holder.value.set(name, value);
  changed.push(holder.ref);
  return { value, ref: holder.ref };
}

function appendRefs(changed: PDFRef[], holder: Located<PDFDict>, key: string, refs: readonly PDFRef[]): void {
  if (refs.length === 0) return;
  const array = arrayEntry(changed, holder, key);
  for (const ref of refs) array.value.push(ref);
  changed.push(array.ref);
}

function refArray(context: PDFDict['context'], refs: readonly PDFRef[]): PDFArray {
  const array = PDFArray.withContext(context);
  for (const ref of refs) array.push(ref);
  return array;
}

/** `name` when `exact`, else `name` with the lowest number ≥ 1 that no top-level field uses. */
function freeFieldName(fields: PDFArray, name: string, exact: boolean): string {
  if (!/^[\x21-\x7e]+$/.test(name) || /[.()\\]/.test(name)) {
    throw new Error(`a signature field name must be printable ASCII without spaces, periods, parentheses or backslashes: ${JSON.stringify(name)}`);
  }
  const taken = new Set<string>();
  for (let i = 0; i < fields.size(); i++) {
    const field = fields.lookup(i);
    const title = field instanceof PDFDict ? field.lookup(PDFName.of('T')) : undefined;
    if (title instanceof PDFString || title instanceof PDFHexString) taken.add(title.decodeText());
  }
  if (exact) {
    if (taken.has(name)) throw new Error(`the PDF already has a field named ${name}`);
    return name;
  }
  for (let n = 1; ; n++) if (!taken.has(`${name}${n}`)) return `${name}${n}`;
}

/** Default room for the CMS: its certificates, the signer info and a timestamp token, rounded up to 1 KiB. */
function defaultCmsReserve(seal: Credential): number {
  const certificates = seal.certificate.length + seal.chain.reduce((sum, der) => sum + der.length, 0);
  return Math.ceil((certificates + SIGNER_INFO_RESERVE + TIMESTAMP_TOKEN_RESERVE) / 1024) * 1024;
}

/** The items without repeats (same bytes), in their first order. */
function distinct(items: readonly Buffer[]): Buffer[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = createHash('sha256').update(item).digest('hex');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A PDF date string (ISO 32000-1 §7.9.4) in UTC: `(D:YYYYMMDDHHmmSSZ)`. */
export function pdfDate(time: Date): string {
  const iso = wholeSeconds(time).toISOString();
  return `(D:${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z)`;
}

/**
 * A PDF text string (ISO 32000-1 §7.9.2.2): a literal string when the text is printable ASCII, else
 * UTF-16BE with a byte order mark, written in hex.
 */
export function pdfTextString(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return `(${text.replace(/[\\()]/g, '\\$&')})`;
  return `<${Buffer.from(`\ufeff${text}`, 'utf16le').swap16().toString('hex').toUpperCase()}>`;
}
