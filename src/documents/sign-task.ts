import type { ServiceAccount } from '../auth/service-registry';
import type { DocumentToSign, EidMethod, Signer } from '../eid/eid-method';
import { findEidMethod } from '../eid/methods';
import { ParaphError } from '../errors';
import { sha256 } from '../signing/der';
import { writeLtvSdo, type AuditEvent, type LtvSdoInput } from '../signing/ltv-sdo';
import { readOcspResponse } from '../signing/ocsp';
import { verifyChain } from '../signing/verify-chain';
import type { DocumentRow, TaskDocumentRow, TaskRow } from '../store/document-store';
import type { DocumentDeps } from './deps';
import { archiveDocumentUrl, orderDocumentUrl } from './document-urls';
import { loadRequest, loadTask, requireWaiting } from './load-request';
import { recordEvent } from './record-event';
import { baseMediaType, isSignableMediaType } from './request-plan';
import type { Document, Task } from './wire-types';

export const LTV_SDO_MIME_TYPE = 'application/x-ltv-sdo';

export interface SignTaskInput {
  readonly method: string;
  readonly signer: Signer;
  /** Ids of optional sign actions the signer chose to sign as well; other optional ones are skipped. */
  readonly optionalDocuments?: readonly string[];
  /**
   * What the signer uploads for the task's upload actions, each an SDS document of the service (PDF or
   * plain text). Mandatory upload actions need one; optional ones without one are skipped.
   */
  readonly uploads?: ReadonlyArray<{ readonly documentId: string; readonly sdsId: string }>;
  readonly client?: { readonly ip?: string; readonly userAgent?: string };
}

export interface SignedDocument {
  readonly documentId: string;
  readonly action: 'sign' | 'view' | 'upload' | 'skipped';
  readonly resultUri?: string;
  readonly archiveId?: string;
}

export interface SignTaskResult {
  readonly requestId: string;
  readonly taskId: string;
  readonly status: 'completed';
  readonly documents: SignedDocument[];
}

/**
 * Names clients put in a task's `signature/method` or `authentication-based-signature/method` that
 * each of our methods answers to: Signicat has several names for one eID (desktop, mobile, LTV).
 */
const METHOD_ALIASES: Readonly<Record<string, readonly string[]>> = {
  'nbid-sign': ['nbid-sign', 'nbid-mobil-sign', 'nbid-ltv-sign', 'nbid', 'nbid-mobil'],
  'nemid-sign': ['nemid-sign', 'nemid'],
  'sbid-sign': ['sbid-sign', 'sbid'],
  'nets-sms': ['nets-sms', 'nets-otp', 'scid-otp', 'otp-sign'],
  'email-otp': ['email-otp', 'email-sign'],
};

function checkMethodAllowed(task: Task, method: EidMethod): void {
  const listed = [...(task.signature ?? []), ...(task.authenticationBasedSignature ?? [])].flatMap(
    (s) => s.method?.map((m) => m.value ?? '') ?? [],
  );
  if (listed.length === 0) return;
  const names = METHOD_ALIASES[method.name] ?? [method.name];
  if (listed.some((m) => names.includes(m))) return;
  throw new ParaphError('SIGNATURE_METHOD_NOT_ALLOWED', `Task allows ${listed.join(', ')}, not ${method.name}`);
}

function normaliseNationalId(value: string): string {
  return value.replace(/[\s-]/g, '');
}

function checkDependencies(deps: DocumentDeps, requestId: string, task: Task): void {
  const pending = (task.dependsOnTask ?? []).filter((id) => deps.store.task(requestId, id)?.status !== 'completed');
  if (pending.length === 0) return;
  throw new ParaphError('TASK_DEPENDENCIES_PENDING', `Task ${task.id ?? ''} waits for ${pending.join(', ')}`);
}

interface PlannedAction {
  readonly row: TaskDocumentRow;
  readonly document: DocumentRow;
  readonly outcome: 'sign' | 'view' | 'upload' | 'skipped';
}

