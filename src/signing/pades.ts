import { createHash } from 'node:crypto';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFInvalidObject,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFString,
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
 * appends the changed objects with a cross-reference section and a trailer pointing to the previous
 * one. Pure: bytes and keys in, bytes out; the caller supplies the time and the timestamps.
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
 * A PDF held open for a series of incremental updates: it is parsed once, and each step appends one
 * revision and fills in its own placeholder. createPades runs its three updates
 * on one of these rather than parsing the document three times.
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

  static async open(pdf: Uint8Array): Promise<PdfRevisions> {
    // updateMetadata false: the Info dictionary (Producer, ModDate) is the document's, not ours to rewrite.
    const doc = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false, parseSpeed: PARSE_SPEED });
    if (doc.getPageCount() === 0) throw new Error('the PDF has no pages');
    if (!(doc.context.trailerInfo.Root instanceof PDFRef)) throw new Error('the PDF trailer has no /Root reference');
    return new PdfRevisions(doc, toBuffer(pdf));
  }

  /** The document with every update so far. */
  bytes(): Buffer {
    this.usable();
    this.joined ??= Buffer.concat(this.chunks, this.length);
    return this.joined;
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
    this.edit((changed) => {
      this.addField(changed, entries, reserved, options.fieldName ?? 'Signature', options.fieldName !== undefined, time);
      this.declareEsic(changed, ESIC_CADES);
    });
    await this.appendSigned(reserved, (digest) => signDigestDetached(digest, options.seal, { timestamp: options.timestamp }));
  }

  /** Appends the validation data to /DSS (see addDss). */
  async addDss(data: DssData): Promise<void> {
    const signatures = data.vri ?? true ? [...extractSignatures(this.chunks[0]!).map((found) => found.contents), ...this.made] : [];
    this.edit((changed) => {
      const context = this.doc.context;
      const streams = (items: readonly Buffer[] | undefined): PDFRef[] =>
        distinct(items ?? []).map((der) => context.register(context.flateStream(der)));
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
    this.edit((changed) => {
      this.addField(changed, entries, reserved, fieldName, options.fieldName !== undefined, wholeSeconds(options.time));
      this.declareEsic(changed, ESIC_LTV);
    });
    await this.appendSigned(reserved, options.timestamp);
  }

  /**
   * Runs `change` with pdf-lib's change tracking off; the objects it lists as changed (and every
   * object it registers) go into the next update.
   */
  private edit(change: (changed: PDFRef[]) => void): void {
    this.usable();
    const context = this.doc.context;
    const snapshot = context.snapshot;
    if (!snapshot) throw new Error('the document was not opened for incremental updates');
    const changed: PDFRef[] = [];
    context.snapshot = undefined;
    try {
      change(changed);
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
    const pages = this.doc.getPages();
    const page = pages[pages.length - 1]!;
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
    const annots = arrayEntry(changed, { value: page.node, ref: page.ref }, 'Annots');
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
    const update = toBuffer(await this.doc.saveIncremental(snapshot, { useObjectStreams: false, objectsPerTick: OBJECTS_PER_TICK }));
    const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(update.toString('latin1', Math.max(0, update.length - 64)));
    if (!startxref) throw new Error('the update does not end with startxref and %%EOF');
    this.chunks.push(update);
    this.length += update.length;
    this.joined = undefined;
    // The next update follows this one and points back to its cross-reference section.
    context.pdfFileDetails.pdfSize = this.length;
    context.pdfFileDetails.prevStartXRef = Number(startxref[1]);
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
