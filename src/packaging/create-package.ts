import type { ServiceAccount } from '../auth/service-registry';
import { ParaphError } from '../errors';
import { sha256 } from '../signing/der';
import { LTV_SDO_MIME_TYPE } from '../signing/ltv-sdo';
import { createPades } from './create-pades';
import type { PackagingDeps } from './deps';
import { resolveDocument, type DocumentIdRef } from './resolve-document';
import { validateLtvSdo, type TrustAnchors, type ValidatedSdo } from './validate-ltv-sdo';

export const PADES_MIME_TYPE = 'application/x-pades';

export interface CreatePackageInput {
  readonly validationPolicy?: string;
  readonly packagingMethod?: string;
  readonly sendResultToArchive?: boolean;
  readonly sdo?: readonly DocumentIdRef[];
  readonly sdoExtended?: ReadonlyArray<{ readonly sdo?: DocumentIdRef; readonly supplementaryData?: { readonly originalDocument?: DocumentIdRef } }>;
}

export interface CreatedPackage {
  /** An SDS id, or an archive id when the result went to the archive. */
  readonly id: string;
  readonly archived: boolean;
}

function trustAnchors(deps: PackagingDeps): TrustAnchors {
  const pki = deps.documents.pki;
  return {
    eidRoot: (method) => pki.caCertificate(method.family, 'root'),
    sealRoots: () => pki.sealRoots(),
  };
}

/**
 * PackagingService create-package with `pades`: validates every SDO with the `ltvsdo-validator` policy,
 * checks they sign one document, and makes one PAdES (original pages, signature page, the SDOs
 * attached, sealed B-LTA with the service's seal). The package goes to SDS as `application/x-pades`, or
 * to the archive. Synchronous, as Signicat's is: the package exists when the call returns.
 */
export async function createPackage(deps: PackagingDeps, service: ServiceAccount, input: CreatePackageInput): Promise<CreatedPackage> {
  const method = (input.packagingMethod ?? '').trim();
  if (method !== 'pades') {
    throw new ParaphError('PACKAGING_METHOD_UNSUPPORTED', `packaging-method "${method.slice(0, 40)}" is not offered; use pades`);
  }
  const policy = (input.validationPolicy ?? 'ltvsdo-validator').trim();
  if (policy !== 'ltvsdo-validator') {
    throw new ParaphError('VALIDATION_POLICY_UNSUPPORTED', `validation-policy "${policy.slice(0, 40)}" is not offered; use ltvsdo-validator`);
  }
  const entries = [
    ...(input.sdo ?? []).map((ref) => ({ ref, original: undefined as DocumentIdRef | undefined })),
    ...(input.sdoExtended ?? []).map((e) => ({ ref: e.sdo, original: e.supplementaryData?.originalDocument })),
  ];
  if (entries.length === 0) throw new ParaphError('FIELD_REQUIRED', 'create-package needs at least one sdo');

  const trust = trustAnchors(deps);
  const validated: ValidatedSdo[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!entry.ref) throw new ParaphError('FIELD_REQUIRED', 'sdo-extended needs its sdo');
    const original = entry.original ? (await resolveDocument(deps.documents, deps.sds, service, entry.original))[0]?.bytes : undefined;
    for (const sdo of await resolveDocument(deps.documents, deps.sds, service, entry.ref)) {
      const key = sha256(sdo.bytes).toString('hex');
      if (seen.has(key)) continue;
      seen.add(key);
      validated.push(await validateLtvSdo(sdo.bytes, sdo.label, trust, original));
    }
  }

  const first = validated[0]!;
  if (validated.some((v) => !v.summary.document.digest.equals(first.summary.document.digest))) {
    throw new ParaphError('SDO_DOCUMENTS_DIFFER', 'The SDOs sign different documents; package each document on its own');
  }
  const original = validated.find((v) => v.original)?.original;
  if (!original) {
    throw new ParaphError('ORIGINAL_DOCUMENT_MISSING', 'The SDOs hold only a digest of their document; give it as supplementary-data/original-document');
  }
  // Signers in the order they signed.
  validated.sort((a, b) => a.summary.signingTime.getTime() - b.summary.signingTime.getTime());

  const documents = deps.documents;
  const seal = await documents.pki.seal(service.name);
  const tsa = await documents.pki.tsa();
  const sealOcsp = await documents.pki.sealOcspResponse(seal);
  const time = documents.clock.now();
  const pades = await createPades({
    original: {
      mimeType: first.summary.document.mimeType === 'text/plain' ? 'text/plain' : 'application/pdf',
      bytes: original,
      ...(first.summary.document.description ? { description: first.summary.document.description } : {}),
    },
    signers: validated.map((v) => ({
      name: v.summary.signer.name,
      ...(v.summary.signer.nationalId ? { nationalId: v.summary.signer.nationalId } : {}),
      ...(v.summary.signer.nationality ? { nationality: v.summary.signer.nationality } : {}),
      method: v.summary.native.method,
      signedAt: v.summary.signingTime,
    })),
    attachments: validated.map((v, i) => ({
      fileName: `signature-${i + 1}-${v.summary.server.taskId || 'task'}.ltv-sdo.xml`,
      bytes: v.bytes,
      mimeType: LTV_SDO_MIME_TYPE,
      description: `LTV-SDO: ${v.summary.signer.name}, ${v.summary.native.method}`,
    })),
    template: deps.template,
    time,
    seal,
    timestamp: (imprint) => documents.pki.timestampToken(imprint),
    validation: {
      certificates: [seal.certificate, ...seal.chain, tsa.credential.certificate, ...tsa.credential.chain],
      ocspResponses: sealOcsp ? [sealOcsp] : [],
    },
    reason: 'Sealed signed document',
    name: 'Paraph',
  });

  if (!input.sendResultToArchive) {
    const row = await deps.sds.save(service.name, PADES_MIME_TYPE, pades);
    return { id: row.id, archived: false };
  }
  const blob = await documents.blobs.writeBuffer(pades);
  const id = documents.ids.documentId();
  try {
    await documents.store.commit(() =>
      documents.store.insertArchiveDocument({ id, service: service.name, mimeType: PADES_MIME_TYPE, blob, createdAt: time.toISOString() }),
    );
  } catch (err) {
    await documents.blobs.remove(blob);
    throw err;
  }
  return { id, archived: true };
}