function planActions(
  actions: readonly TaskDocumentRow[],
  documents: ReadonlyMap<string, DocumentRow>,
  optional: readonly string[],
  uploads: readonly string[],
): PlannedAction[] {
  for (const id of optional) {
    if (!actions.some((a) => a.documentId === id && a.actionType === 'sign' && a.optional === 1)) {
      throw new ParaphError('OPTIONAL_DOCUMENT_UNKNOWN', `Document ${id} is not an optional sign action of the task`);
    }
  }
  for (const id of uploads) {
    const action = actions.find((a) => a.documentId === id && a.actionType === 'upload');
    if (!action) throw new ParaphError('UPLOAD_DOCUMENT_UNKNOWN', `Document ${id} is not an upload action of the task`);
    if (documents.get(id)?.blob) throw new ParaphError('UPLOAD_DOCUMENT_UNKNOWN', `Document ${id} has its content already`);
  }
  return actions.flatMap((row): PlannedAction[] => {
    const document = documents.get(row.documentId);
    if (!document) return [];
    if (row.actionType === 'view') return [{ row, document, outcome: 'view' }];
    if (row.actionType === 'upload') {
      if (uploads.includes(row.documentId)) return [{ row, document, outcome: 'upload' }];
      if (row.optional === 0) {
        throw new ParaphError('UPLOAD_REQUIRED', `The task asks the signer to upload document ${row.documentId}`);
      }
      return [{ row, document, outcome: 'skipped' }];
    }
    if (row.actionType !== 'sign') return [];
    const chosen = row.optional === 0 || optional.includes(row.documentId);
    return [{ row, document, outcome: chosen ? 'sign' : 'skipped' }];
  });
}

/** The bytes a sign action signs: the document's own, or for a result-document the referenced original. */
function originalOf(deps: DocumentDeps, requestId: string, document: DocumentRow, all: ReadonlyMap<string, DocumentRow>): DocumentRow {
  if (document.blob !== null) return document;
  const definition = JSON.parse(document.definition) as Document;
  const referenced = definition.refDocumentId === undefined ? undefined : all.get(definition.refDocumentId);
  if (referenced?.blob) return referenced;
  throw new ParaphError('DOCUMENT_NOT_FOUND', `Document ${document.documentId} of request ${requestId} has no content to sign`);
}

/** An uploaded document: the bytes of the SDS document it came from, which the order will name too. */
interface Upload {
  readonly sdsId: string;
  readonly blob: string;
  readonly mimeType: string;
}

/**
 * The SDS documents the signer uploads, checked (the service's own, live, PDF or plain text). The order
 * names their bytes once the task completes, in that transaction (blob-refs.ts), so that SDS retention
 * cannot take them from it.
 */
function takeUploads(
  deps: DocumentDeps,
  service: ServiceAccount,
  uploads: ReadonlyArray<{ readonly documentId: string; readonly sdsId: string }>,
): Map<string, Upload> {
  const now = deps.clock.now().toISOString();
  return new Map(
    uploads.map(({ documentId, sdsId }): [string, Upload] => {
      const sds = deps.store.liveSdsBlob(service.name, sdsId, now);
      if (!sds) throw new ParaphError('SDS_DOCUMENT_NOT_FOUND', `SDS document ${sdsId} not found`);
      if (!isSignableMediaType(baseMediaType(sds.contentType))) {
        throw new ParaphError(
          'DOCUMENT_TYPE_UNSUPPORTED',
          `SDS document ${sdsId} is ${sds.contentType}; an upload is application/pdf or text/plain`,
        );
      }
      return [documentId, { sdsId, blob: sds.blob, mimeType: sds.contentType }];
    }),
  );
}

