import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Element } from '@xmldom/xmldom';
import { pkijsCertificate } from './cms';
import type { Credential } from './credential';
import { OID, sha256 } from './der';
import { base64Text } from './exc-c14n';
import {
  childElement,
  childElements,
  escapeXmlAttribute,
  escapeXmlText,
  findChildElement,
  parseXmlStrict,
  SHA256_URI,
  writeSealedXmlParts,
  XADES_NS,
  xmlDateTime,
  XMLDSIG_NS,
  type Base64Text,
  type XadesSignaturePolicy,
  type XmlSink,
} from './xades';

/**
 * LTV-SDO (`application/x-ltv-sdo`): the signed result of one signer's signature on one document.
 * It holds who signed, the original document (or its digest), the eID's native signature, the
 * validation data gathered when Paraph checked that signature, an audit trail of the ceremony and
 * the context, all sealed with the service's seal as an enveloped XAdES B-LT signature. The
 * format, its schema (wsdl/ltv-sdo-1.1.xsd) and how to verify it are described in docs/ltv-sdo.md.
 */

export const LTV_SDO_NS = 'https://id.signicat.com/definitions/xsd/LtvSdo-1.1';
export const LTV_SDO_MIME_TYPE = 'application/x-ltv-sdo';
export const LTV_SDO_VERSION = '1.1';
/** The Id of the seal's ds:Signature, from which its other Ids derive (see xadesIds). */
export const LTV_SDO_SEAL_ID = 'LtvSdoSeal';
const DOCUMENT_ELEMENT_ID = 'OriginalDocument';
const SERVER_NAME = 'Paraph';

export type AuditEventType =
  | 'document-shown'
  | 'signature-created'
  | 'core-validation-succeeded'
  | 'path-validation-succeeded'
  | 'revocation-check-succeeded';

const AUDIT_EVENT_TYPES: ReadonlySet<string> = new Set<AuditEventType>([
  'document-shown',
  'signature-created',
  'core-validation-succeeded',
  'path-validation-succeeded',
  'revocation-check-succeeded',
]);

export interface AuditEvent {
  /** Written without milliseconds. */
  readonly time: Date;
  readonly type: AuditEventType;
  readonly detail?: string;
}

export interface LtvSdoSigner {
  /** SignerName. Default: first and last name, else the certificate's common name. */
  readonly name?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  /** The national identity number (fødselsnummer, CPR, personnummer). */
  readonly nationalId?: string;
  /** ISO 3166-1 alpha-2 country of `nationalId`: NO, DK, SE. */
  readonly nationality?: string;
  /** SignerUniqueId. Default: the serialNumber attribute of the signer certificate's subject. */
  readonly uniqueId?: string;
}

export interface LtvSdoInput {
  readonly signer: LtvSdoSigner;
  readonly document: {
    /** The document's id in the order (DocumentId). */
    readonly id: string;
    readonly mimeType: string;
    readonly description: string;
    readonly bytes: Buffer;
    /** SHA-256 of `bytes`, when the caller has it already. */
    readonly digest?: Buffer;
    /** `embedded`: the bytes are in the LTV-SDO; `digest`: only their SHA-256 is. */
    readonly inclusion: 'embedded' | 'digest';
  };
  readonly native: {
    /** The signature method, e.g. `nbid-sign`. */
    readonly method: string;
    /** The artifact's kind: `seid-sdo`, `openoces-xmldsig`, `bankid-se-xmldsig`, `cms`. */
    readonly format: string;
    readonly mimeType: string;
    /** The eID's artifact, byte for byte. */
    readonly data: Buffer;
    readonly signerCertificate: Buffer;
    /** The signer certificate's CAs, nearest first. */
    readonly chain: readonly Buffer[];
    /** DER OCSPResponses obtained when the native signature was checked. */
    readonly ocspResponses: readonly Buffer[];
  };
  readonly auditTrail: readonly AuditEvent[];
  readonly client?: { readonly ip?: string; readonly userAgent?: string };
  readonly server: { readonly service: string; readonly requestId: string; readonly taskId: string; readonly version: string };
  /** The packaging policy URN the package follows, e.g. `urn:signicat:packagingpolicy:ltv:1.3`. */
  readonly packagingPolicy?: string;
  /** Validation and sealing time: ValidatedAt and the seal's SigningTime. */
  readonly time: Date;
  readonly seal: Credential;
  /** SignaturePolicyIdentifier of the seal; none by default. */
  readonly sealPolicy?: XadesSignaturePolicy;
  /** Returns a DER RFC 3161 TimeStampToken over a SHA-256 imprint. */
  readonly timestamp: (imprint: Buffer) => Promise<Buffer>;
  /** Validation data of the seal itself (see XadesValidationData). */
  readonly sealValidation: { readonly certificates: readonly Buffer[]; readonly ocspResponses: readonly Buffer[] };
}

/** What an LTV-SDO says, read without verifying anything. */
export interface LtvSdoSummary {
  readonly version: string;
  readonly signer: {
    readonly name: string;
    readonly firstName?: string;
    readonly lastName?: string;
    readonly nationalId?: string;
    readonly nationality?: string;
    readonly uniqueId?: string;
  };
  readonly document: {
    readonly id: string;
    readonly mimeType: string;
    readonly description?: string;
    readonly inclusion: 'embedded' | 'digest';
    /** SHA-256 of the original bytes. */
    readonly digest: Buffer;
    /** The original bytes, when embedded. */
    readonly data?: Buffer;
  };
  readonly native: {
    readonly method: string;
    readonly format: string;
    readonly mimeType: string;
    readonly data: Buffer;
    readonly signerCertificate: Buffer;
    readonly chain: readonly Buffer[];
    readonly ocspResponses: readonly Buffer[];
    /** DER TimeStampToken over SHA-256 of `data`. */
    readonly timestamp: Buffer;
    readonly validatedAt: Date;
  };
  readonly auditTrail: readonly AuditEvent[];
  readonly client?: { readonly ip?: string; readonly userAgent?: string };
  readonly server: {
    readonly service: string;
    readonly requestId: string;
    readonly taskId: string;
    readonly name: string;
    readonly version: string;
    readonly packagingPolicy?: string;
  };
  /** The seal certificate (first in the seal's KeyInfo). */
  readonly sealCertificate: Buffer;
  /** The seal's SigningTime. */
  readonly signingTime: Date;
  /** DER TimeStampToken of the seal's SignatureTimeStamp. */
  readonly sealTimestamp?: Buffer;
  /** The seal's CertificateValues. */
  readonly sealCertificates: readonly Buffer[];
  /** The seal's RevocationValues/OCSPValues. */
  readonly sealOcspResponses: readonly Buffer[];
}

/**
 * Builds and seals an LTV-SDO. The native signature is timestamped (NativeSignatureTimeStamp, over
 * SHA-256 of its bytes) and the whole is sealed as XAdES B-LT, which asks for a second timestamp.
 * Returns the UTF-8 XML with its XML declaration.
 */
export async function createLtvSdo(input: LtvSdoInput): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await writeLtvSdo(input, (written) => chunks.push(...written));
  return Buffer.concat(chunks);
}

/**
 * createLtvSdo, handing the bytes to `sink` as they become known (see XmlSink): a caller that stores
 * the result writes the megabytes of the native signature while the seal is made.
 */
export async function writeLtvSdo(input: LtvSdoInput, sink: XmlSink): Promise<void> {
  // The TSA signs on the thread pool while the native signature is base64-encoded here. One turn of
  // the event loop first, so that the TSA's request gets through its awaits to the pool.
  const stamping = input.timestamp(sha256(input.native.data));
  await nextTurn();
  const nativeBase64 = base64Text(input.native.data);
  const nativeTimestamp = await stamping;
  const parts: Array<string | Base64Text> = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  render(ltvSdoElement(input, nativeTimestamp, nativeBase64), 0, parts);
  await writeSealedXmlParts(parts, {
    seal: input.seal,
    signingTime: input.time,
    signatureId: LTV_SDO_SEAL_ID,
    mimeType: LTV_SDO_MIME_TYPE,
    ...(input.sealPolicy ? { policy: input.sealPolicy } : {}),
    timestamp: input.timestamp,
    validation: input.sealValidation,
  }, sink);
}

/**
 * Reads an LTV-SDO made by createLtvSdo (or following docs/ltv-sdo.md). Only parses: the seal, the
 * digests and the timestamps are not checked. A DOCTYPE is refused.
 */