/**
 * Signs a waiting task as one signer with one eID method: the code path of the portal and of the
 * emulator control API alike. For every sign action (the mandatory ones and the chosen optional ones)
 * the eID makes its native signature; Paraph checks it (chain, revocation), wraps it with the
 * original, the validation data and an audit trail in an LTV-SDO sealed with the service's seal
 * (XAdES B-LT), and keeps it. What the signer uploads for upload actions is checked before. Then, in
 * one transaction, the task is completed, results, uploads and archive copies are
 * recorded and the history is written.
 */
export async function signTask(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string,
  taskId: string,
  input: SignTaskInput,
): Promise<SignTaskResult> {
  const request = loadRequest(deps, service.name, requestId);
  const task = loadTask(deps, request, taskId);
  requireWaiting(task);
  const definition = JSON.parse(task.definition) as Task;
  checkDependencies(deps, request.id, definition);
  const method = findEidMethod(input.method);
  checkMethodAllowed(definition, method);
  method.checkNationalId(input.signer.nationalId);
  if (task.subjectNationalId && normaliseNationalId(task.subjectNationalId) !== normaliseNationalId(input.signer.nationalId)) {
    throw new ParaphError('SIGNER_NOT_ALLOWED', `Task ${task.taskId} is for another person`);
  }

  const documents = new Map(deps.store.documents(request.id).map((d) => [d.documentId, d]));
  const actions = deps.store.taskDocuments(request.id).filter((a) => a.taskId === task.taskId);
  const planned = planActions(
    actions,
    documents,
    input.optionalDocuments ?? [],
    (input.uploads ?? []).map((u) => u.documentId),
  );
  const shownAt = deps.clock.now();

  const credential = await deps.pki.signerCredential(method, input.signer);
  const issuer = credential.chain[0];
  if (!issuer) throw new Error('a signer credential without its issuer');
  // What a relying party does before it accepts an eID signature: ask OCSP, and check the path. The
  // OCSP response is made while the eID signs (its RSA signature runs on the thread pool); nothing is
  // kept before it has said good, so a revoked or locked certificate signs nothing.
  const ocspAnswer = deps.pki.ocspResponseFor(credential.certificate, issuer).then((der) => {
    const status = readOcspResponse(der).status;
    if (status.status !== 'good') {
      throw new ParaphError('EID_CERTIFICATE_REVOKED', `The signer's ${method.name} certificate is ${status.status}`);
    }
    return der;
  });
  ocspAnswer.catch(() => undefined); // awaited below; this only keeps an early rejection from being unhandled
  const signedAt = deps.clock.now();
  verifyChain(credential.certificate, credential.chain, [await deps.pki.caCertificate(method.family, 'root')], signedAt);

  const seal = await deps.pki.seal(service.name);
  const sealOcsp = await deps.pki.sealOcspResponse(seal);
  const tsa = await deps.pki.tsa();
  const sealValidation = {
    certificates: [...seal.chain, tsa.credential.certificate, ...tsa.credential.chain],
    ocspResponses: sealOcsp ? [sealOcsp] : [],
  };

  const uploaded = takeUploads(deps, service, input.uploads ?? []);
  const results: Array<{ action: PlannedAction; blob: string }> = [];
  try {
    for (const action of planned) {
      if (action.outcome !== 'sign') continue;
      const original = originalOf(deps, request.id, action.document, documents);
      const bytes = await deps.blobs.read(original.blob as string);
      const document: DocumentToSign = {
        id: action.document.documentId,
        mimeType: original.mimeType === 'text/plain' ? 'text/plain' : 'application/pdf',
        description: action.document.description ?? original.description ?? '',
        bytes,
        // Hashed once here; the eID's signature, its core validation and the result all need it.
        digest: sha256(bytes),
      };
      const native = await method.sign({
        document,
        signer: input.signer,
        credential,
        time: signedAt,
        context: {
          service: service.name,
          requestId: request.id,
          taskId: task.taskId,
          serviceDisplayName: service.name,
          ...(input.client?.ip !== undefined ? { clientIp: input.client.ip } : {}),
          ...(input.client?.userAgent !== undefined ? { userAgent: input.client.userAgent } : {}),
        },
      });
      // Core validation, as a relying party does before accepting an eID signature. Our own eID
      // failing it is a bug, not the signer's mistake: it surfaces as an internal error.
      method.verify(native, document);
      const ocsp = await ocspAnswer;
      const validatedAt = deps.clock.now();
      const auditTrail: AuditEvent[] = [
        { time: shownAt, type: 'document-shown', detail: document.id },
        { time: signedAt, type: 'signature-created', detail: method.name },
        { time: validatedAt, type: 'core-validation-succeeded' },
        { time: validatedAt, type: 'path-validation-succeeded' },
        { time: validatedAt, type: 'revocation-check-succeeded', detail: 'OCSP good' },
      ];
      const ltvSdo: LtvSdoInput = {
        signer: {
          nationalId: input.signer.nationalId,
          nationality: method.nationalityOf(input.signer.nationalId),
          firstName: input.signer.firstName,
          lastName: input.signer.lastName,
        },
        // An eID that embeds the document in its own signature (BankID's SEID-SDO, NemID's signtext)
        // already carries it: the result keeps its digest here rather than a second copy.
        document: { ...document, inclusion: method.documentOf ? 'digest' : 'embedded' },
        native: {
          method: method.name,
          format: native.format,
          mimeType: native.mimeType,
          data: native.data,
          signerCertificate: native.signerCertificate,
          chain: credential.chain,
          ocspResponses: [ocsp],
        },
        auditTrail,
        ...(input.client ? { client: input.client } : {}),
        server: { service: service.name, requestId: request.id, taskId: task.taskId, version: deps.serverVersion },
        time: validatedAt,
        seal,
        timestamp: (imprint: Buffer) => deps.pki.timestampToken(imprint),
        sealValidation,
      };
      // The result is written as it is made: the native signature's megabytes go to disk (and are
      // flushed) while the seal is computed, then the seal is appended and the file committed.
      const writer = await deps.blobs.create();
      try {
        await writeLtvSdo(ltvSdo, (chunks) => writer.write(chunks));
        results.push({ action, blob: await writer.commit() });
      } catch (error) {
        await writer.abort();
        throw error;
      }
    }
    await ocspAnswer; // also when the task has nothing to sign: the signer still authenticated with it
  } catch (error) {
    await Promise.all(results.map((r) => deps.blobs.remove(r.blob)));
    throw error;
  }

  const result = await complete(deps, service, request.id, task, definition, method, input, planned, results, uploaded, shownAt, signedAt);
  await deps.onTaskEnded?.(service, request.id);
  return result;
}