export function readLtvSdo(xml: Buffer): LtvSdoSummary {
  const doc = parseXmlStrict(xml.toString('utf8'), 'the LTV-SDO');
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== LTV_SDO_NS || root.localName !== 'LtvSdo') {
    throw new Error(`the document is not an LTV-SDO: its root is not {${LTV_SDO_NS}}LtvSdo`);
  }
  const own = (parent: Element, name: string): Element => childElement(parent, LTV_SDO_NS, name);

  const signer = own(root, 'SignerDescription');
  const document = own(root, 'OriginalDocument');
  const inclusion = requiredAttribute(document, 'Inclusion');
  if (inclusion !== 'embedded' && inclusion !== 'digest') throw new Error(`unknown OriginalDocument Inclusion "${inclusion}"`);
  const documentData = findChildElement(document, LTV_SDO_NS, 'Data');
  const nativeSdo = own(own(root, 'NativeSignature'), 'NativeSdo');
  const validation = own(root, 'ValidationData');
  const nativeCertificates = childElements(own(validation, 'Certificates'), LTV_SDO_NS, 'X509Certificate').map(base64Of);
  const [nativeSigner, ...nativeChain] = nativeCertificates;
  if (!nativeSigner) throw new Error('ValidationData has no certificate');
  const client = findChildElement(root, LTV_SDO_NS, 'ClientContext');
  const server = own(root, 'ServerContext');

  const signature = childElement(root, XMLDSIG_NS, 'Signature');
  const keyInfoCertificate = childElement(
    childElement(childElement(signature, XMLDSIG_NS, 'KeyInfo'), XMLDSIG_NS, 'X509Data'),
    XMLDSIG_NS,
    'X509Certificate',
  );
  const qualifying = signature.getElementsByTagNameNS(XADES_NS, 'QualifyingProperties')[0];
  if (!qualifying) throw new Error('the seal has no QualifyingProperties');
  const signingTime = qualifying.getElementsByTagNameNS(XADES_NS, 'SigningTime')[0];
  if (!signingTime) throw new Error('the seal has no SigningTime');
  const sealTimestamp = qualifying.getElementsByTagNameNS(XADES_NS, 'EncapsulatedTimeStamp')[0];
  const xadesAll = (name: string): Buffer[] => Array.from(qualifying.getElementsByTagNameNS(XADES_NS, name)).map(base64Of);

  return {
    version: requiredAttribute(root, 'Version'),
    signer: {
      name: textOf(own(signer, 'SignerName')),
      ...optional('firstName', textOf(own(signer, 'SignerFirstName'))),
      ...optional('lastName', textOf(own(signer, 'SignerLastName'))),
      ...optional('nationalId', textOf(own(signer, 'SignerNationalId'))),
      ...optional('nationality', textOf(own(signer, 'SignerNationality'))),
      ...optional('uniqueId', textOf(own(signer, 'SignerUniqueId'))),
    },
    document: {
      id: requiredAttribute(document, 'DocumentId'),
      mimeType: requiredAttribute(document, 'MimeType'),
      ...optional('description', document.getAttribute('Description') ?? ''),
      inclusion,
      digest: base64Of(own(document, 'DigestValue')),
      ...(documentData ? { data: base64Of(documentData) } : {}),
    },
    native: {
      method: requiredAttribute(nativeSdo, 'Method'),
      format: requiredAttribute(nativeSdo, 'Format'),
      mimeType: requiredAttribute(nativeSdo, 'MimeType'),
      data: base64Of(nativeSdo),
      signerCertificate: nativeSigner,
      chain: nativeChain,
      ocspResponses: childElements(own(validation, 'OCSPResponses'), LTV_SDO_NS, 'OCSPResponse').map(base64Of),
      timestamp: base64Of(own(validation, 'NativeSignatureTimeStamp')),
      validatedAt: dateOf(requiredAttribute(validation, 'ValidatedAt')),
    },
    auditTrail: childElements(own(root, 'AuditTrail'), LTV_SDO_NS, 'Event').map(auditEventOf),
    ...(client
      ? {
          client: {
            ...optionalChild(client, 'ip', 'ClientIp'),
            ...optionalChild(client, 'userAgent', 'UserAgent'),
          },
        }
      : {}),
    server: {
      service: textOf(own(server, 'Service')),
      requestId: textOf(own(server, 'RequestId')),
      taskId: textOf(own(server, 'TaskId')),
      name: textOf(own(server, 'ServerName')),
      version: textOf(own(server, 'ServerVersion')),
      ...optionalChild(server, 'packagingPolicy', 'PackagingPolicy'),
    },
    sealCertificate: base64Of(keyInfoCertificate),
    signingTime: dateOf(textOf(signingTime)),
    ...(sealTimestamp ? { sealTimestamp: base64Of(sealTimestamp) } : {}),
    sealCertificates: xadesAll('EncapsulatedX509Certificate'),
    sealOcspResponses: xadesAll('EncapsulatedOCSPValue'),
  };
}

// ---------------------------------------------------------------------------------------------
// Writing.

/** An element to write: text is escaped; base64 needs no escaping. */
interface XmlElement {
  readonly name: string;
  readonly attributes?: ReadonlyArray<readonly [string, string | undefined]>;
  readonly children?: readonly XmlElement[];
  readonly text?: string;
  readonly base64?: Buffer | Base64Text;
}

function ltvSdoElement(input: LtvSdoInput, nativeTimestamp: Buffer, nativeData: Base64Text): XmlElement {
  const { document, native, server } = input;
  const documentDigest = document.digest ?? sha256(document.bytes);
  return {
    name: 'LtvSdo',
    attributes: [
      ['xmlns', LTV_SDO_NS],
      ['Version', LTV_SDO_VERSION],
    ],
    children: [
      signerDescription(input),
      {
        name: 'OriginalDocument',
        attributes: [
          ['Id', DOCUMENT_ELEMENT_ID],
          ['DocumentId', document.id],
          ['MimeType', document.mimeType],
          ['Description', document.description],
          ['Inclusion', document.inclusion],
        ],
        children: [
          { name: 'DigestMethod', attributes: [['Algorithm', SHA256_URI]] },
          { name: 'DigestValue', base64: documentDigest },
          ...(document.inclusion === 'embedded' ? [{ name: 'Data', base64: document.bytes }] : []),
        ],
      },
      {
        name: 'NativeSignature',
        children: [
          {
            name: 'NativeSdo',
            attributes: [
              ['Method', native.method],
              ['Format', native.format],
              ['MimeType', native.mimeType],
            ],
            base64: nativeData,
          },
        ],
      },
      {
        name: 'ValidationData',
        attributes: [['ValidatedAt', xmlDateTime(input.time)]],
        children: [
          {
            name: 'Certificates',
            children: [native.signerCertificate, ...native.chain].map((der) => ({ name: 'X509Certificate', base64: der })),
          },
          { name: 'OCSPResponses', children: native.ocspResponses.map((der) => ({ name: 'OCSPResponse', base64: der })) },
          { name: 'NativeSignatureTimeStamp', base64: nativeTimestamp },
        ],
      },
      {
        name: 'AuditTrail',
        children: input.auditTrail.map((event) => {
          if (!AUDIT_EVENT_TYPES.has(event.type)) throw new Error(`unknown audit event type "${event.type}"`);
          return {
            name: 'Event',
            attributes: [
              ['Time', xmlDateTime(event.time)],
              ['Type', event.type],
            ],
            children: event.detail === undefined ? [] : [{ name: 'Detail', text: event.detail }],
          };
        }),
      },
      ...(input.client
        ? [
            {
              name: 'ClientContext',
              children: [
                ...textElement('ClientIp', input.client.ip),
                ...textElement('UserAgent', input.client.userAgent),
              ],
            },
          ]
        : []),
      {
        name: 'ServerContext',
        children: [
          { name: 'Service', text: server.service },
          { name: 'RequestId', text: server.requestId },
          { name: 'TaskId', text: server.taskId },
          { name: 'ServerName', text: SERVER_NAME },
          { name: 'ServerVersion', text: server.version },
          ...textElement('PackagingPolicy', input.packagingPolicy),
        ],
      },
    ],
  };
}

/**
 * Every child is written even when unknown (empty), so that clients that read a child without
 * checking for it, as Signicat's clients do with SignerNationalId and SignerNationality, get an
 * empty string rather than an error.
 */