async function complete(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string,
  task: TaskRow,
  definition: Task,
  method: EidMethod,
  input: SignTaskInput,
  planned: readonly PlannedAction[],
  results: ReadonlyArray<{ action: PlannedAction; blob: string }>,
  uploaded: ReadonlyMap<string, Upload>,
  shownAt: Date,
  signedAt: Date,
): Promise<SignTaskResult> {
  let documents: SignedDocument[];
  try {
    documents = await deps.store.commit(() => {
      const out: SignedDocument[] = [];
      // Another signature may have completed the task while this one was being made.
      requireWaiting(deps.store.task(requestId, task.taskId) as TaskRow);
      const now = deps.clock.now().toISOString();
      recordEvent(deps, service.name, requestId, task.taskId, 'task-started', undefined, shownAt);
      recordEvent(deps, service.name, requestId, task.taskId, 'user-authenticated', method.name, shownAt);
      const archivedOriginals = new Set<string>();
      for (const action of planned) {
        const documentId = action.document.documentId;
        if (action.outcome === 'view') {
          recordEvent(deps, service.name, requestId, task.taskId, 'document-viewed', documentId, shownAt);
          out.push({ documentId, action: 'view' });
          continue;
        }
        if (action.outcome === 'skipped') {
          // An optional upload left out is no cancelled signature: nothing happened to record.
          if (action.row.actionType === 'sign') {
            recordEvent(deps, service.name, requestId, task.taskId, 'document-sign-cancelled', documentId, signedAt);
          }
          out.push({ documentId, action: 'skipped' });
          continue;
        }
        if (action.outcome === 'upload') {
          const upload = uploaded.get(documentId) as Upload;
          // The SDS document may have been deleted while the signature was being made.
          if (deps.store.liveSdsBlob(service.name, upload.sdsId, now)?.blob !== upload.blob) {
            throw new ParaphError('SDS_DOCUMENT_NOT_FOUND', `SDS document ${upload.sdsId} not found`);
          }
          // Another signature may have given it content meanwhile (an upload action in two tasks).
          if (!deps.store.setUploadedContent(requestId, documentId, deps.store.shareBlob(upload.blob), upload.mimeType)) {
            throw new ParaphError('UPLOAD_DOCUMENT_UNKNOWN', `Document ${documentId} has its content already`);
          }
          recordEvent(deps, service.name, requestId, task.taskId, 'document-uploaded', documentId, signedAt);
          if ((JSON.parse(action.document.definition) as Document).sendToArchive) {
            const blob = deps.store.shareBlob(upload.blob);
            deps.store.insertArchiveDocument({ id: deps.ids.documentId(), service: service.name, mimeType: upload.mimeType, blob, createdAt: now });
          }
          out.push({ documentId, action: 'upload' });
          continue;
        }
        const result = results.find((r) => r.action === action) as { blob: string };
        const documentDefinition = JSON.parse(action.document.definition) as Document;
        if (documentDefinition.sendToArchive && action.document.blob && !archivedOriginals.has(documentId)) {
          archivedOriginals.add(documentId);
          const blob = deps.store.shareBlob(action.document.blob);
          deps.store.insertArchiveDocument({
            id: deps.ids.documentId(),
            service: service.name,
            mimeType: action.document.mimeType ?? 'application/octet-stream',
            blob,
            createdAt: now,
          });
        }
        let archiveId: string | null = null;
        // task_documents.seq is the action's index in the task's document-action list.
        if (definition.documentAction?.[action.row.seq]?.sendResultToArchive) {
          archiveId = deps.ids.documentId();
          const blob = deps.store.shareBlob(result.blob);
          deps.store.insertArchiveDocument({ id: archiveId, service: service.name, mimeType: LTV_SDO_MIME_TYPE, blob, createdAt: now });
        }
        deps.store.insertSignedResult({
          requestId,
          taskId: task.taskId,
          documentId,
          service: service.name,
          method: method.name,
          mimeType: LTV_SDO_MIME_TYPE,
          blob: result.blob,
          archiveId,
          signedAt: signedAt.toISOString(),
        });
        recordEvent(deps, service.name, requestId, task.taskId, 'document-signed', documentId, signedAt);
        out.push({
          documentId,
          action: 'sign',
          resultUri:
            archiveId === null
              ? orderDocumentUrl(deps.publicBaseUrl, service.name, requestId, task.taskId, documentId, 'sdo')
              : archiveDocumentUrl(deps.publicBaseUrl, service.name, archiveId),
          ...(archiveId === null ? {} : { archiveId }),
        });
      }
      deps.store.setTaskStatus(task.pk, 'completed', now);
      deps.store.setTaskSigner(task.pk, `${input.signer.firstName} ${input.signer.lastName}`.trim());
      recordEvent(deps, service.name, requestId, task.taskId, 'task-completed', method.name, signedAt);
      return out;
    });
  } catch (error) {
    // The results are this call's own files; the counts on shared bytes went with the transaction.
    await Promise.all(results.map((r) => deps.blobs.remove(r.blob)));
    throw error;
  }
  return { requestId, taskId: task.taskId, status: 'completed', documents };
}