function signerDescription(input: LtvSdoInput): XmlElement {
  const { signer } = input;
  if (signer.nationality !== undefined && !/^[A-Z]{2}$/.test(signer.nationality)) {
    throw new Error(`SignerNationality must be an ISO 3166-1 alpha-2 code: "${signer.nationality}"`);
  }
  const subject = subjectAttributes(input.native.signerCertificate);
  const fullName = [signer.firstName, signer.lastName].filter((part) => part !== undefined && part !== '').join(' ');
  const name = signer.name ?? (fullName !== '' ? fullName : (subject.get(OID_COMMON_NAME) ?? ''));
  return {
    name: 'SignerDescription',
    children: [
      { name: 'SignerName', text: name },
      { name: 'SignerFirstName', text: signer.firstName ?? '' },
      { name: 'SignerLastName', text: signer.lastName ?? '' },
      { name: 'SignerNationalId', text: signer.nationalId ?? '' },
      { name: 'SignerNationality', text: signer.nationality ?? '' },
      { name: 'SignerUniqueId', text: signer.uniqueId ?? subject.get(OID.serialNumberAttribute) ?? '' },
    ],
  };
}

const OID_COMMON_NAME = '2.5.4.3';

/** The first value of each attribute type in a certificate's subject. */
function subjectAttributes(certificateDer: Buffer): Map<string, string> {
  const found = new Map<string, string>();
  for (const attribute of pkijsCertificate(certificateDer).subject.typesAndValues) {
    if (!found.has(attribute.type)) found.set(attribute.type, attribute.value.valueBlock.value);
  }
  return found;
}

function textElement(name: string, value: string | undefined): XmlElement[] {
  return value === undefined ? [] : [{ name, text: value }];
}

/**
 * Two spaces an indentation level, so that a person can read the file; the whitespace is part of
 * the sealed content like everything else. Binary content goes out as Base64Text parts on one
 * line, which sealXmlParts writes straight into the result.
 */
function render(element: XmlElement, depth: number, out: Array<string | Base64Text>): void {
  const indent = '  '.repeat(depth);
  const attributes = (element.attributes ?? [])
    .filter((attribute): attribute is readonly [string, string] => attribute[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXmlAttribute(value)}"`)
    .join('');
  const open = `${indent}<${element.name}${attributes}`;
  if (element.base64 !== undefined) {
    const content = Buffer.isBuffer(element.base64) ? { base64: element.base64 } : element.base64;
    out.push(`${open}>`, content, `</${element.name}>\n`);
    return;
  }
  if (element.text !== undefined) {
    out.push(`${open}>${escapeXmlText(element.text)}</${element.name}>\n`);
    return;
  }
  const children = element.children ?? [];
  if (children.length === 0) {
    out.push(`${open}/>\n`);
    return;
  }
  out.push(`${open}>\n`);
  for (const child of children) render(child, depth + 1, out);
  out.push(`${indent}</${element.name}>\n`);
}

// ---------------------------------------------------------------------------------------------
// Reading.

function textOf(element: Element): string {
  return element.textContent ?? '';
}

function base64Of(element: Element): Buffer {
  return Buffer.from(textOf(element), 'base64');
}

function dateOf(value: string): Date {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new Error(`not an xs:dateTime: "${value}"`);
  return time;
}

function requiredAttribute(element: Element, name: string): string {
  const value = element.getAttribute(name);
  if (value === null) throw new Error(`${element.localName} has no ${name} attribute`);
  return value;
}

/** `{ key: value }` for a non-empty value, `{}` otherwise: empty means unknown. */
function optional<K extends string>(key: K, value: string): { [P in K]?: string } {
  return (value === '' ? {} : { [key]: value }) as { [P in K]?: string };
}

function optionalChild<K extends string>(parent: Element, key: K, name: string): { [P in K]?: string } {
  const element = findChildElement(parent, LTV_SDO_NS, name);
  return optional(key, element ? textOf(element) : '');
}

function auditEventOf(event: Element): AuditEvent {
  const type = requiredAttribute(event, 'Type');
  if (!AUDIT_EVENT_TYPES.has(type)) throw new Error(`unknown audit event type "${type}"`);
  const detail = findChildElement(event, LTV_SDO_NS, 'Detail');
  return {
    time: dateOf(requiredAttribute(event, 'Time')),
    type: type as AuditEventType,
    ...(detail ? { detail: textOf(detail) } : {}),
  };
}
